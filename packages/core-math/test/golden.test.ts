import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildIncidence, type CosineStrategy, cosineTopKFromOrders } from "../src/index.js";

// The golden files of ../shared/golden (pandas/scikit-learn) on every plan that fits the set:
// as many positive entries, position by position the same scores (within 1e-9), and the same ids
// above the 10th score (ids differ only among ties). golden/README.md has the parity rule.

const golden = process.env.COBUY_SHARED_DIR
  ? `${process.env.COBUY_SHARED_DIR}/golden`
  : fileURLToPath(new URL("../../../../shared/golden", import.meta.url));
const TOL = 1e-9;

/** sales.csv → A (count incidence) with products in id byte order, orders in first-seen order. */
function readSales(set: string) {
  const rows = readFileSync(`${golden}/${set}/sales.csv`, "utf8").trim().split("\n").slice(1);
  const orderIx = new Map<string, number>();
  const productIds = [...new Set(rows.map((l) => l.split(",")[1]!))].sort();
  const productIx = new Map(productIds.map((id, i) => [id, i]));
  const lo = new Uint32Array(rows.length);
  const lp = new Uint32Array(rows.length);
  rows.forEach((line, i) => {
    const [o, p] = line.split(",");
    if (!orderIx.has(o!)) orderIx.set(o!, orderIx.size);
    lo[i] = orderIx.get(o!)!;
    lp[i] = productIx.get(p!)!;
  });
  return { a: buildIncidence(lo, lp, orderIx.size, productIds.length, "count"), productIds };
}

const SETS: Array<[string, CosineStrategy[]]> = [
  ["xs", ["scatter", "order-side", "dense"]],
  ["edge", ["scatter", "order-side", "dense"]],
  // 20,000 orders: G = A Aᵀ would take 3 GiB, so no order-side here.
  ["s", ["scatter", "dense"]],
];

describe.skipIf(!existsSync(`${golden}/xs/sales.csv`))("golden top-10 on every plan", () => {
  it.each(SETS)("%s", async (set, plans) => {
    const { a, productIds } = readSales(set);
    const want = JSON.parse(readFileSync(`${golden}/${set}/pandas_top10.json`, "utf8")) as Record<
      string,
      Array<[string, number]>
    >;
    for (const plan of plans) {
      const top = await cosineTopKFromOrders(a, { k: 10, plan, threads: 2 });
      const problems: string[] = [];
      productIds.forEach((id, p) => {
        const exp = want[id]!.filter(([, s]) => s > 0).slice(0, 10);
        const n = top.length[p]!;
        if (n !== exp.length) problems.push(`${plan} ${id}: ${n} entries, golden ${exp.length}`);
        const got = Array.from(top.ids.subarray(p * 10, p * 10 + n), (q) => productIds[q]!);
        for (let i = 0; i < Math.min(n, exp.length); i++) {
          const s = top.scores[p * 10 + i]!;
          if (Math.abs(s - exp[i]![1]) > TOL)
            problems.push(`${plan} ${id} rank ${i + 1}: ${s} vs ${exp[i]![1]}`);
        }
        // Ids may differ only among tied scores: those above the 10th score must be the same set.
        const kth = exp.length ? exp[exp.length - 1]![1] : 0;
        const above = (ids: string[], scores: number[]) =>
          ids
            .filter((_, i) => scores[i]! > kth + TOL)
            .sort()
            .join();
        const mine = above(got, Array.from(top.scores.subarray(p * 10, p * 10 + n)));
        const theirs = above(
          exp.map(([g]) => g),
          exp.map(([, x]) => x),
        );
        if (mine !== theirs) problems.push(`${plan} ${id}: untied ids ${mine} vs ${theirs}`);
      });
      expect(problems).toEqual([]);
    }
  });
});
