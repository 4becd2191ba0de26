/**
 * `aloft serve [modules...]`: the HTTP API (`src/server`), the engine and a
 * worker pool over the embedded SQLite store, in one process. The modules'
 * tasks, workflows and launch plans are registered at start (a task also as
 * the workflow `.flytegen.<task>`, so that it can run alone); the API can
 * run only those. It listens on loopback unless told otherwise, and with a
 * token (`--token` or `$ALOFT_TOKEN`) refuses every request without it.
 *
 * @module
 */
import { statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { startEmbedded } from "../../engine/embedded.js";
import type { Engine } from "../../engine/engine.js";
import type { Registration } from "../../engine/registry.js";
import { definitionOf } from "../../sdk/entity.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { BusyError, UsageError } from "../errors.js";
import { databaseRef } from "../engine/database.js";
import type { FoundEntity } from "../load/entities.js";
import { workflowForTask } from "../run/task-workflow.js";
import { loadSpecSources, specEntities } from "../specs/load-specs.js";
import { entitiesOfModules, registerAll, storedLines } from "./register.js";
import { wholeNumber } from "./shared-options.js";

interface ServeFlags {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly db?: string;
  readonly workers?: number;
  readonly leaseMs?: number;
  readonly verbose?: boolean;
  readonly tasks?: string[];
  readonly allowFiles?: string[];
}

function port(value: string): number {
  const n = wholeNumber(0)(value);
  if (n > 65535) throw new UsageError(`--port ${value}: expected a port from 0 to 65535`);
  return n;
}

/**
 * Registers the entities, and each task also as the workflow
 * `.flytegen.<task>` that runs it alone.
 *
 * @example
 * ```ts
 * await registerForServer(engine, await entitiesOfModules(["flows.ts"], cwd));
 * ```
 */
export async function registerForServer(engine: Engine, found: readonly FoundEntity[]): Promise<Registration[]> {
  const registrations = await registerAll(engine, found);
  for (const f of found) {
    const def = definitionOf(f.entity);
    if (def?.kind === "task" && def.dynamic === undefined) registrations.push(await engine.register(workflowForTask(f.entity, def)));
  }
  return registrations;
}

/** An `--allow-files` directory: it must exist and be a directory. */
function allowedRoot(cwd: string, dir: string): string {
  const p = path.resolve(cwd, dir);
  let isDir = false;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    throw new UsageError(`--allow-files ${dir}: ${p} does not exist`);
  }
  if (!isDir) throw new UsageError(`--allow-files ${dir}: ${p} is not a directory`);
  return p;
}

