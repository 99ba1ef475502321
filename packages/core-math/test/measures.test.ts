import { Matrix } from "ml-matrix";
import { describe, expect, it } from "vitest";
import {
  countPairs,
  downsample,
  MEASURES,
  type MeasureName,
  measureTopK,
  pairScore,
} from "../src/measures/index.js";
import { hashPair, seededUniform as rng } from "../src/random/seeded.js";
import { cooccurrence } from "../src/sparse/cooccurrence.js";
import type { CsrMatrix } from "../src/types.js";

/** Orders as lists of [product, count]; builds the CSR the ingest would (sorted columns). */
function csr(orders: Array<Array<[number, number]>>, products: number): CsrMatrix {
  const rowPtr = new Uint32Array(orders.length + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  orders.forEach((o, r) => {
    const sorted = [...o].sort((a, b) => a[0] - b[0]);
    for (const [p, v] of sorted) {
      cols.push(p);
      vals.push(v);
    }
    rowPtr[r + 1] = cols.length;
  });
  return {
    rows: orders.length,
    cols: products,
    rowPtr,
    colIdx: Uint32Array.from(cols),
    values: Float64Array.from(vals),
  };
}

function randomBaskets(seed: number): { a: CsrMatrix; products: number } {
  const r = rng(seed);
  const products = Math.floor(r() * 12);
  const orders = Math.floor(r() * 25);
  const skew = r() * 2;
  const out: Array<Array<[number, number]>> = [];
  for (let o = 0; o < orders; o++) {
    const size = products === 0 ? 0 : Math.floor(r() * Math.min(products, 7));
    const seen = new Map<number, number>();
    for (let j = 0; j < size; j++) {
      const p = Math.floor(r() ** (1 + skew) * products);
      seen.set(p, (seen.get(p) ?? 0) + (r() < 0.2 ? 2 : 1));
    }
    if (r() < 0.05 && products > 0) seen.set(products - 1, 0); // explicit zero: not bought
    out.push([...seen.entries()]);
  }
  return { a: csr(out, products), products };
}

function dense(a: CsrMatrix): Matrix {
  const m = Matrix.zeros(a.rows, a.cols);
  for (let o = 0; o < a.rows; o++) {
    for (let i = Number(a.rowPtr[o]); i < Number(a.rowPtr[o + 1]); i++) {
      if (a.values[i] !== 0) m.set(o, a.colIdx[i]!, 1);
    }
  }
  return m;
}

/** Dense scores written straight from the definitions (no shared code with the kernel). */
function referenceScores(b: Matrix, measure: MeasureName): Matrix {
  const P = b.columns;
  const g = b.transpose().mmul(b);
  const sizes = b.rows === 0 ? [] : b.sum("row");
  const N = sizes.filter((s) => s > 0).length;
  const L = sizes.reduce((x, y) => x + y, 0);
  const s = Matrix.zeros(P, P);
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < P; q++) {
      const c = g.get(p, q);
      if (p === q || c === 0) continue;
      const np = g.get(p, p);
      const nq = g.get(q, q);
      let v: number;
      if (measure === "cosine") v = c / Math.sqrt(np * nq);
      else if (measure === "jaccard") v = c / (np + nq - c);
      else if (measure === "lift") v = (c * N) / (np * nq);
      else if (measure === "llr") {
        // G² = 2 Σ_ij k_ij ln(k_ij N / (row_i col_j))
        const k = [
          [c, np - c],
          [nq - c, N - np - nq + c],
        ];
        const row = [np, N - np];
        const col = [nq, N - nq];
        let g2 = 0;
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++) {
            const kij = k[i]![j]!;
            if (kij > 0) g2 += kij * Math.log((kij * N) / (row[i]! * col[j]!));
          }
        v = Math.max(0, 2 * g2);
      } else {
        let e = 0;
        for (let o = 0; o < b.rows; o++) {
          if (b.get(o, p) === 1) e += 1 - (1 - nq / L) ** (sizes[o]! - 1);
        }
        v = (c - e) / Math.sqrt(e);
      }
      s.set(p, q, v);
    }
  }
  return s;
}

