import { CoreMathError } from "../errors.js";
import type { CsrMatrix } from "../types.js";

/**
 * The transpose of a CSR matrix (columns ascending in every row of the result).
 *
 * @example
 * ```ts
 * const at = transpose(a); // products × orders
 * ```
 */
// O(nnz + rows + cols); scratch O(cols)
export function transpose(m: CsrMatrix): CsrMatrix {
  const { rows, cols, rowPtr, colIdx, values } = m;
  const nnz = colIdx.length;
  if (nnz > 0xffffffff) {
    throw new CoreMathError(
      "COBUY_MATH_TOO_LARGE",
      `transpose: ${nnz} non-zeros do not fit 32-bit row pointers`,
    );
  }
  const tPtr = new Uint32Array(cols + 1);
  for (let i = 0; i < nnz; i++) tPtr[colIdx[i]! + 1]!++;
  for (let c = 0; c < cols; c++) tPtr[c + 1]! += tPtr[c]!;
  const tIdx = new Uint32Array(nnz);
  const tVal = new Float64Array(nnz);
  const fill = tPtr.slice(0, cols);
  for (let r = 0; r < rows; r++) {
    const end = Number(rowPtr[r + 1]);
    for (let i = Number(rowPtr[r]); i < end; i++) {
      const at = fill[colIdx[i]!]!++;
      tIdx[at] = r;
      tVal[at] = values[i]!;
    }
  }
  return { rows: cols, cols: rows, rowPtr: tPtr, colIdx: tIdx, values: tVal };
}

/**
 * The co-occurrence matrix C = AᵀA with its diagonal set to 0 (products × products, symmetric,
 * columns ascending, no stored zeros). `C[p][q]` is Σ over orders of `A[o][p]·A[o][q]`: the number
 * of orders holding both with count incidence, repeated lines multiplied in. A's rows must have
 * ascending, distinct columns and positive values (as {@link buildIncidence} makes them).
 *
 * @example
 * ```ts
 * const c = cooccurrence(a);
 * const nonzeros = c.colIdx.length;
 * ```
 */
// O(Σ_o |o|²/2) multiply-adds for the upper triangle + O(nnz(C)) to mirror it, no sort; scratch O(P + nnz(C)/2), plus O(Σ_o |o|²/2) for the pair buckets when they fit the budget (otherwise O(nnz(A)))
export function cooccurrence(a: CsrMatrix): CsrMatrix {
  checkRows(a);
  const pairs = pairsOf(a);
  const fits = pairs <= Math.max(PAIR_BUCKET_FLOOR, PAIR_BUCKET_PER_ENTRY * a.colIdx.length);
  return cooccurrenceVia(a, fits ? "buckets" : "transpose", pairs);
}

/** C by the named way to its upper triangle (both give the same C; tests run each). */
export function cooccurrenceVia(
  a: CsrMatrix,
  way: "buckets" | "transpose",
  pairs: number = pairsOf(a),
): CsrMatrix {
  return mirrored(a.cols, way === "buckets" ? upperFromBuckets(a, pairs) : upperFromTranspose(a));
}

// The pair buckets cost 8 bytes a pair (12 with fractional or large counts): up to 4 pairs per
// entry of A, or 2^24 pairs, they stay below the C they build; beyond (wide or huge orders) the
// transpose path needs no scratch per pair.
const PAIR_BUCKET_FLOOR = 1 << 24;
const PAIR_BUCKET_PER_ENTRY = 4;

/** The upper triangle of C = AᵀA: row p holds the q > p it meets, in no particular order. */
interface UpperTriangle {
  uPtr: Float64Array;
  uIdx: Uint32Array;
  uVal: Float64Array;
  /** Entries of U in each column: the lower part of C's rows. */
  lower: Float64Array;
}

/** Σ_o |o|·(|o| − 1)/2: the pairs (p < q) the orders of A hold. */
// O(rows)
function pairsOf(a: CsrMatrix): number {
  let pairs = 0;
  for (let o = 0; o < a.rows; o++) {
    const n = Number(a.rowPtr[o + 1]) - Number(a.rowPtr[o]);
    pairs += (n * (n - 1)) / 2;
  }
  return pairs;
}

/**
 * U by pair buckets: A's rows walked in order write each pair (q, weight) into p's bucket, then
 * each bucket is summed. The writes go to P sequential streams where the transpose path reads one
 * random row of A per (product, order): measured at gen-sales M (1 M lines, interleaved runs), the
 * upper triangle in about half the time and the whole of C in about two thirds.
 */
