import { availableParallelism } from "node:os";
import { TILE } from "../cosine/cosine-tiles.js";
import { MIN_WORK_PER_THREAD } from "../cosine/cosine-wasm.js";
import { checkThreads } from "../cosine/pool.js";
import { CoreMathError } from "../errors.js";
import type { CosinePlanName, CsrMatrix, PlanEstimate } from "../types.js";

/**
 * Calibrated rates per core (bench/kernel.bench.mjs on the 2-core development machine): scattered
 * multiply-adds (the C-side kernel), SIMD multiply-adds of the tile kernel, and per-pair checks of
 * the tile kernel (threshold test, merges, list updates), building C.
 */
export const RATES = {
  scatter: 0.75e9,
  /** Tile kernel while its tile (inner × 16 doubles) stays in L2 (≤ 512 KiB), and beyond. */
  dense: 3e9,
  denseLarge: 1.2e9,
  check: 0.4e9,
  /** Upper-triangle pair updates of `cooccurrence`, mirror and allocation included. */
  cooccurrence: 0.05e9,
};

/** Counts the planner reads: all O(nnz) or sampled, never a product. */
export interface PlanInput {
  readonly products: number;
  readonly eligible: Uint8Array;
  readonly k: number;
  /** C when the caller has it. */
  readonly c?: CsrMatrix | undefined;
  /** A (orders × products) when the caller has it. */
  readonly a?: CsrMatrix | undefined;
  /** Aᵀ (products × orders), when A is given. */
  readonly at?: CsrMatrix | undefined;
}

/** Largest G = A Aᵀ (orders²) the order-side plan may allocate. */
export const MAX_GRAM_BYTES = 2 ** 30;
const MAX_WASM_BYTES = 2 ** 32;

function checkPlanName(plan: unknown): CosinePlanName {
  if (plan === undefined) return "auto";
  if (plan === "auto" || plan === "scatter" || plan === "order-side" || plan === "dense") return plan;
  throw new CoreMathError(
    "COBUY_MATH_BAD_OPTION",
    `plan must be "auto", "scatter", "order-side" or "dense" (got "${String(plan)}")`,
  );
}

/** Checks that A fits C: products × products C, A with the same products (columns). */
// O(orders + nnz(A))
export function checkIncidence(a: CsrMatrix, products: number): void {
  if (a.cols !== products || a.rowPtr.length !== a.rows + 1 || a.colIdx.length !== a.values.length) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      `incidence must be the A (orders × products CSR) C was built from: got ${a.rows} × ${a.cols} for ${products} products`,
    );
  }
  if (Number(a.rowPtr[a.rows]) !== a.colIdx.length || a.colIdx.length > 0xffffffff) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      "incidence is not valid CSR (rowPtr does not end at nnz)",
    );
  }
  for (let o = 0; o < a.rows; o++) {
    const end = Number(a.rowPtr[o + 1]);
    for (let i = Number(a.rowPtr[o]); i < end; i++) {
      if (
        a.colIdx[i]! >= products ||
        !(a.values[i]! > 0) ||
        (i > Number(a.rowPtr[o]) && a.colIdx[i]! <= a.colIdx[i - 1]!)
      ) {
        throw new CoreMathError(
          "COBUY_MATH_BAD_INPUT",
          `incidence row ${o}: columns must be ascending, distinct and < ${products}, values positive (build A with buildIncidence)`,
        );
      }
    }
  }
}

