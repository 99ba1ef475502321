import { CoreMathError } from "../errors.js";
import { rowNorms } from "../sparse/cooccurrence.js";
import { checkK } from "../top-k/top-k-lists.js";
import type { CsrMatrix, TopKOptions } from "../types.js";

export type ScanMode = 0 | 1 | 2; // auto, full, touched

export interface ResolvedCosine extends ResolvedLists {
  readonly scan: ScanMode;
  readonly norms: Float64Array;
  /** See {@link TOUCHED_RATIO}; benchmarks override it. */
  readonly touchedRatio: number;
  /** Force the wasm copy of C's values to Float64 (8) for A/B benchmarks; default: Float32 when exact. */
  readonly valueBytes?: 4 | 8;
  /** `false` keeps integer counts as Int32 where they fit Uint16 (the default), for A/B benchmarks and tests. */
  readonly uint16Values?: boolean;
  /**
   * Force the scatter kernel's accumulator to Float64 ("f64") for A/B benchmarks; default: Int32
   * for every row whose dot products are provably below 2^31 (exact), Float64 for the rest.
   */
  readonly accumulator?: "f64";
  /** Share of P from which a row of C is kept dense ("hot"); default HOT_SHARE from 2048 products; > 1: none. */
  readonly hotShare?: number;
  /** `false` keeps every hot row as Int32 (no Int16 pair rows), for A/B benchmarks and tests. */
  readonly hotPairs?: boolean;
  /** Turn off the wasm kernel's quick reject (d against the lists' thresholds) for A/B benchmarks. */
  readonly quickReject?: boolean;
}

/** Validates `cosineTopK` inputs and options; throws `CoreMathError` naming the bad value. */
// O(P + nnz(C)) (row norms)
export function resolveCosine(
  c: CsrMatrix,
  support: ArrayLike<number>,
  options: TopKOptions,
): ResolvedCosine {
  if (c.rows !== c.cols) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      `C must be square (products × products), got ${c.rows} × ${c.cols}: pass cooccurrence(a)`,
    );
  }
  const P = c.rows;
  if (c.rowPtr.length !== P + 1 || c.colIdx.length !== c.values.length) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      `C is not valid CSR: rowPtr has ${c.rowPtr.length} entries for ${P} rows, colIdx ${c.colIdx.length} and values ${c.values.length}`,
    );
  }
  checkCsr(c);
  const scan = resolveScan(options);
  return withC(c, resolveLists(P, support, options), scan);
}

/** The scan option as the kernels' code. */
export function resolveScan(options: TopKOptions): ScanMode {
  const scanName = options.scan ?? "auto";
  return scanName === "auto" ? 0 : scanName === "full" ? 1 : scanName === "touched" ? 2 : badScan(scanName);
}

/** Resolved list options plus what the scatter kernel needs of a valid C. */
// O(nnz(C)) (row norms)
export function withC(c: CsrMatrix, r: ResolvedLists, scan: ScanMode): ResolvedCosine {
  return { ...r, scan, norms: rowNorms(c), touchedRatio: TOUCHED_RATIO };
}

/** The list options every plan shares: k, minScore and who is eligible (support ≥ minSupport). */
export interface ResolvedLists {
  readonly products: number;
  readonly k: number;
  readonly minScore: number;
  /** Pairs need C[p][q] ≥ this to enter a list; -Infinity when `minPairSupport` ≤ 1 (no filter). */
  readonly minPairSupport: number;
  /** 1 where the product may have a list and be recommended (support ≥ minSupport). */
  readonly eligible: Uint8Array;
}

/** Validates support, k, minScore and minSupport; throws `CoreMathError` naming the bad value. */
// O(P)
export function resolveLists(P: number, support: ArrayLike<number>, options: TopKOptions): ResolvedLists {
  if (support.length !== P) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      `support has ${support.length} entries but C has ${P} products: pass productSupport(a)`,
    );
  }
  const k = options.k ?? 5;
  checkK(k);
  const minScore = options.minScore ?? 0;
  if (typeof minScore !== "number" || Number.isNaN(minScore)) {
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", `minScore must be a number (got ${minScore})`);
  }
  const minSupport = options.minSupport ?? 1;
  if (typeof minSupport !== "number" || !(minSupport >= 0) || minSupport === Number.POSITIVE_INFINITY) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `minSupport must be a finite number ≥ 0 (got ${minSupport})`,
    );
  }
  const minPairSupport = options.minPairSupport ?? 1;
  if (typeof minPairSupport !== "number" || Number.isNaN(minPairSupport)) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `minPairSupport must be a number (got ${minPairSupport})`,
    );
  }
  const eligible = new Uint8Array(P);
  for (let p = 0; p < P; p++) eligible[p] = support[p]! >= minSupport ? 1 : 0;
  // At most 1 keeps every pair, those never bought together (C[p][q] = 0) too: the classic cosine relates them.
  const pairFloor = minPairSupport > 1 ? minPairSupport : Number.NEGATIVE_INFINITY;
  return { products: P, k, minScore, minPairSupport: pairFloor, eligible };
}

/** Throws unless every row's columns are ascending, distinct and < cols (the kernels rely on it). */
// O(rows + nnz)
function checkCsr(c: CsrMatrix): void {
  const { rowPtr, colIdx } = c;
  const nnz = colIdx.length;
  if (Number(rowPtr[0]) !== 0 || Number(rowPtr[c.rows]) !== nnz) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      `C is not valid CSR: rowPtr runs from ${rowPtr[0]} to ${rowPtr[c.rows]}, expected 0 to ${nnz}`,
    );
  }
  for (let r = 0; r < c.rows; r++) {
    const start = Number(rowPtr[r]);
    const end = Number(rowPtr[r + 1]);
    if (end < start) {
      throw new CoreMathError("COBUY_MATH_BAD_INPUT", `C is not valid CSR: rowPtr decreases at row ${r}`);
    }
    let last = -1;
    for (let i = start; i < end; i++) {
      const q = colIdx[i]!;
      if (q <= last || q >= c.cols) {
        throw new CoreMathError(
          "COBUY_MATH_BAD_INPUT",
          `C row ${r}, entry ${i - start}: column ${q} is ${q >= c.cols ? `not below ${c.cols}` : "not above the previous one"}; columns must be ascending and distinct (build C with cooccurrence)`,
        );
      }
      last = q;
    }
  }
}

function badScan(v: unknown): never {
  throw new CoreMathError("COBUY_MATH_BAD_OPTION", `scan must be "auto", "full" or "touched" (got "${v}")`);
}

/**
 * Auto scan: a row uses the touched list when its multiply-adds times this ratio are fewer than
 * the columns a full scan reads. Measured with bench/kernel.bench.mjs (see README).
 */
export const TOUCHED_RATIO = 4;
