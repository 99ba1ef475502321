import { createReadStream } from "node:fs";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { isPipelineError, PipelineError } from "../errors.js";

/** A byte source, decompressed when it is gzip. */
export interface OpenedInput {
  /** The name used in messages: the caller's label, else the path (or `<stream>`). */
  readonly name: string;
  /** Decompressed bytes, chunk by chunk. */
  readonly chunks: AsyncGenerator<Buffer>;
  /** Bytes read from the source so far (compressed bytes for gzip input). */
  rawBytesRead(): number;
  /** Whether the source turned out to be gzip (known once the first chunk has been read). */
  isGzip(): boolean;
}

const READ_CHUNK = 1 << 20;

/** `COBUY_PIPELINE_INPUT_UNREADABLE` for a failed open/read of `name`. */
export function unreadable(name: string, e: unknown): PipelineError {
  const code = (e as { code?: string }).code;
  const why =
    code === "ENOENT"
      ? "no such file (check the path)"
      : code === "EISDIR"
        ? "it is a directory (pass a CSV file)"
        : code === "EACCES"
          ? "permission denied"
          : `${(e as Error).message ?? String(e)}`;
  return new PipelineError("COBUY_PIPELINE_INPUT_UNREADABLE", `${name}: cannot read the input: ${why}`, {
    cause: e,
    position: { file: name },
  });
}

/**
 * Opens a path or a Readable as decompressed byte chunks. gzip is recognised by its magic bytes
 * (1f 8b); a path ending in `.gz` that is not gzip is an error.
 */
export function openInput(source: string | Readable, label?: string): OpenedInput {
  const name = label ?? (typeof source === "string" ? source : "<stream>");
  const namedGz = typeof source === "string" && /\.gz$/i.test(source);
  let raw = 0;
  let gzip = false;

  async function* rawChunks(): AsyncGenerator<Buffer> {
    const stream =
      typeof source === "string" ? createReadStream(source, { highWaterMark: READ_CHUNK }) : source;
    try {
      for await (const c of stream) {
        const b: Buffer = typeof c === "string" ? Buffer.from(c, "utf8") : (c as Buffer);
        raw += b.length;
        yield b;
      }
    } catch (e) {
      if (isPipelineError(e)) throw e;
      throw unreadable(name, e);
    }
  }

  async function* decoded(): AsyncGenerator<Buffer> {
    const it = rawChunks();
    let head: Buffer = Buffer.alloc(0);
    let done = false;
    // Four bytes: gzip's magic (1f 8b) and Parquet's (PAR1).
    while (head.length < 4) {
      const n = await it.next();
      if (n.done) {
        done = true;
        break;
      }
      head = head.length === 0 ? n.value : Buffer.concat([head, n.value]);
    }
    gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (head.length >= 4 && head.toString("latin1", 0, 4) === "PAR1") {
      await it.return(undefined);
      throw new PipelineError(
        "COBUY_PIPELINE_PARQUET_INVALID",
        `${name}: this is Parquet data, which is read by random access, not as a stream: pass a file path (readSales("sales.parquet")), or save the stream to a file first`,
        { position: { file: name, byteOffset: 0 } },
      );
    }
    if (!gzip) {
      if (namedGz && head.length > 0) {
        await it.return(undefined);
        throw new PipelineError(
          "COBUY_PIPELINE_GZIP",
          `${name}: the name ends in .gz but the file is not gzip data (rename it to .csv, or compress it with gzip)`,
          { position: { file: name, byteOffset: 0 } },
        );
      }
      if (head.length > 0) yield head;
      if (!done) yield* it;
      return;
    }
    const gunzip = createGunzip({ chunkSize: 1 << 18 });
    const src = Readable.from(
      (async function* () {
        yield head;
        if (!done) yield* it;
      })(),
      { objectMode: false },
    );
    pipeline(src, gunzip, () => {});
    try {
      for await (const c of gunzip) yield c as Buffer;
    } catch (e) {
      if (isPipelineError(e)) throw e;
      throw new PipelineError(
        "COBUY_PIPELINE_GZIP",
        `${name}: cannot decompress the gzip data after ${raw} compressed bytes (${(e as Error).message}); the file is truncated or corrupt — compress it again or pass the uncompressed CSV`,
        { cause: e, position: { file: name } },
      );
    } finally {
      src.destroy();
      gunzip.destroy();
    }
  }

  return {
    name,
    chunks: decoded(),
    rawBytesRead: () => raw,
    isGzip: () => gzip,
  };
}