/** Σ_j nnz(C_j)² / 2, exact from C, else from A: exact or from a systematic sample of products. */
// O(P) with C; O(Σ_o |o|² / stride) with A
export function scatterWork(input: PlanInput): { work: number; nnzC: number } {
  const { c, a, at } = input;
  if (c) {
    let w = 0;
    for (let j = 0; j < c.rows; j++) {
      const n = Number(c.rowPtr[j + 1]) - Number(c.rowPtr[j]);
      w += n * n;
    }
    return { work: w / 2, nnzC: c.colIdx.length };
  }
  if (!a || !at) return { work: Number.NaN, nnzC: Number.NaN };
  const P = input.products;
  let pairs = 0;
  for (let o = 0; o < a.rows; o++) {
    const n = Number(a.rowPtr[o + 1]) - Number(a.rowPtr[o]);
    pairs += n * n;
  }
  const stride = Math.max(1, Math.ceil(pairs / 2e7));
  const stamp = new Int32Array(P).fill(-1);
  let sq = 0;
  let lin = 0;
  for (let j = 0; j < P; j += stride) {
    let n = 0;
    for (let t = Number(at.rowPtr[j]); t < Number(at.rowPtr[j + 1]); t++) {
      const o = at.colIdx[t]!;
      for (let i = Number(a.rowPtr[o]); i < Number(a.rowPtr[o + 1]); i++) {
        const q = a.colIdx[i]!;
        if (q !== j && stamp[q] !== j) {
          stamp[q] = j;
          n++;
        }
      }
    }
    sq += n * n;
    lin += n;
  }
  return { work: (sq * stride) / 2, nnzC: lin * stride };
}

/**
 * Multiply-adds the tile kernel does for rows with `rowWork(p)` inner entries each, in its order:
 * not eligible first, then by cost ascending (cosine-tiles.ts `tileOrder`).
 */
// O(P log P)
function tileWork(P: number, eligible: Uint8Array, rowWork: (p: number) => number): number {
  const tiles = Math.ceil(P / TILE);
  const cost = new Float64Array(P);
  let skipped = 0;
  for (let p = 0; p < P; p++) {
    if (eligible[p]) cost[p - skipped] = rowWork(p);
    else skipped++;
  }
  const sorted = cost.subarray(0, P - skipped).sort();
  let w = 0;
  for (let i = 0; i < sorted.length; i++) w += sorted[i]! * TILE * (tiles - Math.floor((i + skipped) / TILE));
  return w;
}

function denseRate(inner: number): number {
  return inner * TILE * 8 <= 512 * 1024 ? RATES.dense : RATES.denseLarge;
}

/** Why the order-side plan cannot run on A (G = A Aᵀ too large), or undefined when it can. */
// O(1)
export function orderSideInfeasible(a: CsrMatrix): string | undefined {
  const O = a.rows;
  const gramBytes = 8 * O * ((O + 1) & ~1); // Float64 G (the Float32 copy adds half of it)
  return gramBytes > MAX_GRAM_BYTES
    ? `G = A Aᵀ would take ${(gramBytes / 2 ** 30).toFixed(1)} GiB (${O} orders)`
    : undefined;
}

