import { describe, expect, it } from "vitest";
import {
  buildIncidence,
  type CsrMatrix,
  cooccurrence,
  cosineTopK,
  cosineTopKSync,
  productSupport,
  rowNorms,
} from "../src/index.js";
import { cooccurrenceVia } from "../src/sparse/cooccurrence.js";
import { denseA, denseC, denseTopK, type Lines, randomLines, rng, toDense } from "./dense-oracle.js";
import { expectSameLists, incidenceOf, listsOf } from "./lists.js";

function checkCsr(m: CsrMatrix): void {
  expect(m.rowPtr.length).toBe(m.rows + 1);
  expect(Number(m.rowPtr[m.rows])).toBe(m.colIdx.length);
  for (let r = 0; r < m.rows; r++) {
    for (let i = Number(m.rowPtr[r]) + 1; i < Number(m.rowPtr[r + 1]); i++) {
      expect(m.colIdx[i]!).toBeGreaterThan(m.colIdx[i - 1]!);
    }
  }
  for (const v of m.values) expect(v).not.toBe(0);
}

const THREE_WAYS = ["narrow", "wide", "one huge order"] as const;

/** Random lines of a shape: narrow baskets, wide ones (17+ lines), or one order of 400 lines. */
function shapedLines(shape: (typeof THREE_WAYS)[number], seed: number): Lines {
  if (shape === "narrow") return randomLines(seed);
  const r = rng(seed + 1000);
  const products = 30 + Math.floor(r() * 40);
  const sizes =
    shape === "wide" ? Array.from({ length: 12 }, () => 17 + Math.floor(r() * 40)) : [3, 400, 0, 2];
  const lo: number[] = [];
  const lp: number[] = [];
  sizes.forEach((size, o) => {
    for (let i = 0; i < size; i++) {
      lo.push(o);
      lp.push(Math.floor(products * r() ** 1.5)); // skewed: repeats within an order
    }
  });
  for (let i = lo.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [lo[i], lo[j]] = [lo[j]!, lo[i]!];
    [lp[i], lp[j]] = [lp[j]!, lp[i]!];
  }
  return {
    orders: sizes.length,
    products,
    lineOrder: Uint32Array.from(lo),
    lineProduct: Uint32Array.from(lp),
  };
}

