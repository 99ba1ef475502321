import { CoreMathError } from "../errors.js";
import { WorkMeter } from "../progress/estimated-work.js";
import { checkK } from "../top-k/top-k-lists.js";
import type { TopKProgress, TopKResult } from "../types.js";
import { isMeasureName, MEASURES, type MeasureName } from "./measure.js";
import type { PairCounts } from "./pair-counts.js";

/** Options of {@link measureTopK}. */
export interface MeasureTopKOptions {
  /** Recommendations kept per product (default: contracts' `DEFAULT_K`). */
  k?: number;
  /** Keep only scores strictly above this (default 0). */
  minScore?: number;
  /** Products in fewer orders get no list and are never recommended (default 1: no filter). */
  minSupport?: number;
  /** Pairs bought together in fewer orders are ignored (default 1: no filter). */
  minPairSupport?: number;
  /** Called now and then, and at the end: products done of all, and the estimated work (see `TopKWork`). */
  onProgress?: TopKProgress;
}

const COSINE = 0;
const JACCARD = 1;
const LIFT = 2;
const LLR = 3;
const EXPECTED = 4;

function xLogX(x: number): number {
  return x === 0 ? 0 : x * Math.log(x);
}

/** Mahout's `LogLikelihood.logLikelihoodRatio(k11, k12, k21, k22)`. */
export function logLikelihoodRatio(k11: number, k12: number, k21: number, k22: number): number {
  const rowEntropy = xLogX(k11 + k12 + k21 + k22) - xLogX(k11 + k12) - xLogX(k21 + k22);
  const columnEntropy = xLogX(k11 + k12 + k21 + k22) - xLogX(k11 + k21) - xLogX(k12 + k22);
  const matrixEntropy = xLogX(k11 + k12 + k21 + k22) - xLogX(k11) - xLogX(k12) - xLogX(k21) - xLogX(k22);
  if (rowEntropy + columnEntropy < matrixEntropy) return 0; // round-off
  return 2 * (rowEntropy + columnEntropy - matrixEntropy);
}

/**
 * {@link logLikelihoodRatio} with the x·log x of N, of the row sums (n_p, N − n_p) and of the
 * column sums (n_q, N − n_q) given: the same operations in the same order, so the same bits.
 */
function llrOfLogs(
  xlN: number,
  xlRow1: number,
  xlRow2: number,
  xlCol1: number,
  xlCol2: number,
  k11: number,
  k12: number,
  k21: number,
  k22: number,
): number {
  const rowEntropy = xlN - xlRow1 - xlRow2;
  const columnEntropy = xlN - xlCol1 - xlCol2;
  const matrixEntropy = xlN - xLogX(k11) - xLogX(k12) - xLogX(k21) - xLogX(k22);
  if (rowEntropy + columnEntropy < matrixEntropy) return 0; // round-off
  return 2 * (rowEntropy + columnEntropy - matrixEntropy);
}

// O(n)
function maxOf(values: Float64Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return max;
}

/** log(1 - π_q) for every product, π_q = n_q / L (the share of order lines that are q). */
function logMiss(counts: PairCounts): Float64Array {
  const out = new Float64Array(counts.products);
  for (let q = 0; q < counts.products; q++) out[q] = Math.log1p(-counts.productOrders[q]! / counts.lines);
  return out;
}

// Σ_s h_p[s] (1 - (1-π_q)^(s-1)): expected orders holding p and q if q filled p's co-slots at random.
function expectedCount(counts: PairCounts, p: number, lq: number): number {
  let e = 0;
  for (let j = counts.sizePtr[p]!; j < counts.sizePtr[p + 1]!; j++) {
    const s = counts.sizeValue[j]!;
    if (s > 1) e += counts.sizeCount[j]! * -Math.expm1((s - 1) * lq);
  }
  return e;
}

