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

interface DenseSlot {
  id: number;
  reason: number;
  chance: number;
  order: number;
}

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
  return denseSlots(similar, c, n, orders, prior, keep, pairsForBestSellers, categoryOf).lists.map((list) =>
    list.map(({ id, reason }) => ({ id, reason })),
  );
}

function denseSlots(
  similar: TopKResult,
  c: number[][],
  n: number[],
  orders: number,
  prior: number,
  keep: number,
  pairsForBestSellers: boolean,
  categoryOf?: number[],
): { lists: DenseSlot[][]; kept: number[] } {
  const k = similar.k;
  const ranked = n
    .map((v, p) => [v, p] as const)
    .filter(([v]) => v > 0)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k + 1)
    .map(([, p]) => p);
  const out: DenseSlot[][] = [];
  const keptOf: number[] = [];
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
    out.push([...kept, ...rest]);
    keptOf.push(kept.length);
  }
  return { lists: out, kept: keptOf };
}

/**
 * The coverage swaps written out as the plain greedy: while short of ⌈share × catalog⌉ products
 * listed, every (p, uncovered similar q) is costed afresh, n_p × (chance of p's least likely
 * unkept item listed elsewhere, 0 for a free slot) − n_p × chance(q), and the cheapest (ties: the
 * smaller p·k + rank) is applied.
 */