interface Opts {
  k: number;
  minScore: number;
  minSupport: number;
  minPairSupport: number;
}

// `slack` widens the score threshold: scores within round-off of minScore may fall either side.
function referenceTopK(b: Matrix, scores: Matrix, o: Opts, slack = 0): number[][] {
  const P = b.columns;
  const g = b.transpose().mmul(b);
  const lists: number[][] = [];
  for (let p = 0; p < P; p++) {
    const cand: number[] = [];
    if (g.get(p, p) >= o.minSupport && g.get(p, p) > 0) {
      for (let q = 0; q < P; q++) {
        if (q === p || g.get(p, q) === 0 || g.get(p, q) < o.minPairSupport || g.get(q, q) < o.minSupport)
          continue;
        if (scores.get(p, q) > o.minScore - slack) cand.push(q);
      }
    }
    cand.sort((x, y) => scores.get(p, y) - scores.get(p, x) || x - y);
    lists.push(cand.slice(0, o.k));
  }
  return lists;
}

const TOL = 1e-9;
const close = (x: number, y: number) => Math.abs(x - y) <= TOL * Math.max(1, Math.abs(x), Math.abs(y));

function expectSameTopK(a: CsrMatrix, measure: MeasureName, o: Opts, label: string): void {
  const b = dense(a);
  const ref = referenceScores(b, measure);
  const want = referenceTopK(b, ref, o);
  const loose = referenceTopK(b, ref, o, TOL * Math.max(1, Math.abs(o.minScore)));
  const got = measureTopK(countPairs(a), measure, o);
  const g = b.transpose().mmul(b);
  for (let p = 0; p < a.cols; p++) {
    const w = want[p]!;
    // At least every candidate clearly above minScore; at most those within round-off of it too
    // (e.g. an LLR of exactly independent products: 0 in theory, ±1e-15 in floating point).
    expect(got.length[p], `${label} p=${p} length`).toBeGreaterThanOrEqual(w.length);
    expect(got.length[p], `${label} p=${p} length`).toBeLessThanOrEqual(loose[p]!.length);
    for (let i = 0; i < w.length; i++) {
      const id = got.ids[p * o.k + i]!;
      const score = got.scores[p * o.k + i]!;
      const wantScore = ref.get(p, w[i]!);
      expect(close(score, wantScore), `${label} p=${p} rank ${i}: ${score} vs ${wantScore}`).toBe(true);
      // Same id wherever the score is not tied (within tolerance) with another candidate.
      if (id !== w[i]) expect(close(ref.get(p, id), wantScore), `${label} p=${p} rank ${i} id`).toBe(true);
      expect(got.support[p * o.k + i]).toBe(g.get(p, id));
    }
  }
}

