import { describe, expect, it } from "vitest";
import { cosineTopKWasm } from "../src/cosine/cosine-wasm.js";
import { resolveCosine } from "../src/cosine/options.js";
import { prestartedWorkers } from "../src/cosine/pool.js";
import {
  buildIncidence,
  cooccurrence,
  cosineTopK,
  cosineTopKSync,
  prestartCosineWorkers,
  productSupport,
  type TopKOptions,
  type TopKResult,
} from "../src/index.js";
import { rng } from "./dense-oracle.js";

/** Clustered baskets: enough work for several chunks per thread, many ties and zero rows. */
function market(seed: number, orders: number, products: number) {
  const r = rng(seed);
  const lo: number[] = [];
  const lp: number[] = [];
  const clusters = Math.max(1, Math.floor(products / 20));
  for (let o = 0; o < orders; o++) {
    const size = 1 + Math.floor(-Math.log(1 - r()) * 3);
    const cl = Math.floor(r() * clusters);
    for (let i = 0; i < size; i++) {
      lo.push(o);
      const p = r() < 0.7 ? cl * 20 + Math.floor(r() ** 2 * 20) : Math.floor(r() ** 3 * products);
      lp.push(Math.min(products - 1, p));
    }
  }
  // Last product never sold: an all-zero row.
  return buildIncidence(
    Uint32Array.from(lo),
    Uint32Array.from(lp),
    orders,
    products + 1,
    seed % 2 ? "count" : "binary",
  );
}

function expectIdentical(a: TopKResult, b: TopKResult): void {
  expect(a.products).toBe(b.products);
  expect(a.k).toBe(b.k);
  expect(Array.from(a.length)).toEqual(Array.from(b.length));
  for (let p = 0; p < a.products; p++) {
    const from = p * a.k;
    const to = from + a.length[p]!;
    expect(Array.from(a.ids.subarray(from, to)), `ids of product ${p}`).toEqual(
      Array.from(b.ids.subarray(from, to)),
    );
    expect(Array.from(a.support.subarray(from, to))).toEqual(Array.from(b.support.subarray(from, to)));
    for (let i = from; i < to; i++) expect(Math.abs(a.scores[i]! - b.scores[i]!)).toBeLessThanOrEqual(1e-12);
  }
  expect(a.multiplyAdds).toBe(b.multiplyAdds);
}

