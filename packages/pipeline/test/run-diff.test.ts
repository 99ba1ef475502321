import { RUN_DIFF_FORMAT } from "@cobuy/contracts";
import { SeededRandom } from "@cobuy/core-math";
import { describe, expect, it } from "vitest";
import {
  checkGuard,
  DEFAULT_GUARD_LIMITS,
  type DiffItem,
  diffRuns,
  overlapAtK,
  type RunLists,
  rankBiasedOverlap,
  runListsFromRich,
} from "../src/diff/index.js";

/** A list of `n` distinct ids drawn from `universe` ids: small universes make overlaps likely. */
function randomList(rng: SeededRandom, n: number, universe: number): string[] {
  const ids = new Set<string>();
  while (ids.size < Math.min(n, universe)) ids.add(`I${rng.int(universe)}`);
  return [...ids];
}

/** Straight from the definition: the sets at every depth, nothing incremental. */
function referenceRbo(a: string[], b: string[], k: number, p: number): number {
  const A = a.slice(0, k);
  const B = b.slice(0, k);
  const n = Math.max(A.length, B.length);
  if (n === 0) return 1;
  const X = (d: number) => A.slice(0, d).filter((x) => B.slice(0, d).includes(x)).length;
  let sum = 0;
  for (let d = 1; d <= n; d++) sum += (X(d) / d) * p ** d;
  return (X(n) / n) * p ** n + ((1 - p) / p) * sum;
}

function referenceOverlap(a: string[], b: string[], k: number): number {
  const A = a.slice(0, k);
  const B = b.slice(0, k);
  const n = Math.max(A.length, B.length);
  return n === 0 ? 1 : A.filter((x) => B.includes(x)).length / n;
}

/** Shapes: [length a, length b, universe, k]. */
const SHAPES: [string, number, number, number, number][] = [
  ["narrow", 3, 3, 5, 3],
  ["wide", 60, 60, 80, 50],
  ["one huge list", 400, 5, 500, 400],
  ["ties: same ids", 10, 10, 10, 10],
  ["empty rows", 0, 4, 6, 5],
  ["both empty", 0, 0, 3, 5],
  ["k below the lengths", 20, 20, 25, 4],
];

describe("overlapAtK and rankBiasedOverlap", () => {
  for (const [shape, na, nb, universe, k] of SHAPES) {
    it(`match the definitions on seeded random lists (${shape})`, () => {
      const rng = new SeededRandom(na * 1000 + nb + k);
      for (let trial = 0; trial < 40; trial++) {
        const a = randomList(rng, na, universe);
        const b = randomList(rng, nb, universe);
        for (const p of [0.5, 0.9, 0.98]) {
          expect(rankBiasedOverlap(a, b, k, p)).toBeCloseTo(referenceRbo(a, b, k, p), 12);
        }
        expect(overlapAtK(a, b, k)).toBeCloseTo(referenceOverlap(a, b, k), 12);
      }
    });
  }

  it("give 1 for equal lists, 0 for disjoint ones and weigh the top most", () => {
    const a = ["a", "b", "c", "d", "e"];
    expect(rankBiasedOverlap(a, [...a], 5, 0.9)).toBeCloseTo(1, 12);
    expect(rankBiasedOverlap(a, ["v", "w", "x", "y", "z"], 5, 0.9)).toBe(0);
    expect(overlapAtK(a, [...a].reverse(), 5)).toBe(1);
    // Same members, swapped at the top vs swapped at the bottom.
    const topSwap = rankBiasedOverlap(a, ["b", "a", "c", "d", "e"], 5, 0.9);
    const bottomSwap = rankBiasedOverlap(a, ["a", "b", "c", "e", "d"], 5, 0.9);
    expect(topSwap).toBeLessThan(bottomSwap);
    expect(rankBiasedOverlap(["a", "b"], ["b", "a"], 5, 0.9)).toBeCloseTo(0.9, 12);
  });
});

