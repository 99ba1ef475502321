import { describe, expect, it } from "vitest";
import { createTopKLists, mergeTopKLists, offerTopK, selectTopK } from "../src/index.js";
import { rng } from "./dense-oracle.js";

describe("top-k lists", () => {
  it("keeps the k best by (score desc, id asc) in any arrival order", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const r = rng(seed);
      const n = Math.floor(r() * 30);
      const k = 1 + Math.floor(r() * 8);
      const items = Array.from({ length: n }, (_, id) => ({ id, score: Math.floor(r() * 5) / 4 }));
      const shuffled = [...items].sort(() => r() - 0.5);
      const lists = createTopKLists(1, k);
      for (const it of shuffled) offerTopK(lists, 0, it.id, it.score, it.id * 10);
      const expected = [...items].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k);
      expect(Array.from(lists.ids.subarray(0, lists.length[0]))).toEqual(expected.map((x) => x.id));
      expect(Array.from(lists.support.subarray(0, lists.length[0]))).toEqual(expected.map((x) => x.id * 10));
      // Merging two halves gives the same lists.
      const a = createTopKLists(1, k);
      const b = createTopKLists(1, k);
      shuffled.forEach((it, i) => {
        offerTopK(i % 2 ? a : b, 0, it.id, it.score, it.id * 10);
      });
      mergeTopKLists(a, b);
      expect(Array.from(a.ids.subarray(0, a.length[0]))).toEqual(expected.map((x) => x.id));
    }
  });

  it("selectTopK reads one dense row with a minimum score", () => {
    const row = Float64Array.of(0.1, 0.9, 0.9, 0, 0.5);
    const { ids, scores } = selectTopK(row, 3, { minScore: 0.2 });
    expect(Array.from(ids)).toEqual([1, 2, 4]);
    expect(Array.from(scores)).toEqual([0.9, 0.9, 0.5]);
    expect(Array.from(selectTopK(row, 2, { from: 2 }).ids)).toEqual([2, 4]);
  });

  it("rejects k out of range", () => {
    expect(() => createTopKLists(3, 0)).toThrow(expect.objectContaining({ code: "COBUY_MATH_BAD_OPTION" }));
    expect(() => createTopKLists(3, 70000)).toThrow(/k must be an integer from 1 to 1000/);
  });
});
