import type { CsrMatrix } from "@cobuy/core-math";
import { PipelineError } from "../errors.js";

/**
 * Collects the sparse pair counts of a co-occurrence matrix — `(p, q, C[p][q])` for p ≠ q, each
 * unordered pair once or split into partial counts, in any order and orientation — and builds C
 * as CSR: symmetric, zero diagonal, columns ascending, partial counts of a pair summed. The same
 * matrix core-math's `cooccurrence(A)` makes from the order lines, without the lines.
 *
 * @example
 * ```ts
 * const pairs = new PairCounts(3);
 * pairs.add(0, 2, 4); // products 0 and 2 bought together 4 times
 * pairs.add(1, 0, 1);
 * const c = pairs.toCsr(); // rowPtr [0, 2, 3, 4], colIdx [1, 2, 0, 0], values [1, 4, 1, 4]
 * ```
 */
// Memory: 16 bytes per added pair while collecting; toCsr adds 24 bytes per pair for C (+ scratch).
export class PairCounts {
  private lo = new Uint32Array(1024);
  private hi = new Uint32Array(1024);
  private val = new Float64Array(1024);
  private n = 0;

  constructor(readonly products: number) {
    if (!(Number.isInteger(products) && products >= 0 && products <= 0xffff_ffff)) {
      throw new PipelineError("COBUY_PIPELINE_OPTION", `products must be an integer ≥ 0 (got ${products})`);
    }
  }

  /** Pairs added so far (before merging partial counts). */
  get size(): number {
    return this.n;
  }

  /** Adds `count` (> 0) to the pair of products p and q (indices, p ≠ q, either order). */
  add(p: number, q: number, count: number): void {
    const P = this.products;
    if (!(p >= 0 && p < P && q >= 0 && q < P && p !== q && Number.isInteger(p) && Number.isInteger(q))) {
      throw new PipelineError(
        "COBUY_PIPELINE_OPTION",
        `pair (${p}, ${q}): product indices must be distinct integers from 0 to ${P - 1}`,
      );
    }
    if (!(count > 0 && Number.isFinite(count))) {
      throw new PipelineError(
        "COBUY_PIPELINE_OPTION",
        `pair (${p}, ${q}): the count must be a positive number (got ${count})`,
      );
    }
    const i = this.n;
    if (i === this.lo.length) this.grow();
    this.lo[i] = Math.min(p, q);
    this.hi[i] = Math.max(p, q);
    this.val[i] = count;
    this.n = i + 1;
  }

  private grow(): void {
    const size = this.lo.length * 2;
    const lo = new Uint32Array(size);
    lo.set(this.lo);
    const hi = new Uint32Array(size);
    hi.set(this.hi);
    const val = new Float64Array(size);
    val.set(this.val);
    this.lo = lo;
    this.hi = hi;
    this.val = val;
  }

  /**
   * C as CSR (products × products). Two counting sorts put the upper triangle in order (no
   * comparisons), partial counts of a pair are summed, then it is mirrored into the lower one.
   * The collected pairs are released.
   */
  // O(pairs + products)
  toCsr(): CsrMatrix {
    const P = this.products;
    const m = this.n;
    const { lo, hi, val } = this;
    this.lo = new Uint32Array(0);
    this.hi = new Uint32Array(0);
    this.val = new Float64Array(0);
    this.n = 0;

    // Counting sort by the larger index, then a stable one by the smaller: the upper triangle U,
    // rows ascending, columns ascending inside each row.
    const hiPtr = new Uint32Array(P + 1);
    for (let e = 0; e < m; e++) hiPtr[hi[e]! + 1]!++;
    for (let p = 0; p < P; p++) hiPtr[p + 1]! += hiPtr[p]!;
    const byHi = new Uint32Array(m);
    for (let e = 0; e < m; e++) byHi[hiPtr[hi[e]!]!++] = e;
    const uPtr = new Float64Array(P + 1);
    for (let e = 0; e < m; e++) uPtr[lo[e]! + 1]!++;
    for (let p = 0; p < P; p++) uPtr[p + 1]! += uPtr[p]!;
    const fillU = uPtr.slice(0, P);
    const uCol = new Uint32Array(m);
    const uVal = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      const e = byHi[j]!;
      const at = fillU[lo[e]!]!++;
      uCol[at] = hi[e]!;
      uVal[at] = val[e]!;
    }

    // Sum the partial counts of a pair (now adjacent); count each column's entries of U, which
    // become the lower part of that column's row in C.
    const upperLen = new Uint32Array(P);
    const lower = new Uint32Array(P);
    let w = 0;
    for (let p = 0; p < P; p++) {
      const start = w;
      const end = uPtr[p + 1]!;
      for (let e = uPtr[p]!; e < end; e++) {
        if (w > start && uCol[w - 1] === uCol[e]) {
          uVal[w - 1]! += uVal[e]!;
        } else {
          uCol[w] = uCol[e]!;
          uVal[w++] = uVal[e]!;
          lower[uCol[e]!]!++;
        }
      }
      upperLen[p] = w - start;
    }

    // Row p of C: its lower part (columns < p, written as the rows q < p are read in order, so
    // sorted), then U's row p (columns > p, sorted).
    const nnz = 2 * w;
    const rowPtrF = new Float64Array(P + 1);
    for (let p = 0; p < P; p++) rowPtrF[p + 1] = rowPtrF[p]! + lower[p]! + upperLen[p]!;
    const colIdx = new Uint32Array(nnz);
    const values = new Float64Array(nnz);
    const fill = rowPtrF.slice(0, P);
    let e = 0;
    for (let p = 0; p < P; p++) {
      let up = rowPtrF[p]! + lower[p]!;
      for (let r = 0; r < upperLen[p]!; r++, e++) {
        const q = uCol[e]!;
        const at = fill[q]!++;
        colIdx[at] = p;
        values[at] = uVal[e]!;
        colIdx[up] = q;
        values[up++] = uVal[e]!;
      }
    }
    const rowPtr = nnz <= 0xffff_ffff ? Uint32Array.from(rowPtrF) : rowPtrF;
    return { rows: P, cols: P, rowPtr, colIdx, values };
  }
}
