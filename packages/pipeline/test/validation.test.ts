import type { TopKLists } from "@cobuy/core-math";
import { describe, expect, it } from "vitest";
import { readSales, validateRecommendations } from "../src/index.js";
import { chunked } from "./helpers.js";

/** Top-k lists from per-product id lists (scores descending, made up). */
function lists(k: number, recs: number[][]): TopKLists {
  const P = recs.length;
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  const support = new Float64Array(P * k);
  const length = new Uint16Array(P);
  recs.forEach((r, p) => {
    length[p] = r.length;
    r.forEach((q, i) => {
      ids[p * k + i] = q;
      scores[p * k + i] = 1 - i / 10;
      support[p * k + i] = 1;
    });
  });
  return { products: P, k, ids, scores, support, length };
}

describe("validateRecommendations", () => {
  it("counts, per category and overall, products whose best recommendation shares their category", async () => {
    // P1, P2, P3 in A; P4, P5 in B.
    const csv = "order_id,product_id,category\n1,P1,A\n1,P2,A\n1,P3,A\n2,P4,B\n2,P5,B\n";
    const ix = await readSales(chunked(csv));
    // P1 → P2 (hit), P2 → P4 (miss, second rec irrelevant), P3 → none (miss), P4 → P5 (hit), P5 → P1 (miss)
    const v = validateRecommendations(ix, lists(3, [[1, 3], [3, 0], [], [4], [0]]));
    expect(v).toEqual({
      overall: { products: 5, sameCategory: 2, share: 2 / 5 },
      byCategory: {
        A: { products: 3, sameCategory: 1, share: 1 / 3 },
        B: { products: 2, sameCategory: 1, share: 1 / 2 },
      },
      categoryConflicts: 0,
      productsWithoutCategory: 0,
    });
    expect(Object.keys(v.byCategory)).toEqual(["A", "B"]);
  });

  it("uses each product's most frequent category and reports conflicts", async () => {
    const csv = "order_id,product_id,category\n1,P1,A\n1,P2,B\n2,P1,A\n2,P2,A\n3,P2,A\n";
    const ix = await readSales(chunked(csv));
    const v = validateRecommendations(ix, lists(1, [[1], [0]]));
    expect(v.byCategory).toEqual({ A: { products: 2, sameCategory: 2, share: 1 } });
    expect(v.categoryConflicts).toBe(1);
  });

  it("leaves products without a category out of every category; recommending one is a miss", async () => {
    // P3 has only empty categories; P1's empty row does not matter (A from its other row).
    const csv = "order_id,product_id,category\n1,P1,\n1,P2,A\n1,P3,\n2,P1,A\n2,P4,B\n2,P3,\n";
    const ix = await readSales(chunked(csv));
    // P1 → P3 (miss: P3 has no category), P2 → P1 (hit), P3 → P1 (not counted), P4 → none (miss)
    const v = validateRecommendations(ix, lists(2, [[2, 1], [0], [0], []]));
    expect(v).toEqual({
      overall: { products: 3, sameCategory: 1, share: 1 / 3 },
      byCategory: {
        A: { products: 2, sameCategory: 1, share: 1 / 2 },
        B: { products: 1, sameCategory: 0, share: 0 },
      },
      categoryConflicts: 0,
      productsWithoutCategory: 1,
    });
    // Every product without a category: nothing to measure, no crash.
    const none = await readSales(chunked("order_id,product_id,category\n1,P1,\n1,P2,\n"));
    expect(validateRecommendations(none, lists(1, [[1], [0]]))).toEqual({
      overall: { products: 0, sameCategory: 0, share: 0 },
      byCategory: {},
      categoryConflicts: 0,
      productsWithoutCategory: 2,
    });
  });

  it("handles a category called __proto__", async () => {
    const ix = await readSales(chunked("order_id,product_id,category\n1,P1,__proto__\n1,P2,__proto__\n"));
    const v = validateRecommendations(ix, lists(1, [[1], [0]]));
    expect(Object.keys(v.byCategory)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(v.byCategory, "__proto__")?.value).toEqual({
      products: 2,
      sameCategory: 2,
      share: 1,
    });
    expect(JSON.stringify(v.byCategory)).toBe('{"__proto__":{"products":2,"sameCategory":2,"share":1}}');
  });

  it("fails clearly without a category column or with lists of another index", async () => {
    const ix = await readSales(chunked("order_id,product_id\n1,P1\n1,P2\n"), { name: "nocat.csv" });
    expect(() => validateRecommendations(ix, lists(1, [[1], [0]]))).toThrow(
      'nocat.csv: validation needs a category column, and the input has none (add a "category" column or choose it with columns.category)',
    );
    const withCat = await readSales(chunked("order_id,product_id,category\n1,P1,A\n1,P2,A\n"));
    expect(() => validateRecommendations(withCat, lists(1, [[1]]))).toThrow(
      expect.objectContaining({ code: "COBUY_PIPELINE_OPTION" }),
    );
  });
});
