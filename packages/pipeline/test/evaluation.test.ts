import { blendPopular, type CsrMatrix, productSupport, REASONS } from "@cobuy/core-math";
import { seededUniform as rng } from "@cobuy/test-utils/random";
import { describe, expect, it } from "vitest";
import {
  classicKernel,
  type EvaluationData,
  evaluate,
  holdoutSplit,
  popularLists,
  scoreLists,
  sweep,
  timeSplit,
  truncateLists,
} from "../src/evaluation/index.js";
import { selectOrders } from "../src/selection/orders.js";
import { categoryIndex } from "../src/selection/select-similarity.js";
import { ordersMatrix as csr } from "./helpers.js";

const productOrderCounts = (a: CsrMatrix) => Float64Array.from(productSupport(a));

/** A shop with 6 categories of 8 products; baskets mostly stay inside one category; a few best sellers. */
function shop(orders = 1500, seed = 7): EvaluationData {
  const r = rng(seed);
  const P = 48;
  const productIds = Array.from({ length: P }, (_, p) => `P${String(p).padStart(2, "0")}`);
  const categories = productIds.map((_, p) => (p === 47 ? null : `cat${Math.floor(p / 8)}`));
  const baskets: number[][] = [];
  for (let o = 0; o < orders; o++) {
    const c = Math.floor(r() * 6);
    const size = 1 + Math.floor(r() * 5);
    const b: number[] = [];
    for (let j = 0; j < size; j++) b.push(r() < 0.8 ? c * 8 + Math.floor(r() ** 2 * 8) : Math.floor(r() * P));
    if (r() < 0.3) b.push(0); // a best seller
    baskets.push(b);
  }
  return { productIds, categories, orderIds: baskets.map((_, o) => `o${o}`), a: csr(baskets, P) };
}

describe("splits", () => {
  const ids = Array.from({ length: 1000 }, (_, i) => `order-${i}`);

  it("holdout: exact share, disjoint, deterministic, independent of row order", () => {
    const s = holdoutSplit(ids, { fraction: 0.2, seed: 3 });
    expect(s.test.length).toBe(200);
    expect(s.train.length).toBe(800);
    expect(new Set([...s.train, ...s.test]).size).toBe(1000);
    expect([...holdoutSplit(ids, { fraction: 0.2, seed: 3 }).test]).toEqual([...s.test]);
    expect([...holdoutSplit(ids, { fraction: 0.2, seed: 4 }).test]).not.toEqual([...s.test]);
    const reversed = [...ids].reverse();
    const r = holdoutSplit(reversed, { fraction: 0.2, seed: 3 });
    expect(new Set([...r.test].map((i) => reversed[i]))).toEqual(new Set([...s.test].map((i) => ids[i])));
  });

  it("holdout among training orders never touches the test orders", () => {
    const s = holdoutSplit(ids, { fraction: 0.2, seed: 3 });
    const inner = holdoutSplit(ids, { fraction: 0.25, seed: 4, among: s.train });
    const test = new Set(s.test);
    for (const o of [...inner.train, ...inner.test]) expect(test.has(o)).toBe(false);
    expect(inner.test.length).toBe(200);
  });

  it("time: the latest orders are held out, ties by order id", () => {
    const times = ids.map((_, i) => Math.floor(i / 2));
    const s = timeSplit(ids, times, { fraction: 0.1 });
    expect([...s.test]).toEqual(Array.from({ length: 100 }, (_, i) => 900 + i));
    expect(() => timeSplit(ids, times, { fraction: 1 })).toThrow(/between 0 and 1/);
  });
});

