import { describe, expect, it } from "vitest";
import {
  blendPopular,
  buildIncidence,
  ClassicLists,
  classicTopK,
  cooccurrence,
  filterByPairSupport,
  popularityRanking,
  productSupport,
  REASONS,
  type TopKResult,
} from "../src/index.js";
import { type DenseRec, denseA, denseC, denseTopK, randomLines, rng } from "./dense-oracle.js";
import { expectSameLists, listsOf } from "./lists.js";

function bitwiseEqual(a: TopKResult, b: TopKResult): void {
  expect(a.k).toBe(b.k);
  expect(Array.from(a.length)).toEqual(Array.from(b.length));
  for (let p = 0; p < a.products; p++) {
    const from = p * a.k;
    const to = from + a.length[p]!;
    expect(Array.from(a.ids.subarray(from, to))).toEqual(Array.from(b.ids.subarray(from, to)));
    expect(Array.from(a.scores.subarray(from, to))).toEqual(Array.from(b.scores.subarray(from, to)));
    expect(Array.from(a.support.subarray(from, to))).toEqual(Array.from(b.support.subarray(from, to)));
  }
}

describe("classic lists with a minimum pair support", () => {
  it("match the dense oracle filtered by C[p][q] ≥ s on random inputs (small P: every list exact)", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const lines = randomLines(seed);
      const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "count");
      const c = cooccurrence(a);
      const support = productSupport(a);
      const all = denseTopK(denseC(denseA(lines, false)), support, lines.products);
      for (const s of [1, 2, 3]) {
        const k = 1 + (seed % 4);
        const top = await classicTopK(c, support, { k, minPairSupport: s, threads: 1 });
        const expected = all.map((list) => (s <= 1 ? list : list.filter((r) => r.support >= s)).slice(0, k));
        expectSameLists(listsOf(top), expected);
      }
    }
  });

  it("ClassicLists gives classicTopK's lists bit for bit, whatever order k and supports are asked in", async () => {
    for (let seed = 100; seed < 130; seed++) {
      const lines = randomLines(seed, 80, 40);
      const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "count");
      const c = cooccurrence(a);
      const support = productSupport(a);
      const shared = new ClassicLists(c, support, { threads: 1 });
      for (const [k, s] of [
        [2, 3],
        [2, 1],
        [5, 2],
        [1, 1],
        [3, 2],
      ] as const) {
        const alone = await classicTopK(c, support, { k, minPairSupport: s, threads: 1 });
        bitwiseEqual(await shared.topK(k, s), alone);
      }
    }
  });

  it("ClassicLists runs the kernel at most once per support of one k, and not for what a kept run serves", async () => {
    for (let seed = 200; seed < 206; seed++) {
      const lines = randomLines(seed, 300, 400);
      const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "count");
      const c = cooccurrence(a);
      const support = productSupport(a);
      const shared = new ClassicLists(c, support, { threads: 1 });
      for (const s of [1, 2, 3, 4]) {
        const alone = await classicTopK(c, support, { k: 5, minPairSupport: s, threads: 1 });
        bitwiseEqual(await shared.topK(5, s), alone);
      }
      expect(shared.kernelRuns).toBeGreaterThanOrEqual(1);
      expect(shared.kernelRuns).toBeLessThanOrEqual(4);
      const runs = shared.kernelRuns;
      await shared.topK(3, 2);
      await shared.topK(5, 1);
      await shared.topK(2, 4);
      expect(shared.kernelRuns).toBe(runs);
    }
    // k above every list's length: the lists at support 1 are complete, so every support is cut from them.
    const lines = randomLines(7, 40, 6);
    const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "count");
    const shared = new ClassicLists(cooccurrence(a), productSupport(a), { threads: 1 });
    for (const s of [1, 2, 3]) {
      const alone = await classicTopK(cooccurrence(a), productSupport(a), {
        k: 8,
        minPairSupport: s,
        threads: 1,
      });
      bitwiseEqual(await shared.topK(8, s), alone);
    }
    expect(shared.kernelRuns).toBe(1);
  });

  it("are exact however deep the filtered items rank (P > 256: below the old cut at 256 neighbours)", async () => {
    // Product 0 is bought once with each of 300 products that share its partner X (high cosine,
    // pair support 1) and five times with b, whose other partner Y dominates its row (low cosine):
    // with a minimum pair support, b ranks about 300th among 0's neighbours. Random orders on top.
    const r = rng(4242);
    const products = 304;
    const [X, B, Y] = [301, 302, 303];
    const baskets: number[][] = [];
    for (let q = 1; q <= 300; q++) baskets.push([0, q, X]);
    for (let i = 0; i < 5; i++) baskets.push([0, B]);
    baskets.push([B, X]);
    for (let i = 0; i < 100; i++) baskets.push([B, Y]);
    for (let i = 0; i < 300; i++)
      baskets.push(Array.from({ length: 2 + Math.floor(r() * 3) }, () => 1 + Math.floor(r() * 300)));
    const lo = baskets.flatMap((items, o) => items.map(() => o));
    const lines = {
      orders: baskets.length,
      products,
      lineOrder: Uint32Array.from(lo),
      lineProduct: Uint32Array.from(baskets.flat()),
    };
    const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, products, "count");
    const c = cooccurrence(a);
    const support = productSupport(a);
    const dc = denseC(denseA(lines, false));
    const all = denseTopK(dc, support, products);
    let deep = 0;
    for (const s of [2, 3, 5]) {
      const expected = denseTopK(dc, support, 5, 0, 1, s);
      // Some list needs an item ranked below 256 among all its neighbours.
      for (let p = 0; p < products; p++) {
        const ranked = all[p]!.map((x) => x.id);
        if (expected[p]!.some((x) => ranked.indexOf(x.id) >= 256)) deep++;
      }
      for (const options of [
        { threads: 1 },
        { threads: 2 },
        { kernel: "js" as const },
        { plan: "dense" as const, threads: 2 },
        { plan: "order-side" as const, threads: 1, incidence: a },
      ]) {
        const top = await classicTopK(c, support, { k: 5, minPairSupport: s, ...options });
        expectSameLists(listsOf(top), expected, 1e-9, `s=${s} ${JSON.stringify(options.plan ?? options)}:`);
      }
      const shared = new ClassicLists(c, support, { threads: 2 });
      await shared.topK(5, 1);
      expectSameLists(listsOf(await shared.topK(5, s)), expected, 1e-9, `shared s=${s}:`);
    }
    expect(deep).toBeGreaterThan(0);
  });

  it("filterByPairSupport flags lists that filled every place but kept fewer than k", () => {
    const top: TopKResult = {
      products: 2,
      k: 3,
      length: Uint16Array.of(3, 1),
      ids: Uint32Array.of(1, 2, 3, 0, 0, 0),
      scores: Float64Array.of(0.9, 0.8, 0.7, 0.5, 0, 0),
      support: Float64Array.of(1, 4, 1, 1, 0, 0),
      multiplyAdds: 7,
    };
    const { lists, short } = filterByPairSupport(top, 3, 2, 2);
    expect(Array.from(lists.length)).toEqual([1, 0]);
    expect(Array.from(lists.ids.subarray(0, 1))).toEqual([2]);
    expect(Array.from(short)).toEqual([0]); // product 1's list was not full: nothing below it
    expect(() => filterByPairSupport(top, 4, 2, 2)).toThrow(
      expect.objectContaining({ code: "COBUY_MATH_BAD_INPUT" }),
    );
  });
});

