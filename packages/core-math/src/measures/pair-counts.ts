import type { CsrMatrix } from "../types.js";
import { type DownsampleOptions, downsample } from "./downsample.js";

/** Everything every measure needs, from one counting pass over binary baskets. */
export interface PairCounts {
  /** Orders with at least one product (after caps): N. */
  readonly orders: number;
  readonly products: number;
  /** Order lines after caps: L = Σ_o |o| (distinct products per order). */
  readonly lines: number;
  /**
   * Products × products, symmetric, no diagonal: values[q] = orders holding both p and q
   * (the off-diagonal of AᵀA under binary incidence).
   */
  readonly pairs: CsrMatrix;
  /** n_p: orders holding product p (the diagonal of AᵀA under binary incidence). */
  readonly productOrders: Float64Array;
  /**
   * Per product, the sizes of the orders holding it as a sparse histogram: product p has the
   * distinct sizes `sizeValue[sizePtr[p] .. sizePtr[p+1])`, ascending, with `sizeCount` beside them.
   */
  readonly sizePtr: Uint32Array;
  readonly sizeValue: Uint32Array;
  readonly sizeCount: Float64Array;
  readonly droppedByOrderCap: number;
  readonly droppedByProductCap: number;
  /** Multiply-adds of the counting pass (Σ_o |o|²), also when the pairs were taken from C. */
  readonly work: number;
  /** The pairs are the `cooccurrence` passed in (binary A, no cap dropped a line), not counted again. */
  readonly pairsReused: boolean;
}

function grow<T extends Uint32Array | Float64Array>(arr: T, need: number): T {
  if (need <= arr.length) return arr;
  const next = new (arr.constructor as { new (n: number): T })(Math.max(need, arr.length * 2));
  next.set(arr);
  return next;
}

/** Options of {@link countPairs}: the caps, and the C of the same A when it is already built. */
export interface CountPairsOptions extends DownsampleOptions {
  /**
   * `cooccurrence(a)` of this very A, when the caller has it (the classic candidate builds it):
   * with binary order lines (every value of A is 1) and no line dropped by a cap, it is exactly the
   * pair counts, so they are taken from it instead of counted again (`PairCounts.pairsReused`).
   */
  cooccurrence?: CsrMatrix;
}

/** True when every stored value of `a` is 1 (no repeated lines): its C is then the pair counts. */
// O(nnz)
function isBinary(a: CsrMatrix): boolean {
  for (let i = 0; i < a.values.length; i++) if (a.values[i] !== 1) return false;
  return true;
}

/**
 * Counts co-purchases once for all measures: pair counts (orders holding both), orders per
 * product, and each product's histogram of order sizes. Order lines are binary (a product listed
 * twice in an order counts once); caps are applied first (see `downsample`).
 *
 * @example
 * ```ts
 * const counts = countPairs(a, { maxProductsPerOrder: 100 });
 * const top = measureTopK(counts, "expected", { k: 5 });
 * ```
 */
// O(Σ_o |o|²) adds + O(nnz(pairs) log(row)) sort, or O(nnz(A)) with a reusable C; scratch O(P)
export function countPairs(a: CsrMatrix, options: CountPairsOptions = {}): PairCounts {
  const { baskets, droppedByOrderCap, droppedByProductCap } = downsample(a, options);
  const given = options.cooccurrence;
  const reused =
    given !== undefined &&
    droppedByOrderCap === 0 &&
    droppedByProductCap === 0 &&
    given.rows === a.cols &&
    given.cols === a.cols &&
    isBinary(a)
      ? given
      : undefined;
  const orders = baskets.rows;
  const products = baskets.cols;
  const rowPtr = baskets.rowPtr as Uint32Array;
  const colIdx = baskets.colIdx;

  // Transpose: product → its orders.
  const tPtr = new Uint32Array(products + 1);
  for (let i = 0; i < colIdx.length; i++) tPtr[colIdx[i]! + 1]!++;
  for (let p = 0; p < products; p++) tPtr[p + 1]! += tPtr[p]!;
  const tIdx = new Uint32Array(colIdx.length);
  const fill = tPtr.slice(0, products);
  for (let o = 0; o < orders; o++) {
    for (let i = rowPtr[o]!; i < rowPtr[o + 1]!; i++) tIdx[fill[colIdx[i]!]!++] = o;
  }

  let nonEmpty = 0;
  for (let o = 0; o < orders; o++) if (rowPtr[o + 1]! > rowPtr[o]!) nonEmpty++;

  const productOrders = new Float64Array(products);
  const pPtr = new Uint32Array(products + 1);
  let pIdx = new Uint32Array(reused ? 0 : Math.max(16, colIdx.length));
  let pVal = new Float64Array(pIdx.length);
  const sizePtr = new Uint32Array(products + 1);
  let sizeValue = new Uint32Array(Math.max(16, products));
  let sizeCount = new Float64Array(sizeValue.length);

  const acc = new Float64Array(products);
  const touched = new Uint32Array(products);
  const sizeAcc = new Float64Array(products + 1);
  const sizeTouched = new Uint32Array(products + 1);
  let nnz = 0;
  let nSizes = 0;
  let work = 0;
  for (let p = 0; p < products; p++) {
    let nt = 0;
    let ns = 0;
    for (let j = tPtr[p]!; j < tPtr[p + 1]!; j++) {
      const o = tIdx[j]!;
      const s = rowPtr[o + 1]! - rowPtr[o]!;
      if (sizeAcc[s] === 0) sizeTouched[ns++] = s;
      sizeAcc[s]! += 1;
      work += s;
      if (reused) continue;
      for (let i = rowPtr[o]!; i < rowPtr[o + 1]!; i++) {
        const q = colIdx[i]!;
        if (q === p) continue;
        if (acc[q] === 0) touched[nt++] = q;
        acc[q]! += 1;
      }
    }
    productOrders[p] = tPtr[p + 1]! - tPtr[p]!;
    const row = touched.subarray(0, nt).sort();
    pIdx = grow(pIdx, nnz + nt);
    pVal = grow(pVal, nnz + nt);
    for (let j = 0; j < nt; j++) {
      const q = row[j]!;
      pIdx[nnz] = q;
      pVal[nnz++] = acc[q]!;
      acc[q] = 0;
    }
    pPtr[p + 1] = nnz;
    const sizes = sizeTouched.subarray(0, ns).sort();
    sizeValue = grow(sizeValue, nSizes + ns);
    sizeCount = grow(sizeCount, nSizes + ns);
    for (let j = 0; j < ns; j++) {
      const s = sizes[j]!;
      sizeValue[nSizes] = s;
      sizeCount[nSizes++] = sizeAcc[s]!;
      sizeAcc[s] = 0;
    }
    sizePtr[p + 1] = nSizes;
  }

  return {
    orders: nonEmpty,
    products,
    lines: colIdx.length,
    pairs: reused ?? {
      rows: products,
      cols: products,
      rowPtr: pPtr,
      colIdx: pIdx.slice(0, nnz),
      values: pVal.slice(0, nnz),
    },
    pairsReused: reused !== undefined,
    productOrders,
    sizePtr,
    sizeValue: sizeValue.slice(0, nSizes),
    sizeCount: sizeCount.slice(0, nSizes),
    droppedByOrderCap,
    droppedByProductCap,
    work,
  };
}