function denseCover(
  slots: { lists: DenseSlot[][]; kept: number[] },
  similar: TopKResult,
  c: number[][],
  n: number[],
  orders: number,
  prior: number,
  share: number,
): DenseSlot[][] {
  const k = similar.k;
  const lists = slots.lists.map((l) => l.map((e) => ({ ...e })));
  const listedIn = new Map<number, number>();
  for (const l of lists) for (const e of l) listedIn.set(e.id, (listedIn.get(e.id) ?? 0) + 1);
  const catalog = n.filter((v) => v > 0).length;
  const covered = () => [...listedIn.keys()].filter((q) => (listedIn.get(q) ?? 0) > 0 && n[q]! > 0).length;
  const chance = (q: number, pair: number, np: number) =>
    prior === Number.POSITIVE_INFINITY
      ? n[q]! / orders
      : (pair + prior * (n[q]! / orders)) / (np + prior || 1);
  for (;;) {
    if (covered() >= Math.ceil(share * catalog)) break;
    let best: { cost: number; key: number; p: number; r: number; slot: number } | undefined;
    for (let p = 0; p < similar.products; p++) {
      if (!(n[p]! > 0)) continue;
      const list = lists[p]!;
      let slot = -1;
      if (list.length >= k) {
        for (let i = slots.kept[p]!; i < list.length; i++) {
          if ((listedIn.get(list[i]!.id) ?? 0) < 2) continue;
          if (slot < 0 || list[i]!.chance <= list[slot]!.chance) slot = i;
        }
        if (slot < 0) continue;
      }
      for (let r = 0; r < similar.length[p]!; r++) {
        const q = similar.ids[p * k + r]!;
        if ((listedIn.get(q) ?? 0) > 0) continue;
        const cost = (slot < 0 ? 0 : n[p]! * list[slot]!.chance) - n[p]! * chance(q, c[p]![q]!, n[p]!);
        const key = p * k + r;
        if (!best || cost < best.cost || (cost === best.cost && key < best.key))
          best = { cost, key, p, r, slot };
      }
    }
    if (!best) break;
    const list = lists[best.p]!;
    const q = similar.ids[best.key]!;
    const entry = { id: q, reason: 0, chance: chance(q, c[best.p]![q]!, n[best.p]!), order: best.r };
    if (best.slot < 0) list.push(entry);
    else {
      listedIn.set(list[best.slot]!.id, listedIn.get(list[best.slot]!.id)! - 1);
      list[best.slot] = entry;
    }
    listedIn.set(q, 1);
    const kept = list.slice(0, slots.kept[best.p]!);
    const rest = list.slice(kept.length).sort((x, y) => y.chance - x.chance || x.order - y.order);
    lists[best.p] = [...kept, ...rest];
  }
  return lists;
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

  it("minCoverage swaps in uncovered similar items where they cost least, as the plain greedy does (random inputs)", () => {
    let swapped = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const lines = shapes(seed);
      const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "binary");
      const k = 1 + (seed % 5);
      const similar = measureTopK(countPairs(a), ["llr", "cosine", "jaccard"][seed % 3] as "llr", { k });
      const c = denseC(denseA(lines, true)).to2DArray();
      const n = Array.from(productSupport(a));
      const orders = Math.max(1, lines.orders);
      const prior = [0, 1, 10, 1000, Number.POSITIVE_INFINITY][seed % 5]!;
      const keep = seed % 3;
      const share = [0.3, 0.6, 0.9, 1][seed % 4]!;
      const categoryOf =
        seed % 2 === 0
          ? Array.from({ length: lines.products }, (_, p) => ((p * 5 + seed) % 4) - 1)
          : undefined;
      const options = {
        prior,
        keepSimilar: keep,
        popularity: Float64Array.from(n),
        orders,
        trainOrders: a,
        ...(categoryOf ? { categoryOf: Int32Array.from(categoryOf) } : {}),
      };
      const plain = blendByEvidence(similar, options);
      const got = blendByEvidence(similar, { ...options, minCoverage: share });
      const slots = denseSlots(similar, c, n, orders, prior, keep, true, categoryOf);
      const expected = denseCover(slots, similar, c, n, orders, prior, share);
      const listed = new Set<number>();
      for (let p = 0; p < lines.products; p++) {
        const list = Array.from({ length: got.length[p]! }, (_, i) => ({
          id: got.ids[p * k + i]!,
          reason: got.reasons[p * k + i]!,
        }));
        expect(list, `product ${p}, seed ${seed}`).toEqual(
          expected[p]!.map(({ id, reason }) => ({ id, reason })),
        );
        for (const { id } of list) listed.add(id);
        for (let i = 0; i < got.length[p]!; i++) {
          if (got.ids[p * k + i] !== plain.ids[p * k + i]) swapped++;
          // A swapped-in similar item carries its score and pair support like a kept one.
          if (got.reasons[p * k + i] === 0) expect(got.support[p * k + i]).toBe(c[p]![got.ids[p * k + i]!]);
        }
      }
      // Coverage never drops below the plain blend's; short of the share, no swap is left: every
      // product with an uncovered similar item has a full list of kept or singly listed items.
      const catalog = n.filter((v) => v > 0).length;
      const listsOf = (t: TopKResult) =>
        Array.from({ length: lines.products }, (_, p) => [...t.ids.subarray(p * k, p * k + t.length[p]!)]);
      expect(listed.size).toBeGreaterThanOrEqual(new Set(listsOf(plain).flat()).size);
      if (listed.size < Math.ceil(share * catalog)) {
        const count = new Map<number, number>();
        for (const q of listsOf(got).flat()) count.set(q, (count.get(q) ?? 0) + 1);
        const kept = denseSlots(similar, c, n, orders, prior, keep, true, categoryOf).kept;
        listsOf(similar).forEach((sim, p) => {
          if (!(n[p]! > 0) || sim.every((q) => listed.has(q))) return;
          const mine = listsOf(got)[p]!;
          expect(mine.length, `seed ${seed}, product ${p}`).toBe(k);
          expect(mine.slice(kept[p]!).every((q) => count.get(q) === 1)).toBe(true);
        });
      }
    }
    expect(swapped).toBeGreaterThan(30);
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

  it("refuses a negative prior, a fractional keepSimilar, zero orders and a coverage outside 0…1", () => {
    const lines = randomLines(5);
    const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products, "binary");
    const similar = measureTopK(countPairs(a), "llr", { k: 2 });
    const popularity = Float64Array.from(productSupport(a));
    for (const bad of [
      { prior: -1, orders: 5 },
      { prior: 1, orders: 5, keepSimilar: 1.5 },
      { prior: 1, orders: 0 },
      { prior: 1, orders: 5, minCoverage: 1.5 },
      { prior: 1, orders: 5, minCoverage: -0.1 },
    ]) {
      expect(() => blendByEvidence(similar, { ...bad, popularity })).toThrow(
        expect.objectContaining({ code: "COBUY_MATH_BAD_OPTION" }),
      );
    }
  });
});
