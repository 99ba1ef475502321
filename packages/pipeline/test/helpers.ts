import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

/** `../shared` of the repo (overridable with COBUY_SHARED_DIR). */
export function sharedDir(): string {
  return process.env.COBUY_SHARED_DIR ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
}

/** A Readable that delivers `data` in chunks of `size` bytes (to exercise chunk boundaries). */
export function chunked(data: string | Buffer, size = 1 << 16): Readable {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  // Object mode keeps the chunk boundaries as given.
  return Readable.from(parts);
}

/** A temporary folder removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cobuy-pipeline-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Rejection of `p` (fails when `p` resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<Error & { code?: string; line?: number; column?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error("expected a rejection");
}