// O(Σ_o |o|²/2) writes + the same adds; scratch 8–12 bytes a pair + O(P)
function upperFromBuckets(a: CsrMatrix, pairs: number): UpperTriangle {
  const P = a.cols;
  const aPtr = a.rowPtr;
  const aIdx = a.colIdx;
  const aVal = a.values;
  const bPtr = new Float64Array(P + 1);
  let unit = true;
  let wholeSmall = true; // every value a whole number ≤ 65535: products are exact in Uint32
  for (let o = 0; o < a.rows; o++) {
    const end = Number(aPtr[o + 1]);
    for (let i = Number(aPtr[o]); i < end; i++) {
      bPtr[aIdx[i]! + 1]! += end - i - 1;
      const v = aVal[i]!;
      if (v !== 1) {
        unit = false;
        if (!(v <= 65535 && Number.isInteger(v))) wholeSmall = false;
      }
    }
  }
  for (let p = 0; p < P; p++) bPtr[p + 1]! += bPtr[p]!;
  const bQ = new Uint32Array(pairs);
  // Unit values (binary incidence, no repeated line) need no weights: 4 bytes a pair less, and
  // the fill and the sums below read none.
  const bW = unit ? null : wholeSmall ? new Uint32Array(pairs) : new Float64Array(pairs);
  const fill = bPtr.slice(0, P);
  for (let o = 0; o < a.rows; o++) {
    const end = Number(aPtr[o + 1]);
    for (let i = Number(aPtr[o]); i < end; i++) {
      const p = aIdx[i]!;
      let at = fill[p]!;
      if (bW === null) {
        for (let e = i + 1; e < end; e++) bQ[at++] = aIdx[e]!;
      } else {
        const w = aVal[i]!;
        for (let e = i + 1; e < end; e++) {
          bQ[at] = aIdx[e]!;
          bW[at++] = w * aVal[e]!;
        }
      }
      fill[p] = at;
    }
  }
  const uPtr = new Float64Array(P + 1);
  const uIdx = new Uint32Array(pairs);
  // U has at most one entry a pair, usually fewer (pairs repeat across orders): grown as needed.
  let uVal = new Float64Array(Math.max(16, Math.min(pairs, aIdx.length)));
  const lower = new Float64Array(P);
  const acc = new Float64Array(P);
  let nU = 0;
  for (let p = 0; p < P; p++) {
    const start = nU;
    const end = bPtr[p + 1]!;
    if (bW === null) {
      for (let t = bPtr[p]!; t < end; t++) {
        const q = bQ[t]!;
        if (acc[q] === 0) uIdx[nU++] = q;
        acc[q]! += 1;
      }
    } else {
      for (let t = bPtr[p]!; t < end; t++) {
        const q = bQ[t]!;
        if (acc[q] === 0) uIdx[nU++] = q;
        acc[q]! += bW[t]!;
      }
    }
    if (nU > uVal.length) uVal = grown(uVal, start, Math.max(2 * uVal.length, nU));
    settleRow(acc, uIdx, uVal, lower, start, nU);
    uPtr[p + 1] = nU;
  }
  return { uPtr, uIdx, uVal, lower };
}

/** Moves row p's sums (columns uIdx[start..end)) from acc into uVal, clearing acc for the next row. */
// O(end - start)
function settleRow(
  acc: Float64Array,
  uIdx: Uint32Array,
  uVal: Float64Array,
  lower: Float64Array,
  start: number,
  end: number,
): void {
  for (let e = start; e < end; e++) {
    const q = uIdx[e]!;
    uVal[e] = acc[q]!;
    acc[q] = 0;
    lower[q]!++;
  }
}

function grown<T extends Uint32Array | Float64Array>(old: T, keep: number, length: number): T {
  const next = new (old.constructor as new (n: number) => T)(length);
  next.set(old.subarray(0, keep));
  return next;
}

/**
 * U by the transpose: for each product p, the rest of every order row that holds p. No scratch
 * per pair, for orders too wide for the pair buckets.
 */