function randomRun(rng: SeededRandom, runId: string, products: number, k: number): RunLists {
  const lists: Record<string, DiffItem[]> = {};
  for (let p = 0; p < products; p++) {
    if (rng.next() < 0.3) continue; // products present in only some runs
    const n = rng.next() < 0.1 ? 0 : 1 + rng.int(k);
    lists[`P${p}`] = randomList(rng, n, k + 3).map((id, i) => ({ id, score: 1 - i / 10 + rng.next() / 100 }));
  }
  return { runId, lists, orders: 100 + rng.int(100), metrics: { "classic.share": rng.next() } };
}

describe("diffRuns", () => {
  it("matches a brute-force recount on seeded random runs", () => {
    const rng = new SeededRandom(7);
    for (let trial = 0; trial < 25; trial++) {
      const k = 1 + rng.int(8);
      const before = randomRun(rng, "2026-01-01_00-00-00", 60, k);
      const after = randomRun(rng, "2026-01-02_00-00-00", 60, k);
      const d = diffRuns(before, after, { k, rboP: 0.8 });
      const bIds = Object.keys(before.lists);
      const aIds = Object.keys(after.lists);
      const common = bIds.filter((id) => aIds.includes(id));
      expect(d.format).toBe(RUN_DIFF_FORMAT);
      expect(d.products.common).toBe(common.length);
      expect(d.products.added).toBe(aIds.filter((id) => !bIds.includes(id)).length);
      expect(d.products.dropped).toBe(bIds.filter((id) => !aIds.includes(id)).length);
      expect(d.products.ratio).toBeCloseTo(aIds.length / bIds.length, 12);
      expect(d.ordersRatio).toBeCloseTo((after.orders as number) / (before.orders as number), 12);
      const ids = (l: readonly DiffItem[]) => l.map((x) => x.id);
      const overlaps = common.map((p) => referenceOverlap(ids(before.lists[p]!), ids(after.lists[p]!), k));
      const rbos = common.map((p) => referenceRbo(ids(before.lists[p]!), ids(after.lists[p]!), k, 0.8));
      expect(d.overlap.mean).toBeCloseTo(overlaps.reduce((s, v) => s + v, 0) / overlaps.length, 12);
      const sortedRbo = [...rbos].sort((x, y) => x - y);
      expect(d.rbo.min).toBeCloseTo(sortedRbo[0]!, 12);
      expect(d.rbo.max).toBeCloseTo(sortedRbo.at(-1)!, 12);
      expect(d.rbo.p50).toBeCloseTo(sortedRbo[Math.ceil(0.5 * sortedRbo.length) - 1]!, 12);
      const withTop = common.filter((p) => before.lists[p]!.length + after.lists[p]!.length > 0);
      const churned = withTop.filter((p) => before.lists[p]![0]?.id !== after.lists[p]![0]?.id);
      expect(d.top1Churn).toBeCloseTo(churned.length / withTop.length, 12);
      const drifts = common.flatMap((p) => {
        const shared = after.lists[p]!.filter((y) => before.lists[p]!.some((x) => x.id === y.id));
        if (shared.length === 0) return [];
        const diffs = shared.map((y) =>
          Math.abs(y.score - before.lists[p]!.find((x) => x.id === y.id)!.score),
        );
        return [diffs.reduce((s, v) => s + v, 0) / diffs.length];
      });
      expect(d.scoreDrift.mean).toBeCloseTo(drifts.reduce((s, v) => s + v, 0) / drifts.length, 12);
      // Most changed: lowest RBO first, none unchanged.
      for (let i = 1; i < d.mostChanged.length; i++)
        expect(d.mostChanged[i]!.rbo).toBeGreaterThanOrEqual(d.mostChanged[i - 1]!.rbo);
      expect(d.mostChanged[0]?.rbo).toBeCloseTo(sortedRbo[0]!, 12);
      expect(d.metrics["classic.share"]?.delta).toBeCloseTo(
        after.metrics!["classic.share"]! - before.metrics!["classic.share"]!,
        12,
      );
    }
  });

  it("reports nothing changed for a run against itself, and full churn for runs sharing no product", () => {
    const rng = new SeededRandom(3);
    const run = randomRun(rng, "2026-01-01_00-00-00", 40, 5);
    const same = diffRuns(run, run);
    expect(same.top1Churn).toBe(0);
    expect(same.overlap.min).toBe(1);
    expect(same.rbo.min).toBeCloseTo(1, 12);
    expect(same.mostChanged).toEqual([]);
    expect(checkGuard(same).passed).toBe(true);
    const renamed: RunLists = {
      runId: "2026-01-02_00-00-00",
      lists: Object.fromEntries(Object.entries(run.lists).map(([p, l]) => [`X${p}`, l])),
    };
    const d = diffRuns(run, renamed);
    expect(d.products.common).toBe(0);
    expect(d.top1Churn).toBe(1);
    expect(d.products.addedExamples.length).toBeLessThanOrEqual(20);
  });

  it("reads a recs.rich.json document with its validation and evaluation figures", () => {
    const lists = runListsFromRich(
      {
        runId: "2026-01-01_00-00-00",
        counts: { orders: 10, rows: 30, products: 2 },
        recs: { P1: [{ id: "P2", score: 0.5 }], P2: [] },
      },
      { validation: { overall: { share: 0.25 } }, evaluation: { metrics: { "hitRate@5": 0.1, cases: 9 } } },
    );
    expect(lists.orders).toBe(10);
    expect(lists.metrics).toEqual({
      "classic.share": 0.25,
      "evaluation.hitRate@5": 0.1,
      "evaluation.cases": 9,
    });
    expect(() => runListsFromRich({ runId: "x", counts: {} } as never)).toThrow(/no recs object/);
  });
});

