/**
 * Registering compiled specs on a Flyte cluster through flyteadmin's
 * `AdminService`, as `flytectl register files` does
 * (`flytectl/cmd/register/register_util.go`, `register`): every task, then
 * workflows and launch plans after what they reference, each created under
 * the target project and domain; an entity that already exists (flyteadmin
 * answers `ALREADY_EXISTS` for the same spec under the same version) counts
 * as registered; a launch plan with a schedule is then activated
 * (`UpdateLaunchPlan` to `ACTIVE`, flytectl's `--enable-schedule`).
 *
 * @module
 */
import type { Identifier } from "../idl/core.js";
import { AloftError } from "../errors.js";
import type { RegistrationFile } from "../compiler/write-specs.js";
import { adminMethod } from "./admin-service.js";
import { loadGrpc, type GrpcServiceError } from "./grpc-library.js";

/**
 * Where to register: flyteadmin's gRPC endpoint (`host:port`), and whether to
 * talk to it without TLS (Flyte's sandbox listens in plain text).
 *
 * @example
 * ```ts
 * const admin: FlyteAdminTarget = { endpoint: "localhost:30080", insecure: true };
 * ```
 */
export interface FlyteAdminTarget {
  readonly endpoint: string;
  readonly insecure?: boolean;
  /** How long each call may take (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * One entity registered on Flyte, as `aloft register --flyte` reports it.
 *
 * @example
 * ```ts
 * const line: FlyteRegistered = { kind: "task", id, status: "created", activated: false };
 * ```
 */
export interface FlyteRegistered {
  readonly kind: "task" | "workflow" | "launchPlan";
  readonly id: Identifier;
  /** `created`, or `existing` when flyteadmin already had it. */
  readonly status: "created" | "existing";
  /** True for a scheduled launch plan that was made active. */
  readonly activated: boolean;
}

/**
 * flyteadmin refused an entity (anything but `ALREADY_EXISTS`), or could not
 * be reached. Entities registered before it stay registered, as with flytectl.
 *
 * @example
 * ```ts
 * try { await registerOnFlyte(files, admin); } catch (e) { if (e instanceof FlyteRegistrationError) console.error(e.entity, e.grpcCode); }
 * ```
 */
export class FlyteRegistrationError extends AloftError {
  override name = "FlyteRegistrationError";
  readonly code = "FLYTE_REGISTRATION_FAILED";
  constructor(
    message: string,
    /** The entity refused, as `KIND project/domain/name@version`. */
    readonly entity: string,
    /** The gRPC status code flyteadmin answered with (14, `UNAVAILABLE`, when it could not be reached). */
    readonly grpcCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function describeId(kind: string, id: Identifier): string {
  return `${kind} ${id.project ?? ""}/${id.domain ?? ""}/${id.name ?? ""}@${id.version ?? ""}`;
}

/**
 * Registers spec files (in the order `registrationFiles` gives them) through
 * flyteadmin's `AdminService`, and lists what was created and what existed.
 *
 * @throws FlyteRegistrationError naming the first entity flyteadmin refused.
 * @throws GrpcLibraryMissingError when the project has not installed `@grpc/grpc-js` (an optional peer dependency).
 *
 * @example
 * ```ts
 * const files = registrationFiles(wf, { project: "flytesnacks", domain: "development", version: "v1" });
 * await registerOnFlyte(files, { endpoint: "localhost:30080", insecure: true });
 * ```
 */
export async function registerOnFlyte(files: readonly RegistrationFile[], admin: FlyteAdminTarget): Promise<FlyteRegistered[]> {
  const grpc = await loadGrpc("registering on Flyte");
  const client = new grpc.Client(admin.endpoint, admin.insecure === true ? grpc.credentials.createInsecure() : grpc.credentials.createSsl());
  const call = (name: string, request: object, entity: string): Promise<"ok" | "exists"> => {
    const method = adminMethod(name);
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + (admin.timeoutMs ?? 30_000));
      const settle = (error: GrpcServiceError | null): void => {
        if (error === null) return resolve("ok");
        if (error.code === grpc.status.ALREADY_EXISTS) return resolve("exists");
        // UNAVAILABLE is what the channel reports when nothing answered (refused, unreachable, not gRPC).
        const what = error.code === grpc.status.UNAVAILABLE ? `could not register ${entity} on flyteadmin at ${admin.endpoint}` : `flyteadmin at ${admin.endpoint} refused ${entity}`;
        // grpc-js ends an unreachable channel's details with an empty "Resolution note:".
        const details = (error.details || error.message).replace(/\s*Resolution note:\s*$/, "");
        reject(new FlyteRegistrationError(`${what}: ${grpc.status[error.code] ?? `status ${error.code}`}: ${details}`, entity, error.code, { cause: error }));
      };
      client.makeUnaryRequest(
        method.path,
        (value: object) => Buffer.from(method.encodeRequest(value)),
        (bytes: Buffer) => method.decodeResponse(bytes),
        request,
        new grpc.Metadata(),
        { deadline },
        settle,
      );
    });
  };
  const out: FlyteRegistered[] = [];
  try {
    for (const file of files) {
      if (file.message === "flyteidl.admin.TaskSpec") {
        const spec = file.body as { template?: { id?: Identifier } };
        const id = spec.template?.id ?? {};
        const status = await call("CreateTask", { id, spec }, describeId("task", id));
        out.push({ kind: "task", id, status: status === "ok" ? "created" : "existing", activated: false });
      } else if (file.message === "flyteidl.admin.WorkflowSpec") {
        const spec = file.body as { template?: { id?: Identifier } };
        const id = spec.template?.id ?? {};
        const status = await call("CreateWorkflow", { id, spec }, describeId("workflow", id));
        out.push({ kind: "workflow", id, status: status === "ok" ? "created" : "existing", activated: false });
      } else {
        const { id = {}, spec } = file.body as { id?: Identifier; spec?: { entityMetadata?: { schedule?: object } } };
        const entity = describeId("launch plan", id);
        const status = await call("CreateLaunchPlan", { id, spec }, entity);
        const scheduled = spec?.entityMetadata?.schedule !== undefined;
        if (scheduled) await call("UpdateLaunchPlan", { id, state: "ACTIVE" }, entity);
        out.push({ kind: "launchPlan", id, status: status === "ok" ? "created" : "existing", activated: scheduled });
      }
    }
  } finally {
    client.close();
  }
  return out;
}
