import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SourceError } from "../errors.js";

/**
 * Where a run's files come from: a local run folder, or anything that can open a file of a
 * published run by name (the runner adapts @cobuy/s3-export's store to this).
 */
export interface RunSource {
  /** Stored as the run's `source_uri` (e.g. `file:///…/runs/2025-01-31_12-00-00/`, `s3://bucket/prefix/…/`). */
  readonly uri: string;
  /** The run id when known before reading anything (else taken from manifest.json / recs.rich.json). */
  readonly runId?: string;
  /** Opens a file of the run (`manifest.json`, `recs.rich.json`, `validation.json`); undefined when missing. */
  open(name: string): Promise<AsyncIterable<Uint8Array> | undefined>;
}

/**
 * A run folder on disk, as `cobuy build --out DIR` or `cobuy fetch` write it.
 * @example
 * await loadRun(db, localRunSource("out/runs/2025-01-31_12-00-00"));
 */
export function localRunSource(dir: string, options: { runId?: string } = {}): RunSource {
  const root = resolve(dir);
  return {
    uri: pathToFileURL(`${root}/`).href,
    runId: options.runId,
    async open(name: string) {
      if (name.includes("..") || name.startsWith("/"))
        throw new SourceError(`refusing to open "${name}" outside ${root}`);
      const path = resolve(root, name);
      try {
        const fh = await open(path, "r");
        return fh.createReadStream({ highWaterMark: 1 << 20 });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "ENOENT") return undefined;
        if (code === "EISDIR") throw new SourceError(`${path} is a folder, expected a file`, { cause: err });
        throw new SourceError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

/** Reads a whole (small) file of a run; undefined when missing. */
export async function readSmallFile(
  source: RunSource,
  name: string,
  maxBytes = 64 << 20,
): Promise<Buffer | undefined> {
  const stream = await source.open(name);
  if (stream === undefined) return undefined;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw new SourceError(`${source.uri}${name} is larger than ${maxBytes} bytes`);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(parts);
}
