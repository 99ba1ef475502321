import { CoreMathError } from "../errors.js";
import { hashPair } from "../random/seeded.js";
import type { CsrMatrix } from "../types.js";

/** Caps for very large or noisy baskets (Mahout's maxPrefsPerUser / maxInteractionsPerItem). */
export interface DownsampleOptions {
  /** Orders with more distinct products keep this many of them (default: no cap). */
  maxProductsPerOrder?: number;
  /** Products in more orders keep this many of those orders (default: no cap). */
  maxOrdersPerProduct?: number;
  /** Seed of the deterministic choice of what is kept (default 0). */
  seed?: number;
}

/** What `downsample` dropped. */
export interface DownsampleResult {
  /** Orders × products, binary (values all 1), columns ascending. */
  readonly baskets: CsrMatrix;
  /** Order lines (distinct order × product) removed by `maxProductsPerOrder`. */
  readonly droppedByOrderCap: number;
  /** Order lines removed by `maxOrdersPerProduct`. */
  readonly droppedByProductCap: number;
}

function checkCap(name: string, value: number | undefined): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(value) || value < 1) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `${name} must be an integer ≥ 1 (got ${value}); leave it out for no cap`,
    );
  }
  return value;
}

/**
 * Binary baskets with deterministic caps applied: first each order keeps its
 * `maxProductsPerOrder` products of smallest `hashPair(seed, order, product)`, then each product
 * keeps its `maxOrdersPerProduct` orders of smallest `hashPair(seed ^ 1, product, order)`.
 * Without caps it only makes the values binary.
 *
 * @example
 * ```ts
 * const { baskets } = downsample(a, { maxProductsPerOrder: 50, maxOrdersPerProduct: 500, seed: 1 });
 * ```
 */
// O(nnz(A) log(max row)) compares; scratch O(nnz(A))
export function downsample(a: CsrMatrix, options: DownsampleOptions = {}): DownsampleResult {
  const perOrder = checkCap("maxProductsPerOrder", options.maxProductsPerOrder);
  const perProduct = checkCap("maxOrdersPerProduct", options.maxOrdersPerProduct);
  const seed = (options.seed ?? 0) | 0;
  const { rows, cols } = a;

  // Pass 1: per-order cap (and drop explicit zeros).
  const keep = new Uint8Array(a.colIdx.length);
  let droppedByOrderCap = 0;
  const rowBuf: number[] = [];
  for (let o = 0; o < rows; o++) {
    const start = Number(a.rowPtr[o]);
    const end = Number(a.rowPtr[o + 1]);
    rowBuf.length = 0;
    for (let i = start; i < end; i++) if (a.values[i] !== 0) rowBuf.push(i);
    if (rowBuf.length > perOrder) {
      const hashes = new Map<number, number>();
      for (const i of rowBuf) hashes.set(i, hashPair(seed, o, a.colIdx[i]!));
      rowBuf.sort((x, y) => hashes.get(x)! - hashes.get(y)! || x - y);
      droppedByOrderCap += rowBuf.length - perOrder;
      rowBuf.length = perOrder;
    }
    for (const i of rowBuf) keep[i] = 1;
  }

  // Pass 2: per-product cap over the lines that survived.
  let droppedByProductCap = 0;
  if (perProduct !== Number.POSITIVE_INFINITY) {
    const count = new Uint32Array(cols + 1);
    for (let i = 0; i < keep.length; i++) if (keep[i]) count[a.colIdx[i]! + 1]!++;
    for (let p = 0; p < cols; p++) count[p + 1]! += count[p]!;
    const linesOf = new Uint32Array(count[cols]!);
    const lineOrder = new Uint32Array(count[cols]!);
    const fill = count.slice(0, cols);
    for (let o = 0; o < rows; o++) {
      for (let i = Number(a.rowPtr[o]); i < Number(a.rowPtr[o + 1]); i++) {
        if (!keep[i]) continue;
        const at = fill[a.colIdx[i]!]!++;
        linesOf[at] = i;
        lineOrder[at] = o;
      }
    }
    for (let p = 0; p < cols; p++) {
      const n = count[p + 1]! - count[p]!;
      if (n <= perProduct) continue;
      const idx = Array.from({ length: n }, (_, j) => count[p]! + j);
      const h = idx.map((j) => hashPair(seed ^ 1, p, lineOrder[j]!));
      const order = idx.map((_, j) => j).sort((x, y) => h[x]! - h[y]! || x - y);
      for (let j = perProduct; j < n; j++) keep[linesOf[idx[order[j]!]!]!] = 0;
      droppedByProductCap += n - perProduct;
    }
  }

  let nnz = 0;
  for (let i = 0; i < keep.length; i++) nnz += keep[i]!;
  const rowPtr = new Uint32Array(rows + 1);
  const colIdx = new Uint32Array(nnz);
  let at = 0;
  for (let o = 0; o < rows; o++) {
    for (let i = Number(a.rowPtr[o]); i < Number(a.rowPtr[o + 1]); i++) {
      if (keep[i]) colIdx[at++] = a.colIdx[i]!;
    }
    rowPtr[o + 1] = at;
  }
  return {
    baskets: { rows, cols, rowPtr, colIdx, values: new Float64Array(nnz).fill(1) },
    droppedByOrderCap,
    droppedByProductCap,
  };
}