/**
 * The work of each row as the kernel below counts it, before the pair filters: one score per pair
 * of a row with a list, plus for "expected" the row's order sizes once per distinct n_q of its
 * columns (the kernel memoises E per (p, n_q)). The estimate is exact when no pair is filtered
 * (minSupport and minPairSupport 1), an upper bound otherwise.
 */
// O(P + pairs) for "expected" (one pass for the distinct n_q), O(P) otherwise
function measureWork(counts: PairCounts, expected: boolean, minSupport: number): WorkMeter {
  const P = counts.products;
  const { rowPtr, colIdx } = counts.pairs;
  const np = counts.productOrders;
  const cost = new Float64Array(P);
  const seenFor = expected ? new Int32Array(counts.orders + 1).fill(-1) : undefined;
  let total = 0;
  for (let p = 0; p < P; p++) {
    const nP = np[p]!;
    if (nP < minSupport || nP === 0) continue;
    const from = Number(rowPtr[p]);
    const to = Number(rowPtr[p + 1]);
    let rowCost = to - from;
    if (seenFor !== undefined) {
      const sizes = counts.sizePtr[p + 1]! - counts.sizePtr[p]!;
      for (let i = from; i < to; i++) {
        const nQ = np[colIdx[i]!]!;
        if (seenFor[nQ] !== p) {
          seenFor[nQ] = p;
          rowCost += sizes;
        }
      }
    }
    cost[p] = rowCost;
    total += rowCost;
  }
  return new WorkMeter(cost, total);
}

function code(measure: MeasureName): number {
  if (!isMeasureName(measure)) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `unknown measure "${measure}" (use one of: ${MEASURES.join(", ")})`,
    );
  }
  return MEASURES.indexOf(measure);
}

/**
 * The score of q as a recommendation for p under `measure` (0 when they were never bought
 * together). Exposed for reports and tests; top-k lists come from {@link measureTopK}.
 *
 * @example
 * ```ts
 * const s = pairScore(counts, "lift", 0, 3);
 * ```
 */
export function pairScore(counts: PairCounts, measure: MeasureName, p: number, q: number): number {
  const m = code(measure);
  const { rowPtr, colIdx, values } = counts.pairs;
  let c = 0;
  for (let i = Number(rowPtr[p]); i < Number(rowPtr[p + 1]); i++) {
    if (colIdx[i] === q) c = values[i]!;
  }
  if (c === 0) return 0;
  const np = counts.productOrders[p]!;
  const nq = counts.productOrders[q]!;
  const n = counts.orders;
  if (m === COSINE) return c / Math.sqrt(np * nq);
  if (m === JACCARD) return c / (np + nq - c);
  if (m === LIFT) return (c * n) / (np * nq);
  if (m === LLR) return logLikelihoodRatio(c, np - c, nq - c, n - np - nq + c);
  const e = expectedCount(counts, p, Math.log1p(-nq / counts.lines));
  return (c - e) / Math.sqrt(e);
}

/**
 * Exact top-k of every product under a measure, through the sparse rows of the pair counts (never
 * a dense P×P matrix). Lists are best first: score descending, then product index ascending; only
 * scores strictly above `minScore`. `support` holds the pair count behind each item.
 *
 * @example
 * ```ts
 * const counts = countPairs(a);
 * const top = measureTopK(counts, "llr", { k: 10, minPairSupport: 2 });
 * const first = top.ids.subarray(0, top.length[0]); // product 0's list
 * ```
 */
