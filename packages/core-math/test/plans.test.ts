import { describe, expect, it } from "vitest";
import { cosineTopKWasm, hotColumns, narrowRowFlags, splitByInt16 } from "../src/cosine/cosine-wasm.js";
import { type ResolvedCosine, resolveCosine } from "../src/cosine/options.js";
import {
  buildIncidence,
  type CosineStrategy,
  cooccurrence,
  cosineTopK,
  cosineTopKFromOrders,
  planFromOrders,
  productSupport,
  transpose,
} from "../src/index.js";
import { checkIncidenceOnce, transposeOnce } from "../src/plan/orders-once.js";
import type { CsrMatrix } from "../src/types.js";
import {
  type DenseRec,
  denseA,
  denseC,
  denseTopK,
  type Lines,
  randomLines,
  rng,
  toDense,
} from "./dense-oracle.js";
import { expectSameLists, incidenceOf, listsOf } from "./lists.js";

// Every plan gives the same lists as the dense ml-matrix oracle, on every shape of baskets.

type Shape = "narrow" | "wide" | "huge order" | "duplicates" | "empty rows" | "ties";

/** Order lines of one shape (lines shuffled, so nothing relies on their order). */
function shapeLines(shape: Shape, seed: number): Lines {
  const r = rng(seed * 7919 + shape.length);
  if (shape === "narrow") return randomLines(seed);
  const lo: number[] = [];
  const lp: number[] = [];
  let orders = 0;
  let products = 0;
  const add = (o: number, p: number, times = 1) => {
    for (let t = 0; t < times; t++) {
      lo.push(o);
      lp.push(p);
    }
  };
  if (shape === "wide") {
    // Few orders holding a large share of the catalogue: C is nearly full.
    orders = 2 + Math.floor(r() * 7);
    products = 5 + Math.floor(r() * 40);
    for (let o = 0; o < orders; o++) {
      const n = 1 + Math.floor(r() * products * 0.8);
      for (let i = 0; i < n; i++) add(o, Math.floor(products * r() ** 1.5), r() < 0.1 ? 2 : 1);
    }
  } else if (shape === "huge order") {
    // One order holds every product; the rest are small.
    products = 5 + Math.floor(r() * 30);
    orders = 1 + Math.floor(r() * 30);
    for (let p = 0; p < products; p++) add(0, p);
    for (let o = 1; o < orders; o++)
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) add(o, Math.floor(r() * products));
  } else if (shape === "duplicates") {
    // Every line repeated 1-4 times: counts > 1 everywhere in A.
    const base = randomLines(seed, 30, 20);
    orders = base.orders;
    products = base.products;
    for (let i = 0; i < base.lineOrder.length; i++)
      add(base.lineOrder[i]!, base.lineProduct[i]!, 1 + Math.floor(r() * 4));
  } else if (shape === "empty rows") {
    // Products never sold, products only ever bought alone, and empty orders.
    products = 10 + Math.floor(r() * 20);
    orders = 10 + Math.floor(r() * 30);
    for (let o = 0; o < orders; o++) {
      if (r() < 0.2) continue;
      if (r() < 0.3) add(o, products - 1);
      else for (let i = 0; i < 2 + Math.floor(r() * 3); i++) add(o, Math.floor(r() * (products / 2)));
    }
  } else {
    // Hubs bought once with each of many products: identical rows, every score tied.
    const hubs = 1 + Math.floor(r() * 3);
    const leaves = 5 + Math.floor(r() * 25);
    products = hubs + leaves;
    for (let l = 0; l < leaves; l++) {
      for (let h = 0; h < hubs; h++) {
        add(orders, h);
        add(orders++, hubs + l);
      }
    }
  }
  for (let i = lo.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [lo[i], lo[j]] = [lo[j]!, lo[i]!];
    [lp[i], lp[j]] = [lp[j]!, lp[i]!];
  }
  return { orders, products, lineOrder: Uint32Array.from(lo), lineProduct: Uint32Array.from(lp) };
}

