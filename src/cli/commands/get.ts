/**
 * `aloft get executions|execution <id>|nodes <id>|tasks|workflows|launchplans`:
 * what the engine keeps, as tables for people or JSON for scripts (`--json`,
 * in the HTTP API's shapes), from the database (`--db`) or a server
 * (`--remote`).
 *
 * @module
 */
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import type { ExecutionQuery } from "../../client/client.js";
import { EXECUTION_PHASES, isExecutionEnded, isExecutionPhase } from "../../phases.js";
import type { EntityInfo, EntityVersions, ExecutionInfo, ExecutionSummary, InputInfo, NodeExecutionInfo, RegisteredKind } from "../../server/schemas.js";
import { parseIsoDatetime, zonelessDatetimeProblem } from "../../types/text-values.js";
import { describeHolder, type EngineLockHolder } from "../../store/sqlite/engine-lock.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { UsageError } from "../errors.js";
import { clip, duration, errorText, labelled, shortTime, table } from "../engine/format.js";
import { compareNodePaths } from "../../rules/node-order.js";
import { openSource, type ReadSource } from "../engine/source.js";
import { previewValue } from "../run/preview.js";
import { jsonText } from "../run/report.js";
import { collect, sourceOptions, wholeNumber, type SourceOptionFlags } from "./shared-options.js";

/** The flags of the `get` commands. */
interface GetFlags extends SourceOptionFlags {
  readonly filter?: string[];
  readonly limit?: number;
}



function pairs(filters: readonly string[], keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of filters) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new UsageError(`--filter takes key=value, got ${JSON.stringify(f)} (keys: ${keys.join(", ")})`);
    const key = f.slice(0, eq).toLowerCase().replace(/[_-]/g, "");
    const value = f.slice(eq + 1);
    const known = keys.find((k) => k.toLowerCase() === key);
    if (!known) throw new UsageError(`--filter ${f.slice(0, eq)}: no such filter (keys: ${keys.join(", ")})`);
    if (out.has(known)) throw new UsageError(`--filter ${known} is given twice`);
    out.set(known, value);
  }
  return out;
}

function time(key: string, value: string): Date {
  const d = parseIsoDatetime(value);
  if (d === undefined) throw new UsageError(`--filter ${key}=${value}: ${zonelessDatetimeProblem(value) ?? "expected an ISO 8601 time, e.g. 2024-01-31T12:00:00Z or 2024-01-31"}`);
  return d;
}

const EXECUTION_FILTERS = ["workflow", "launchplan", "phase", "after", "before", "project", "domain", "parent"] as const;

/**
 * The query of `aloft get executions --filter key=value ...`: `workflow=`,
 * `launchplan=`, `phase=`, `after=` and `before=` (ISO times: created at or
 * after, before), `project=`, `domain=`, `parent=`.
 *
 * @throws UsageError naming a filter that is unknown, given twice, or ill-formed.
 *
 * @example
 * ```ts
 * executionQuery(["phase=failed", "after=2024-01-31"]); // { phase: "failed", createdAfter: Date(2024-01-31) }
 * ```
 */
export function executionQuery(filters: readonly string[]): ExecutionQuery {
  const f = pairs(filters, EXECUTION_FILTERS);
  const phase = f.get("phase");
  if (phase !== undefined && !isExecutionPhase(phase)) throw new UsageError(`--filter phase=${phase}: expected one of ${EXECUTION_PHASES.join(", ")}`);
  const after = f.get("after");
  const before = f.get("before");
  const q: { -readonly [K in keyof ExecutionQuery]: ExecutionQuery[K] } = {};
  for (const [key, field] of [["workflow", "workflow"], ["launchplan", "launchPlan"], ["project", "project"], ["domain", "domain"], ["parent", "parent"]] as const) {
    const v = f.get(key);
    if (v !== undefined) q[field] = v;
  }
  if (phase !== undefined) q.phase = phase;
  if (after !== undefined) q.createdAfter = time("after", after);
  if (before !== undefined) q.createdBefore = time("before", before);
  return q;
}

function entityOf(e: ExecutionSummary): string {
  return e.launchPlan ? `launch plan ${e.launchPlan.name}` : `workflow ${e.workflow.name}`;
}

