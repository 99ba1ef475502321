import { describe, expect, it } from "vitest";
import {
  buildIncidence,
  type CosineStrategy,
  type CsrMatrix,
  cooccurrence,
  cosineTopK,
  cosineTopKFromOrders,
  cosineTopKSync,
  countPairs,
  MEASURES,
  measureTopK,
  productSupport,
  type TopKWork,
} from "../src/index.js";
import { evenSteps, WorkMeter } from "../src/progress/estimated-work.js";
import { rng } from "./dense-oracle.js";

// onProgress reports the planner's estimated work: monotone, ending at the plan's estimate, on every plan.

type Shape = "narrow" | "wide" | "one huge order";

/** Seeded baskets of one shape, large enough for many progress steps and several tiles. */
function basket(shape: Shape, seed: number): CsrMatrix {
  const r = rng(seed);
  const lo: number[] = [];
  const lp: number[] = [];
  let orders: number;
  let products: number;
  if (shape === "narrow") {
    // Many small orders over a long, skewed catalogue.
    orders = 2500;
    products = 1200;
    for (let o = 0; o < orders; o++) {
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) {
        lo.push(o);
        lp.push(Math.floor(products * r() ** 2));
      }
    }
  } else if (shape === "wide") {
    // Few orders holding a large share of the catalogue: C is nearly full.
    orders = 40;
    products = 500;
    for (let o = 0; o < orders; o++) {
      for (let i = 0; i < 100 + Math.floor(r() * 200); i++) {
        lo.push(o);
        lp.push(Math.floor(products * r() ** 1.5));
      }
    }
  } else {
    // One order holds every product, the rest are pairs: the rows differ in cost by far.
    orders = 800;
    products = 900;
    for (let p = 0; p < products; p++) {
      lo.push(0);
      lp.push(p);
    }
    for (let o = 1; o < orders; o++) {
      for (let i = 0; i < 2; i++) {
        lo.push(o);
        lp.push(Math.floor(products * r() ** 3));
      }
    }
  }
  return buildIncidence(Uint32Array.from(lo), Uint32Array.from(lp), orders, products, "count");
}

interface Seen {
  units: Array<[number, number]>;
  work: TopKWork[];
}

function recorder(): Seen & { onProgress: (done: number, total: number, work: TopKWork) => void } {
  const seen: Seen = { units: [], work: [] };
  return {
    ...seen,
    onProgress: (done, total, work) => {
      seen.units.push([done, total]);
      seen.work.push(work);
    },
  };
}

/** Monotone work in one unit, one total, ending at `estimate`; units within their total, ending there. */
function expectHonestProgress(seen: Seen, estimate: number, what: string): void {
  expect(seen.work.length, what).toBeGreaterThan(0);
  const total = seen.work[0]!.total;
  expect(total, what).toBe(estimate);
  let last = 0;
  for (const w of seen.work) {
    expect(w.unit, what).toBe("multiply-adds");
    expect(w.total, what).toBe(total);
    expect(w.done, what).toBeGreaterThanOrEqual(last);
    expect(w.done, what).toBeLessThanOrEqual(total);
    last = w.done;
  }
  expect(last, what).toBe(total);
  let lastUnits = 0;
  for (const [done, unitsTotal] of seen.units) {
    expect(done, what).toBeGreaterThanOrEqual(lastUnits);
    expect(done, what).toBeLessThanOrEqual(unitsTotal);
    lastUnits = done;
  }
  const [end, unitsTotal] = seen.units.at(-1)!;
  expect(end, what).toBe(unitsTotal);
}

const SHAPES: Shape[] = ["narrow", "wide", "one huge order"];
const STRATEGIES: CosineStrategy[] = ["scatter", "order-side", "dense"];

