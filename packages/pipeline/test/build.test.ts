import type { TopKWork } from "@cobuy/core-math";
import { describe, expect, it } from "vitest";
import { buildRecommendations, readSales, recommendFromIndex, type StageEvent } from "../src/index.js";
import { chunked, rejection } from "./helpers.js";

/** The classic method written out densely (C = AᵀA, zero diagonal, cosine of C's rows), ties by id. */
function reference(rows: Array<[string, string]>, k: number, binary = false) {
  const products = [...new Set(rows.map(([, p]) => p))].sort((x, y) =>
    Buffer.compare(Buffer.from(x), Buffer.from(y)),
  );
  const orders = [...new Set(rows.map(([o]) => o))];
  const P = products.length;
  const a = orders.map(() => new Array<number>(P).fill(0));
  for (const [o, p] of rows) {
    const row = a[orders.indexOf(o)]!;
    const j = products.indexOf(p);
    row[j] = binary ? 1 : row[j]! + 1;
  }
  const c = products.map((_, i) =>
    products.map((__, j) => (i === j ? 0 : a.reduce((s, row) => s + row[i]! * row[j]!, 0))),
  );
  const norm = c.map((row) => Math.sqrt(row.reduce((s, x) => s + x * x, 0)));
  // [id, score, C[p][q]] per product, best first.
  const out = new Map<string, Array<[string, number, number]>>();
  products.forEach((id, i) => {
    const cand: Array<[number, number]> = [];
    products.forEach((_, j) => {
      if (i === j || norm[i] === 0 || norm[j] === 0) return;
      const s = c[i]!.reduce((t, x, m) => t + x * c[j]![m]!, 0) / (norm[i]! * norm[j]!);
      if (s > 0) cand.push([j, s]);
    });
    cand.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    out.set(
      id,
      cand.slice(0, k).map(([j, s]) => [products[j]!, s, c[i]![j]!]),
    );
  });
  return out;
}

function random(seed: number): Array<[string, string]> {
  let x = seed;
  const r = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  const names = ["b", "a10", "a9", "Z", "é", "x y", "q,1", 'q"2', "m", "n", "o", "p"];
  const rows: Array<[string, string]> = [];
  for (let o = 0; o < 40; o++) {
    const size = 1 + Math.floor(r() * 4);
    for (let l = 0; l < size; l++)
      rows.push([`o${(o * 37) % 41}`, names[Math.floor(r() ** 1.5 * names.length)]!]);
  }
  return rows;
}

const toCsv = (rows: Array<[string, string]>) =>
  `order_id,product_id,category\n${rows.map(([o, p]) => `${o},"${p.replace(/"/g, '""')}",C${p.length % 3}`).join("\n")}\n`;