function noteOf(e: ExecutionSummary): string {
  const notes: string[] = [];
  if (e.relaunchOf) notes.push(`relaunch of ${e.relaunchOf}`);
  if (e.recoverOf) notes.push(`recovery of ${e.recoverOf}`);
  if (e.parent) notes.push(`child of ${e.parent.executionId} (${e.parent.path})`);
  if (e.error) notes.push(clip(errorText(e.error)));
  return notes.join("; ");
}

/**
 * The table of `aloft get executions`.
 *
 * @example
 * ```ts
 * executionsTable(page.items); // ["ID  ENTITY  PHASE  CREATED  DURATION  NOTE", ...]
 * ```
 */
export function executionsTable(items: readonly ExecutionSummary[]): string[] {
  if (items.length === 0) return ["no executions"];
  return table(
    ["ID", "ENTITY", "PHASE", "CREATED", "DURATION", "NOTE"],
    items.map((e) => [e.id, entityOf(e), e.phase, shortTime(e.createdAt), duration(e.startedAt, e.endedAt), noteOf(e)]),
  );
}

function nodeNote(n: NodeExecutionInfo): string {
  const notes: string[] = [];
  if (n.map) notes.push(`elements ${n.map.succeeded + n.map.failed}/${n.map.total} done${n.map.failed > 0 ? `, ${n.map.failed} failed` : ""}`);
  if (n.gate && n.phase === "waiting") notes.push(n.gate.kind === "sleep" ? "sleeping" : `waits for ${n.gate.kind === "approve" ? "an approval" : "a signal"} ${JSON.stringify(n.gate.name ?? "")}`);
  if (n.childExecutionId) notes.push(`execution ${n.childExecutionId}`);
  if (n.branch) notes.push(`took ${n.branch}`);
  if (n.recovered) notes.push("recovered");
  if (n.error) notes.push(clip(n.error));
  return notes.join("; ");
}

/**
 * The table of `aloft get nodes <id>`: each node with its phase, attempts,
 * system attempts (leases lost), cache status, times and error.
 *
 * @example
 * ```ts
 * nodesTable(nodes); // ["NODE  ENTITY  PHASE  ATTEMPTS  SYSTEM  CACHE  STARTED  DURATION  NOTE", ...]
 * ```
 */
export function nodesTable(nodes: readonly NodeExecutionInfo[]): string[] {
  if (nodes.length === 0) return ["no nodes started yet"];
  return table(
    ["NODE", "ENTITY", "PHASE", "ATTEMPTS", "SYSTEM", "CACHE", "STARTED", "DURATION", "NOTE"],
    nodes.map((n) => [n.path, n.entity, n.phase, String(n.attempts), String(n.systemAttempts), n.cacheStatus, shortTime(n.startedAt), duration(n.startedAt, n.endedAt), nodeNote(n)]),
  );
}

function countPhases(nodes: readonly NodeExecutionInfo[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.phase, (counts.get(n.phase) ?? 0) + 1);
  return [...counts].map(([phase, n]) => `${n} ${phase}`).join(", ");
}

/**
 * The lines of `aloft get execution <id>`.
 *
 * @example
 * ```ts
 * executionLines(await source.getExecution(id), await source.listNodes(id), "", await source.engine());
 * ```
 */
export function executionLines(e: ExecutionInfo, nodes: readonly NodeExecutionInfo[], flag: string, engine?: EngineLockHolder | "server"): string[] {
  const w = 13;
  const row = (label: string, value: string): string => `${label.padEnd(w)}${value}`;
  const lines = [row("execution", e.id), row("workflow", `${e.workflow.name} (version ${e.workflow.version}) in ${e.project}/${e.domain}`)];
  if (e.launchPlan) lines.push(row("launch plan", `${e.launchPlan.name} (version ${e.launchPlan.version})`));
  lines.push(row("phase", e.phase));
  if (!isExecutionEnded(e.phase) && engine !== "server") {
    lines.push(
      row(
        "engine",
        engine === undefined
          ? `none runs over the database, so nothing advances this execution (its aloft run was stopped or killed): continue it in place with aloft resume ${e.id}${flag} (or start aloft serve over the database with its modules)`
          : `${describeHolder(engine)}`,
      ),
    );
  }
  lines.push(row("created", shortTime(e.createdAt)));
  if (e.startedAt) lines.push(row("started", shortTime(e.startedAt)));
  if (e.endedAt) lines.push(row("ended", `${shortTime(e.endedAt)} (took ${duration(e.startedAt ?? e.createdAt, e.endedAt)})`));
  if (e.relaunchOf) lines.push(row("relaunch of", e.relaunchOf));
  if (e.recoverOf) lines.push(row("recovery of", e.recoverOf));
  if (e.parent) lines.push(row("parent", `${e.parent.executionId} (node ${e.parent.path})`));
  if (e.scheduledAt) lines.push(row("scheduled at", shortTime(e.scheduledAt)));
  lines.push(...labelled("inputs", e.inputs, w));
  if (e.outputs) lines.push(...labelled("outputs", e.outputs, w));
  if (e.error) lines.push(row("error", errorText(e.error)));
  lines.push(row("nodes", `${nodes.length === 0 ? "none started yet" : `${nodes.length} (${countPhases(nodes)})`}: aloft get nodes ${e.id}${flag}`));
  return lines;
}