describe("top-k progress by estimated work", () => {
  for (const shape of SHAPES) {
    it(`every plan on ${shape} baskets ends at the plan's estimate, never going back`, async () => {
      const a = basket(shape, 11 + shape.length);
      const c = cooccurrence(a);
      const support = productSupport(a);
      for (const plan of STRATEGIES) {
        for (const threads of [1, 2]) {
          const seen = recorder();
          const top = await cosineTopK(c, support, {
            k: 5,
            minSupport: 2,
            incidence: a,
            plan,
            threads,
            onProgress: seen.onProgress,
          });
          expect(top.plan!.strategy).toBe(plan);
          expect(top.plan!.estimatedMultiplyAdds).toBeGreaterThan(0);
          expectHonestProgress(
            seen,
            top.plan!.estimatedMultiplyAdds,
            `${shape}, ${plan}, ${threads} threads`,
          );
        }
      }
      // Straight from the orders (C built only when the plan reads it), and the TypeScript kernel.
      const fromOrders = recorder();
      const auto = await cosineTopKFromOrders(a, { k: 5, threads: 1, onProgress: fromOrders.onProgress });
      expectHonestProgress(fromOrders, auto.plan!.estimatedMultiplyAdds, `${shape}, from orders`);
      const js = recorder();
      const sync = cosineTopKSync(c, support, { k: 5, onProgress: js.onProgress });
      expectHonestProgress(js, sync.plan!.estimatedMultiplyAdds, `${shape}, kernel js`);
    });

    it(`the first-order measures on ${shape} baskets end at their pair scores`, () => {
      const counts = countPairs(basket(shape, 5 + shape.length));
      for (const measure of MEASURES) {
        // Without filters every pair is scored: the estimate is the work done.
        const plain = recorder();
        const all = measureTopK(counts, measure, { k: 5, onProgress: plain.onProgress });
        expectHonestProgress(plain, all.multiplyAdds, `${shape}, ${measure}`);
        // Pair filters skip scores the estimate counted: an upper bound, still ending at the total.
        const filtered = recorder();
        const some = measureTopK(counts, measure, {
          k: 5,
          minSupport: 3,
          minPairSupport: 2,
          onProgress: filtered.onProgress,
        });
        const total = filtered.work[0]!.total;
        expect(total).toBeGreaterThanOrEqual(some.multiplyAdds);
        expect(total).toBeLessThanOrEqual(all.multiplyAdds);
        expectHonestProgress(filtered, total, `${shape}, ${measure}, filtered`);
      }
    });
  }

  it("one costly row moves the reported work more than many cheap ones", async () => {
    const a = basket("one huge order", 3);
    const c = cooccurrence(a);
    const seen = recorder();
    await cosineTopK(c, productSupport(a), {
      k: 5,
      plan: "scatter",
      threads: 1,
      onProgress: seen.onProgress,
    });
    // Half of the products done is not half of the work: the early rows hold the huge order's pairs.
    const half = seen.units.findIndex(([done, total]) => done >= total / 2);
    expect(seen.work[half]!.done / seen.work[half]!.total).toBeGreaterThan(0.6);
    // And the steps follow the work: the costly first rows come a few at a time, the cheap last ones
    // by the most a step takes (1% of the rows).
    const rows = seen.units.map(([done], i) => done - (i > 0 ? seen.units[i - 1]![0] : 0));
    expect(rows[0]).toBeLessThan(rows.at(-2)!);
    expect(rows.at(-2)).toBe(Math.ceil(a.cols / 100));
  });
});

describe("WorkMeter", () => {
  it("shares the total by the units' costs and ends at it exactly", () => {
    const m = new WorkMeter([1, 0, 3, 6], 20);
    expect([0, 1, 2, 3, 4].map((u) => m.at(u))).toEqual([0, 2, 2, 8, 20]);
    expect(m.work(3)).toEqual({ done: 8, total: 20, unit: "multiply-adds" });
  });

  it("spreads the work evenly when no unit has a cost, and uses the costs when the total is unknown", () => {
    expect(new WorkMeter([0, 0, 0, 0], 8).at(1)).toBe(2);
    expect(new WorkMeter([2, 2], Number.NaN).total).toBe(4);
  });

  it("steps hold about 1/parts of the work or of the units, whichever ends first", () => {
    const m = new WorkMeter([50, ...new Array<number>(99).fill(0.5)], 100);
    const steps = m.steps(10);
    expect(steps[0]).toBe(0);
    expect(steps[1]).toBe(1); // the costly first unit stands alone
    expect(steps.at(-1)).toBe(100);
    for (let i = 1; i < steps.length; i++) expect(steps[i]! - steps[i - 1]!).toBeLessThanOrEqual(10);
    expect(evenSteps(250, 100)).toEqual([...Array.from({ length: 84 }, (_, i) => 3 * i), 250]);
    expect(evenSteps(0, 100)).toEqual([0]);
  });
});
