import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { CsrMatrix } from "@cobuy/core-math";
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

/** Orders × products CSR (binary) from lists of product indices; repeats within an order count once. */
export function ordersMatrix(orders: number[][], products: number): CsrMatrix {
  const rowPtr = new Uint32Array(orders.length + 1);
  const cols: number[] = [];
  orders.forEach((o, r) => {
    cols.push(...[...new Set(o)].sort((x, y) => x - y));
    rowPtr[r + 1] = cols.length;
  });
  return {
    rows: orders.length,
    cols: products,
    rowPtr,
    colIdx: Uint32Array.from(cols),
    values: new Float64Array(cols.length).fill(1),
  };
}