describe("checkGuard", () => {
  const list = (ids: string[]) => ids.map((id, i) => ({ id, score: 1 - i / 10 }));
  const before: RunLists = {
    runId: "2026-01-01_00-00-00",
    orders: 100,
    lists: Object.fromEntries(
      Array.from({ length: 10 }, (_, p) => [`P${p}`, list([`A${p}`, `B${p}`, `C${p}`])]),
    ),
  };

  it("names each failed check, the measured value and the flag, worst first", () => {
    const after: RunLists = {
      runId: "2026-01-02_00-00-00",
      orders: 40,
      lists: Object.fromEntries(
        Array.from({ length: 5 }, (_, p) => [`P${p}`, list([`B${p}`, `Z${p}`, `A${p}`])]),
      ),
    };
    const v = checkGuard(diffRuns(before, after));
    expect(v.passed).toBe(false);
    // Lists keep 2 of 3 items: overlap 0.667 is above the default 0.65.
    expect(v.failures.map((f) => f.check).sort()).toEqual([
      "max-churn",
      "min-orders-ratio",
      "min-products-ratio",
    ]);
    const churn = v.failures.find((f) => f.check === "max-churn")!;
    expect(churn.value).toBe(1);
    expect(churn.message).toBe(`top-1 churn 1 is above --max-churn ${DEFAULT_GUARD_LIMITS.maxChurn}`);
    // Worst first, by how far past its limit relative to the limit: churn 1 vs 0.45 beats orders
    // 0.4 and products 0.5 vs limits of at most 0.85.
    expect(v.failures[0]!.check).toBe("max-churn");
    const excess = (f: (typeof v.failures)[number]) =>
      f.check === "max-churn" ? (f.value - f.limit) / f.limit : (f.limit - f.value) / f.limit;
    expect(v.failures.map(excess)).toEqual(v.failures.map(excess).sort((a, b) => b - a));
    const loose = checkGuard(diffRuns(before, after), {
      maxChurn: 1,
      minOverlap: 0,
      minProductsRatio: 0.5,
      minOrdersRatio: 0.4,
    });
    expect(loose.passed).toBe(true);
  });

  it("catches lists that moved without a new top-1 through mean overlap", () => {
    const after: RunLists = {
      runId: "2026-01-02_00-00-00",
      orders: 100,
      lists: Object.fromEntries(
        Array.from({ length: 10 }, (_, p) => [`P${p}`, list([`A${p}`, `X${p}`, `Y${p}`])]),
      ),
    };
    const v = checkGuard(diffRuns(before, after));
    expect(v.failures.map((f) => f.check)).toEqual(["min-overlap"]);
    expect(v.failures[0]!.value).toBeCloseTo(1 / 3, 12);
    expect(() =>
      checkGuard(diffRuns(before, after), { ...DEFAULT_GUARD_LIMITS, maxChurn: Number.NaN }),
    ).toThrow(/maxChurn/);
  });
});