// O(Σ_o |o|²/2) adds, one random row of A read per (product, order); scratch O(nnz(A) + P)
function upperFromTranspose(a: CsrMatrix): UpperTriangle {
  const P = a.cols;
  const aPtr = a.rowPtr;
  const aIdx = a.colIdx;
  const aVal = a.values;
  // Transpose, keeping for each (p, o) the position of p inside row o: the pairs (p, q > p) of
  // an order are then the rest of its row.
  const nnzA = aIdx.length;
  const tPtr = new Float64Array(P + 1);
  for (let i = 0; i < nnzA; i++) tPtr[aIdx[i]! + 1]!++;
  for (let p = 0; p < P; p++) tPtr[p + 1]! += tPtr[p]!;
  const tAt = new Uint32Array(nnzA); // entry index in A
  const tEnd = new Uint32Array(nnzA); // end of that entry's row in A
  const fillT = tPtr.slice(0, P);
  for (let o = 0; o < a.rows; o++) {
    const end = Number(aPtr[o + 1]);
    for (let i = Number(aPtr[o]); i < end; i++) {
      const at = fillT[aIdx[i]!]!++;
      tAt[at] = i;
      tEnd[at] = end;
    }
  }

  // Upper triangle U (q > p), each row in the order its columns were first touched.
  const uPtr = new Float64Array(P + 1);
  let uIdx = new Uint32Array(Math.max(16, nnzA));
  let uVal = new Float64Array(uIdx.length);
  const lower = new Float64Array(P); // entries of U in each column = lower part of C's rows
  const acc = new Float64Array(P);
  let nU = 0;
  for (let p = 0; p < P; p++) {
    const start = nU;
    for (let t = tPtr[p]!; t < tPtr[p + 1]!; t++) {
      const i = tAt[t]!;
      const w = aVal[i]!;
      const end = tEnd[t]!;
      if (nU + (end - i) > uIdx.length) {
        uIdx = grown(uIdx, nU, Math.max(uIdx.length * 2, nU + (end - i)));
      }
      for (let e = i + 1; e < end; e++) {
        const q = aIdx[e]!;
        if (acc[q] === 0) uIdx[nU++] = q;
        acc[q]! += w * aVal[e]!;
      }
    }
    if (uVal.length < uIdx.length) {
      uVal = grown(uVal, start, uIdx.length);
    }
    settleRow(acc, uIdx, uVal, lower, start, nU);
    uPtr[p + 1] = nU;
  }
  return { uPtr, uIdx, uVal, lower };
}

/** C from its upper triangle: U and its mirror, columns ascending in every row. */
// O(nnz(C) + P); no scratch beyond C
function mirrored(P: number, { uPtr, uIdx, uVal, lower }: UpperTriangle): CsrMatrix {
  const nU = uPtr[P]!;
  // Mirror into C. Pass 1 writes U's entries into the lower parts of their columns' rows,
  // source rows ascending, so each lower part comes out sorted; pass 2 reads the lower parts,
  // rows ascending, and writes each entry into the upper part of its column's row: sorted too.
  const nnz = 2 * nU;
  const rowPtrF = new Float64Array(P + 1);
  for (let p = 0; p < P; p++) rowPtrF[p + 1] = rowPtrF[p]! + lower[p]! + (uPtr[p + 1]! - uPtr[p]!);
  const colIdx = new Uint32Array(nnz);
  const values = new Float64Array(nnz);
  const fill = rowPtrF.slice(0, P);
  for (let p = 0; p < P; p++) {
    for (let e = uPtr[p]!; e < uPtr[p + 1]!; e++) {
      const at = fill[uIdx[e]!]!++;
      colIdx[at] = p;
      values[at] = uVal[e]!;
    }
  }
  for (let p = 0; p < P; p++) {
    const end = rowPtrF[p]! + lower[p]!;
    for (let e = rowPtrF[p]!; e < end; e++) {
      const at = fill[colIdx[e]!]!++;
      colIdx[at] = p;
      values[at] = values[e]!;
    }
  }
  const rowPtr = nnz <= 0xffffffff ? Uint32Array.from(rowPtrF) : rowPtrF;
  return { rows: P, cols: P, rowPtr, colIdx, values };
}

// O(nnz(A))
function checkRows(a: CsrMatrix): void {
  const { rowPtr, colIdx, values } = a;
  for (let o = 0; o < a.rows; o++) {
    const start = Number(rowPtr[o]);
    const end = Number(rowPtr[o + 1]);
    for (let i = start; i < end; i++) {
      if ((i > start && colIdx[i]! <= colIdx[i - 1]!) || !(values[i]! > 0) || colIdx[i]! >= a.cols) {
        throw new CoreMathError(
          "COBUY_MATH_BAD_INPUT",
          `A row ${o}, entry ${i - start}: columns must be ascending, distinct and < ${a.cols}, values positive (got column ${colIdx[i]}, value ${values[i]}): build A with buildIncidence`,
        );
      }
    }
  }
}

/**
 * Euclidean norm of every row: `sqrt(Σ_q C[p][q]²)`. With integer counts the sum of squares is
 * exact (below 2^53), so the norm is the correctly rounded square root.
 *
 * @example
 * ```ts
 * const norms = rowNorms(c); // cosine(p, q) = (C_p · C_q) / (norms[p] * norms[q])
 * ```
 */
// O(nnz); no scratch
export function rowNorms(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  const { rowPtr, values } = m;
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    const end = Number(rowPtr[r + 1]);
    for (let i = Number(rowPtr[r]); i < end; i++) s += values[i]! * values[i]!;
    out[r] = Math.sqrt(s);
  }
  return out;
}