const SHAPES: Shape[] = ["narrow", "wide", "huge order", "duplicates", "empty rows", "ties"];
const PLANS: CosineStrategy[] = ["scatter", "order-side", "dense"];
const cases = SHAPES.flatMap((shape) => Array.from({ length: 12 }, (_, i) => [shape, i + 1] as const));
const THREE_SEEDS = SHAPES.flatMap((shape) => [1, 2, 3].map((seed) => [shape, seed] as const));

/** The wasm scatter kernel on 1 and 2 threads gives the oracle's lists. */
async function expectWasmLists(
  c: CsrMatrix,
  r: ResolvedCosine,
  expected: DenseRec[][],
  what: string,
): Promise<void> {
  for (const threads of [1, 2]) {
    const top = await cosineTopKWasm(c, r, threads, undefined);
    expectSameLists(listsOf(top), expected, 1e-9, `${what}, ${threads} threads:`);
  }
}

/** A shape's lines with count incidence, their C and the products' support. */
function countsOf(shape: Shape, seed: number) {
  const lines = shapeLines(shape, seed);
  const a = incidenceOf(lines, false);
  return { lines, c: cooccurrence(a), support: productSupport(a) };
}

describe("every plan agrees with the dense oracle", () => {
  it.each(cases)("%s, seed %i", async (shape, seed) => {
    const lines = shapeLines(shape, seed);
    const binary = seed % 4 === 0;
    const a = incidenceOf(lines, binary);
    const c = cooccurrence(a);
    const support = productSupport(a);
    // k > P on some seeds; minSupport and minScore on others.
    const k = seed % 5 === 0 ? lines.products + 3 : 1 + (seed % 6);
    const minSupport = seed % 3 === 0 ? 2 : 1;
    const minScore = seed % 7 === 0 ? 0.4 : 0;
    // The minimum pair support filters inside every plan's kernel.
    const minPairSupport = seed % 4 === 2 ? 2 : seed % 8 === 3 ? 3 : 1;
    const expected = denseTopK(
      denseC(denseA(lines, binary)),
      support,
      k,
      minScore,
      minSupport,
      minPairSupport,
    );
    for (const plan of PLANS) {
      // 1 thread always; the worker pool with 2 threads on odd seeds, 3 on even ones.
      for (const threads of [1, seed % 2 ? 2 : 3]) {
        const options = { k, minScore, minSupport, minPairSupport, plan, threads };
        const top = await cosineTopK(c, support, { ...options, incidence: a });
        expect(top.plan?.strategy).toBe(plan);
        expectSameLists(listsOf(top), expected, 1e-9, `${plan}, ${threads} threads:`);
        if (threads === 1) {
          const fromOrders = await cosineTopKFromOrders(a, options);
          expectSameLists(listsOf(fromOrders), expected, 1e-9, `${plan} from orders:`);
        }
      }
    }
  });

  // The scatter kernel accumulates a row in Int32 when its bound |row p|·max_{q>p}|column q| is
  // below 2^31, else in Float64. Scaling C by λ leaves every score as it is and multiplies the
  // dot products by λ², so one λ puts the popular rows above the bound and the rest below it.
  it.each(THREE_SEEDS)(
    "the Int32 accumulator and its Float64 fallback agree with the oracle: %s, seed %i",
    async (shape, seed) => {
      const { lines, c, support } = countsOf(shape, seed);
      // Each row's bound (unscaled): |row p|·max_{q>p}|column q| (C is symmetric).
      const n2 = Array.from({ length: c.rows }, (_, p) => {
        let s = 0;
        for (let i = c.rowPtr[p]!; i < c.rowPtr[p + 1]!; i++) s += c.values[i]! ** 2;
        return s;
      });
      const bound = n2.map((v, p) => Math.sqrt(v * Math.max(0, ...n2.slice(p + 1))));
      const positive = bound.filter((b) => b > 0).sort((x, y) => x - y);
      if (positive.length === 0) return;
      const [lo, hi] = [positive[0]!, positive.at(-1)!];
      // λ² between the smallest and the largest bound (geometric middle): rows split both ways.
      const lambda = Math.max(1, Math.floor(Math.sqrt(2 ** 31 / Math.sqrt(lo * hi))));
      const scaled = { ...c, values: c.values.map((v) => v * lambda) };
      const flags = narrowRowFlags(scaled)!;
      expect(flags).toBeDefined();
      if (hi > 4 * lo) {
        expect(flags.some((f, p) => f === 0 && bound[p]! > 0)).toBe(true);
        expect(flags.some((f, p) => f === 1 && bound[p]! > 0)).toBe(true);
      }
      const expected = denseTopK(denseC(denseA(lines, false)).mul(lambda), support, 4);
      for (const threads of [1, 2, 3]) {
        const top = await cosineTopK(scaled, support, { k: 4, plan: "scatter", threads });
        expectSameLists(listsOf(top), expected, 1e-9, `λ = ${lambda}, ${threads} threads:`);
      }
      // Hot rows of C added densely with SIMD (every row hot, some, none), in Int32 and Float64 rows.
      for (const hotShare of [0, 0.3, 2]) {
        const r = { ...resolveCosine(scaled, support, { k: 4 }), hotShare };
        if (hotShare === 0) {
          const nonEmpty = n2.filter((v) => v > 0).length;
          expect(hotColumns(scaled, hotShare).length).toBe(Math.min(nonEmpty, Math.floor(c.rows / 2)));
        }
        await expectWasmLists(scaled, r, expected, `λ = ${lambda}, hot share ${hotShare}`);
      }
      // Counts at or above 2^31 (or not integers): Float64 values and accumulators throughout.
      const huge = { ...c, values: c.values.map((v) => v * 2 ** 31) };
      expect(narrowRowFlags(huge)).toBeUndefined();
      const top = await cosineTopK(huge, support, { k: 4, plan: "scatter", threads: 1 });
      const hugeExpected = denseTopK(denseC(denseA(lines, false)).mul(2 ** 31), support, 4);
      expectSameLists(listsOf(top), hugeExpected, 1e-9, "counts ≥ 2^31:");
    },
  );

  // Hot rows whose counts fit in Int16 go two to a dense row (dot_i16x8), the rest stay Int32 rows;
  // the Int32 rows' quick reject runs in Float32. C' = D C D (D diagonal: every third product ×200)
  // is symmetric with counts both below and above 32767, and Int32 as well as Float64 rows.
  it.each(THREE_SEEDS)(
    "hot rows as Int16 pairs and as Int32 rows agree with the oracle: %s, seed %i",
    async (shape, seed) => {
      const { c, support } = countsOf(shape, seed);
      const d = (p: number) => (p % 3 === seed % 3 ? 200 : 1);
      const values = c.values.slice();
      for (let p = 0; p < c.rows; p++) {
        for (let i = c.rowPtr[p]!; i < c.rowPtr[p + 1]!; i++) values[i] = values[i]! * d(p) * d(c.colIdx[i]!);
      }
      const scaled = { ...c, values };
      const expected = denseTopK(toDense(scaled), support, 4);
      for (const hotShare of [0, 0.3]) {
        const { wide, paired } = splitByInt16(scaled, hotColumns(scaled, hotShare), true);
        for (const j of paired) {
          for (let i = c.rowPtr[j]!; i < c.rowPtr[j + 1]!; i++) expect(values[i]).toBeLessThanOrEqual(32767);
        }
        for (const j of wide) {
          let max = 0;
          for (let i = c.rowPtr[j]!; i < c.rowPtr[j + 1]!; i++) max = Math.max(max, values[i]!);
          expect(max).toBeGreaterThan(32767);
        }
        if (hotShare === 0 && values.some((v) => v > 32767)) expect(wide.length).toBeGreaterThan(0);
        if (hotShare === 0 && c.colIdx.length > 0) expect(paired.length).toBeGreaterThan(0);
        for (const hotPairs of [true, false]) {
          const r = { ...resolveCosine(scaled, support, { k: 4 }), hotShare, hotPairs };
          const rows = hotPairs ? "Int16 pairs" : "Int32 rows";
          await expectWasmLists(scaled, r, expected, `hot share ${hotShare}, ${rows}`);
        }
      }
    },
  );

  it("auto picks order-side for few wide orders and scatter for many narrow ones", async () => {
    const wide = shapeLines("wide", 3);
    const aw = buildIncidence(wide.lineOrder, wide.lineProduct, wide.orders, wide.products);
    // Many orders of three products each: C is sparse, scattering through it is cheapest.
    const r = rng(5);
    const nlo = new Uint32Array(60000);
    const nlp = new Uint32Array(60000);
    for (let i = 0; i < 60000; i++) {
      nlo[i] = Math.floor(i / 3);
      nlp[i] = Math.floor(r() ** 2 * 3000);
    }
    const narrowA = buildIncidence(nlo, nlp, 20000, 3000);
    const topW = await cosineTopKFromOrders(aw, { k: 3 });
    const topN = await cosineTopKFromOrders(narrowA, { k: 3, threads: 1 });
    expect(topW.plan?.strategy).not.toBe("scatter");
    expect(topN.plan?.strategy).toBe("scatter");
    for (const top of [topW, topN]) {
      const plan = top.plan!;
      expect(plan.requested).toBe("auto");
      expect(plan.estimates.map((e) => e.strategy)).toEqual(["scatter", "order-side", "dense"]);
      const chosen = plan.estimates.find((e) => e.strategy === plan.strategy)!;
      for (const e of plan.estimates)
        if (!e.infeasible) expect(chosen.seconds).toBeLessThanOrEqual(e.seconds);
      expect(plan.blocks.length).toBeGreaterThan(0);
      expect(plan.multiplyAdds).toBe(top.multiplyAdds);
      expect(plan.seconds).toBeGreaterThanOrEqual(0);
    }
    // 20000 orders: G = A Aᵀ would not fit, so order-side is not possible.
    expect(topN.plan!.estimates[1]!.infeasible).toMatch(/G = A Aᵀ/);
    // Scatter built C, order-side did not.
    expect(topN.plan!.nnzC).toBe(cooccurrence(narrowA).colIdx.length);
  });

  // A build plans from A, then runs cosineTopK* on the same A: the second pass reuses Aᵀ.
  it.each(SHAPES)("planning from A first, then running it, gives the oracle's lists: %s", async (shape) => {
    const lines = shapeLines(shape, 11);
    const a = incidenceOf(lines, false);
    const support = productSupport(a);
    const expected = denseTopK(denseC(denseA(lines, false)), support, 3);
    const planned = planFromOrders(a, { k: 3, threads: 1 });
    const at = transposeOnce(a);
    expect(at).toEqual(transpose(a));
    const top = planned.needsC
      ? await cosineTopK(cooccurrence(a), support, { k: 3, threads: 1, incidence: a, plan: "auto" })
      : await cosineTopKFromOrders(a, { k: 3, threads: 1 });
    expect(transposeOnce(a)).toBe(at);
    expectSameLists(listsOf(top), expected, 1e-9, `${shape}, planned ${planned.strategy}:`);
  });

  it("planFromOrders says whether C is needed as cosineTopKFromOrders then plans it", async () => {
    // Few wide orders (order-side is a candidate) and 12,000 narrow ones (G would not fit).
    const wide = incidenceOf(shapeLines("wide", 3), false);
    const nlo = new Uint32Array(36000);
    const nlp = new Uint32Array(36000);
    const r = rng(9);
    for (let i = 0; i < 36000; i++) {
      nlo[i] = Math.floor(i / 3);
      nlp[i] = Math.floor(r() ** 2 * 500);
    }
    const narrow = buildIncidence(nlo, nlp, 12000, 500);
    for (const [a, name] of [
      [wide, "wide"],
      [narrow, "narrow"],
    ] as const) {
      for (const plan of ["auto", "scatter", "order-side", "dense"] as const) {
        if (name === "narrow" && plan === "order-side") continue;
        const planned = planFromOrders(a, { k: 3, plan, threads: 1 });
        const top = await cosineTopKFromOrders(a, { k: 3, plan, threads: 1 });
        expect(planned.strategy, `${name}, ${plan}`).toBe(top.plan!.strategy);
        expect(planned.needsC, `${name}, ${plan}`).toBe(top.plan!.strategy !== "order-side");
        expect(planned.estimates.map((e) => e.strategy)).toEqual(["scatter", "order-side", "dense"]);
      }
    }
    expect(planFromOrders(narrow, { k: 3 }).needsC).toBe(true);
    expect(() => planFromOrders(narrow, { k: 3, threads: 0 })).toThrow(/threads must be/);
    expect(() => planFromOrders(narrow, { k: 3, plan: "order-side" })).toThrow(/G = A Aᵀ/);
    expect(() => planFromOrders(narrow, { k: 3, plan: "fast" as never })).toThrow(/plan must be/);
  });

  it("checks every new A, and an A again for another product count", () => {
    const a = buildIncidence(Uint32Array.of(0, 0, 1), Uint32Array.of(0, 1, 1), 2, 2);
    checkIncidenceOnce(a, 2);
    expect(() => checkIncidenceOnce(a, 3)).toThrow(expect.objectContaining({ code: "COBUY_MATH_BAD_INPUT" }));
    const bad = { ...a, colIdx: Uint32Array.of(1, 0, 1) };
    for (let call = 0; call < 2; call++)
      expect(() => planFromOrders(bad, { k: 2 })).toThrow(/columns must be ascending/);
  });

  it("the scatter plan's estimate is its exact multiply-adds when C is given", async () => {
    const lines = randomLines(17, 200, 60);
    const a = buildIncidence(lines.lineOrder, lines.lineProduct, lines.orders, lines.products);
    const top = await cosineTopK(cooccurrence(a), productSupport(a), { k: 4, plan: "scatter", threads: 1 });
    // Σ_j nnz(C_j)² / 2 counts both halves of each row; the kernel does each pair once.
    expect(top.plan!.estimatedMultiplyAdds).toBeGreaterThanOrEqual(top.multiplyAdds);
  });

  it("rejects a plan it cannot run and unknown plans, with a code", async () => {
    const a = buildIncidence(Uint32Array.of(0, 0, 1), Uint32Array.of(0, 1, 1), 2, 2);
    const c = cooccurrence(a);
    await expect(cosineTopK(c, productSupport(a), { plan: "order-side" })).rejects.toThrow(
      expect.objectContaining({ code: "COBUY_MATH_BAD_OPTION", message: expect.stringContaining("needs A") }),
    );
    await expect(cosineTopK(c, productSupport(a), { plan: "fast" as never })).rejects.toThrow(/plan must be/);
    await expect(cosineTopK(c, productSupport(a), { plan: "dense", kernel: "js" })).rejects.toThrow(
      /needs kernel "wasm"/,
    );
    const other = buildIncidence(Uint32Array.of(0), Uint32Array.of(0), 1, 1);
    await expect(cosineTopK(c, productSupport(a), { incidence: other })).rejects.toThrow(
      expect.objectContaining({ code: "COBUY_MATH_BAD_INPUT" }),
    );
  });
});