describe("scoreLists", () => {
  // Lists: 0 → [1, 2], 1 → [0], 2 → [], 3 → [0, 1]  (k = 2)
  const lists = {
    products: 4,
    k: 2,
    length: Uint16Array.of(2, 1, 0, 2),
    ids: Uint32Array.of(1, 2, 0, 0, 0, 0, 0, 1),
    scores: new Float64Array(8).fill(1),
    support: new Float64Array(8),
    multiplyAdds: 0,
  };
  const train = csr([[0, 1], [0, 2], [0, 3], [1]], 4);

  it("hand-computed ranking and catalog metrics", () => {
    // Test orders: {0, 2} → cases (0: hit at rank 2), (2: no list); {1} ignored (size 1);
    // {0, 1, 3} → (0: hit rank 1, found 1 of 2), (1: hit rank 1), (3: hits at ranks 1 and 2).
    const test = csr([[0, 2], [1], [0, 1, 3]], 4);
    const { metrics, byCategory } = scoreLists(lists, {
      test,
      popularity: productOrderCounts(train),
      trainOrders: 4,
      categoryOf: Int32Array.of(0, 0, 1, -1),
      categoryNames: ["a", "b"],
    });
    const ln = (r: number) => 1 / Math.log2(r + 1);
    expect(metrics.cases).toBe(5);
    expect(metrics.testOrders).toBe(2);
    expect(metrics["hitRate@2"]).toBeCloseTo(4 / 5, 9);
    expect(metrics["precision@2"]).toBeCloseTo((0.5 + 0 + 0.5 + 0.5 + 1) / 5, 9);
    expect(metrics["recall@2"]).toBeCloseTo((1 + 0 + 0.5 + 0.5 + 1) / 5, 9);
    expect(metrics.mrr).toBeCloseTo((0.5 + 0 + 1 + 1 + 1) / 5, 9);
    const ndcg = [ln(2) / ln(1), 0, ln(1) / (ln(1) + ln(2)), ln(1) / (ln(1) + ln(2)), 1];
    expect(metrics["ndcg@2"]).toBeCloseTo(ndcg.reduce((x, y) => x + y) / 5, 9);
    expect(metrics.casesWithList).toBeCloseTo(4 / 5, 9);
    // Training catalog: all four products; recommended: 0, 1, 2 → coverage 3/4; full lists: 0 and 3.
    expect(metrics.coverage).toBe(0.75);
    expect(metrics.fullLists).toBe(0.5);
    // Popularity (orders / 4): rec items 1,2,0,0,1 → (2+1+3+3+2)/5/4 ; catalog mean (3+2+1+1)/4/4.
    expect(metrics.popularity).toBeCloseTo(11 / 5 / 4, 9);
    expect(metrics.popularityBias).toBeCloseTo(11 / 5 / (7 / 4), 9);
    // Classic metric: 0's best (1) is in "a": yes; 1's best (0): yes; 2 has no list: miss; 3 has no category.
    expect(byCategory).toEqual({
      a: { products: 2, sameCategory: 2, share: 1 },
      b: { products: 1, sameCategory: 0, share: 0 },
    });
    expect(metrics.sameCategory).toBeCloseTo(2 / 3, 9);
  });

  it("truncateLists cuts at the score threshold", () => {
    const t = truncateLists({ ...lists, scores: Float64Array.of(0.9, 0.4, 0.5, 0, 0, 0, 0.2, 0.1) }, 0.3);
    expect([...t.length]).toEqual([2, 1, 0, 0]);
  });
});