describe("wasm kernel and worker threads agree with the TypeScript reference", () => {
  const cases: Array<[string, number, number, number, TopKOptions]> = [
    ["small, k 5", 1, 300, 60, { k: 5 }],
    ["binary, k 1", 2, 500, 90, { k: 1 }],
    ["k > P", 3, 200, 15, { k: 40 }],
    ["minSupport 3, minScore 0.2", 5, 2000, 200, { k: 10, minSupport: 3, minScore: 0.2 }],
    ["larger, k 20", 7, 4000, 700, { k: 20 }],
    ["minPairSupport 2, k 5", 11, 4000, 300, { k: 5, minPairSupport: 2 }],
    ["minPairSupport 3, minScore 0.1, k 8", 12, 6000, 400, { k: 8, minPairSupport: 3, minScore: 0.1 }],
  ];
  it.each(cases)("%s", async (_name, seed, orders, products, options) => {
    const a = market(seed, orders, products);
    const c = cooccurrence(a);
    const support = productSupport(a);
    const ref = cosineTopKSync(c, support, { ...options, kernel: "js" });
    expect(ref.multiplyAdds).toBeGreaterThan(0);
    for (const scan of ["auto", "full", "touched"] as const) {
      expectIdentical(await cosineTopK(c, support, { ...options, kernel: "wasm", threads: 1, scan }), ref);
    }
    expectIdentical(await cosineTopK(c, support, { ...options, kernel: "wasm", threads: 2 }), ref);
    expectIdentical(await cosineTopK(c, support, { ...options, kernel: "js" }), ref);
  });

  it("prestarted workers run the next job (scatter and dense) with the same lists, and are used up by it", async () => {
    const a = market(13, 3000, 400);
    const c = cooccurrence(a);
    const support = productSupport(a);
    const ref = cosineTopKSync(c, support, { k: 7, kernel: "js" });
    for (const plan of ["scatter", "dense"] as const) {
      prestartCosineWorkers(3);
      expect(prestartedWorkers()).toBe(3);
      const top = await cosineTopK(c, support, { k: 7, threads: 2, plan, incidence: a });
      // Two of the three went to the job; the third still waits.
      expect(prestartedWorkers()).toBe(1);
      expect(top.plan?.threadSeconds).toHaveLength(2);
      expectIdentical({ ...top, multiplyAdds: ref.multiplyAdds }, ref);
      // A third thread takes the waiting one and starts nothing new beyond it.
      expectIdentical(await cosineTopK(c, support, { k: 7, threads: 3, plan: "scatter" }), ref);
      expect(prestartedWorkers()).toBe(0);
    }
    expect(() => prestartCosineWorkers(0)).toThrow(/threads must be an integer/);
  });

  it("the Float64 copy of C (used when counts exceed 2^24) gives the same lists as the Float32 one", async () => {
    const a = market(9, 3000, 400);
    const c = cooccurrence(a);
    const support = productSupport(a);
    const ref = cosineTopKSync(c, support, { k: 7 });
    for (const valueBytes of [4, 8] as const) {
      for (const threads of [1, 2]) {
        const r = { ...resolveCosine(c, support, { k: 7 }), valueBytes };
        expectIdentical(await cosineTopKWasm(c, r, threads, undefined), ref);
      }
    }
  });

  it("integer counts stored as Uint16 (the default where they fit) or as Int32 give the same lists", async () => {
    for (const seed of [21, 22]) {
      const a = market(seed, 3000, 400);
      const c0 = cooccurrence(a);
      // One count above 65535 sends the whole copy to Int32; the lists must not change either way.
      const big = { ...c0, values: c0.values.map((v, i) => (i === 0 ? v * 70000 : v)) };
      for (const c of [c0, big]) {
        const support = productSupport(a);
        const ref = cosineTopKSync(c, support, { k: 6 });
        for (const uint16Values of [true, false]) {
          for (const threads of [1, 2]) {
            const r = { ...resolveCosine(c, support, { k: 6 }), uint16Values };
            expectIdentical(await cosineTopKWasm(c, r, threads, undefined), ref);
          }
        }
      }
    }
  });

  it("non-integer values (a caller's own C) go through the Float64 copy", async () => {
    const a = market(10, 800, 100);
    const c0 = cooccurrence(a);
    const c = { ...c0, values: c0.values.map((v) => v * 0.37 + 1e-3) };
    const support = productSupport(a);
    expectIdentical(await cosineTopK(c, support, { k: 5, threads: 1 }), cosineTopKSync(c, support, { k: 5 }));
  });

  it("exact ties at the k-th place go to the smallest ids on every path", async () => {
    // Hub 0 bought once with each of 1..30: rows 1..30 of C are identical, every pair scores 1.
    const lo: number[] = [];
    const lp: number[] = [];
    for (let i = 1; i <= 30; i++) {
      lo.push(i, i);
      lp.push(0, i);
    }
    const a = buildIncidence(Uint32Array.from(lo), Uint32Array.from(lp), 31, 31);
    const c = cooccurrence(a);
    const support = productSupport(a);
    for (const options of [{ kernel: "js" as const }, { threads: 1 }, { threads: 2 }]) {
      const top = await cosineTopK(c, support, { ...options, k: 3 });
      expect(Array.from(top.ids.subarray(3 * 30, 3 * 31))).toEqual([1, 2, 3]);
      expect(Array.from(top.ids.subarray(3 * 2, 3 * 3))).toEqual([1, 3, 4]);
      expect(Array.from(top.ids.subarray(3, 6))).toEqual([2, 3, 4]);
      expect(top.scores[3 * 30]).toBe(1);
    }
  });

  it("three threads on a tiny input (more threads than chunks) still agree", async () => {
    const a = market(11, 50, 12);
    const c = cooccurrence(a);
    const support = productSupport(a);
    const ref = cosineTopKSync(c, support, { k: 3 });
    expectIdentical(await cosineTopK(c, support, { k: 3, threads: 3 }), ref);
  });

  it("empty input and a single product work on every path", async () => {
    for (const [lo, lp, orders, products] of [
      [[], [], 0, 0],
      [[0, 1], [0, 0], 2, 1],
    ] as const) {
      const a = buildIncidence(Uint32Array.from(lo), Uint32Array.from(lp), orders, products);
      const c = cooccurrence(a);
      const s = productSupport(a);
      for (const threads of [1, 2]) {
        const top = await cosineTopK(c, s, { k: 4, threads });
        expect(Array.from(top.length)).toEqual(new Array(products).fill(0));
      }
    }
  });

  it("reports progress up to the total", async () => {
    const a = market(4, 1500, 300);
    const c = cooccurrence(a);
    for (const options of [{ threads: 1 }, { threads: 2 }, { kernel: "js" as const }]) {
      const seen: number[] = [];
      await cosineTopK(c, productSupport(a), {
        ...options,
        onProgress: (done, total) => seen.push(done / total),
      });
      expect(seen.at(-1)).toBe(1);
    }
  });

  it("rejects bad kernel, scan and threads options", async () => {
    const a = market(1, 10, 5);
    const c = cooccurrence(a);
    const s = productSupport(a);
    await expect(cosineTopK(c, s, { threads: 0 })).rejects.toMatchObject({ code: "COBUY_MATH_BAD_OPTION" });
    // @ts-expect-error: testing a bad value from untyped callers
    await expect(cosineTopK(c, s, { kernel: "gpu" })).rejects.toThrow(/kernel must be "wasm" or "js"/);
    // @ts-expect-error: testing a bad value from untyped callers
    await expect(cosineTopK(c, s, { scan: "some" })).rejects.toThrow(/scan must be/);
  });
});
