/**
 * Where `aloft get` and the commands that act on executions read from: the
 * database (`--db`, default `.aloft/aloft.db`) or a server (`--remote URL`).
 * Both answer in the API's shapes (`ExecutionInfo`, `NodeExecutionInfo`,
 * ...), so `--json` prints the same thing either way.
 *
 * @module
 */
import { AloftClient, ClientError, type ExecutionQuery } from "../../client/client.js";
import type { EntityInfo, EntityVersions, ExecutionInfo, ExecutionPage, NodeExecutionInfo, RegisteredKind } from "../../server/schemas.js";
import { StoredValues } from "../../server/stored-values.js";
import { entityInfo, entityVersions, executionInfo, executionSummary, groupByName, nodeInfo } from "../../server/views.js";
import { engineLockHolder, type EngineLockHolder } from "../../store/sqlite/engine-lock.js";
import type { ExecutionFilter } from "../../store/store.js";
import { AloftError } from "../../errors.js";
import type { CliContext } from "../context.js";
import { CONFIG_FILE, tokenHelp } from "../server-config.js";
import { UsageError } from "../errors.js";
import { openDatabase, requireExecution, valuesStoreOf, type OpenDatabase } from "./database.js";
import { dbFlagOf } from "../run/engine-backend.js";

/** What the engine commands read. */
export interface ReadSource {
  /** Where it reads from, for messages: `.aloft/aloft.db`, `http://127.0.0.1:8080`. */
  readonly where: string;
  /** The flag that names this source in commands shown to the user (` --db other.db`, ` --remote URL`; empty for the default). */
  readonly flag: string;
  listExecutions(query: ExecutionQuery): Promise<ExecutionPage>;
  getExecution(id: string): Promise<ExecutionInfo>;
  listNodes(id: string): Promise<NodeExecutionInfo[]>;
  listEntities(kind: RegisteredKind, filter?: { readonly project?: string; readonly domain?: string }): Promise<EntityVersions[]>;
  /**
   * One registered version of an entity, with its interface and spec: the
   * version given, else the latest; the project and domain given, else the
   * only ones the name is registered in.
   *
   * @throws UsageError naming what is not registered, or the projects to choose from.
   */
  getEntity(kind: RegisteredKind, ref: EntityLookup): Promise<EntityInfo>;
  /**
   * Which engine runs the executions of this source, for a running one: the
   * process holding the database's engine lock (`undefined`: none, so nothing
   * advances them), or `"server"` for a server (it is the engine).
   */
  engine(): Promise<EngineLockHolder | "server" | undefined>;
  close(): Promise<void>;
}

/** Which registered entity `aloft get task|workflow|launchplan` shows. */
export interface EntityLookup {
  readonly name: string;
  readonly version?: string | undefined;
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
}

const KIND_LABELS: Readonly<Record<RegisteredKind, string>> = { task: "task", workflow: "workflow", launchPlan: "launch plan" };

/**
 * The versions of the entity a lookup names, from every registered name of
 * its kind: the one project and domain it is in (or those given).
 *
 * @throws UsageError when the name is not registered there, or is in several projects or domains and none was given.
 *
 * @example
 * ```ts
 * const versions = pickEntity("task", await source.listEntities("task"), { name: "sq" }, " --db x.db");
 * ```
 */
export function pickEntity(kind: RegisteredKind, all: readonly EntityVersions[], ref: EntityLookup, flag: string): EntityVersions {
  const label = KIND_LABELS[kind];
  const named = all.filter((e) => e.name === ref.name && (ref.project === undefined || e.project === ref.project) && (ref.domain === undefined || e.domain === ref.domain));
  const where = ref.project === undefined && ref.domain === undefined ? "" : ` in ${ref.project ?? "any project"}/${ref.domain ?? "any domain"}`;
  const list = { task: "tasks", workflow: "workflows", launchPlan: "launchplans" }[kind];
  if (named.length === 0) throw new UsageError(`no ${label} ${JSON.stringify(ref.name)} is registered${where}; aloft get ${list}${flag} lists those that are`);
  if (named.length > 1) {
    const places = named.map((e) => `${e.project}/${e.domain}`).join(", ");
    throw new UsageError(`${label} ${JSON.stringify(ref.name)} is registered in ${places}: choose one with --project and --domain`);
  }
  const one = named[0]!;
  if (ref.version !== undefined && !one.versions.some((v) => v.version === ref.version)) {
    const known = one.versions.slice(0, 5).map((v) => v.version).join(", ");
    throw new UsageError(`${label} ${JSON.stringify(ref.name)} has no version ${JSON.stringify(ref.version)} in ${one.project}/${one.domain} (its versions, newest first: ${known}${one.versions.length > 5 ? ", ..." : ""})`);
  }
  return one;
}