describe("measureTopK against a dense ml-matrix reference", () => {
  for (const measure of MEASURES) {
    it(`${measure}: 300 random small inputs, varied k and thresholds`, () => {
      for (let seed = 1; seed <= 300; seed++) {
        const { a } = randomBaskets(seed * 7919 + MEASURES.indexOf(measure));
        const r = rng(seed);
        const o: Opts = {
          k: 1 + Math.floor(r() * 14), // often k > P
          minScore: r() < 0.7 ? 0 : r() * (measure === "llr" || measure === "lift" ? 2 : 0.5),
          minSupport: r() < 0.7 ? 1 : 1 + Math.floor(r() * 3),
          minPairSupport: r() < 0.7 ? 1 : 1 + Math.floor(r() * 3),
        };
        expectSameTopK(a, measure, o, `${measure} seed ${seed}`);
      }
    });

    it(`${measure}: empty, single product, all-zero row, k > P`, () => {
      const o: Opts = { k: 5, minScore: 0, minSupport: 1, minPairSupport: 1 };
      expectSameTopK(csr([], 0), measure, o, "empty");
      expectSameTopK(csr([], 3), measure, o, "no orders");
      expectSameTopK(csr([[[0, 1]], [[0, 3]]], 1), measure, o, "single product");
      expectSameTopK(
        csr(
          [
            [
              [0, 1],
              [2, 1],
            ],
            [
              [0, 2],
              [2, 1],
              [3, 1],
            ],
            [[3, 1]],
          ],
          4,
        ),
        measure,
        { ...o, k: 10 },
        "zero row + k > P",
      );
      const empty = measureTopK(countPairs(csr([], 0)), measure);
      expect(empty.products).toBe(0);
    });

    it(`${measure}: pairScore agrees with the lists`, () => {
      const { a } = randomBaskets(42);
      const counts = countPairs(a);
      const top = measureTopK(counts, measure, { k: 3 });
      for (let p = 0; p < top.products; p++) {
        for (let i = 0; i < top.length[p]!; i++) {
          expect(pairScore(counts, measure, p, top.ids[p * 3 + i]!)).toBe(top.scores[p * 3 + i]);
        }
      }
    });
  }

  it("breaks exact ties by product index ascending", () => {
    // Products 1..4 each bought with 0 exactly once, in identical circumstances.
    const pairs: Array<Array<[number, number]>> = [1, 2, 3, 4].map((q) => [
      [0, 1],
      [q, 1],
    ]);
    const a = csr([...pairs, [[5, 1]], [[5, 1]], [[5, 1]]], 6);
    for (const measure of MEASURES) {
      const top = measureTopK(countPairs(a), measure, { k: 3 });
      expect([...top.ids.subarray(0, top.length[0])], measure).toEqual([1, 2, 3]);
    }
  });

  it("expected: the hand-computed value of a tiny example", () => {
    // Orders {0,1}, {0,2}, {1,2,3}: L = 7, n_1 = 2, π_1 = 2/7; product 0 sits in two orders of size 2.
    const a = csr(
      [
        [
          [0, 1],
          [1, 1],
        ],
        [
          [0, 1],
          [2, 1],
        ],
        [
          [1, 1],
          [2, 1],
          [3, 1],
        ],
      ],
      4,
    );
    const e = 2 * (2 / 7);
    expect(pairScore(countPairs(a), "expected", 0, 1)).toBeCloseTo((1 - e) / Math.sqrt(e), 12);
  });

  it("rejects bad options with a stable code", () => {
    const counts = countPairs(csr([], 2));
    expect(() => measureTopK(counts, "cosine", { k: 0 })).toThrow(
      expect.objectContaining({ code: "COBUY_MATH_BAD_OPTION" }),
    );
    expect(() => measureTopK(counts, "nope" as MeasureName)).toThrow(/unknown measure "nope"/);
    expect(() => downsample(csr([], 2), { maxProductsPerOrder: 0 })).toThrow(/maxProductsPerOrder/);
  });
});

