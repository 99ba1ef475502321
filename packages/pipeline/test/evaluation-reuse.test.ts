import * as coreMath from "@cobuy/core-math";
import { seededUniform as rng } from "@cobuy/test-utils/random";
import { describe, expect, it, vi } from "vitest";
import { classicKernel, type EvaluationData, evaluate } from "../src/evaluation/index.js";
import { CandidateLists } from "../src/selection/candidates.js";
import { ordersMatrix } from "./helpers.js";

// The real core-math, watched: every call goes through to it unchanged, so the counts below are
// what `evaluate` really computes.
const watched = vi.hoisted(() => ({
  countPairs: [] as coreMath.PairCounts[],
  cooccurrence: 0,
  classic: [] as coreMath.ClassicLists[],
}));
vi.mock("@cobuy/core-math", async (importOriginal) => {
  const real = await importOriginal<typeof coreMath>();
  class WatchedClassicLists extends real.ClassicLists {
    constructor(...args: ConstructorParameters<typeof real.ClassicLists>) {
      super(...args);
      watched.classic.push(this);
    }
  }
  return {
    ...real,
    ClassicLists: WatchedClassicLists,
    countPairs: (...args: Parameters<typeof real.countPairs>) => {
      const counts = real.countPairs(...args);
      watched.countPairs.push(counts);
      return counts;
    },
    cooccurrence: (...args: Parameters<typeof real.cooccurrence>) => {
      watched.cooccurrence++;
      return real.cooccurrence(...args);
    },
  };
});

/** Baskets of 2-6 products out of 60, a few best sellers: every measure has lists. */
function shop(orders: number, seed: number, repeatLines = false): EvaluationData {
  const r = rng(seed);
  const P = 60;
  const baskets: number[][] = [];
  for (let o = 0; o < orders; o++) {
    const c = Math.floor(r() * 6);
    baskets.push(
      Array.from({ length: 2 + Math.floor(r() * 5) }, () => (r() < 0.8 ? c * 10 : 0) + Math.floor(r() * 10)),
    );
  }
  const a = ordersMatrix(baskets, P);
  // A repeated line (count 2) makes C differ from the binary pair counts.
  if (repeatLines) a.values[0] = 2;
  return {
    productIds: Array.from({ length: P }, (_, p) => `P${p}`),
    categories: Array.from({ length: P }, (_, p) => `cat${Math.floor(p / 10)}`),
    orderIds: baskets.map((_, o) => `o${o}`),
    a,
  };
}

function reset(): void {
  watched.countPairs.length = 0;
  watched.cooccurrence = 0;
  watched.classic.length = 0;
}

describe("evaluate --similarity auto reuses work across candidates", () => {
  it("one countPairs and one C per split, the pairs taken from C; one classic run per support", async () => {
    reset();
    const data = shop(1200, 3);
    const ev = await evaluate(data, {
      split: { method: "holdout", fraction: 0.2, seed: 1 },
      k: 5,
      similarity: "auto",
      autoMinPairSupports: [1, 2, 3],
      classic: classicKernel({ threads: 1 }),
    });
    expect(ev.similarity.selection?.candidates).toHaveLength(coreMath.SIMILARITIES.length * 3);
    // Two splits: the validation split's training orders, then the evaluation's.
    expect(watched.countPairs).toHaveLength(2);
    expect(watched.cooccurrence).toBe(2);
    for (const counts of watched.countPairs) expect(counts.pairsReused).toBe(true);
    expect(watched.classic).toHaveLength(2);
    const [validation, main] = watched.classic;
    expect(validation!.kernelRuns).toBeGreaterThanOrEqual(1);
    expect(validation!.kernelRuns).toBeLessThanOrEqual(3); // supports 1, 2, 3 at k = 5
    expect(main!.kernelRuns).toBe(1); // every measure at the chosen support
    expect(validation!.c).toBe(watched.countPairs[0]!.pairs);
    expect(main!.c).toBe(watched.countPairs[1]!.pairs);
  });

  it("with repeated lines C is not the pair counts: they are counted, still once per training set", async () => {
    reset();
    const data = shop(600, 4, true);
    const lists = new CandidateLists(data.a, { k: 4, minScore: 0, classic: classicKernel({ threads: 1 }) });
    for (const similarity of coreMath.SIMILARITIES)
      for (const s of [1, 2, 3]) await lists.lists(similarity, s);
    expect(lists.countPasses).toBe(1);
    expect(lists.pairsReused).toBe(false);
    expect(watched.countPairs).toHaveLength(1);
    expect(watched.cooccurrence).toBe(1);
    // The counted pairs are the binary ones: C's count 2 × 1 shows up as 1.
    const { pairs } = watched.countPairs[0]!;
    const c = watched.classic[0]!.c;
    const p = data.a.colIdx[0]!;
    const q = data.a.colIdx[1]!;
    const at = (m: coreMath.CsrMatrix) => {
      for (let i = Number(m.rowPtr[p]); i < Number(m.rowPtr[p + 1]); i++)
        if (m.colIdx[i] === q) return m.values[i];
      return 0;
    };
    expect(at(c)).toBe(at(pairs)! + 1);
  });
});
