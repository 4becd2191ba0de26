/**
 * The `NOTIFY` channels of a PostgreSQL store: one for the engine's inbox
 * (`events`), one for the task queue (`work`), per schema.
 *
 * @module
 */

/** What a wake-up is about: the engine's inbox, or the task queue. */
export type WakeTopic = "events" | "work";

/**
 * The channel of a topic in a schema (schema names are checked identifiers).
 *
 * @example
 * ```ts
 * channelName("work", "team_a"); // "aloft_work_team_a"
 * ```
 */
export function channelName(topic: WakeTopic, schema: string | undefined): string {
  return `aloft_${topic}${schema ? `_${schema}` : ""}`;
}
