import { describe, expect, it } from "vitest";
import {
  blendByEvidence,
  buildIncidence,
  countPairs,
  measureTopK,
  productSupport,
  type TopKResult,
} from "../src/index.js";
import { denseA, denseC, type Lines, randomLines } from "./dense-oracle.js";

/** The evidence blend written out with plain arrays and pair counts from the dense AᵀA. */
function denseEvidenceBlend(
  similar: TopKResult,
  c: number[][],
  n: number[],
  orders: number,
  prior: number,
  keep: number,
  pairsForBestSellers: boolean,
  categoryOf?: number[],
): Array<Array<{ id: number; reason: number }>> {
  const k = similar.k;
  const ranked = n
    .map((v, p) => [v, p] as const)
    .filter(([v]) => v > 0)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k + 1)
    .map(([, p]) => p);
  const out: Array<Array<{ id: number; reason: number }>> = [];
  for (let p = 0; p < similar.products; p++) {
    const list = Array.from(similar.ids.subarray(p * k, p * k + similar.length[p]!));
    const chance = (q: number, pair: number) =>
      prior === Number.POSITIVE_INFINITY
        ? n[q]! / orders
        : (pair + (prior * n[q]!) / orders) / (n[p]! + prior || 1);
    const own = (q: number) => (categoryOf && categoryOf[p]! >= 0 && categoryOf[q] === categoryOf[p] ? 0 : 1);
    const all = list
      .map((q, r) => ({ id: q, chance: chance(q, c[p]![q]!), order: r, reason: 0 }))
      .sort((x, y) => own(x.id) - own(y.id) || x.order - y.order);
    for (const [j, q] of ranked.entries()) {
      const rate = pairsForBestSellers ? chance(q, c[p]![q]!) : n[q]! / orders;
      if (q !== p && !list.includes(q)) all.push({ id: q, chance: rate, order: k + j, reason: 2 });
    }
    const kept = all.slice(0, Math.min(keep, list.length, k));
    const byChance = (x: (typeof all)[0], y: (typeof all)[0]) => y.chance - x.chance || x.order - y.order;
    const rest = all
      .slice(kept.length)
      .sort(byChance)
      .slice(0, k - kept.length)
      .sort(byChance);
    out.push([...kept, ...rest].map(({ id, reason }) => ({ id, reason })));
  }
  return out;
}

function shapes(seed: number): Lines {
  if (seed % 7 === 0) {
    // One huge order holding every product, a few small ones, and an empty row.
    const l = randomLines(seed, 8, 30);
    const lo = [...l.lineOrder];
    const lp = [...l.lineProduct];
    for (let p = 0; p < l.products; p++) {
      lo.push(l.orders);
      lp.push(p);
    }
    return { ...l, orders: l.orders + 2, lineOrder: Uint32Array.from(lo), lineProduct: Uint32Array.from(lp) };
  }
  return seed % 2 === 0 ? randomLines(seed, 60, 10) : randomLines(seed, 15, 40);
}

describe("blendByEvidence against a dense reference", () => {
  it("keeps strong pairs and gives weak ones to best sellers, as the shrunk rate says (random inputs)", () => {
    let mixed = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const lines = shapes(seed);
      const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "binary");
      const k = 1 + (seed % 5);
      const similar = measureTopK(countPairs(a), ["llr", "cosine", "jaccard"][seed % 3] as "llr", { k });
      const dense = denseA(lines, true);
      const c = denseC(dense).to2DArray();
      const n = Array.from(productSupport(a));
      const orders = Math.max(1, lines.orders);
      const prior = [0, 1, 10, 1000, Number.POSITIVE_INFINITY][seed % 5]!;
      const keep = seed % 4;
      const withPairs = seed % 3 !== 1;
      const categoryOf =
        seed % 2 === 0
          ? Array.from({ length: lines.products }, (_, p) => ((p * 7 + seed) % 4) - 1)
          : undefined;
      const got = blendByEvidence(similar, {
        prior,
        keepSimilar: keep,
        popularity: Float64Array.from(n),
        orders,
        ...(withPairs ? { trainOrders: a } : {}),
        ...(categoryOf ? { categoryOf: Int32Array.from(categoryOf) } : {}),
      });
      const expected = denseEvidenceBlend(similar, c, n, orders, prior, keep, withPairs, categoryOf);
      for (let p = 0; p < lines.products; p++) {
        const list = Array.from({ length: got.length[p]! }, (_, i) => ({
          id: got.ids[p * k + i]!,
          reason: got.reasons[p * k + i]!,
        }));
        expect(list, `product ${p}, seed ${seed}`).toEqual(expected[p]);
        if (list.some((x) => x.reason === 0) && list.some((x) => x.reason === 2)) mixed++;
        // A similar item keeps its score and pair support; a best seller has neither.
        for (let i = 0; i < got.length[p]!; i++) {
          const q = got.ids[p * k + i]!;
          if (got.reasons[p * k + i] === 0) expect(got.support[p * k + i]).toBe(c[p]![q]);
          else expect(got.support[p * k + i]).toBe(0);
        }
      }
    }
    expect(mixed).toBeGreaterThan(50);
  });

  it("keepSimilar = k keeps the similar lists (short ones topped up); an infinite prior favours best sellers", () => {
    const lines = randomLines(3, 60, 20);
    const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "binary");
    const similar = measureTopK(countPairs(a), "llr", { k: 3 });
    const popularity = Float64Array.from(productSupport(a));
    const same = blendByEvidence(similar, { prior: 0, keepSimilar: 3, popularity, orders: lines.orders });
    for (let p = 0; p < similar.products; p++) {
      const len = similar.length[p]!;
      expect(Array.from(same.ids.subarray(p * 3, p * 3 + len))).toEqual(
        Array.from(similar.ids.subarray(p * 3, p * 3 + len)),
      );
      expect(same.length[p]).toBeGreaterThanOrEqual(len);
    }
    const popular = blendByEvidence(similar, {
      prior: Number.POSITIVE_INFINITY,
      popularity,
      orders: lines.orders,
    });
    let popularSlots = 0;
    for (const r of popular.reasons) popularSlots += r === 2 ? 1 : 0;
    expect(popularSlots).toBeGreaterThan(0);
  });

  it("refuses a negative prior, a fractional keepSimilar and zero orders", () => {
    const lines = randomLines(5);
    const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "binary");
    const similar = measureTopK(countPairs(a), "llr", { k: 2 });
    const popularity = Float64Array.from(productSupport(a));
    for (const bad of [
      { prior: -1, orders: 5 },
      { prior: 1, orders: 5, keepSimilar: 1.5 },
      { prior: 1, orders: 0 },
    ]) {
      expect(() => blendByEvidence(similar, { ...bad, popularity })).toThrow(
        expect.objectContaining({ code: "COBUY_MATH_BAD_OPTION" }),
      );
    }
  });
});