/** The blend rule written out with plain arrays, product by product. */
function denseBlend(
  similar: DenseRec[][],
  k: number,
  weight: number,
  popularity: number[],
  categoryOf: number[],
): Array<Array<{ id: number; reason: number }>> {
  const ranked = popularity
    .map((v, p) => [v, p] as const)
    .filter(([v]) => v > 0)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .map(([, p]) => p);
  return similar.map((list, p) => {
    const out: Array<{ id: number; reason: number }> = [];
    const has = (q: number) => q === p || out.some((x) => x.id === q);
    const slots = k - Math.round(weight * k);
    for (const r of list.slice(0, slots)) out.push({ id: r.id, reason: 0 });
    const pools: Array<[number[], number]> = [];
    if (categoryOf[p]! >= 0) pools.push([ranked.filter((q) => categoryOf[q] === categoryOf[p]), 1]);
    pools.push([list.slice(slots).map((r) => r.id), 0], [ranked, 2]);
    for (const [pool, reason] of pools)
      for (const q of pool) if (out.length < k && !has(q)) out.push({ id: q, reason });
    return out;
  });
}

describe("blendPopular", () => {
  it("follows the rule (similar, category best sellers, the rest, best sellers) on random inputs", async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const lines = randomLines(seed, 60, 20);
      const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "count");
      const support = productSupport(a);
      const k = 1 + (seed % 5);
      const similar = await classicTopK(cooccurrence(a), support, { k, threads: 1 });
      const r = rng(seed);
      const categoryOf = Array.from({ length: lines.products }, () => Math.floor(r() * 4) - 1);
      const popularity = Float64Array.from(support);
      const weight = [0, 0.4, 1][seed % 3]!;
      const blended = blendPopular(similar, { weight, popularity, categoryOf: Int32Array.from(categoryOf) });
      const expected = denseBlend(listsOf(similar), k, weight, Array.from(popularity), categoryOf);
      for (let p = 0; p < lines.products; p++) {
        const got = Array.from({ length: blended.length[p]! }, (_, i) => ({
          id: blended.ids[p * k + i]!,
          reason: blended.reasons[p * k + i]!,
        }));
        expect(got, `product ${p}, seed ${seed}`).toEqual(expected[p]);
      }
    }
    expect(REASONS).toEqual(["similar", "popular-in-category", "popular"]);
  });

  it("ranks by popularity, then index, and refuses a weight outside 0..1", () => {
    expect(Array.from(popularityRanking(Float64Array.of(2, 0, 5, 2)))).toEqual([2, 0, 3]);
    expect(Array.from(popularityRanking(Float64Array.of(2, 0, 5, 2), [3, 1, 0]))).toEqual([0, 3]);
    const empty: TopKResult = {
      products: 1,
      k: 1,
      length: new Uint16Array(1),
      ids: new Uint32Array(1),
      scores: new Float64Array(1),
      support: new Float64Array(1),
      multiplyAdds: 0,
    };
    expect(() =>
      blendPopular(empty, { weight: 1.5, popularity: new Float64Array(1), categoryOf: Int32Array.of(-1) }),
    ).toThrow(expect.objectContaining({ code: "COBUY_MATH_BAD_OPTION" }));
  });
});
