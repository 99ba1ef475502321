import { CoreMathError } from "../errors.js";
import { checkIncidenceOnce, transposeOnce } from "../plan/orders-once.js";
import { choosePlan, type PlanInput, scatterWork } from "../plan/plan.js";
import { scatterRowCosts, WorkMeter } from "../progress/estimated-work.js";
import { cooccurrence, rowNorms } from "../sparse/cooccurrence.js";
import { productSupport } from "../sparse/incidence.js";
import { createTopKLists } from "../top-k/top-k-lists.js";
import type { CosinePlanReport, CosineStrategy, CsrMatrix, TopKOptions, TopKResult } from "../types.js";
import { cosineRowsJs, createCosineScratch } from "./cosine-js.js";
import { cosineTopKTiles } from "./cosine-tiles.js";
import { cosineTopKWasm } from "./cosine-wasm.js";
import {
  type ResolvedCosine,
  type ResolvedLists,
  resolveCosine,
  resolveLists,
  resolveScan,
  withC,
} from "./options.js";

/**
 * Exact cosine top-k over the rows of C with the plain TypeScript kernel, on the calling thread:
 * the reference the WebAssembly kernel is tested against. Same result as {@link cosineTopK}.
 *
 * @example
 * ```ts
 * const a = buildIncidence(lineOrder, lineProduct, orders, products, "count");
 * const top = cosineTopKSync(cooccurrence(a), productSupport(a), { k: 5 });
 * const recsOf0 = top.ids.subarray(0, top.length[0]);
 * ```
 */
// O(Σ_j nnz(C_j)² / 2) multiply-adds + O(P²/2) reads at most for full-scan rows; scratch O(P), output O(P·k)
export function cosineTopKSync(
  c: CsrMatrix,
  support: ArrayLike<number>,
  options: TopKOptions = {},
): TopKResult {
  const t0 = performance.now();
  const r = resolveCosine(c, support, options);
  const lists = createTopKLists(r.products, r.k);
  const scratch = createCosineScratch(c);
  const P = r.products;
  const estimate = scatterWork({ products: P, eligible: r.eligible, k: r.k, c }).work;
  const meter = new WorkMeter(scatterRowCosts(c.rowPtr, c.colIdx, r.eligible), estimate);
  // Steps of ~1% of the estimated work (not of the rows): one costly row still moves the bar.
  const steps = meter.steps(100);
  let multiplyAdds = 0;
  for (let s = 1; s < steps.length; s++) {
    const to = steps[s]!;
    multiplyAdds += cosineRowsJs(
      c,
      r.norms,
      r.eligible,
      steps[s - 1]!,
      to,
      lists,
      r.minScore,
      r.scan,
      scratch,
      r.touchedRatio,
      r.minPairSupport,
    );
    options.onProgress?.(to, P, meter.work(to));
  }
  const seconds = (performance.now() - t0) / 1000;
  const plan: CosinePlanReport = {
    requested: "scatter",
    strategy: "scatter",
    kernel: "js",
    threads: 1,
    reason: 'kernel "js" (the TypeScript reference) runs the scatter plan',
    estimates: [],
    blocks: [block("scatter", P, estimate, multiplyAdds, seconds)],
    estimatedMultiplyAdds: estimate,
    multiplyAdds,
    seconds,
    threadSeconds: [seconds],
    nnzC: c.colIdx.length,
  };
  return { ...lists, multiplyAdds, plan };
}

function block(strategy: CosineStrategy, P: number, est: number, done: number, seconds: number) {
  return { strategy, from: 0, to: P, estimatedMultiplyAdds: est, multiplyAdds: done, seconds };
}

function checkKernel(options: TopKOptions): void {
  if (options.kernel !== undefined && options.kernel !== "wasm" && options.kernel !== "js") {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `kernel must be "wasm" or "js" (got "${options.kernel}")`,
    );
  }
  if (
    options.kernel === "js" &&
    options.plan !== undefined &&
    options.plan !== "auto" &&
    options.plan !== "scatter"
  ) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `plan "${options.plan}" needs kernel "wasm" (kernel "js" only scatters)`,
    );
  }
}

/**
 * Exact cosine top-k per product over the rows of C (see README): score(p, q) =
 * (C_p · C_q) / (|C_p| |C_q|), lists best first, ties by product index ascending, only scores
 * above `minScore`, products with `support < minSupport` get no list and are never recommended.
 * With `incidence: a` (the A that C came from) the planner may also go through the orders;
 * `plan` forces a strategy. Every plan gives the same lists; `result.plan` says what ran.
 *
 * @example
 * ```ts
 * const a = buildIncidence(lineOrder, lineProduct, orders, products, "count");
 * const top = await cosineTopK(cooccurrence(a), productSupport(a), { k: 10, incidence: a });
 * console.log(top.plan?.strategy, top.plan?.seconds);
 * ```
 */
