import { once } from "node:events";
import type { Writable } from "node:stream";

/**
 * Collects text and hands it to a Writable in chunks of about `chunkBytes`, waiting for `drain`
 * when the stream asks for it: a document is never one giant string in memory.
 */
export class ChunkedWriter {
  private pending = "";
  /** UTF-8 bytes handed to the stream so far. */
  bytes = 0;

  constructor(
    private readonly out: Writable,
    private readonly chunkBytes = 1 << 16,
  ) {}

  /** Appends text; true when a chunk is ready and the caller should `await flush()`. */
  push(text: string): boolean {
    this.pending += text;
    return this.pending.length >= this.chunkBytes;
  }

  /** Writes what is pending, waiting for `drain` if the stream's buffer is full. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending, "utf8");
    this.pending = "";
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }
}
