/**
 * Files through the server, for a worker that joins through it (its machine
 * need not share the server's disk): before an attempt runs, every file,
 * directory and dataframe its inputs name (`file://` URIs in the server's
 * blob directory) is fetched into a private folder under the worker's blob
 * directory and the inputs point there; after it succeeds, every local file
 * its outputs name is sent to the server and the outputs point to the
 * server's copy, which the engine, the CLI and the next task read. An input
 * passed through unchanged keeps its server URI. Other schemes (`s3://`) are
 * left as they are. The fetched copies, and the worker's own copies of files
 * it sent, are removed once the attempt ends.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { lstat, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Literal, LiteralMap } from "../idl/core.js";
import type { ClaimedTask } from "../store/store.js";
import { baseName } from "../blobs/reference.js";
import { fileUri, localPathOf } from "../blobs/paths.js";
import { lostResult, type AttemptResult } from "./attempt.js";
import type { FileTransfer } from "./file-transfer.js";
import type { RemoteServer } from "./remote-client.js";

/** A blob reference found in a literal: its URI, and whether the literal says it is a directory. */
interface FoundRef {
  readonly uri: string;
  readonly directory: boolean;
}

/** A copy of `literal` with each blob and dataframe URI replaced by `replace(ref)` (sequentially). */
async function mapRefs(literal: Literal, replace: (ref: FoundRef) => Promise<string>): Promise<Literal> {
  const s = literal.scalar;
  if (s?.blob?.uri !== undefined) {
    const uri = await replace({ uri: s.blob.uri, directory: s.blob.metadata?.type?.dimensionality === "MULTIPART" });
    return { ...literal, scalar: { ...s, blob: { ...s.blob, uri } } };
  }
  if (s?.structuredDataset?.uri !== undefined) {
    const uri = await replace({ uri: s.structuredDataset.uri, directory: false });
    return { ...literal, scalar: { ...s, structuredDataset: { ...s.structuredDataset, uri } } };
  }
  if (s?.union?.value) return { ...literal, scalar: { ...s, union: { ...s.union, value: await mapRefs(s.union.value, replace) } } };
  if (literal.collection?.literals) {
    const out: Literal[] = [];
    for (const l of literal.collection.literals) out.push(await mapRefs(l, replace));
    return { ...literal, collection: { literals: out } };
  }
  if (literal.map?.literals) return { ...literal, map: { literals: await mapMap(literal.map.literals, replace) } };
  return literal;
}

async function mapMap(literals: Readonly<Record<string, Literal>>, replace: (ref: FoundRef) => Promise<string>): Promise<Record<string, Literal>> {
  const out: Record<string, Literal> = {};
  for (const [k, l] of Object.entries(literals)) out[k] = await mapRefs(l, replace);
  return out;
}

/** The regular files under `dir`, as relative POSIX paths (links are not followed). */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Moves an attempt's files through the server.
 *
 * @example
 * ```ts
 * const files = new RemoteFiles(new RemoteServer(url, token), "/var/tmp/aloft-worker/blobs");
 * await startWorker({ store: new RemoteQueue(server), files, blobDir: files.blobDir, modules: ["flows.ts"], concurrency: 2 });
 * ```
 */
export class RemoteFiles implements FileTransfer {
  /** @param blobDir the worker's blob directory (its tasks write here); fetched inputs go in its `fetched` folder. */
  constructor(
    private readonly server: RemoteServer,
    readonly blobDir: string,
  ) {}

  async around(item: ClaimedTask, run: (local: ClaimedTask) => Promise<AttemptResult | undefined>): Promise<AttemptResult | undefined> {
    const folder = path.join(this.blobDir, "fetched", randomUUID());
    /** Local URI → the server's URI it was fetched from. */
    const fetched = new Map<string, string>();
    /** The worker's own blobs sent to the server (their fresh directories under `blobDir`). */
    const sent = new Set<string>();
    try {
      let local: ClaimedTask;
      try {
        local = { ...item, inputs: { literals: await mapMap(item.inputs.literals ?? {}, (ref) => this.fetch(ref, folder, fetched)) } };
      } catch (e) {
        return lostResult(item, `cannot fetch the input files of task ${JSON.stringify(item.task.name)} from the server: ${message(e)}`);
      }
      const result = await run(local);
      if (result?.type !== "taskSucceeded") return result;
      try {
        const outputs: LiteralMap = { literals: await mapMap(result.outputs.literals ?? {}, (ref) => this.send(ref, fetched, sent)) };
        return { ...result, outputs };
      } catch (e) {
        return lostResult(item, `cannot send the output files of task ${JSON.stringify(item.task.name)} to the server: ${message(e)}`);
      }
    } finally {
      if (fetched.size > 0) await rm(folder, { recursive: true, force: true }).catch(() => undefined);
      for (const dir of sent) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Fetches a server file (or directory) into `folder`; resolves the local URI. */
  private async fetch(ref: FoundRef, folder: string, fetched: Map<string, string>): Promise<string> {
    if (!ref.uri.startsWith("file:")) return ref.uri;
    const dir = path.join(folder, String(fetched.size));
    const target = path.join(dir, baseName(ref.uri) || "blob");
    await mkdir(dir, { recursive: true });
    if (ref.directory) {
      const { files } = await this.server.json<{ files: { path: string; uri: string }[] }>("GET", "/directories", undefined, { uri: ref.uri });
      await mkdir(target);
      for (const f of files) {
        const p = path.join(target, ...f.path.split("/"));
        if (!p.startsWith(target + path.sep)) throw new Error(`the server listed ${JSON.stringify(f.path)} in ${ref.uri}, which is outside it`);
        await mkdir(path.dirname(p), { recursive: true });
        await writeFile(p, await this.server.bytes("/files", { uri: f.uri }), { mode: 0o444 });
      }
    } else {
      await writeFile(target, await this.server.bytes("/files", { uri: ref.uri }), { mode: 0o444 });
    }
    const uri = fileUri(target) + (ref.uri.endsWith("/") ? "/" : "");
    fetched.set(uri, ref.uri);
    return uri;
  }

  /** Sends a local output file (or directory) to the server; resolves the server's URI. */
  private async send(ref: FoundRef, fetched: ReadonlyMap<string, string>, sent: Set<string>): Promise<string> {
    const back = fetched.get(ref.uri);
    if (back !== undefined) return back;
    if (!ref.uri.startsWith("file:")) return ref.uri;
    const p = localPathOf(ref.uri);
    // A blob the task wrote (ctx.blobs) lives in a fresh directory of its own under blobDir: removed once sent.
    const [own] = path.relative(this.blobDir, p).split(path.sep);
    if (own !== undefined && own !== "" && own !== ".." && own !== "fetched" && !path.isAbsolute(own)) sent.add(path.join(this.blobDir, own));
    const st = await lstat(p);
    const name = baseName(ref.uri) || "blob";
    if (st.isDirectory()) {
      const { uri } = await this.server.json<{ uri: string }>("POST", "/directories", undefined, { name });
      for (const rel of await filesUnder(p)) {
        await this.server.request("PUT", "/files", { query: { name: rel, into: uri }, bytes: await readFile(path.join(p, ...rel.split("/"))) });
      }
      return uri;
    }
    const response = await this.server.request("PUT", "/files", { query: { name }, bytes: await readFile(p) });
    return ((await response.json()) as { uri: string }).uri;
  }
}