describe("buildRecommendations", () => {
  it("matches the dense classic method on random small inputs (count and binary incidence)", async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rows = random(seed);
      for (const incidence of ["count", "binary"] as const) {
        const k = 1 + (seed % 5);
        const want = reference(rows, k, incidence === "binary");
        const full = reference(rows, rows.length, incidence === "binary");
        const r = await buildRecommendations(chunked(toCsv(rows), 7), { k, incidence, threads: 1 });
        expect(r.index.productIds).toEqual([...want.keys()]);
        r.index.productIds.forEach((id, p) => {
          const got = Array.from({ length: r.topk.length[p]! }, (_, i) => r.topk.ids[p * k + i]!);
          const w = want.get(id)!;
          expect(got.length, `${seed} ${incidence} ${id}`).toBe(w.length);
          got.forEach((q, i) => {
            expect(r.topk.scores[p * k + i]).toBeCloseTo(w[i]![1], 12);
            if (r.index.productIds[q] !== w[i]![0]) {
              // Only where scores tie within rounding.
              expect(Math.abs(w.find(([x]) => x === r.index.productIds[q])![1] - w[i]![1])).toBeLessThan(
                1e-12,
              );
            }
            expect(r.topk.support[p * k + i]).toBe(
              full.get(id)!.find(([x]) => x === r.index.productIds[q])![2],
            );
          });
        });
      }
    }
  });

  it("every plan of the classic cosine gives the same lists, and the stats name the plan that ran", async () => {
    const rows = random(7);
    const auto = await buildRecommendations(chunked(toCsv(rows), 64), { k: 4 });
    expect(auto.stats.plan?.requested).toBe("auto");
    for (const plan of ["scatter", "order-side", "dense"] as const) {
      const r = await buildRecommendations(chunked(toCsv(rows), 64), { k: 4, plan });
      expect(r.stats.plan?.strategy).toBe(plan);
      expect(Array.from(r.topk.length)).toEqual(Array.from(auto.topk.length));
      expect(Array.from(r.topk.ids)).toEqual(Array.from(auto.topk.ids));
      for (const [i, x] of r.topk.scores.entries()) {
        expect(Math.abs(x - auto.topk.scores[i]!)).toBeLessThanOrEqual(1e-9);
      }
    }
    await expect(buildRecommendations(chunked(toCsv(rows), 64), { plan: "fast" as never })).rejects.toThrow(
      /plan must be one of auto, scatter, order-side, dense/,
    );
  });

  it("reports stages in order, progress, and stats", async () => {
    const rows = random(99);
    const events: StageEvent[] = [];
    const progress: string[] = [];
    const topkWork: TopKWork[] = [];
    const r = await buildRecommendations(chunked(toCsv(rows), 64), {
      k: 3,
      onStage: (e) => events.push(e),
      onProgress: (e) => {
        progress.push(e.stage);
        if (e.stage === "topk") topkWork.push(e.work);
      },
    });
    // C is counted in a stage of its own only when the chosen plan reads it.
    const cStage = r.stats.plan?.strategy === "order-side" ? [] : ["cooccurrence:start", "cooccurrence:end"];
    expect(events.map((e) => `${e.stage}:${e.phase}`)).toEqual([
      "ingest:start",
      "ingest:end",
      "incidence:start",
      "incidence:end",
      ...cStage,
      "topk:start",
      "topk:end",
      "validation:start",
      "validation:end",
    ]);
    for (const e of events) if (e.phase === "end") expect(e.seconds).toBeGreaterThanOrEqual(0);
    expect(progress).toContain("ingest");
    expect(progress).toContain("topk");
    const s = r.stats;
    // The top-k's estimated work comes through: monotone, ending at the plan's estimate.
    const work = topkWork.map((w) => w.done);
    expect(work).toEqual([...work].sort((x, y) => x - y));
    expect(topkWork.at(-1)).toEqual({
      done: s.plan!.estimatedMultiplyAdds,
      total: s.plan!.estimatedMultiplyAdds,
      unit: "multiply-adds",
    });
    expect(s.rows).toBe(rows.length);
    expect(s.orders).toBe(new Set(rows.map(([o]) => o)).size);
    expect(s.products).toBe(r.index.productIds.length);
    expect(s.nnzA).toBeLessThanOrEqual(rows.length);
    expect(s.plan?.strategy).toBeDefined();
    if (s.plan?.strategy === "order-side") {
      expect(s.nnzC).toBeUndefined(); // the order-side plan never builds C
    } else {
      expect(s.nnzC).toBeGreaterThan(0);
      expect(s.nnzC! % 2).toBe(0); // symmetric, no diagonal
    }
    expect(s.multiplyAdds).toBeGreaterThan(0);
    expect(s.badRows).toBe(0);
    expect(s.seconds.total).toBeCloseTo(
      s.seconds.ingest + s.seconds.incidence + s.seconds.cooccurrence + s.seconds.topk + s.seconds.validation,
      9,
    );
    expect(r.validation?.overall.products).toBe(s.products);
  });

  it("applies minSupport and minScore", async () => {
    const csv = "order_id,product_id,category\n1,A,c\n1,B,c\n2,A,c\n2,C,c\n3,A,c\n3,B,c\n4,D,c\n4,A,c\n";
    const all = await buildRecommendations(chunked(csv), { k: 5 });
    const strict = await buildRecommendations(chunked(csv), { k: 5, minSupport: 2 });
    // Only A (4 orders) and B (2 orders) have support ≥ 2.
    expect(strict.topk.length[2]).toBe(0);
    expect(strict.topk.length[3]).toBe(0);
    for (let i = 0; i < strict.topk.length[0]!; i++) expect(strict.topk.ids[i]).toBe(1);
    expect(all.topk.length[2]).toBeGreaterThan(0);
    const high = await buildRecommendations(chunked(csv), { k: 5, minScore: 0.99 });
    for (let p = 0; p < 4; p++) {
      for (let i = 0; i < high.topk.length[p]!; i++)
        expect(high.topk.scores[p * 5 + i]).toBeGreaterThan(0.99);
    }
  });

  it("recommendFromIndex runs the stages after ingest", async () => {
    const ix = await readSales(chunked(toCsv(random(3))));
    const r = await recommendFromIndex(ix, { k: 2, threads: 1 });
    expect(r.index).toBe(ix);
    expect(r.stats.seconds.ingest).toBe(0);
    expect(r.topk.products).toBe(ix.productIds.length);
  });

  it("nothing to recommend: no order with two different products", async () => {
    const csv = "order_id,product_id,category\n1,P1,C\n1,P1,C\n2,P2,C\n3,P1,C\n";
    const e = await rejection(buildRecommendations(chunked(csv), { name: "single.csv" }));
    expect(e.code).toBe("COBUY_PIPELINE_NOTHING_TO_RECOMMEND");
    expect(e.message).toBe(
      "single.csv: nothing to recommend: no order holds two different products (3 orders, 4 rows, 2 products); check that the order column groups the lines of one basket",
    );
  });

  it("needs a category column unless validate is false", async () => {
    // (With only two products, C's rows (0 1) and (1 0) are orthogonal: cosine 0, no recommendation.)
    const csv = "order_id,product_id\n1,P1\n1,P2\n1,P3\n";
    expect((await rejection(buildRecommendations(chunked(csv)))).code).toBe(
      "COBUY_PIPELINE_CSV_MISSING_COLUMN",
    );
    const r = await buildRecommendations(chunked(csv), { validate: false });
    expect(r.validation).toBeNull();
    expect(r.topk.length[0]).toBe(2);
  });

  it("passes skipBadRows through and reports the count", async () => {
    const csv = "order_id,product_id,category\n1,P1,C\n1,,C\n1,P2,C\n";
    const r = await buildRecommendations(chunked(csv), { skipBadRows: true });
    expect(r.stats.badRows).toBe(1);
    expect(r.index.badRows.examples[0]).toMatchObject({ line: 3, code: "COBUY_PIPELINE_CSV_EMPTY_FIELD" });
  });
});
