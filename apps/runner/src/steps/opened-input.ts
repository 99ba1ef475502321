/** An opened `--input` (local file or S3 object) and the size its reader will count. */
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";

/** An opened `--input`. */
export interface SalesInput {
  /** What readSales reads: a path, or the object's body. */
  readonly source: string | Readable;
  /** Name for messages (readSales' `name`): the `s3://` URL for an object; undefined for a local file. */
  readonly name?: string;
  /**
   * Bytes the reader counts as read by the end (its `bytesRead`: the file or object size, compressed
   * for gzip); undefined for Parquet, which reads only the pages of three columns, or when unknown.
   */
  readonly bytes?: number;
  /** Frees the stream, the temporary file and the client's sockets. */
  close(): Promise<void>;
}

/** The size of a local CSV input; undefined for Parquet (`PAR1` magic) and for a file that cannot be read (the reader reports it). */
export async function csvBytes(file: string): Promise<number | undefined> {
  const fh = await open(file, "r").catch(() => undefined);
  if (fh === undefined) return undefined;
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead === 4 && head.toString("latin1") === "PAR1") return undefined;
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}