describe("baseline and blend", () => {
  const popularity = Float64Array.of(5, 1, 3, 0, 4);

  it("popular: the same top list for everyone, minus the product itself", () => {
    const top = popularLists(popularity, 2);
    expect([...top.ids.subarray(0, 2)]).toEqual([4, 2]);
    expect([...top.ids.subarray(8, 10)]).toEqual([0, 2]); // product 4
    expect([...top.ids.subarray(6, 8)]).toEqual([0, 4]); // product 3, never bought, still gets the list
    expect(REASONS[top.reasons[0]!]).toBe("popular");
  });

  it("blend: weight 0 tops up short lists; weight 1 is the category's best sellers; reasons kept", () => {
    const similar = {
      products: 5,
      k: 3,
      length: Uint16Array.of(1, 3, 0, 0, 0),
      ids: Uint32Array.of(1, 0, 0, 2, 4, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      scores: Float64Array.of(0.5, 0, 0, 0.9, 0.8, 0.7, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      support: Float64Array.of(2, 0, 0, 5, 4, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      multiplyAdds: 0,
    };
    const categoryOf = Int32Array.of(0, 0, 1, 1, 0);
    const topUp = blendPopular(similar, { weight: 0, popularity, categoryOf });
    const reasons = (l: typeof topUp, p: number) =>
      Array.from({ length: l.length[p]! }, (_, r) => `${l.ids[p * 3 + r]}:${REASONS[l.reasons[p * 3 + r]!]}`);
    expect(reasons(topUp, 0)).toEqual(["1:similar", "4:popular-in-category", "2:popular"]);
    expect(reasons(topUp, 1)).toEqual(["2:similar", "4:similar", "3:similar"]);
    const mixed = blendPopular(similar, { weight: 1 / 3, popularity, categoryOf });
    expect(reasons(mixed, 1)).toEqual(["2:similar", "4:similar", "0:popular-in-category"]);
    const pure = blendPopular(similar, { weight: 1, popularity, categoryOf });
    expect(reasons(pure, 2)).toEqual(["0:popular", "4:popular", "1:popular"]);
    expect(reasons(pure, 3)).toEqual(["2:popular-in-category", "0:popular", "4:popular"]);
    expect(mixed.support[3]).toBe(5);
    expect(() => blendPopular(similar, { weight: 2, popularity, categoryOf })).toThrow(/blend weight/);
  });
});

describe("evaluate", () => {
  const data = shop();
  const options = {
    split: { method: "holdout" as const, fraction: 0.2, seed: 1 },
    classic: classicKernel({ threads: 1 }),
  };

  it("is identical for the same input and seed, and differs for another seed", async () => {
    const a = await evaluate(data, { ...options, similarity: "auto" });
    const b = await evaluate(data, { ...options, similarity: "auto" });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = await evaluate(data, { ...options, split: { ...options.split, seed: 2 } });
    expect(JSON.stringify(c.metrics)).not.toBe(JSON.stringify(a.metrics));
  });

  it("reports every measure, the popular baseline, and metrics named like hitRate@5", async () => {
    const ev = await evaluate(data, options);
    expect(Object.keys(ev.measures)).toEqual([
      "cooccurrence-cosine",
      "cosine",
      "jaccard",
      "lift",
      "llr",
      "expected",
    ]);
    for (const m of [ev.metrics, ev.baseline.popular, ...Object.values(ev.measures)]) {
      for (const key of [
        "hitRate@5",
        "precision@5",
        "recall@5",
        "mrr",
        "ndcg@5",
        "coverage",
        "fullLists",
        "popularityBias",
        "sameCategory",
      ]) {
        expect(m[key], key).toBeGreaterThanOrEqual(0);
      }
    }
    expect(ev.similarity.chosen).toBe("cooccurrence-cosine");
    expect(ev.metrics).toEqual(ev.measures["cooccurrence-cosine"]);
    expect(ev.split).toMatchObject({ method: "holdout", trainOrders: 1200, testOrders: 300 });
    // Baskets stay inside categories: similarity beats the category-blind baseline on the classic metric
    // and covers far more of the catalog.
    expect(ev.metrics.sameCategory!).toBeGreaterThan(ev.baseline.popular.sameCategory! + 0.3);
    expect(ev.metrics.coverage!).toBeGreaterThan(0.8);
    expect(ev.baseline.popular.coverage!).toBeLessThan(0.2);
    expect(Object.keys(ev.byCategory)).toEqual(["cat0", "cat1", "cat2", "cat3", "cat4", "cat5"]);
    expect(ev.examples.length).toBeGreaterThan(0);
    expect(ev.scoreDistribution.bins.reduce((s, b) => s + b.count, 0)).toBeGreaterThan(0);
  });

  it("auto chooses on training orders only and records every candidate", async () => {
    const ev = await evaluate(data, { ...options, similarity: "auto", autoMinPairSupports: [1, 2] });
    const sel = ev.similarity.selection!;
    expect(sel.candidates).toHaveLength(12);
    expect(sel.trainOrders + sel.validationOrders).toBe(ev.split.trainOrders);
    const best = sel.candidates.filter((c) => c.eligible).sort((x, y) => y.hitRate - x.hitRate)[0]!;
    expect(ev.similarity.chosen).toBe(best.similarity);
    expect(ev.similarity.minPairSupport).toBe(best.minPairSupport);
    // The choice never looks at the test orders: scrambling them leaves it unchanged.
    const test = new Set(holdoutSplit(data.orderIds, options.split).test);
    const cols = [...data.a.colIdx];
    for (let o = 0; o < data.a.rows; o++) {
      if (!test.has(o)) continue;
      for (let i = data.a.rowPtr[o]!; i < data.a.rowPtr[o + 1]!; i++) cols[i] = (cols[i]! * 7 + o) % 48;
    }
    // Keep columns sorted and distinct inside each scrambled order.
    const orders: number[][] = [];
    for (let o = 0; o < data.a.rows; o++) orders.push(cols.slice(data.a.rowPtr[o]!, data.a.rowPtr[o + 1]!));
    const scrambled = { ...data, a: csr(orders, 48) };
    const again = await evaluate(scrambled, { ...options, similarity: "auto", autoMinPairSupports: [1, 2] });
    expect(again.similarity.selection).toEqual(sel);
  });

  it("evaluates a blend like any measure; every example item keeps a reason", async () => {
    const ev = await evaluate(data, { ...options, similarity: "cosine", blend: { popular: 0.4 } });
    expect(ev.measures["cosine+popular:0.4"]).toEqual(ev.metrics);
    const reasons = new Set(ev.examples.flatMap((e) => e.recs.map((r) => r.reason)));
    expect(reasons.has("popular-in-category")).toBe(true);
    expect(reasons.has("similar")).toBe(true);
  });

  it("time split holds out the latest orders", async () => {
    const times = data.orderIds.map((_, o) => o);
    const ev = await evaluate(data, {
      split: { method: "time", fraction: 0.2, column: "ts", times },
      similarity: "llr",
    });
    expect(ev.split).toMatchObject({ method: "time", column: "ts", testOrders: 300 });
    expect(ev.measures["cooccurrence-cosine"]).toBeUndefined(); // no classic kernel given
  });

  it("reports the split by time beside the random one, each choosing on its own training orders", async () => {
    // A season: the latest fifth of the orders buys mostly products 40–47, rare before.
    const r = rng(11);
    const orders = 1500;
    const baskets: number[][] = [];
    for (let o = 0; o < orders; o++) {
      const late = o >= orders * 0.8;
      const size = 2 + Math.floor(r() * 4);
      const b: number[] = [];
      for (let j = 0; j < size; j++) {
        b.push(late && r() < 0.7 ? 40 + Math.floor(r() * 8) : Math.floor(r() ** 1.5 * 40));
      }
      baskets.push(b);
    }
    const seasonal: EvaluationData = {
      productIds: Array.from({ length: 48 }, (_, p) => `P${p}`),
      categories: Array.from({ length: 48 }, (_, p) => `c${Math.floor(p / 8)}`),
      // Ids do not follow time: the split by time must read the times, not the ids.
      orderIds: baskets.map((_, o) => `o${(o * 7919) % orders}`),
      a: csr(baskets, 48),
    };
    const times = seasonal.orderIds.map((_, o) => 1_700_000_000_000 + o * 60_000);
    const random = { method: "holdout" as const, fraction: 0.2, seed: 1 };
    const byTime = { method: "time" as const, fraction: 0.2, column: "ordered_at", times };
    const common = {
      similarity: "auto" as const,
      evidenceBlend: "auto" as const,
      compare: ["llr", "cosine"] as const,
    };
    const ev = await evaluate(seasonal, { ...common, split: random, besideSplit: byTime });
    const alone = await evaluate(seasonal, { ...common, split: byTime });
    const plain = await evaluate(seasonal, { ...common, split: random });
    expect(ev.splits).toHaveLength(2);
    const [first, second] = ev.splits!;
    // The main figures are the random holdout's, unchanged by the split beside them.
    expect({ ...ev, splits: undefined }).toEqual({ ...plain, splits: undefined });
    expect(first!.split).toEqual(plain.split);
    expect(first!.metrics).toEqual(plain.metrics);
    expect(first!.measures[first!.served]).toEqual(plain.metrics);
    // The split by time is a whole evaluation of its own: its choice, its served lists, its baseline.
    expect(second!.split).toMatchObject({ method: "time", column: "ordered_at", testOrders: 300 });
    expect(second!.similarity).toEqual({
      chosen: alone.similarity.chosen,
      minPairSupport: alone.similarity.minPairSupport,
    });
    expect(second!.evidenceBlend).toEqual(alone.evidenceBlend!.chosen);
    expect(second!.metrics).toEqual(alone.metrics);
    expect(second!.baseline).toEqual(alone.baseline);
    expect(second!.measures[second!.served]).toEqual(alone.metrics);
    // Its held-out orders are the latest, and the season it never trained on costs it HitRate.
    const latest = timeSplit(seasonal.orderIds, times, { fraction: 0.2 });
    expect(Math.min(...latest.test)).toBe(orders * 0.8);
    expect(second!.metrics["hitRate@5"]!).toBeLessThan(first!.metrics["hitRate@5"]! - 0.05);
  });

  it("handles empty data and products without category", async () => {
    const empty: EvaluationData = { productIds: [], categories: [], orderIds: [], a: csr([], 0) };
    const ev = await evaluate(empty, { ...options, similarity: "jaccard" });
    expect(ev.metrics.cases).toBe(0);
    expect(categoryIndex([null, "", "b", "a"]).names).toEqual(["a", "b"]);
  });
});

describe("sweep", () => {
  it("one cell per support × score; lists only shrink as the thresholds rise", async () => {
    const data = shop(800, 3);
    const s = await sweep(data, {
      split: { method: "holdout", fraction: 0.2, seed: 1 },
      similarity: "cooccurrence-cosine",
      classic: classicKernel({ threads: 1 }),
      minPairSupports: [1, 2, 5],
    });
    expect(s.cells).toHaveLength(3 * s.minScores.length);
    expect(s.minScores[0]).toBe(0);
    for (const support of s.minPairSupports) {
      const row = s.cells.filter((c) => c.minPairSupport === support);
      for (let i = 1; i < row.length; i++) expect(row[i]!.coverage).toBeLessThanOrEqual(row[i - 1]!.coverage);
    }
    const atZero = s.cells.filter((c) => c.minScore === 0);
    for (let i = 1; i < atZero.length; i++)
      expect(atZero[i]!.fullLists).toBeLessThanOrEqual(atZero[i - 1]!.fullLists);
  });

  it("classic minimum pair support matches filtering a full-depth list", async () => {
    const data = shop(600, 5);
    const train = selectOrders(data.a, holdoutSplit(data.orderIds, { fraction: 0.2, seed: 1 }).train);
    const kernel = classicKernel({ threads: 1 });
    const filtered = await kernel(train, { k: 5, minScore: 0, minPairSupport: 4 });
    const full = await kernel(train, { k: 47, minScore: 0, minPairSupport: 1 });
    for (let p = 0; p < 48; p++) {
      const want: number[] = [];
      for (let r = 0; r < full.length[p]! && want.length < 5; r++)
        if (full.support[p * 47 + r]! >= 4) want.push(full.ids[p * 47 + r]!);
      expect([...filtered.ids.subarray(p * 5, p * 5 + filtered.length[p]!)]).toEqual(want);
    }
    expect(productOrderCounts(train).length).toBe(48);
  });
});