/**
 * The table of `aloft get tasks|workflows|launchplans`.
 *
 * @example
 * ```ts
 * entitiesTable(await source.listEntities("workflow")); // ["NAME  LATEST VERSION  VERSIONS  REGISTERED  PROJECT/DOMAIN", ...]
 * ```
 */
export function entitiesTable(items: readonly EntityVersions[], what: string): string[] {
  if (items.length === 0) return [`no ${what} registered`];
  return table(
    ["NAME", "LATEST VERSION", "VERSIONS", "REGISTERED", "PROJECT/DOMAIN"],
    items.map((e) => [e.name, e.latestVersion, String(e.versions.length), shortTime(e.versions[0]?.createdAt), `${e.project}/${e.domain}`]),
  );
}

function inputNote(i: InputInfo): string {
  if (i.fixed) return `fixed: ${previewValue(i.default).text}`;
  if (i.default !== undefined) return `default: ${previewValue(i.default).text}`;
  return i.required ? "required" : "optional";
}

/**
 * The lines of `aloft get task|workflow|launchplan <name>`: which version,
 * when it was registered, and its interface (inputs with types, defaults and
 * what is fixed; outputs).
 *
 * @example
 * ```ts
 * entityLines(await source.getEntity("task", { name: "sq" }), versions);
 * // ["task         sq", "version      51916df646c2d120 (the latest of 1)", ..., "inputs       x  int  required", ...]
 * ```
 */
export function entityLines(info: EntityInfo, versions: EntityVersions | undefined): string[] {
  const w = 13;
  const row = (label: string, value: string): string => `${label.padEnd(w)}${value}`;
  const label = { task: "task", workflow: "workflow", launchPlan: "launch plan" }[info.kind];
  const count = versions?.versions.length ?? 1;
  const latest = versions === undefined || versions.latestVersion === info.key.version;
  const lines = [
    row(label, info.key.name),
    row("version", `${info.key.version} (${latest ? `the latest of ${count}` : `one of ${count}; the latest is ${versions.latestVersion}`})`),
    row("in", `${info.key.project}/${info.key.domain}`),
    row("registered", shortTime(info.createdAt)),
  ];
  if (info.workflow) lines.push(row("workflow", `${info.workflow.name} (version ${info.workflow.version})`));
  const variables = (title: string, rows: (readonly string[])[]): void => {
    if (rows.length === 0) return void lines.push(row(title, "(none)"));
    table(["", "", ""], rows).slice(1).forEach((l, i) => lines.push(row(i === 0 ? title : "", l)));
  };
  variables("inputs", info.interface.inputs.map((i) => [i.name, i.type, inputNote(i)]));
  variables("outputs", info.interface.outputs.map((o) => [o.name, o.type, o.description ?? ""]));
  return lines;
}

async function withSource(ctx: CliContext, flags: GetFlags, use: (source: ReadSource) => Promise<void>): Promise<void> {
  ctx.verbose = flags.verbose === true;
  const source = await openSource(ctx, flags);
  try {
    await use(source);
  } finally {
    await source.close();
  }
}

const ENTITY_KINDS: readonly { readonly name: string; readonly kind: RegisteredKind; readonly what: string }[] = [
  { name: "tasks", kind: "task", what: "tasks" },
  { name: "workflows", kind: "workflow", what: "workflows" },
  { name: "launchplans", kind: "launchPlan", what: "launch plans" },
];

/**
 * Adds `aloft get`.
 *
 * @example
 * ```ts
 * registerGet(program, ctx); // aloft get executions --filter phase=failed --json
 * ```
 */
