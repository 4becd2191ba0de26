/**
 * `aloft register <modules...> [--project --domain --version] [--db PATH]`:
 * registers every task, workflow and launch plan the modules export (with
 * everything they reference) in the engine's database, and prints what was
 * stored.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { MODULE_KINDS } from "../load/module-kinds.js";
import { compileBundle } from "../../compiler/compile.js";
import { specDigest } from "../../engine/digest.js";
import { Engine } from "../../engine/engine.js";
import type { Registration } from "../../engine/registry.js";
import { openStore } from "../../store/open-store.js";
import type { EntityKey, RegisteredKind } from "../../store/store.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { databaseRef, valuesStoreOf } from "../engine/database.js";
import { table } from "../engine/format.js";
import { describeFound, entitiesOf, type FoundEntity } from "../load/entities.js";
import { loadModule } from "../load/load-module.js";
import { jsonText } from "../run/report.js";
import { UsageError } from "../errors.js";
import { loadSpecSources, specEntities } from "../specs/load-specs.js";
import { registrationFiles } from "../../compiler/write-specs.js";
import { registerOnFlyte } from "../../flyte/register.js";

interface RegisterFlags {
  readonly project?: string;
  readonly domain?: string;
  readonly version?: string;
  readonly db?: string;
  readonly flyte?: string;
  readonly insecure?: boolean;
  readonly image?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly tasks?: string[];
}

/** One stored entity, as `aloft register` reports it. */
export interface RegisteredLine {
  readonly kind: RegisteredKind;
  readonly key: EntityKey;
  /** `created`, or `existing` when the same spec was registered before. */
  readonly status: "created" | "existing";
}

const KIND_NAMES: Readonly<Record<RegisteredKind, string>> = { task: "task", workflow: "workflow", launchPlan: "launch plan" };

/**
 * Every entity the registrations stored, each once, in order.
 *
 * @example
 * ```ts
 * storedLines([await engine.register(wf)]); // [{ kind: "task", key, status: "created" }, { kind: "workflow", ... }]
 * ```
 */
export function storedLines(registrations: readonly Registration[]): RegisteredLine[] {
  const seen = new Map<string, RegisteredLine>();
  for (const r of registrations) {
    for (const e of r.entities) {
      const id = `${e.kind}|${e.key.project}|${e.key.domain}|${e.key.name}|${e.key.version}`;
      const prior = seen.get(id);
      // A spec two exports share is "created" if either registration created it.
      if (!prior || (e.created && prior.status === "existing")) seen.set(id, { kind: e.kind, key: e.key, status: prior?.status === "created" || e.created ? "created" : "existing" });
    }
  }
  return [...seen.values()];
}

/**
 * The entities the modules export, each once (an entity two modules export is listed once).
 *
 * @throws UsageError for a module that does not load or exports no entity.
 *
 * @example
 * ```ts
 * (await entitiesOfModules(["flows.ts"], process.cwd())).map((f) => f.exportName);
 * ```
 */
export async function entitiesOfModules(modules: readonly string[], cwd: string): Promise<FoundEntity[]> {
  const found: FoundEntity[] = [];
  for (const file of modules) {
    const mod = await loadModule(file, cwd);
    const entities = entitiesOf(mod);
    if (entities.length === 0) throw new UsageError(`${file} exports no task, workflow or launch plan`);
    for (const e of entities) if (!found.some((f) => f.entity === e.entity)) found.push({ ...e, module: file });
  }
  return found;
}

/** The version every spec of a registration is checked under before the registration's own is known. */
const PROBE_VERSION = "registration-probe";

/**
 * The one version of a registration, as `pyflyte register` gives every entity
 * of a package one version (flytekit `tools/repo.py`, a digest of the
 * package): a hash of the versions each entity would get alone (each a hash
 * of its specs and task code), so that the same modules register under the
 * same version, and any change gives every entity a new one.
 *
 * @throws UsageError when two of the entities define the same task, workflow
 * or launch plan name with different specs (one version cannot hold both).
 *
 * @example
 * ```ts
 * registrationVersion(await entitiesOfModules(["flows.ts"], cwd)); // "5c1e0d7a9b2f4e63"
 * ```
 */
export function registrationVersion(found: readonly FoundEntity[], target: { readonly project?: string; readonly domain?: string } = {}): string {
  const versions: string[] = [];
  const specs = new Map<string, { readonly digest: string; readonly by: FoundEntity }>();
  const by = (f: FoundEntity): string => `${describeFound(f)}${f.module === undefined ? "" : ` of ${f.module}`}`;
  for (const f of found) {
    versions.push(compileBundle(f.entity, target).root.version ?? "");
    const probe = compileBundle(f.entity, { ...target, version: PROBE_VERSION });
    for (const [kind, map] of [["task", probe.tasks], ["workflow", probe.workflows], ["launch plan", probe.launchPlans]] as const) {
      for (const [key, spec] of map) {
        const digest = specDigest(spec);
        const prior = specs.get(key);
        if (prior && prior.digest !== digest) {
          const name = key.slice(key.indexOf(":") + 1, key.lastIndexOf("@"));
          throw new UsageError(`${kind} ${name} is defined twice, differently: in ${by(prior.by)} and in ${by(f)}; one registration holds one spec per name: rename one of them`);
        }
        if (!prior) specs.set(key, { digest, by: f });
      }
    }
  }
  const hash = createHash("sha256");
  for (const v of versions.sort()) hash.update(`${v}\n`);
  return hash.digest("hex").slice(0, 16);
}

