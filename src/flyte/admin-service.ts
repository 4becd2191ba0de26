/**
 * flyteadmin's `AdminService` for `@grpc/grpc-js`, built from the official
 * `flyteidl/service/admin.proto` that `@flyteorg/flyteidl` ships: every rpc
 * with its path and its request and response messages, encoded by
 * protobufjs. The package leaves out the `google/api` and
 * `protoc-gen-openapiv2` protos admin.proto imports for its REST gateway
 * annotations; they declare only options, so empty files stand in for them.
 *
 * @module
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import path from "node:path";
import protobuf from "protobufjs";
import { protosDirectory } from "../compiler/proto.js";

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
 * The grpc-js definition of `flyteidl.service.AdminService`: what a client
 * is made from and what a server implements. Messages travel as protobufjs
 * plain objects (`{ enums: String, longs: String }`).
 *
 * @example
 * ```ts
 * const Client = grpc.makeGenericClientConstructor(adminServiceDefinition(), "AdminService");
 * ```
 */
export function adminServiceDefinition(): ServiceDefinition {
  const r = adminRoot();
  const service = r.lookupService("flyteidl.service.AdminService");
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of Object.values(service.methods)) {
    const request = r.lookupType(method.requestType);
    const response = r.lookupType(method.responseType);
    definition[method.name] = {
      path: `/flyteidl.service.AdminService/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
      requestDeserialize: (bytes: Buffer) => request.toObject(request.decode(bytes), { enums: String, longs: String }),
      responseSerialize: (value: object) => Buffer.from(response.encode(response.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => response.toObject(response.decode(bytes), { enums: String, longs: String }),
      originalName: method.name,
    };
  }
  return definition as ServiceDefinition;
}
