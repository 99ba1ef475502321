import { expect } from "vitest";
import { buildIncidence, type CsrMatrix, type TopKResult } from "../src/index.js";
import type { DenseRec, Lines } from "./dense-oracle.js";

/** Each product's list as records, best first. */
export function listsOf(top: TopKResult): DenseRec[][] {
  const out: DenseRec[][] = [];
  for (let p = 0; p < top.products; p++) {
    const list: DenseRec[] = [];
    for (let i = p * top.k; i < p * top.k + top.length[p]!; i++) {
      list.push({ id: top.ids[i]!, score: top.scores[i]!, support: top.support[i]! });
    }
    out.push(list);
  }
  return out;
}

/** Same ids in the same order, scores within `tol`, same supports. */
export function expectSameLists(actual: DenseRec[][], expected: DenseRec[][], tol = 1e-12, what = ""): void {
  expect(actual.length).toBe(expected.length);
  for (let p = 0; p < expected.length; p++) {
    const a = actual[p]!;
    const e = expected[p]!;
    expect(
      a.map((x) => x.id),
      `${what} ids of product ${p}`,
    ).toEqual(e.map((x) => x.id));
    for (let i = 0; i < e.length; i++) {
      expect(Math.abs(a[i]!.score - e[i]!.score), `${what} score ${i} of product ${p}`).toBeLessThanOrEqual(
        tol,
      );
      expect(a[i]!.support, `${what} support ${i} of product ${p}`).toBe(e[i]!.support);
    }
  }
}

/** A of random order lines, count or binary incidence. */
export function incidenceOf(lines: Lines, binary: boolean): CsrMatrix {
  const { lineOrder, lineProduct, orders, products } = lines;
  return buildIncidence(lineOrder, lineProduct, orders, products, binary ? "binary" : "count");
}