/** The flags that choose a source. */
export interface SourceFlags {
  readonly db?: string;
  readonly remote?: string;
  readonly token?: string;
}

function ms(t: Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  return (t instanceof Date ? t : new Date(t)).getTime();
}

/**
 * The store's filter for an API query.
 *
 * @example
 * ```ts
 * storeFilter({ workflow: "wf", createdAfter: new Date(0) }); // { workflowName: "wf", createdAfter: 0 }
 * ```
 */
export function storeFilter(q: ExecutionQuery): ExecutionFilter {
  const after = ms(q.createdAfter);
  const before = ms(q.createdBefore);
  return {
    ...(q.project === undefined ? {} : { project: q.project }),
    ...(q.domain === undefined ? {} : { domain: q.domain }),
    ...(q.workflow === undefined ? {} : { workflowName: q.workflow }),
    ...(q.launchPlan === undefined ? {} : { launchPlanName: q.launchPlan }),
    ...(q.phase === undefined ? {} : { phase: q.phase }),
    ...(after === undefined ? {} : { createdAfter: after }),
    ...(before === undefined ? {} : { createdBefore: before }),
    ...(q.parent === undefined ? {} : { parentId: q.parent }),
  };
}

/** The database as a source. */
class DatabaseSource implements ReadSource {
  readonly where: string;
  readonly flag: string;
  /** Large values, read back from the engine's value store beside the database (as the API shows them). */
  private readonly values: StoredValues;
  constructor(readonly db: OpenDatabase) {
    this.where = db.ref.shown;
    this.flag = dbFlagOf(db.ref);
    this.values = new StoredValues(valuesStoreOf(db.ref));
  }

