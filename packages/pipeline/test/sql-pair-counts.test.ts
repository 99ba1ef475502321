import { buildIncidence, type CsrMatrix, cooccurrence, type Incidence } from "@cobuy/core-math";
import { seededUniform as rng } from "@cobuy/test-utils/random";
import { describe, expect, it } from "vitest";
import { cooccurrenceSql, PairCounts } from "../src/index.js";

/** Random order lines, with repeated lines and products that are never paired. */
function randomLines(seed: number) {
  const r = rng(seed);
  const orders = 1 + Math.floor(r() * 60);
  const products = 1 + Math.floor(r() * 40);
  const lo: number[] = [];
  const lp: number[] = [];
  for (let o = 0; o < orders; o++) {
    const n = Math.floor(r() * 7);
    for (let i = 0; i < n; i++) {
      lo.push(o);
      lp.push(Math.floor(r() * r() * products)); // skewed: repeats are common
    }
  }
  return { orders, products, lineOrder: Uint32Array.from(lo), lineProduct: Uint32Array.from(lp), r };
}

/** What the database returns: per unordered pair Σ_o A[o][p]·A[o][q], here split at random into partial sums, shuffled, either orientation. */
function pairRows(a: CsrMatrix, r: () => number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let o = 0; o < a.rows; o++) {
    for (let i = a.rowPtr[o]!; i < a.rowPtr[o + 1]!; i++) {
      for (let j = i + 1; j < a.rowPtr[o + 1]!; j++) {
        const v = a.values[i]! * a.values[j]!;
        const [p, q] = r() < 0.5 ? [a.colIdx[i]!, a.colIdx[j]!] : [a.colIdx[j]!, a.colIdx[i]!];
        out.push([p, q, v]);
      }
    }
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function plain(m: CsrMatrix) {
  return {
    rows: m.rows,
    cols: m.cols,
    rowPtr: Array.from(m.rowPtr),
    colIdx: Array.from(m.colIdx),
    values: Array.from(m.values),
  };
}

describe("PairCounts: C from the database's pair counts", () => {
  it("equals core-math's cooccurrence(A) on random inputs (count and binary, partial sums, any order)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      for (const incidence of ["count", "binary"] as Incidence[]) {
        const { orders, products, lineOrder, lineProduct, r } = randomLines(seed);
        const a = buildIncidence(lineOrder, lineProduct, orders, products, incidence);
        const pairs = new PairCounts(products);
        for (const [p, q, v] of pairRows(a, r)) pairs.add(p, q, v);
        expect(plain(pairs.toCsr()), `seed ${seed} ${incidence}`).toEqual(plain(cooccurrence(a)));
      }
    }
  });

  it("builds the example of its doc comment, and an empty C", () => {
    const pairs = new PairCounts(3);
    pairs.add(0, 2, 4);
    pairs.add(1, 0, 1);
    expect(plain(pairs.toCsr())).toEqual({
      rows: 3,
      cols: 3,
      rowPtr: [0, 2, 3, 4],
      colIdx: [1, 2, 0, 0],
      values: [1, 4, 1, 4],
    });
    expect(plain(new PairCounts(2).toCsr())).toEqual({
      rows: 2,
      cols: 2,
      rowPtr: [0, 0, 0],
      colIdx: [],
      values: [],
    });
  });

  it("rejects the diagonal, indices out of range and counts that are not positive", () => {
    const pairs = new PairCounts(3);
    expect(() => pairs.add(1, 1, 1)).toThrow(/distinct/);
    expect(() => pairs.add(0, 3, 1)).toThrow(/0 to 2/);
    expect(() => pairs.add(0, 1, 0)).toThrow(/positive/);
    expect(() => pairs.add(0, 1, Number.NaN)).toThrow(/positive/);
  });
});

describe("SQL identifiers (the rule of @cobuy/contracts)", () => {
  it("quotes plain names and rejects anything else before a query is built", () => {
    expect(cooccurrenceSql({ table: "Ventes_2024$", schema: "bestellung_größe" }).pairs).toContain(
      '"bestellung_größe"."Ventes_2024$"',
    );
    // Every name the rule refuses is listed in contracts' tests; here: refused as this package's code.
    for (const bad of ['x"; DROP TABLE sales; --', "a.b", "1abc"]) {
      expect(() => cooccurrenceSql({ table: bad }), bad).toThrow(
        expect.objectContaining({
          code: "COBUY_PIPELINE_SQL_IDENTIFIER",
          message: expect.stringContaining("table name"),
        }),
      );
    }
    expect(() => cooccurrenceSql({ table: "sales", columns: { order: "o;--" } })).toThrow(
      expect.objectContaining({
        code: "COBUY_PIPELINE_SQL_IDENTIFIER",
        message: expect.stringContaining("order column"),
      }),
    );
  });

  it("writes the self-join over the upper triangle (count: Σ n_p·n_q; binary: count(*))", () => {
    const count = cooccurrenceSql({ table: "sales", schema: "shop" });
    expect(count.pairs).toBe(
      'SELECT CAST(a.p AS TEXT), CAST(b.p AS TEXT), SUM(a.n * b.n) FROM (SELECT "order_id" AS o, "product_id" AS p, count(*) AS n FROM "shop"."sales" GROUP BY "order_id", "product_id") a ' +
        'JOIN (SELECT "order_id" AS o, "product_id" AS p, count(*) AS n FROM "shop"."sales" GROUP BY "order_id", "product_id") b ON a.o = b.o AND a.p < b.p GROUP BY a.p, b.p',
    );
    const binary = cooccurrenceSql({ table: "sales", incidence: "binary" });
    expect(binary.pairs).toContain('SELECT DISTINCT "order_id" AS o, "product_id" AS p FROM "sales"');
    expect(binary.pairs).toContain("count(*) FROM");
  });
});
