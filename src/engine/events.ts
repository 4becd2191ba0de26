/**
 * The events the engine's state machine applies to an execution, and what a
 * task item tells its worker. Each event is stored in the inbox before it is
 * applied, so none is lost in a crash; the vocabulary is defined at the store
 * port (`../store/events.ts`), which persists and decodes it.
 *
 * @module
 */
export type {
  StartEvent,
  TaskSucceededEvent,
  TaskFailedEvent,
  TaskSystemFailedEvent,
  TaskLostEvent,
  TimerEvent,
  SignalEvent,
  ApprovalEvent,
  AbortEvent,
  ChildEndedEvent,
  EngineEvent,
  TaskResultEvent,
  TaskItemOptions,
} from "../store/events.js";