function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Adds `aloft serve`.
 *
 * @example
 * ```ts
 * registerServe(program, ctx); // aloft serve flows.ts --port 8080
 * ```
 */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .summary(COMMAND_SUMMARIES.serve)
    .description(
      "Runs the HTTP API, the durable engine and a worker pool over the database, and registers the tasks, workflows and launch plans " +
        "the modules export: the API runs only those. Listens on 127.0.0.1 unless --host says otherwise; with a token (--token or $ALOFT_TOKEN), " +
        "every request must carry Authorization: Bearer <token>. The OpenAPI document is at /api/openapi.json. Stops on Ctrl-C or SIGTERM.",
    )
    .argument("[modules...]", "the modules whose entities the API serves (and whose tasks the workers run); or, with --tasks, specs")
    .option("--tasks <module>", "with specs: a module exporting the TypeScript tasks they reference, bound by name (repeatable); the workers load it", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--host <host>", "the address to listen on", "127.0.0.1")
    .option("--port <port>", "the port to listen on (0: any free port)", port, 8080)
    .option("--token <token>", "the bearer token every request must carry (default: $ALOFT_TOKEN)")
    .option("--db <path|url>", "the database: a SQLite file (default: .aloft/aloft.db; created if need be) or postgres://...")
    .option("--workers <n>", "task attempts the worker pool runs at once (default: the number of CPUs, at most 4; 0: none, workers join with aloft worker --server)", wholeNumber(0))
    .option("--lease-ms <ms>", "the workers' lease length (default 30000)", wholeNumber(1))
    .option(
      "--allow-files <dir>",
      "a directory whose files, directories and dataframes API callers may give as inputs, besides the blob store (.aloft/blobs, where uploads go); repeatable",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--verbose", "report errors with their stacks")
    .action(async (modules: string[], flags: ServeFlags) => {
      ctx.verbose = flags.verbose === true;
      const token = flags.token ?? (process.env["ALOFT_TOKEN"] || undefined);
      const ref = databaseRef(ctx, flags.db);
      // File inputs only from the blob store (uploads land there) and the directories the operator allows.
      const fileRoots = (flags.allowFiles ?? []).map((d) => allowedRoot(ctx.io.cwd, d));
      const found = flags.tasks ? specEntities(await loadSpecSources(modules, flags.tasks, ctx.io.cwd)) : await entitiesOfModules(modules, ctx.io.cwd);
      const workerModules = flags.tasks ?? modules;
      const log = (line: string): void => void ctx.io.stderr.write(`aloft serve: ${line}\n`);
      const setup = await startEmbedded({
        dir: ref.dir,
        db: ref.path,
        cwd: ctx.io.cwd,
        modules: workerModules.map((m) => path.resolve(ctx.io.cwd, m)),
        workers: workerModules.length === 0 ? 0 : (flags.workers ?? undefined),
        ...(flags.leaseMs === undefined ? {} : { leaseMs: flags.leaseMs }),
        log,
        onError: (e) => log(`engine: ${e instanceof Error ? e.message : String(e)}`),
      });
      let url: string;
      let server: { close(): Promise<void> };
      try {
        const lines = storedLines(await registerForServer(setup.engine, found));
        const { createServer, WorkerFiles } = await import("../../server/index.js");
        // The server reads large values back from where the engine keeps them.
        const created = createServer({
          engine: setup.engine,
          token,
          values: setup.values,
          logs: setup.logs,
          // File inputs only from the blob store (where uploads go) and the directories the operator allows.
          uploadDir: setup.blobDir,
          fileRoots,
          // Workers that join through the server (aloft worker --server) are woken as the embedded one is, and keep their files beside its.
          workers: { onWork: (fn) => setup.onWork(fn), files: new WorkerFiles(setup.blobDir) },
          onError: (e: unknown) => log(e instanceof Error ? e.message : String(e)),
        });
        server = created;
        try {
          url = await created.listen({ host: flags.host, port: flags.port });
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === "EADDRINUSE") throw new BusyError(`cannot listen on ${flags.host}:${flags.port}: the address is in use (another server? pass --port)`, { cause: e });
          throw new UsageError(`cannot listen on ${flags.host}:${flags.port}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
        const kinds = (k: string): number => new Set(lines.filter((l) => l.kind === k && !l.key.name.startsWith(".flytegen.")).map((l) => l.key.name)).size;
        printLines(ctx, [
          `Aloft server on ${url} (API: ${url}/api/v1, OpenAPI: ${url}/api/openapi.json)${token === undefined ? "" : "; requests need the token"}`,
          `database ${ref.shown}; ${setup.worker ? "a worker pool" : workerModules.length === 0 ? "no workers (no modules)" : "no workers (--workers 0: they join with aloft worker --server)"}; registered ${counted(kinds("workflow"), "workflow", "workflows")}, ` +
            `${counted(kinds("launchPlan"), "launch plan", "launch plans")}, ${counted(kinds("task"), "task", "tasks")}; Ctrl-C stops it`,
        ]);
      } catch (e) {
        await setup.stop();
        throw e;
      }
      await new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals): void => {
          signals++;
          if (signals > 1) {
            void setup.worker?.stop({ hard: true });
            return;
          }
          log(`${signal}: stopping (the workers finish the attempts in hand; send it again to end them at once)`);
          void server
            .close()
            .then(() => setup.stop())
            .then(resolve);
        };
        process.on("SIGTERM", onSignal);
        process.on("SIGINT", onSignal);
      });
    });
}