/** Estimates of every strategy for these counts (infeasible ones say why). */
// O(P + orders) with C and A; + the sample of scatterWork without C
export function estimatePlans(input: PlanInput): PlanEstimate[] {
  const { products: P, eligible, k, c, a, at } = input;
  let eligibleRows = 0;
  let checks = 0;
  for (let p = 0; p < P; p++) {
    if (eligible[p]) {
      eligibleRows++;
      checks += P - 1 - p;
    }
  }
  const lists = 20 * P * k + 10 * P;
  const sw = scatterWork(input);
  let cBuild = 0;
  if (!c && a) {
    let pairs = 0;
    for (let o = 0; o < a.rows; o++) {
      const n = Number(a.rowPtr[o + 1]) - Number(a.rowPtr[o]);
      pairs += (n * (n - 1)) / 2;
    }
    cBuild = (pairs + sw.nnzC) / RATES.cooccurrence;
  }
  const out: PlanEstimate[] = [];
  const scatterBytes = 12 * sw.nnzC + 26 * P + lists;
  out.push({
    strategy: "scatter",
    multiplyAdds: sw.work,
    checks: 0,
    seconds: sw.work / RATES.scatter + cBuild,
    bytes: scatterBytes,
    ...(!c && !a && { infeasible: "needs C or A" }),
    ...(scatterBytes > MAX_WASM_BYTES && { infeasible: "C does not fit 4 GiB of WebAssembly memory" }),
  });
  if (a && at) {
    const O = a.rows;
    const pad = (O + 1) & ~1;
    const nnzA = a.colIdx.length;
    let sq = 0;
    for (let p = 0; p < P; p++) {
      const n = Number(at.rowPtr[p + 1]) - Number(at.rowPtr[p]);
      sq += n * n;
    }
    const main = tileWork(P, eligible, (p) => Number(at.rowPtr[p + 1]) - Number(at.rowPtr[p]));
    const fill = nnzA * pad;
    const gramBytes = 8 * O * pad; // Float64 G (the Float32 copy adds half of it)
    const bytes = 1.5 * gramBytes + 16 * nnzA + 8 * TILE * pad * 2 + lists;
    const infeasible = orderSideInfeasible(a);
    out.push({
      strategy: "order-side",
      multiplyAdds: main + fill + sq,
      checks,
      seconds: (main + fill) / denseRate(O) + (2 * sq) / RATES.scatter + checks / RATES.check,
      bytes,
      ...(infeasible && { infeasible }),
    });
  } else {
    out.push({
      strategy: "order-side",
      multiplyAdds: Number.NaN,
      checks,
      seconds: Number.POSITIVE_INFINITY,
      bytes: 0,
      infeasible: "needs A (the incidence option)",
    });
  }
  {
    const nnzC = sw.nnzC;
    const main = c
      ? tileWork(P, eligible, (p) => Number(c.rowPtr[p + 1]) - Number(c.rowPtr[p]))
      : (nnzC * P * eligibleRows) / Math.max(1, P) / 2;
    const zeroing = (P * P) / 2;
    const bytes = 12 * nnzC + 8 * P * TILE + lists;
    out.push({
      strategy: "dense",
      multiplyAdds: main,
      checks,
      seconds: main / denseRate(P) + (checks + zeroing) / RATES.check + cBuild,
      bytes,
      ...(!c && !a && { infeasible: "needs C or A" }),
      ...(bytes > MAX_WASM_BYTES && { infeasible: "does not fit 4 GiB of WebAssembly memory" }),
    });
  }
  return out;
}

/** Seconds of one core below which another thread costs more than it saves (worker start, merge). */
const MIN_SECONDS_PER_THREAD = MIN_WORK_PER_THREAD / RATES.scatter;

/** The plan name (default "auto"), after checking it and the thread count. */
export function checkPlanOptions(
  requestedPlan: unknown,
  requestedThreads: number | undefined,
): CosinePlanName {
  const requested = checkPlanName(requestedPlan);
  if (requestedThreads !== undefined) checkThreads(requestedThreads);
  return requested;
}

/** The strategy to run and the threads to use. */
export function choosePlan(
  input: PlanInput,
  requestedPlan: unknown,
  requestedThreads: number | undefined,
): {
  requested: CosinePlanName;
  estimate: PlanEstimate;
  estimates: PlanEstimate[];
  threads: number;
  reason: string;
} {
  const requested = checkPlanOptions(requestedPlan, requestedThreads);
  const estimates = estimatePlans(input);
  let estimate: PlanEstimate;
  let reason: string;
  if (requested === "auto") {
    const feasible = estimates.filter((e) => !e.infeasible);
    estimate = feasible.reduce(
      (best, e) => (e.seconds < best.seconds ? e : best),
      feasible[0] ?? estimates[0]!,
    );
    reason = `cheapest estimate (${estimates.map((e) => `${e.strategy} ${e.infeasible ? "n/a" : `${e.seconds.toFixed(2)} s`}`).join(", ")})`;
  } else {
    estimate = estimates.find((e) => e.strategy === requested)!;
    if (estimate.infeasible) {
      throw new CoreMathError(
        "COBUY_MATH_BAD_OPTION",
        `plan "${requested}" cannot run: ${estimate.infeasible}`,
      );
    }
    reason = "requested";
  }
  const threads =
    requestedThreads ??
    Math.max(1, Math.min(availableParallelism(), Math.floor(estimate.seconds / MIN_SECONDS_PER_THREAD)));
  return {
    requested,
    estimate,
    estimates,
    threads: Math.max(1, Math.min(threads, input.products || 1)),
    reason,
  };
}
