import type { TopKProgress, TopKWork } from "../types.js";

/**
 * Maps the units of a kernel (rows or tiles, in the order they are handed out) to the planner's
 * estimated work: each unit gets a share of `total` in proportion to its own cost estimate, so a
 * stretch of expensive rows moves the progress more than a stretch of cheap ones. `at(units)` is
 * monotone in `units` and `at(count) === total` exactly.
 */
export class WorkMeter {
  readonly total: number;
  readonly units: number;
  readonly #prefix: Float64Array;

  /** `costs[u]`: the estimated cost of unit u (any scale); `total`: the plan's estimate they share. */
  // O(units)
  constructor(costs: ArrayLike<number>, total: number) {
    const n = costs.length;
    const prefix = new Float64Array(n + 1);
    for (let u = 0; u < n; u++) prefix[u + 1] = prefix[u]! + Math.max(0, costs[u]!);
    const sum = prefix[n]!;
    const target = Number.isFinite(total) && total >= 0 ? total : sum;
    if (sum > 0) {
      const scale = target / sum;
      for (let u = 1; u <= n; u++) prefix[u] = Math.min(target, prefix[u]! * scale);
    } else {
      // No unit has a cost (no pairs): the work, if any, is spread evenly.
      for (let u = 1; u <= n; u++) prefix[u] = (target * u) / n;
    }
    if (n > 0) prefix[n] = target;
    this.#prefix = prefix;
    this.total = target;
    this.units = n;
  }

  /** The estimated work of the first `units` units. */
  at(units: number): number {
    return this.#prefix[Math.max(0, Math.min(this.units, Math.floor(units)))]!;
  }

  /**
   * Unit boundaries `0 = b0 < b1 < … = units` for a progress report in about `parts` steps: a step
   * ends once it holds `total / parts` of the estimated work or `units / parts` units, whichever
   * comes first (a unit costlier than a step stands alone).
   */
  // O(units)
  steps(parts: number): number[] {
    const out = [0];
    const share = this.total / parts;
    const most = Math.max(1, Math.ceil(this.units / parts));
    let last = 0;
    for (let u = 1; u < this.units; u++) {
      if ((share > 0 && this.#prefix[u]! - this.#prefix[last]! >= share) || u - last >= most) {
        out.push(u);
        last = u;
      }
    }
    if (this.units > 0) out.push(this.units);
    return out;
  }

  /** The estimated work of the first `units` units, as `onProgress` reports it. */
  work(units: number): TopKWork {
    return { done: this.at(units), total: this.total, unit: "multiply-adds" };
  }
}

/** Boundaries `0 < … = units` of `parts` steps of equal units (the last may be shorter). */
// O(parts)
export function evenSteps(units: number, parts: number): number[] {
  const step = Math.max(1, Math.ceil(units / parts));
  const out = [0];
  for (let u = step; u < units; u += step) out.push(u);
  if (units > 0) out.push(units);
  return out;
}

/**
 * Estimated multiply-adds of each row of the scatter kernel: row p adds, for each neighbour j,
 * the entries of C_j after p (`rows` in assembly/kernel.ts); rows without a list are skipped.
 */
// O(nnz(C))
export function scatterRowCosts(
  rowPtr: ArrayLike<number>,
  colIdx: Uint32Array,
  eligible: Uint8Array,
): Float64Array {
  const P = rowPtr.length - 1;
  const cost = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    const end = Number(rowPtr[j + 1]);
    for (let i = Number(rowPtr[j]); i < end; i++) {
      const p = colIdx[i]!;
      if (eligible[p]) cost[p] = cost[p]! + (end - i - 1);
    }
  }
  return cost;
}

/** What a kernel needs to report progress: the callback and the chosen plan's estimate. */
export interface PlannedProgress {
  readonly onProgress: TopKProgress;
  readonly estimatedMultiplyAdds: number;
}
