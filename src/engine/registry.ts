/**
 * Registering entities with the engine: every spec of an entity's compiled
 * bundle is stored under `(project, domain, name, version)`, immutable once
 * stored. The version defaults to a hash of the compiled specs.
 *
 * @module
 */
import type { Identifier } from "../idl/core.js";
import { compileBundle, type CompileOptions } from "../compiler/compile.js";
import type { EntityLike } from "../sdk/entity.js";
import type { Workflow } from "../sdk/workflow-builder.js";
import type { EntityKey, RegisteredKind, Store } from "../store/store.js";
import { specDigest } from "./digest.js";
import { entityKey } from "./step.js";

/** What a registration stored. */
export interface Registration {
  /** The kind and key of the entity registered. */
  readonly kind: RegisteredKind;
  readonly key: EntityKey;
  /** Every entity stored (the entity and everything it references), and whether it was new. */
  readonly entities: readonly { readonly kind: RegisteredKind; readonly key: EntityKey; readonly created: boolean }[];
}

function kindOf(id: Identifier): RegisteredKind {
  return id.resourceType === "TASK" ? "task" : id.resourceType === "LAUNCH_PLAN" ? "launchPlan" : "workflow";
}

/**
 * Compiles an entity and registers every spec of its bundle. Registering the
 * same content again changes nothing; different content under an existing
 * version is a `RegistryConflictError`, and then nothing more is stored.
 *
 * @example
 * ```ts
 * const reg = await registerEntity(store, regression, { project: "flytesnacks", domain: "development" });
 * reg.key.version; // "3f1c9a0b7d2e4f61"
 * ```
 */
export async function registerEntity(store: Store, entity: EntityLike | Workflow, options: CompileOptions = {}): Promise<Registration> {
  const bundle = compileBundle(entity, options);
  const now = Date.now();
  const specs: { kind: RegisteredKind; key: EntityKey; spec: object }[] = [];
  for (const spec of bundle.tasks.values()) specs.push({ kind: "task", key: entityKey(spec.template!.id!), spec });
  for (const spec of bundle.workflows.values()) specs.push({ kind: "workflow", key: entityKey(spec.template!.id!), spec });
  for (const [k, spec] of bundle.launchPlans) {
    const [, rest] = k.split(":", 2) as [string, string];
    const at = rest.lastIndexOf("@");
    const [project, domain, name] = rest.slice(0, at).split("/") as [string, string, string];
    specs.push({ kind: "launchPlan", key: { project, domain, name, version: rest.slice(at + 1) }, spec });
  }
  // Check every conflict before storing anything, so a conflicting registration leaves the store as it was.
  for (const s of specs) {
    const existing = await store.getEntity(s.kind, s.key);
    if (existing && existing.digest !== specDigest(s.spec)) {
      await store.registerEntity({ kind: s.kind, key: s.key, spec: s.spec, digest: specDigest(s.spec), createdAt: now });
    }
  }
  const entities: { kind: RegisteredKind; key: EntityKey; created: boolean }[] = [];
  for (const s of specs) {
    const r = await store.registerEntity({ kind: s.kind, key: s.key, spec: s.spec, digest: specDigest(s.spec), createdAt: now });
    entities.push({ kind: s.kind, key: s.key, created: r === "created" });
  }
  return { kind: kindOf(bundle.root), key: entityKey(bundle.root), entities };
}