  async listExecutions(q: ExecutionQuery): Promise<ExecutionPage> {
    const page = await this.db.engine.list(storeFilter(q), { limit: q.limit ?? 50, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) });
    return { items: page.items.map(executionSummary), ...(page.next === undefined ? {} : { next: page.next }) };
  }

  async getExecution(id: string): Promise<ExecutionInfo> {
    return executionInfo(await this.values.execution(await requireExecution(this.db, id)));
  }

  async listNodes(id: string): Promise<NodeExecutionInfo[]> {
    await requireExecution(this.db, id);
    return Promise.all((await this.db.engine.nodes(id)).map(async (row) => nodeInfo(await this.values.node(row))));
  }

  async listEntities(kind: RegisteredKind, filter: { readonly project?: string; readonly domain?: string } = {}): Promise<EntityVersions[]> {
    return groupByName(await this.db.store.listEntities(kind, filter)).map(entityVersions);
  }

  async getEntity(kind: RegisteredKind, ref: EntityLookup): Promise<EntityInfo> {
    const one = pickEntity(kind, await this.listEntities(kind, { ...(ref.project === undefined ? {} : { project: ref.project }), ...(ref.domain === undefined ? {} : { domain: ref.domain }) }), ref, this.flag);
    const key = { project: one.project, domain: one.domain, name: one.name, version: ref.version ?? one.latestVersion };
    const e = await this.db.store.getEntity(kind, key);
    if (!e) throw new UsageError(`${KIND_LABELS[kind]} ${JSON.stringify(ref.name)} version ${JSON.stringify(key.version)} is not registered in ${key.project}/${key.domain}`);
    return entityInfo(this.db.store, e);
  }

  engine(): Promise<EngineLockHolder | undefined> {
    return engineLockHolder(this.db.ref.path);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * A client error as one line and an exit code: what the server refused (4xx)
 * and a server that cannot be reached are usage errors (exit 2: nothing was
 * done), anything else (a stream that broke off) a failure.
 *
 * @example
 * ```ts
 * await client.getExecution(id).catch((e: unknown) => { throw remoteError(e); });
 * ```
 */
export function remoteError(e: unknown): unknown {
  if (e instanceof ClientError && e.code === "unauthorized") {
    // The server says whether a token was sent (a wrong one) or none was.
    const sent = e.message.includes("is not this server's token");
    const how = sent ? `pass the right one with --token <token>, $ALOFT_TOKEN or "token" in ${CONFIG_FILE}` : tokenHelp();
    return new UsageError(`${e.message}; ${how}`, { cause: e });
  }
  if (e instanceof ClientError && ((e.status >= 400 && e.status < 500) || e.code === "unreachable" || e.code === "invalid_url")) return new UsageError(e.message, { cause: e });
  if (e instanceof ClientError) return new AloftError(e.message, { cause: e });
  return e;
}

/** A server as a source. */
class RemoteSource implements ReadSource {
  readonly where: string;
  readonly flag: string;
  constructor(readonly client: AloftClient) {
    this.where = client.baseUrl;
    this.flag = ` --remote ${client.baseUrl}`;
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw remoteError(e);
    }
  }

  listExecutions(q: ExecutionQuery): Promise<ExecutionPage> {
    return this.call(() => this.client.listExecutions(q));
  }
  getExecution(id: string): Promise<ExecutionInfo> {
    return this.call(() => this.client.getExecution(id));
  }
  listNodes(id: string): Promise<NodeExecutionInfo[]> {
    return this.call(() => this.client.listNodes(id));
  }
  listEntities(kind: RegisteredKind, filter: { readonly project?: string; readonly domain?: string } = {}): Promise<EntityVersions[]> {
    return this.call(() => this.client.listEntities(kind, filter));
  }
  async getEntity(kind: RegisteredKind, ref: EntityLookup): Promise<EntityInfo> {
    const one = pickEntity(kind, await this.listEntities(kind, { ...(ref.project === undefined ? {} : { project: ref.project }), ...(ref.domain === undefined ? {} : { domain: ref.domain }) }), ref, this.flag);
    return this.call(() => this.client.getEntity(kind, { project: one.project, domain: one.domain, name: one.name, version: ref.version ?? one.latestVersion }));
  }
  engine(): Promise<"server"> {
    return Promise.resolve("server");
  }
  async close(): Promise<void> {}
}

/**
 * The client of `--remote URL`, with `--token` or `$ALOFT_TOKEN`.
 *
 * @throws UsageError for a URL that is not one.
 *
 * @example
 * ```ts
 * remoteClient({ remote: "http://127.0.0.1:8080" }).baseUrl; // "http://127.0.0.1:8080"
 * ```
 */
export function remoteClient(flags: { readonly remote: string; readonly token?: string }): AloftClient {
  try {
    return new AloftClient({ baseUrl: flags.remote, token: flags.token ?? process.env["ALOFT_TOKEN"] });
  } catch (e) {
    throw new UsageError(`--remote: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * The source the flags name: `--remote URL`, else `--db PATH` (default `.aloft/aloft.db`).
 *
 * @throws UsageError when both are given; MissingDatabaseError when the database does not exist.
 *
 * @example
 * ```ts
 * const source = await openSource(ctx, flags);
 * try { (await source.listExecutions({ phase: "failed" })).items; } finally { await source.close(); }
 * ```
 */
export async function openSource(ctx: CliContext, flags: SourceFlags): Promise<ReadSource> {
  if (flags.remote !== undefined && flags.db !== undefined) throw new UsageError("--db and --remote cannot be given together");
  if (flags.remote !== undefined) return new RemoteSource(remoteClient({ remote: flags.remote, ...(flags.token === undefined ? {} : { token: flags.token }) }));
  return new DatabaseSource(await openDatabase(ctx, flags.db));
}