export function registerGet(program: Command, ctx: CliContext): void {
  const get = program
    .command("get")
    .summary(COMMAND_SUMMARIES.get)
    .description("Reads what the engine keeps: from the database (--db, default .aloft/aloft.db) or a server (--remote). Tables for people, --json for scripts.");

  const executions = get
    .command("executions")
    .summary("executions, newest first")
    .option("--filter <key=value>", `keep only these (repeatable): ${EXECUTION_FILTERS.map((k) => (k === "after" || k === "before" ? `${k}=<ISO time>` : `${k}=`)).join(", ")}`, collect)
    .option("--limit <n>", "at most this many (default 50)", wholeNumber(1))
    .option("--json", "print { items, next } as JSON");
  sourceOptions(executions).action(async (flags: GetFlags) =>
    withSource(ctx, flags, async (source) => {
      const query = executionQuery(flags.filter ?? []);
      const page = await source.listExecutions({ ...query, limit: flags.limit ?? 50 });
      if (flags.json) return printLines(ctx, [jsonText(page, 2)]);
      printLines(ctx, executionsTable(page.items));
      if (page.next !== undefined) printLines(ctx, [`(the newest ${page.items.length}; --limit <n> shows more)`]);
    }),
  );

  const execution = get.command("execution").summary("one execution: phase, times, inputs, outputs, error").argument("<id>", "the execution's id").option("--json", "print it as JSON");
  sourceOptions(execution).action(async (id: string, flags: GetFlags) =>
    withSource(ctx, flags, async (source) => {
      const info = await source.getExecution(id);
      if (flags.json) return printLines(ctx, [jsonText(info, 2)]);
      printLines(ctx, executionLines(info, await source.listNodes(id), source.flag, isExecutionEnded(info.phase) ? undefined : await source.engine()));
    }),
  );

  const nodes = get.command("nodes").summary("the node executions of an execution").argument("<id>", "the execution's id").option("--json", "print them as a JSON array");
  sourceOptions(nodes).action(async (id: string, flags: GetFlags) =>
    withSource(ctx, flags, async (source) => {
      const list = (await source.listNodes(id)).sort((a, b) => compareNodePaths(a.path, b.path));
      printLines(ctx, flags.json ? [jsonText(list, 2)] : nodesTable(list));
    }),
  );

  for (const entity of ENTITY_KINDS) {
    const one = get
      .command(entity.name.replace(/s$/, ""))
      .summary(`one registered ${entity.what.replace(/s$/, "")}: its interface (inputs with types and defaults, outputs), or with --json its spec`)
      .argument("<name>", `the ${entity.what.replace(/s$/, "")}'s name`)
      .option("--version <version>", "this version (default: the latest registered)")
      .option("--project <project>", "its project (needed only when the name is registered in several)")
      .option("--domain <domain>", "its domain (needed only when the name is registered in several)")
      .option("--json", "print it as JSON: { kind, key, createdAt, digest, interface, workflow?, spec } (the flyteidl spec)");
    sourceOptions(one).action(async (name: string, flags: GetFlags & { readonly version?: string; readonly project?: string; readonly domain?: string }) =>
      withSource(ctx, flags, async (source) => {
        const info = await source.getEntity(entity.kind, { name, version: flags.version, project: flags.project, domain: flags.domain });
        if (flags.json) return printLines(ctx, [jsonText(info, 2)]);
        const versions = (await source.listEntities(entity.kind, { project: info.key.project, domain: info.key.domain })).find((e) => e.name === name);
        printLines(ctx, entityLines(info, versions));
      }),
    );

    const command = get
      .command(entity.name)
      .summary(`registered ${entity.what}, each name with its versions`)
      .option("--filter <key=value>", "keep only these (repeatable): project=, domain=, name=", collect)
      .option("--json", "print them as a JSON array");
    sourceOptions(command).action(async (flags: GetFlags) =>
      withSource(ctx, flags, async (source) => {
        const f = pairs(flags.filter ?? [], ["project", "domain", "name"]);
        const project = f.get("project");
        const domain = f.get("domain");
        const name = f.get("name");
        const items = (await source.listEntities(entity.kind, { ...(project === undefined ? {} : { project }), ...(domain === undefined ? {} : { domain }) })).filter(
          (e) => name === undefined || e.name === name,
        );
        printLines(ctx, flags.json ? [jsonText(items, 2)] : entitiesTable(items, entity.what));
      }),
    );
  }
}