// the chosen plan's cost (README, "Plans"); memory O(nnz(C) + threads · P · k), + orders² for order-side
export async function cosineTopK(
  c: CsrMatrix,
  support: ArrayLike<number>,
  options: TopKOptions = {},
): Promise<TopKResult> {
  checkKernel(options);
  if (options.kernel === "js") return cosineTopKSync(c, support, options);
  const r = resolveCosine(c, support, options);
  const a = options.incidence;
  if (a) checkIncidenceOnce(a, r.products);
  // Without A the default stays today's scatter (same multiply-adds); "auto" must be asked for.
  if (!a && options.plan === undefined) options = { ...options, plan: "scatter" };
  return runPlan(
    r,
    { products: r.products, eligible: r.eligible, k: r.k, c, a, at: a && transposeOnce(a) },
    options,
    () => ({ c, seconds: undefined }),
  );
}

const builtC = new WeakMap<CsrMatrix, CsrMatrix>();

/**
 * The classic cosine top-k straight from the incidence A (orders × products, as
 * {@link buildIncidence} makes it): support is `productSupport(a)`, and C = AᵀA is built only
 * when the chosen plan needs it (once per A: later calls with the same A reuse it). Same lists
 * as `cosineTopK(cooccurrence(a), productSupport(a), options)`; `result.plan.nnzC` and
 * `cooccurrenceSeconds` tell whether C was built.
 *
 * @example
 * ```ts
 * const top = await cosineTopKFromOrders(a, { k: 10 }); // plan "auto"
 * console.log(top.plan?.strategy, top.plan?.estimates);
 * ```
 */
// the chosen plan's cost + O(Σ_o |o|²) for C when it needs C; memory as the plan's
export async function cosineTopKFromOrders(
  a: CsrMatrix,
  options: Omit<TopKOptions, "incidence"> = {},
): Promise<TopKResult> {
  checkKernel(options);
  const P = a.cols;
  checkIncidenceOnce(a, P);
  const support = productSupport(a);
  const getC = () => {
    let c = builtC.get(a);
    if (c) return { c, seconds: 0 };
    const t0 = performance.now();
    c = cooccurrence(a);
    builtC.set(a, c);
    return { c, seconds: (performance.now() - t0) / 1000 };
  };
  if (options.kernel === "js") return cosineTopKSync(getC().c, support, options);
  const r = resolveLists(P, support, options);
  const known = builtC.get(a);
  return runPlan(
    r,
    { products: P, eligible: r.eligible, k: r.k, c: known, a, at: transposeOnce(a) },
    options,
    getC,
  );
}

async function runPlan(
  r: ResolvedLists,
  input: PlanInput,
  options: TopKOptions,
  getC: () => { c: CsrMatrix; seconds: number | undefined },
): Promise<TopKResult> {
  const choice = choosePlan(input, options.plan, options.threads);
  const { estimate, threads } = choice;
  const strategy = estimate.strategy;
  const onProgress = options.onProgress;
  const progress = onProgress && { onProgress, estimatedMultiplyAdds: estimate.multiplyAdds };
  let c: CsrMatrix | undefined;
  let cooccurrenceSeconds: number | undefined;
  if (strategy !== "order-side") {
    const got = getC();
    c = got.c;
    cooccurrenceSeconds = got.seconds;
  }
  const t0 = performance.now();
  let lists: TopKResult;
  let threadSeconds: number[];
  if (strategy === "scatter") {
    const rc = "norms" in r ? (r as ResolvedCosine) : withC(c!, r, resolveScan(options));
    const run = await cosineTopKWasm(c!, rc, threads, progress);
    lists = run;
    threadSeconds = run.threadSeconds;
  } else {
    const tiles = await cosineTopKTiles(
      strategy === "order-side"
        ? { mode: "order-side", inner: input.a!.rows, x: input.at!, a: input.a! }
        : {
            mode: "dense",
            inner: r.products,
            x: c!,
            norms: "norms" in r ? (r as ResolvedCosine).norms : rowNorms(c!),
          },
      r,
      threads,
      progress,
    );
    lists = tiles;
    threadSeconds = tiles.threadSeconds;
  }
  const seconds = (performance.now() - t0) / 1000;
  const plan: CosinePlanReport = {
    requested: choice.requested,
    strategy,
    kernel: "wasm",
    threads,
    reason: choice.reason,
    estimates: choice.estimates,
    blocks: [block(strategy, r.products, estimate.multiplyAdds, lists.multiplyAdds, seconds)],
    estimatedMultiplyAdds: estimate.multiplyAdds,
    multiplyAdds: lists.multiplyAdds,
    seconds,
    threadSeconds,
    ...(cooccurrenceSeconds !== undefined && { cooccurrenceSeconds }),
    ...(c && { nnzC: c.colIdx.length }),
  };
  return {
    products: lists.products,
    k: lists.k,
    length: lists.length,
    ids: lists.ids,
    scores: lists.scores,
    support: lists.support,
    multiplyAdds: lists.multiplyAdds,
    plan,
  };
}