// O(nnz(pairs) · (1 + k)) compares, + O(nnz(pairs) · sizes) exp for "expected"; scratch O(P)
export function measureTopK(
  counts: PairCounts,
  measure: MeasureName,
  options: MeasureTopKOptions = {},
): TopKResult {
  const m = code(measure);
  const k = checkK(options.k);
  const minScore = options.minScore ?? 0;
  if (Number.isNaN(minScore))
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", "minScore must be a number (got NaN)");
  const minSupport = options.minSupport ?? 1;
  const minPairSupport = options.minPairSupport ?? 1;
  for (const [name, v] of [
    ["minSupport", minSupport],
    ["minPairSupport", minPairSupport],
  ] as const) {
    if (!Number.isFinite(v) || v < 0)
      throw new CoreMathError("COBUY_MATH_BAD_OPTION", `${name} must be a number ≥ 0 (got ${v})`);
  }

  const P = counts.products;
  const n = counts.orders;
  const { rowPtr, colIdx, values } = counts.pairs;
  const np = counts.productOrders;
  const lq = m === EXPECTED ? logMiss(counts) : new Float64Array(0);
  // LLR: the row and column entropies only need n_p and n_q, so their x·log x terms are per product
  // (N = k11 + k12 + k21 + k22, k11 + k12 = n_p, … are exact integers: same bits as computing them per pair).
  const xlN = m === LLR ? xLogX(n) : 0;
  const xlIn = m === LLR ? Float64Array.from(np, xLogX) : new Float64Array(0);
  const xlOut = m === LLR ? Float64Array.from(np, (v) => xLogX(n - v)) : new Float64Array(0);
  // Expected: E depends on p and n_q only, so each row computes it once per distinct n_q.
  const memoAt = m === EXPECTED ? new Float64Array(maxOf(np) + 1) : new Float64Array(0);
  const memoRow = m === EXPECTED ? new Int32Array(memoAt.length).fill(-1) : new Int32Array(0);
  const length = new Uint16Array(P);
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  const support = new Float64Array(P * k);
  let multiplyAdds = 0;
  const onProgress = options.onProgress;
  const meter = onProgress && measureWork(counts, m === EXPECTED, minSupport);
  const steps = meter ? meter.steps(100) : [];
  let nextStep = 1;

  for (let p = 0; p < P; p++) {
    if (meter && p === steps[nextStep]) onProgress?.(p, P, meter.work(steps[nextStep++]!));
    const nP = np[p]!;
    if (nP < minSupport || nP === 0) continue;
    const base = p * k;
    let len = 0;
    for (let i = Number(rowPtr[p]); i < Number(rowPtr[p + 1]); i++) {
      const c = values[i]!;
      if (c < minPairSupport) continue;
      const q = colIdx[i]!;
      const nQ = np[q]!;
      if (nQ < minSupport) continue;
      let s: number;
      if (m === COSINE) s = c / Math.sqrt(nP * nQ);
      else if (m === JACCARD) s = c / (nP + nQ - c);
      else if (m === LIFT) s = (c * n) / (nP * nQ);
      else if (m === LLR)
        s = llrOfLogs(xlN, xlIn[p]!, xlOut[p]!, xlIn[q]!, xlOut[q]!, c, nP - c, nQ - c, n - nP - nQ + c);
      else {
        if (memoRow[nQ] !== p) {
          memoRow[nQ] = p;
          memoAt[nQ] = expectedCount(counts, p, lq[q]!);
          multiplyAdds += counts.sizePtr[p + 1]! - counts.sizePtr[p]!;
        }
        const e = memoAt[nQ]!;
        s = (c - e) / Math.sqrt(e);
      }
      multiplyAdds++;
      if (!(s > minScore)) continue;
      // Columns arrive ascending, so an equal score never displaces an earlier (smaller) index.
      if (len === k && !(s > scores[base + len - 1]!)) continue;
      let at = len < k ? len++ : k - 1;
      while (at > 0 && s > scores[base + at - 1]!) {
        scores[base + at] = scores[base + at - 1]!;
        ids[base + at] = ids[base + at - 1]!;
        support[base + at] = support[base + at - 1]!;
        at--;
      }
      scores[base + at] = s;
      ids[base + at] = q;
      support[base + at] = c;
    }
    length[p] = len;
  }
  if (meter) onProgress?.(P, P, meter.work(P));
  return { products: P, k, length, ids, scores, support, multiplyAdds };
}
