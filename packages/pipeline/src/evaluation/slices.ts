import type { TopKResult } from "@cobuy/core-math";
import { type MetricContext, markOrder } from "../selection/metrics.js";

/** One popularity decile of the training catalog and each recommender's HitRate on its cases. */
export interface PopularitySlice {
  /** 1 = the tenth of the catalog bought in the most training orders (head) … 10 = tail. */
  decile: number;
  /** Products in the decile and the range of their training orders. */
  products: number;
  minOrders: number;
  maxOrders: number;
  /** Held-out (order, product) cases whose product is in the decile. */
  cases: number;
  /** hitRate@k of each recommender on those cases, by the names used under `measures`. */
  hitRate: Record<string, number>;
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/**
 * HitRate@k by popularity decile of the product whose list is shown: where similarity helps (the
 * tail, where best sellers are rarely bought with the product) and where best sellers do (the head).
 * Products are ranked by training orders (ties: index), cut into ten near-equal groups; held-out
 * cases are counted as in `scoreLists` (orders with ≥ 2 products, every product of them).
 *
 * @example
 * ```ts
 * popularitySlices({ llr: llrLists, popular: baselineLists }, ctx)[0].hitRate.llr;
 * ```
 */
// O(Σ_test |o| · (|o| + R·k)) for R recommenders, with a scratch mark array of P
export function popularitySlices(lists: Record<string, TopKResult>, ctx: MetricContext): PopularitySlice[] {
  const { test, popularity } = ctx;
  const P = popularity.length;
  const ranked: number[] = [];
  for (let p = 0; p < P; p++) if (popularity[p]! > 0) ranked.push(p);
  ranked.sort((x, y) => popularity[y]! - popularity[x]! || x - y);
  const decileOf = new Int8Array(P).fill(-1);
  for (let i = 0; i < ranked.length; i++) decileOf[ranked[i]!] = Math.floor((i * 10) / ranked.length);
  const names = Object.keys(lists);
  const cases = new Float64Array(10);
  const hits = names.map(() => new Float64Array(10));
  const mark = new Uint32Array(P);
  for (let o = 0; o < test.rows; o++) {
    const start = Number(test.rowPtr[o]);
    const end = Number(test.rowPtr[o + 1]);
    const size = markOrder(test, o, start, end, mark);
    if (size < 2) continue;
    for (let i = start; i < end; i++) {
      const p = test.colIdx[i]!;
      const d = decileOf[p]!;
      if (test.values[i] === 0 || d < 0) continue;
      cases[d]!++;
      names.forEach((name, n) => {
        const top = lists[name]!;
        for (let r = 0; r < top.length[p]!; r++) {
          if (mark[top.ids[p * top.k + r]!] === o + 1) {
            hits[n]![d]!++;
            break;
          }
        }
      });
    }
  }
  const slices: PopularitySlice[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.ceil((d * ranked.length) / 10);
    const to = Math.ceil(((d + 1) * ranked.length) / 10);
    if (to <= from) continue;
    const hitRate: Record<string, number> = {};
    names.forEach((name, n) => {
      hitRate[name] = cases[d]! > 0 ? round(hits[n]![d]! / cases[d]!) : 0;
    });
    slices.push({
      decile: d + 1,
      products: to - from,
      minOrders: popularity[ranked[to - 1]!]!,
      maxOrders: popularity[ranked[from]!]!,
      cases: cases[d]!,
      hitRate,
    });
  }
  return slices;
}
