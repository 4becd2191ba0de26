/**
 * The `.tgz` that `pyflyte package` writes (flytekit `clis/sdk_in_container/package.py`):
 * a gzipped tar of the spec files `writeSpecs` writes, at its top level, which
 * `flytectl register files <file>.tgz --archive` registers as it is.
 *
 * @module
 */
import { mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { create } from "tar";
import { SpecWriteError, writeSpecs, type WriteSpecsOptions } from "./write-specs.js";

/**
 * Compiles an entity as `writeSpecs` does and writes its spec files into one
 * `.tgz` archive at `file` (replaced if it exists, only once the archive is
 * whole). Resolves to the names of the files in the archive, in order.
 *
 * @throws SpecWriteError when the archive cannot be written; CompileError when the entity does not compile.
 *
 * @example
 * ```ts
 * await writePackage(wf, "flyte-package.tgz", { version: "v1" });
 * // then: flytectl register files flyte-package.tgz --archive -p flytesnacks -d development --version v1
 * ```
 */
export async function writePackage(entity: Parameters<typeof writeSpecs>[0], file: string, options: Omit<WriteSpecsOptions, "format" | "overwrite"> = {}): Promise<string[]> {
  if (typeof file !== "string" || !/\.(tgz|tar\.gz)$/.test(file)) throw new SpecWriteError(`writePackage writes a .tgz (or .tar.gz) file, got ${JSON.stringify(file)}`, String(file));
  const target = path.resolve(file);
  const work = await mkdtemp(path.join(tmpdir(), "aloft-package-"));
  try {
    const written = await writeSpecs(entity, path.join(work, "specs"), { ...options, format: "pb" });
    const names = written.map((f) => path.basename(f));
    const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
    try {
      await create({ gzip: true, file: partial, cwd: path.join(work, "specs"), portable: true, noMtime: true }, names);
      await rename(partial, target);
    } catch (e) {
      await rm(partial, { force: true });
      throw new SpecWriteError(`cannot write ${JSON.stringify(file)}: ${e instanceof Error ? e.message : String(e)}`, file, { cause: e });
    }
    return names;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
