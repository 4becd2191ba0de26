/**
 * The `NOTIFY` channels of a PostgreSQL store: one for the engine's inbox
 * (`events`), one for the task queue (`work`), one for executions that ended
 * (`ended`), per schema.
 *
 * @module
 */

/**
 * What a wake-up is about: the engine's inbox (`events`), the task queue (`work`), or an execution that ended
 * (`ended`: what followers in other processes wait for, `engine.result()` among them).
 */
export type WakeTopic = "events" | "work" | "ended";

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
