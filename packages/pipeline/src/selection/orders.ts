import type { CsrMatrix } from "@cobuy/core-math";

/**
 * The rows `orders` of A (ascending), in the same product space: the training or held-out part of
 * a split.
 *
 * @example
 * ```ts
 * const train = selectOrders(data.a, split.train);
 * ```
 */
// O(rows kept + their nonzeros)
export function selectOrders(a: CsrMatrix, orders: Uint32Array): CsrMatrix {
  let nnz = 0;
  for (const o of orders) nnz += Number(a.rowPtr[o + 1]) - Number(a.rowPtr[o]);
  const rowPtr = new Uint32Array(orders.length + 1);
  const colIdx = new Uint32Array(nnz);
  const values = new Float64Array(nnz);
  let at = 0;
  orders.forEach((o, r) => {
    for (let i = Number(a.rowPtr[o]); i < Number(a.rowPtr[o + 1]); i++) {
      colIdx[at] = a.colIdx[i]!;
      values[at++] = a.values[i]!;
    }
    rowPtr[r + 1] = at;
  });
  return { rows: orders.length, cols: a.cols, rowPtr, colIdx, values };
}

/** Rows of `a` holding at least one product. */
// O(rows)
export function countNonEmpty(a: CsrMatrix): number {
  let n = 0;
  for (let o = 0; o < a.rows; o++) if (Number(a.rowPtr[o + 1]) > Number(a.rowPtr[o])) n++;
  return n;
}
