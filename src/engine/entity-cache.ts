/**
 * Registered entities as the engine reads them, kept once read: an entity is
 * immutable once stored (another spec under its key is a conflict), so the
 * workflow and task specs of executions started, stepped and awaited by the
 * hundred are read and decoded from the store once, not at every start, load
 * and result. Lookups that find nothing are not kept (the entity may be
 * registered later), and the oldest entries go past `max`.
 *
 * @module
 */
import type { EntityKey, RegisteredEntity, RegisteredKind, Store } from "../store/store.js";

/**
 * Where the loader reads registered entities from: a `Store`, or an `EntityCache` over one.
 *
 * @example
 * ```ts
 * const source: EntitySource = new EntityCache(store);
 * await loadWorkflowSpecs(source, key);
 * ```
 */
export type EntitySource = Pick<Store, "getEntity">;

/**
 * `store.getEntity`, remembered.
 *
 * @example
 * ```ts
 * const entities = new EntityCache(store);
 * await entities.getEntity("workflow", key); // read from the store
 * await entities.getEntity("workflow", key); // the same entity, not read again
 * ```
 */
export class EntityCache implements EntitySource {
  private readonly byKey = new Map<string, Promise<RegisteredEntity | undefined>>();

  constructor(
    private readonly store: EntitySource,
    private readonly max = 1000,
  ) {}

  getEntity(kind: RegisteredKind, key: EntityKey): Promise<RegisteredEntity | undefined> {
    const k = `${kind}\u0000${key.project}\u0000${key.domain}\u0000${key.name}\u0000${key.version}`;
    const kept = this.byKey.get(k);
    if (kept) return kept;
    const read = this.store.getEntity(kind, key).then(
      (e) => {
        if (!e) this.byKey.delete(k);
        return e;
      },
      (error: unknown) => {
        this.byKey.delete(k);
        throw error;
      },
    );
    if (this.byKey.size >= this.max) this.byKey.delete(this.byKey.keys().next().value!);
    this.byKey.set(k, read);
    return read;
  }
}