/**
 * Registers every entity found, in order.
 *
 * @example
 * ```ts
 * storedLines(await registerAll(engine, await entitiesOfModules(["flows.ts"], cwd), { version: "v1" }));
 * ```
 */
export async function registerAll(
  engine: Engine,
  found: readonly FoundEntity[],
  options: { readonly project?: string; readonly domain?: string; readonly version?: string } = {},
): Promise<Registration[]> {
  const registrations: Registration[] = [];
  for (const f of found) registrations.push(await engine.register(f.entity, options));
  return registrations;
}

/** `aloft register --flyte`: every entity's spec files, registered through flyteadmin's AdminService. */
async function registerWithFlyte(ctx: CliContext, modules: readonly string[], flags: RegisterFlags): Promise<void> {
  const endpoint = flags.flyte ?? "";
  if (flags.project === undefined || flags.domain === undefined) throw new UsageError("--flyte needs --project and --domain: the Flyte project and domain to register in");
  const found = await entitiesOfModules(modules, ctx.io.cwd);
  const base = { project: flags.project, domain: flags.domain };
  const target = { ...base, version: flags.version ?? registrationVersion(found, base), ...(flags.image === undefined ? {} : { image: flags.image }) };
  const seen = new Set<string>();
  const files = found.flatMap((f) => registrationFiles(f.entity, target)).filter((file) => {
    const body = file.body as { template?: { id?: unknown }; id?: unknown };
    const key = `${file.message}|${JSON.stringify(body.template?.id ?? body.id)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const lines = await registerOnFlyte(files, { endpoint, insecure: flags.insecure === true });
  if (flags.json) return printLines(ctx, [jsonText(lines, 2)]);
  printLines(ctx, [
    ...table(
      ["KIND", "NAME", "VERSION", "PROJECT/DOMAIN", "STATUS"],
      lines.map((l) => [KIND_NAMES[l.kind], l.id.name ?? "", l.id.version ?? "", `${l.id.project ?? ""}/${l.id.domain ?? ""}`, l.activated ? `${l.status}, activated` : l.status]),
    ),
    `${lines.filter((l) => l.status === "created").length} created, ${lines.filter((l) => l.status === "existing").length} existing, on ${endpoint}`,
  ]);
}

/**
 * Adds `aloft register`.
 *
 * @example
 * ```ts
 * registerRegister(program, ctx); // aloft register flows.ts --version v1
 * ```
 */
export function registerRegister(program: Command, ctx: CliContext): void {
  program
    .command("register")
    .summary(COMMAND_SUMMARIES.register)
    .description(
      "Registers every task, workflow and launch plan the modules export, with everything they reference, in the engine's database. " +
        "Registering the same spec again changes nothing; another spec under an existing version is refused.",
    )
    .argument("<modules...>", `${MODULE_KINDS} modules; or, with --tasks, specs (flyteidl files or folders, pipeline or Argo files)`)
    .option("--tasks <module>", "with specs: a module exporting the TypeScript tasks they reference, bound by name (repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--project <project>", "the Flyte project (default: aloft)")
    .option("--domain <domain>", "the Flyte domain (default: development)")
    .option("--version <version>", "the version of every spec (default: one for the registration, a hash of every spec and the task code)")
    .option("--db <path|url>", "the database: a SQLite file (default: .aloft/aloft.db; created if need be) or postgres://...")
    .option("--flyte <endpoint>", "register on a Flyte cluster instead: flyteadmin's gRPC endpoint (host:port), as flytectl register files does")
    .option("--insecure", "with --flyte: talk to flyteadmin without TLS (Flyte's sandbox)")
    .option("--image <image>", "with --flyte: the image of tasks that name none")
    .option("--json", "print what was stored as a JSON array")
    .option("--verbose", "report errors with their stacks")
    .action(async (modules: string[], flags: RegisterFlags) => {
      ctx.verbose = flags.verbose === true;
      if (flags.flyte !== undefined) return registerWithFlyte(ctx, modules, flags);
      const ref = databaseRef(ctx, flags.db);
      const found = flags.tasks ? specEntities(await loadSpecSources(modules, flags.tasks, ctx.io.cwd)) : await entitiesOfModules(modules, ctx.io.cwd);
      const target = {
        ...(flags.project === undefined ? {} : { project: flags.project }),
        ...(flags.domain === undefined ? {} : { domain: flags.domain }),
      };
      // One version for the whole registration, as pyflyte register gives one; checked before the database is opened.
      const options = { ...target, version: flags.version ?? registrationVersion(found, target) };
      const store = await openStore(ref.path, { poolSize: 2 });
      try {
        const engine = await Engine.open({ store, values: valuesStoreOf(ref), schedules: false });
        const lines = storedLines(await registerAll(engine, found, options));
        if (flags.json) return printLines(ctx, [jsonText(lines, 2)]);
        printLines(ctx, [
          ...table(
            ["KIND", "NAME", "VERSION", "PROJECT/DOMAIN", "STATUS"],
            lines.map((l) => [KIND_NAMES[l.kind], l.key.name, l.key.version, `${l.key.project}/${l.key.domain}`, l.status]),
          ),
          `${lines.filter((l) => l.status === "created").length} created, ${lines.filter((l) => l.status === "existing").length} existing, in ${ref.shown}`,
        ]);
      } finally {
        await store.close();
      }
    });
}
