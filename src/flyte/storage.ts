/**
 * Reading and writing the files Flyte hands a task (`inputs.pb`, and the
 * output prefix it writes `outputs.pb`, `error.pb` or `futures.pb` under):
 * `file://` URIs and plain paths on the local disk, `s3://bucket/key` through
 * the AWS SDK. For an S3-compatible store other than AWS (the MinIO of
 * Flyte's sandbox), the endpoint and keys come from the environment flytekit
 * reads: `FLYTE_AWS_ENDPOINT`, `FLYTE_AWS_ACCESS_KEY_ID`,
 * `FLYTE_AWS_SECRET_ACCESS_KEY` (else the AWS SDK's own `AWS_*` settings).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type * as S3Sdk from "@aws-sdk/client-s3";
import { AloftError } from "../errors.js";

/**
 * A location could not be read or written.
 *
 * @example
 * ```ts
 * try { await readLocation("s3://bucket/in/inputs.pb"); } catch (e) { if (e instanceof StorageError) console.error(e.location); }
 * ```
 */
export class StorageError extends AloftError {
  override name = "StorageError";
  constructor(
    message: string,
    /** The location, as given. */
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

function s3Of(location: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

function localPath(location: string): string {
  if (location.startsWith("file://")) return fileURLToPath(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new StorageError(`cannot reach ${location}: only file://, s3:// and plain paths are supported`, location);
  return path.resolve(location);
}

let client: Promise<{ s3: S3Sdk.S3Client; sdk: typeof S3Sdk }> | undefined;

function s3Client(env: NodeJS.ProcessEnv): Promise<{ s3: S3Sdk.S3Client; sdk: typeof S3Sdk }> {
  client ??= import("@aws-sdk/client-s3").then((sdk) => {
    const endpoint = env["FLYTE_AWS_ENDPOINT"];
    const accessKeyId = env["FLYTE_AWS_ACCESS_KEY_ID"];
    const secretAccessKey = env["FLYTE_AWS_SECRET_ACCESS_KEY"];
    const s3 = new sdk.S3Client({
      region: env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1",
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    });
    return { s3, sdk };
  });
  return client;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The bytes at a location.
 *
 * @throws StorageError naming the location and why it could not be read.
 *
 * @example
 * ```ts
 * const bytes = await readLocation("file:///tmp/run/inputs.pb");
 * ```
 */
export async function readLocation(location: string, env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  const s3 = s3Of(location);
  try {
    if (!s3) return await readFile(localPath(location));
    const { s3: c, sdk } = await s3Client(env);
    const res = await c.send(new sdk.GetObjectCommand({ Bucket: s3.bucket, Key: s3.key }));
    if (!res.Body) throw new Error("the object has no body");
    return await res.Body.transformToByteArray();
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw new StorageError(`cannot read ${location}: ${describe(e)}`, location, { cause: e });
  }
}

/**
 * Writes bytes to a location (creating local folders as needed).
 *
 * @throws StorageError naming the location and why it could not be written.
 *
 * @example
 * ```ts
 * await writeLocation(joinLocation(outputPrefix, "outputs.pb"), bytes);
 * ```
 */
export async function writeLocation(location: string, bytes: Uint8Array, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const s3 = s3Of(location);
  try {
    if (!s3) {
      const file = localPath(location);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, bytes);
      return;
    }
    const { s3: c, sdk } = await s3Client(env);
    await c.send(new sdk.PutObjectCommand({ Bucket: s3.bucket, Key: s3.key, Body: bytes }));
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw new StorageError(`cannot write ${location}: ${describe(e)}`, location, { cause: e });
  }
}

/**
 * A file name under a prefix: `s3://b/run/n0` + `outputs.pb` is
 * `s3://b/run/n0/outputs.pb`; a plain path is joined as a path.
 *
 * @example
 * ```ts
 * joinLocation("/tmp/out/", "error.pb"); // "/tmp/out/error.pb"
 * ```
 */
export function joinLocation(prefix: string, name: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(prefix)) return `${prefix.replace(/\/+$/, "")}/${name}`;
  return path.join(prefix, name);
}
