import { acceptsTopK, offerTopK } from "../top-k/top-k-lists.js";
import type { CsrMatrix, TopKLists } from "../types.js";
import type { ScanMode } from "./options.js";

/** Scratch of one thread running {@link cosineRowsJs}: reuse it across calls on increasing rows. */
export interface CosineScratch {
  /** Dense accumulator of one row of C·C; all zero between rows. */
  readonly acc: Float64Array;
  readonly touched: Uint32Array;
  /** cursor[j]: first entry of row j of C with a column > the last row processed. */
  readonly cursor: Uint32Array | Float64Array;
}

// O(P) memory
export function createCosineScratch(c: CsrMatrix): CosineScratch {
  return {
    acc: new Float64Array(c.rows),
    touched: new Uint32Array(c.rows),
    cursor: c.rowPtr.slice(0, c.rows),
  };
}

/** Binary search of column q in row p of C; 0 when absent. */
// O(log nnz(C_p))
export function lookUp(c: CsrMatrix, p: number, q: number): number {
  let lo = Number(c.rowPtr[p]);
  let hi = Number(c.rowPtr[p + 1]);
  const idx = c.colIdx;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idx[mid]! < q) lo = mid + 1;
    else hi = mid;
  }
  return lo < Number(c.rowPtr[p + 1]) && idx[lo] === q ? c.values[lo]! : 0;
}

/**
 * Rows `from ≤ p < to` of the upper triangle of C·C, each pair (p, q > p) scored once as
 * `dot / (norms[p] · norms[q])` and offered to both p's and q's lists. Rows must be visited in
 * increasing order by one scratch. Returns the multiply-adds done.
 */
// O(Σ_{p in range} Σ_{j ∈ C_p} nnz(C_j right of p)) multiply-adds + O(P - p) per full-scan row; scratch O(P)
export function cosineRowsJs(
  c: CsrMatrix,
  norms: Float64Array,
  eligible: Uint8Array,
  from: number,
  to: number,
  lists: TopKLists,
  minScore: number,
  scan: ScanMode,
  scratch: CosineScratch,
  touchedRatio: number,
  minPairSupport = Number.NEGATIVE_INFINITY,
): number {
  const P = c.rows;
  const { rowPtr, colIdx, values } = c;
  const { acc, touched, cursor } = scratch;
  let work = 0;
  for (let p = from; p < to; p++) {
    if (!eligible[p]) continue;
    const start = Number(rowPtr[p]);
    const end = Number(rowPtr[p + 1]);
    // Move each neighbour's cursor past p and count this row's work.
    let w = 0;
    for (let b = start; b < end; b++) {
      const j = colIdx[b]!;
      const je = Number(rowPtr[j + 1]);
      let e = cursor[j]!;
      while (e < je && colIdx[e]! <= p) e++;
      cursor[j] = e;
      w += je - e;
    }
    if (w === 0) continue;
    work += w;
    const useTouched = scan === 2 || (scan === 0 && w * touchedRatio < P - p - 1);
    const np = norms[p]!;
    if (useTouched) {
      let nt = 0;
      for (let b = start; b < end; b++) {
        const j = colIdx[b]!;
        const wv = values[b]!;
        const je = Number(rowPtr[j + 1]);
        for (let e = cursor[j]!; e < je; e++) {
          const q = colIdx[e]!;
          if (acc[q] === 0) touched[nt++] = q;
          acc[q]! += wv * values[e]!;
        }
      }
      for (let t = 0; t < nt; t++) {
        const q = touched[t]!;
        const d = acc[q]!;
        if (d === 0) continue;
        acc[q] = 0;
        if (eligible[q]) offerPair(c, lists, p, q, d / (np * norms[q]!), minScore, minPairSupport);
      }
    } else {
      for (let b = start; b < end; b++) {
        const j = colIdx[b]!;
        const wv = values[b]!;
        const je = Number(rowPtr[j + 1]);
        for (let e = cursor[j]!; e < je; e++) acc[colIdx[e]!]! += wv * values[e]!;
      }
      for (let q = p + 1; q < P; q++) {
        const d = acc[q]!;
        if (d === 0) continue;
        acc[q] = 0;
        if (eligible[q]) offerPair(c, lists, p, q, d / (np * norms[q]!), minScore, minPairSupport);
      }
    }
  }
  return work;
}

function offerPair(
  c: CsrMatrix,
  lists: TopKLists,
  p: number,
  q: number,
  s: number,
  minScore: number,
  minPairSupport: number,
): void {
  if (!(s > minScore)) return;
  const toP = acceptsTopK(lists, p, q, s);
  const toQ = acceptsTopK(lists, q, p, s);
  if (!toP && !toQ) return;
  const sup = lookUp(c, p, q);
  if (!(sup >= minPairSupport)) return;
  if (toP) offerTopK(lists, p, q, s, sup);
  if (toQ) offerTopK(lists, q, p, s, sup);
}