describe("downsample and countPairs caps", () => {
  it("respects both caps, keeps a subset, is deterministic, and keeps the smallest hashes", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { a } = randomBaskets(seed * 31);
      const caps = { maxProductsPerOrder: 1 + (seed % 4), maxOrdersPerProduct: 1 + (seed % 5), seed };
      const { baskets } = downsample(a, caps);
      const again = downsample(a, caps).baskets;
      expect([...again.colIdx]).toEqual([...baskets.colIdx]);
      const perProduct = new Map<number, number>();
      for (let o = 0; o < baskets.rows; o++) {
        const kept = [...baskets.colIdx.subarray(baskets.rowPtr[o]!, baskets.rowPtr[o + 1]!)];
        const orig: number[] = [];
        for (let i = a.rowPtr[o]!; i < a.rowPtr[o + 1]!; i++) if (a.values[i] !== 0) orig.push(a.colIdx[i]!);
        expect(kept.length).toBeLessThanOrEqual(caps.maxProductsPerOrder);
        for (const p of kept) {
          expect(orig).toContain(p);
          perProduct.set(p, (perProduct.get(p) ?? 0) + 1);
        }
        if (orig.length > caps.maxProductsPerOrder) {
          // The order cap keeps the lowest-hash products; the product cap may drop more of them.
          const byHash = [...orig].sort((x, y) => hashPair(seed, o, x) - hashPair(seed, o, y) || x - y);
          for (const p of kept) expect(byHash.indexOf(p)).toBeLessThan(caps.maxProductsPerOrder);
        }
      }
      for (const n of perProduct.values()) expect(n).toBeLessThanOrEqual(caps.maxOrdersPerProduct);
    }
  });

  it("is a no-op (apart from binary values) under the caps, and measures run on capped counts", () => {
    const { a } = randomBaskets(5);
    const { baskets, droppedByOrderCap, droppedByProductCap } = downsample(a, {
      maxProductsPerOrder: 1000,
      maxOrdersPerProduct: 1000,
    });
    expect(droppedByOrderCap + droppedByProductCap).toBe(0);
    expect(baskets.rowPtr.length).toBe(a.rowPtr.length);
    const counts = countPairs(a, { maxProductsPerOrder: 2, seed: 3 });
    const capped = downsample(a, { maxProductsPerOrder: 2, seed: 3 }).baskets;
    for (const measure of MEASURES) {
      const want = measureTopK(countPairs(capped), measure, { k: 4 });
      const got = measureTopK(counts, measure, { k: 4 });
      expect([...got.ids]).toEqual([...want.ids]);
      expect([...got.scores]).toEqual([...want.scores]);
    }
  });

  it("takes the pairs from a given C only when it equals them (binary A, no line dropped by a cap)", () => {
    const plain = (counts: ReturnType<typeof countPairs>) => ({
      ...counts,
      pairs: { ...counts.pairs, rowPtr: Array.from(counts.pairs.rowPtr) },
      pairsReused: undefined,
    });
    let reused = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const { a } = randomBaskets(seed);
      // The baskets without explicit zeros (as buildIncidence makes them), with their counts or binary.
      const lines = (binary: boolean) =>
        Array.from({ length: a.rows }, (_, o) => {
          const row: Array<[number, number]> = [];
          for (let i = Number(a.rowPtr[o]); i < Number(a.rowPtr[o + 1]); i++)
            if (a.values[i]! > 0) row.push([a.colIdx[i]!, binary ? 1 : a.values[i]!]);
          return row;
        });
      const binary = csr(lines(true), a.cols);
      const withCounts = csr(lines(false), a.cols);
      const fromC = countPairs(binary, { cooccurrence: cooccurrence(binary) });
      expect(fromC.pairsReused).toBe(true);
      expect(plain(fromC)).toEqual(plain(countPairs(binary)));
      reused++;
      // Repeated lines: C is not the pair counts, so they are counted.
      const counted = countPairs(withCounts, { cooccurrence: cooccurrence(withCounts) });
      expect(counted.pairsReused).toBe(withCounts.values.every((v) => v === 1));
      expect(plain(counted)).toEqual(plain(countPairs(withCounts)));
      const capped = countPairs(binary, { cooccurrence: cooccurrence(binary), maxProductsPerOrder: 2 });
      expect(capped.pairsReused).toBe(capped.droppedByOrderCap === 0);
      expect(plain(capped)).toEqual(plain(countPairs(binary, { maxProductsPerOrder: 2 })));
    }
    expect(reused).toBe(80);
  });

  it("counts pairs as the off-diagonal of AᵀA under binary incidence", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const { a } = randomBaskets(seed);
      const b = dense(a);
      const g = b.transpose().mmul(b);
      const c = countPairs(a);
      for (let p = 0; p < a.cols; p++) {
        expect(c.productOrders[p]).toBe(g.get(p, p));
        const row = new Map<number, number>();
        for (let i = c.pairs.rowPtr[p]!; i < c.pairs.rowPtr[p + 1]!; i++)
          row.set(c.pairs.colIdx[i]!, c.pairs.values[i]!);
        for (let q = 0; q < a.cols; q++) expect(row.get(q) ?? 0).toBe(p === q ? 0 : g.get(p, q));
      }
    }
  });
});