describe("sparse engine vs dense ml-matrix reference", () => {
  const seeds = Array.from({ length: 150 }, (_, i) => i + 1);
  it.each(seeds)("random input, seed %i", async (seed) => {
    const lines = randomLines(seed);
    const binary = seed % 3 === 0;
    const a = incidenceOf(lines, binary);
    checkCsr(a);
    const da = denseA(lines, binary);
    expect(toDense(a).to2DArray()).toEqual(da.to2DArray());
    const support = productSupport(a);
    for (let p = 0; p < lines.products; p++) {
      let n = 0;
      for (let o = 0; o < lines.orders; o++) if (da.get(o, p) !== 0) n++;
      expect(support[p]).toBe(n);
    }
    const c = cooccurrence(a);
    checkCsr(c);
    const dc = denseC(da);
    expect(toDense(c).to2DArray()).toEqual(dc.to2DArray());
    const norms = rowNorms(c);
    for (let p = 0; p < c.rows; p++) {
      expect(norms[p]).toBeCloseTo(Math.sqrt(dc.getRow(p).reduce((s, v) => s + v * v, 0)), 12);
    }
    const k = 1 + (seed % 7);
    const minSupport = seed % 5 === 0 ? 2 : 1;
    const minScore = seed % 4 === 0 ? 0.3 : 0;
    const minPairSupport = seed % 3 === 1 ? 2 : 1;
    const expected = denseTopK(dc, support, k, minScore, minSupport, minPairSupport);
    for (const scan of ["auto", "full", "touched"] as const) {
      const top = cosineTopKSync(c, support, { k, minScore, minSupport, minPairSupport, kernel: "js", scan });
      expectSameLists(listsOf(top), expected);
      const wasm = await cosineTopK(c, support, {
        k,
        minScore,
        minSupport,
        minPairSupport,
        kernel: "wasm",
        threads: 1,
        scan,
      });
      expectSameLists(listsOf(wasm), expected);
    }
  });

  it("empty input: no orders, no products", () => {
    const a = buildIncidence(new Uint32Array(0), new Uint32Array(0), 0, 0, "count");
    expect(a.rows).toBe(0);
    const c = cooccurrence(a);
    expect(c.rows).toBe(0);
    const top = cosineTopKSync(c, productSupport(a), { k: 3 });
    expect(top.products).toBe(0);
    expect(top.multiplyAdds).toBe(0);
  });

  it("a single product has no recommendations", () => {
    const a = buildIncidence(Uint32Array.of(0, 1, 1), Uint32Array.of(0, 0, 0), 2, 1, "count");
    const c = cooccurrence(a);
    expect(Array.from(c.colIdx)).toEqual([]);
    const top = cosineTopKSync(c, productSupport(a), { k: 5 });
    expect(Array.from(top.length)).toEqual([0]);
  });

  it("all-zero rows (products never sold, or only alone) get empty lists and are never recommended", () => {
    // product 3 never sold, product 4 only alone in order 2
    const a = buildIncidence(Uint32Array.of(0, 0, 1, 1, 2), Uint32Array.of(0, 1, 1, 2, 4), 3, 5, "count");
    const top = cosineTopKSync(cooccurrence(a), productSupport(a), { k: 5 });
    expect(top.length[3]).toBe(0);
    expect(top.length[4]).toBe(0);
    for (let i = 0; i < top.products; i++) {
      for (let j = i * 5; j < i * 5 + top.length[i]!; j++) expect([3, 4]).not.toContain(top.ids[j]);
    }
  });

  it("k > P keeps every positive score", () => {
    const a = buildIncidence(Uint32Array.of(0, 0, 0, 1, 1), Uint32Array.of(0, 1, 2, 1, 2), 2, 3, "count");
    const top = cosineTopKSync(cooccurrence(a), productSupport(a), { k: 50 });
    expect(Array.from(top.length)).toEqual([2, 2, 2]);
  });

  it("ties are broken by product index ascending", () => {
    // Products 1, 2, 3 each bought with 0 once (and nothing else): rows 1..3 of C are identical.
    const a = buildIncidence(
      Uint32Array.of(0, 0, 1, 1, 2, 2),
      Uint32Array.of(0, 3, 0, 2, 0, 1),
      3,
      4,
      "count",
    );
    const top = cosineTopKSync(cooccurrence(a), productSupport(a), { k: 2 });
    // 3's neighbours 1 and 2 tie at score 1: 1 first; and 1's list is [2, 3].
    expect(Array.from(top.ids.subarray(3 * 2, 3 * 2 + 2))).toEqual([1, 2]);
    expect(Array.from(top.ids.subarray(1 * 2, 1 * 2 + 2))).toEqual([2, 3]);
    expect(top.scores[2]).toBe(1);
    // Supports: 1 and 2 never bought together.
    expect(top.support[2]).toBe(0);
  });

  // Readers hand lines grouped by order (orders numbered as first seen): buildIncidence takes a
  // per-order path then. Sorting the shuffled lines by order gives the same A by that path,
  // including orders above the insertion-sort cut (17+ lines) and one huge order.
  it.each(THREE_WAYS)("lines grouped by order give the same A and C as shuffled lines (%s)", (shape) => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const lines = shapedLines(shape, seed);
      const byOrder = Array.from(lines.lineOrder.keys()).sort(
        (x, y) => lines.lineOrder[x]! - lines.lineOrder[y]! || x - y,
      );
      const grouped = {
        ...lines,
        lineOrder: Uint32Array.from(byOrder, (i) => lines.lineOrder[i]!),
        lineProduct: Uint32Array.from(byOrder, (i) => lines.lineProduct[i]!),
      };
      for (const binary of [false, true]) {
        const a = incidenceOf(grouped, binary);
        checkCsr(a);
        const da = denseA(lines, binary);
        expect(toDense(a).to2DArray()).toEqual(da.to2DArray());
        expect(toDense(cooccurrence(a)).to2DArray()).toEqual(denseC(da).to2DArray());
      }
    }
  });

  // cooccurrence takes the pair buckets when the pairs fit a budget and the transpose otherwise:
  // each way, on every shape and with unit, whole (also > 65535) and fractional values of A.
  it.each(THREE_WAYS)("pair buckets and transpose give the dense C (%s)", (shape) => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const a0 = incidenceOf(shapedLines(shape, seed), seed % 2 === 0);
      const scaled = (f: (v: number, i: number) => number) => ({ ...a0, values: a0.values.map(f) });
      for (const a of [
        a0,
        scaled((v, i) => (i % 3 === 0 ? v * 70000 : v)),
        scaled((v, i) => v + (i % 4) / 8),
      ]) {
        const dc = denseC(toDense(a));
        for (const way of ["buckets", "transpose"] as const) {
          const c = cooccurrenceVia(a, way);
          checkCsr(c);
          expect(toDense(c).to2DArray()).toEqual(dc.to2DArray());
        }
      }
    }
  });

  it("binary vs count: a repeated line counts once or twice", () => {
    const lo = Uint32Array.of(0, 0, 0);
    const lp = Uint32Array.of(0, 1, 1);
    const count = cooccurrence(buildIncidence(lo, lp, 1, 2, "count"));
    const binary = cooccurrence(buildIncidence(lo, lp, 1, 2, "binary"));
    expect(Array.from(count.values)).toEqual([2, 2]);
    expect(Array.from(binary.values)).toEqual([1, 1]);
  });

  it("rejects out-of-range lines, a non-square C and bad options with a code", async () => {
    expect(() => buildIncidence(Uint32Array.of(0), Uint32Array.of(3), 1, 3)).toThrow(
      expect.objectContaining({
        code: "COBUY_MATH_BAD_INPUT",
        message: expect.stringContaining("lineProduct[0] = 3"),
      }),
    );
    expect(() => buildIncidence(Uint32Array.of(2), Uint32Array.of(0), 1, 3)).toThrow(/lineOrder\[0\] = 2/);
    expect(() => buildIncidence(Uint32Array.of(0, 1), Uint32Array.of(0), 2, 3)).toThrow(
      /one entry per order line/,
    );
    const a = buildIncidence(Uint32Array.of(0, 0), Uint32Array.of(0, 1), 1, 2);
    expect(() => cosineTopKSync(a, [1, 1])).toThrow(/must be square/);
    const unsorted = { ...a, colIdx: Uint32Array.of(1, 0) };
    expect(() => cooccurrence(unsorted)).toThrow(/A row 0, entry 1: columns must be ascending/);
    expect(() => cooccurrence({ ...a, values: Float64Array.of(1, 0) })).toThrow(
      expect.objectContaining({ code: "COBUY_MATH_BAD_INPUT" }),
    );
    const c = cooccurrence(a);
    expect(() => cosineTopKSync({ ...c, colIdx: Uint32Array.of(1, 5) }, [1, 1])).toThrow(
      /C row 1, entry 0: column 5 is not below 2/,
    );
    expect(() => cosineTopKSync({ ...c, rowPtr: Uint32Array.of(0, 2, 2) }, [1, 1])).toThrow(
      /C row 0, entry 1: column 0 is not above the previous one/,
    );
    await expect(cosineTopK({ ...c, rowPtr: Uint32Array.of(0, 1, 3) }, [1, 1])).rejects.toThrow(
      /rowPtr runs from 0 to 3/,
    );
    expect(() => cosineTopKSync(c, [1, 1], { k: 0 })).toThrow(
      expect.objectContaining({ code: "COBUY_MATH_BAD_OPTION" }),
    );
    expect(() => cosineTopKSync(c, [1], {})).toThrow(/support has 1 entries/);
    expect(() => cosineTopKSync(c, [1, 1], { minScore: Number.NaN })).toThrow(/minScore/);
    expect(() => cosineTopKSync(c, [1, 1], { minPairSupport: Number.NaN })).toThrow(
      expect.objectContaining({
        code: "COBUY_MATH_BAD_OPTION",
        message: expect.stringMatching(/minPairSupport/),
      }),
    );
  });
});
