/**
 * flyteadmin's `AdminService`, built from the official
 * `flyteidl/service/admin.proto` that `@flyteorg/flyteidl` ships: every rpc
 * with its path and its request and response messages, encoded by
 * protobufjs. The package leaves out the `google/api` and
 * `protoc-gen-openapiv2` protos admin.proto imports for its REST gateway
 * annotations; they declare only options, so empty files stand in for them.
 *
 * @module
 */
import path from "node:path";
import protobuf from "protobufjs";
import { OBJECT_FORM, protosDirectory } from "../compiler/proto.js";

let root: protobuf.Root | undefined;

/** The protobufjs root holding `flyteidl.service.AdminService` and every message it uses. */
function adminRoot(): protobuf.Root {
  if (root) return root;
  const dir = protosDirectory();
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : path.join(dir, target));
  // The gateway annotations hold only options: marked as loaded, they are skipped.
  for (const stub of ["google/api/annotations.proto", "google/api/http.proto", "protoc-gen-openapiv2/options/annotations.proto", "protoc-gen-openapiv2/options/openapiv2.proto"]) {
    r.files.push(path.join(dir, stub));
  }
  r.loadSync(["flyteidl/service/admin.proto"], { keepCase: false });
  r.resolveAll();
  root = r;
  return r;
}

/**
 * One rpc of `flyteidl.service.AdminService`: its gRPC path, and its request
 * and response messages to and from protobufjs plain objects
 * (`{ enums: String, longs: String }`).
 *
 * @example
 * ```ts
 * const m = adminMethod("CreateTask");
 * const answer = m.decodeResponse(await client.call(m.path, m.encodeRequest({ id, spec }), 30_000));
 * ```
 */
export interface AdminMethod {
  readonly path: string;
  encodeRequest(value: object): Uint8Array;
  decodeResponse(bytes: Uint8Array): Record<string, unknown>;
}

/**
 * The rpc `name` of flyteadmin's `AdminService`.
 *
 * @throws Error when AdminService has no such rpc.
 *
 * @example
 * ```ts
 * adminMethod("UpdateLaunchPlan").path; // "/flyteidl.service.AdminService/UpdateLaunchPlan"
 * ```
 */
export function adminMethod(name: string): AdminMethod {
  const r = adminRoot();
  const method = r.lookupService("flyteidl.service.AdminService").methods[name];
  if (method === undefined) throw new Error(`flyteidl.service.AdminService has no rpc ${name}`);
  const request = r.lookupType(method.requestType);
  const response = r.lookupType(method.responseType);
  return {
    path: `/flyteidl.service.AdminService/${method.name}`,
    encodeRequest: (value) => request.encode(request.fromObject(value)).finish(),
    decodeResponse: (bytes) => response.toObject(response.decode(bytes), OBJECT_FORM),
  };
}
