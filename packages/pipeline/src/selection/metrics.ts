import type { CsrMatrix, TopKResult } from "@cobuy/core-math";

/** Figures of one recommender on one split; keys are the names written to evaluation.json. */
export type Metrics = Record<string, number>;

/** Per-category classic metric: products whose best recommendation shares their category. */
export interface CategoryShare {
  products: number;
  sameCategory: number;
  share: number;
}

/** Context shared by every recommender evaluated on one split. */
export interface MetricContext {
  /** Held-out orders × products (same product space as the lists). */
  readonly test: CsrMatrix;
  /** Orders holding each product in the training orders. */
  readonly popularity: Float64Array;
  /** Training orders with at least one product. */
  readonly trainOrders: number;
  /** Category index of each product, -1 when it has none. */
  readonly categoryOf: ArrayLike<number>;
  readonly categoryNames: readonly string[];
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e9) / 1e9 : 0);

/**
 * Scores top-k lists against held-out orders. For every held-out order with ≥ 2 distinct products
 * and every product p in it, the relevant items are the order's other products:
 * hitRate@k (≥ 1 relevant item listed), precision@k (relevant listed / k), recall@k (relevant
 * listed / relevant), mrr (1 / rank of the first relevant item, 0 if none listed), ndcg@k (binary
 * gains, log2 discount) — each averaged over those (order, p) cases. On the training catalog
 * (products bought in training): coverage (share that appears in some product's list), fullLists
 * (share whose list has k items), popularity (mean share of training orders holding a
 * recommended item) and popularityBias (that over the catalog's mean share: 1 is neutral), and
 * sameCategory, the classic metric (best recommendation in the product's category, over products
 * with a category; no list is a miss).
 *
 * @example
 * ```ts
 * const { metrics } = scoreLists(lists, ctx);
 * metrics["hitRate@5"];
 * ```
 */
// O(Σ_test |o|² + P k) with a scratch mark array of P
/**
 * Marks the products of held-out order `o` (lines start..end) in `mark` with o + 1 and returns how
 * many there are; O(order lines).
 */
export function markOrder(test: CsrMatrix, o: number, start: number, end: number, mark: Uint32Array): number {
  let size = 0;
  for (let i = start; i < end; i++) {
    if (test.values[i] !== 0) {
      mark[test.colIdx[i]!] = o + 1;
      size++;
    }
  }
  return size;
}

export function scoreLists(
  lists: TopKResult,
  ctx: MetricContext,
): { metrics: Metrics; byCategory: Record<string, CategoryShare> } {
  const { k, length, ids } = lists;
  const P = lists.products;
  const { test, popularity } = ctx;
  const mark = new Uint32Array(P); // order index + 1 of the order being scored
  let cases = 0;
  let withList = 0;
  let orders = 0;
  let hits = 0;
  let precision = 0;
  let recall = 0;
  let mrr = 0;
  let ndcg = 0;
  const idcg = new Float64Array(k + 1);
  for (let i = 1; i <= k; i++) idcg[i] = idcg[i - 1]! + 1 / Math.log2(i + 1);
  for (let o = 0; o < test.rows; o++) {
    const start = Number(test.rowPtr[o]);
    const end = Number(test.rowPtr[o + 1]);
    const size = markOrder(test, o, start, end, mark);
    if (size < 2) continue;
    orders++;
    for (let i = start; i < end; i++) {
      if (test.values[i] === 0) continue;
      const p = test.colIdx[i]!;
      cases++;
      const len = length[p]!;
      if (len > 0) withList++;
      let found = 0;
      let first = 0;
      let dcg = 0;
      for (let r = 0; r < len; r++) {
        if (mark[ids[p * k + r]!] === o + 1) {
          found++;
          if (first === 0) first = r + 1;
          dcg += 1 / Math.log2(r + 2);
        }
      }
      const relevant = size - 1;
      if (found > 0) hits++;
      precision += found / k;
      recall += found / relevant;
      if (first > 0) mrr += 1 / first;
      ndcg += dcg / idcg[Math.min(k, relevant)]!;
    }
  }

  // Catalog figures over the products bought in training.
  let catalog = 0;
  let full = 0;
  let recItems = 0;
  let recPopularity = 0;
  let catalogPopularity = 0;
  const recommended = new Uint8Array(P);
  const byCat = new Map<number, { products: number; same: number }>();
  for (let p = 0; p < P; p++) {
    if (!(popularity[p]! > 0)) continue;
    catalog++;
    catalogPopularity += popularity[p]!;
    const len = length[p]!;
    if (len === k) full++;
    for (let r = 0; r < len; r++) {
      const q = ids[p * k + r]!;
      recommended[q] = 1;
      recItems++;
      recPopularity += popularity[q]!;
    }
    const c = ctx.categoryOf[p]!;
    if (c >= 0) {
      let e = byCat.get(c);
      if (!e) byCat.set(c, (e = { products: 0, same: 0 }));
      e.products++;
      if (len > 0 && ctx.categoryOf[ids[p * k]!] === c) e.same++;
    }
  }
  let covered = 0;
  for (let p = 0; p < P; p++) if (recommended[p] && popularity[p]! > 0) covered++;
  let catProducts = 0;
  let catSame = 0;
  const byCategory: Record<string, CategoryShare> = {};
  const cats = [...byCat.keys()].sort((x, y) =>
    ctx.categoryNames[x]! < ctx.categoryNames[y]!
      ? -1
      : ctx.categoryNames[x]! > ctx.categoryNames[y]!
        ? 1
        : 0,
  );
  for (const c of cats) {
    const e = byCat.get(c)!;
    catProducts += e.products;
    catSame += e.same;
    byCategory[ctx.categoryNames[c]!] = {
      products: e.products,
      sameCategory: e.same,
      share: round(e.same / e.products),
    };
  }
  const meanShare = (sum: number, n: number) => (n > 0 ? sum / n / Math.max(1, ctx.trainOrders) : 0);
  const avgRec = meanShare(recPopularity, recItems);
  const avgCatalog = meanShare(catalogPopularity, catalog);
  const c = Math.max(1, cases);
  const metrics: Metrics = {
    [`hitRate@${k}`]: round(hits / c),
    [`precision@${k}`]: round(precision / c),
    [`recall@${k}`]: round(recall / c),
    mrr: round(mrr / c),
    [`ndcg@${k}`]: round(ndcg / c),
    coverage: round(catalog > 0 ? covered / catalog : 0),
    fullLists: round(catalog > 0 ? full / catalog : 0),
    popularity: round(avgRec),
    popularityBias: round(avgCatalog > 0 ? avgRec / avgCatalog : 0),
    sameCategory: round(catProducts > 0 ? catSame / catProducts : 0),
    casesWithList: round(withList / c),
    cases,
    testOrders: orders,
  };
  return { metrics, byCategory };
}
