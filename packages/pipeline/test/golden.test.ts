import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type BuildResult, buildRecommendations } from "../src/index.js";
import { sharedDir } from "./helpers.js";

// Parity with the classic pandas/scikit-learn outputs in ../shared/golden (rule: golden/README.md).

type Scored = Array<[string, number]>;
const TOL = 1e-9;
const golden = join(sharedDir(), "golden");

function load<T>(set: string, name: string): T {
  return JSON.parse(readFileSync(join(golden, set, name), "utf8")) as T;
}

/** Our list of product `id`, as [id, score] pairs. */
function ours(r: BuildResult, p: number): Scored {
  const { topk, index } = r;
  const out: Scored = [];
  for (let i = 0; i < topk.length[p]!; i++) {
    out.push([index.productIds[topk.ids[p * topk.k + i]!]!, topk.scores[p * topk.k + i]!]);
  }
  return out;
}

/**
 * The parity rule of golden/README.md for one product: golden cut to score > 0 and to K entries;
 * then same length, position-wise scores within 1e-9, shared ids with the same score, and the ids
 * scoring above the K-th score by more than 1e-9 are the same set. Returns the problems found.
 */
function parityProblems(product: string, want: Scored, got: Scored, K: number): string[] {
  const exp = want.filter(([, s]) => s > 0).slice(0, K);
  const act = got.slice(0, K);
  const problems: string[] = [];
  if (exp.length !== act.length) {
    return [`${product}: ${act.length} recommendations, golden has ${exp.length} with score > 0`];
  }
  for (let i = 0; i < exp.length; i++) {
    if (Math.abs(exp[i]![1] - act[i]![1]) > TOL) {
      problems.push(`${product} rank ${i + 1}: score ${act[i]![1]} vs golden ${exp[i]![1]}`);
    }
  }
  const expScore = new Map(exp);
  for (const [id, s] of act) {
    const e = expScore.get(id);
    if (e !== undefined && Math.abs(e - s) > TOL)
      problems.push(`${product}: ${id} scores ${s} vs golden ${e}`);
  }
  if (exp.length > 0) {
    const kth = exp[exp.length - 1]![1];
    const above = (l: Scored) =>
      l
        .filter(([, s]) => s > kth + TOL)
        .map(([id]) => id)
        .sort();
    if (above(exp).join() !== above(act).join()) {
      problems.push(`${product}: untied ids ${above(act).join()} vs golden ${above(exp).join()}`);
    }
  }
  return problems;
}

interface GoldenMetric {
  per_category: Record<string, { products: number; hits: number; ratio: number }>;
  overall: { products: number; hits: number; micro_ratio: number; macro_ratio: number };
  products_with_tied_top1: number;
}

const SETS = ["xs", "s", "edge"] as const;
const present = existsSync(join(golden, "xs", "sales.csv"));

describe.skipIf(!present)("golden parity with the classic method", () => {
  const runs = new Map<string, BuildResult>();

  beforeAll(async () => {
    for (const set of SETS) {
      for (const k of [5, 10]) {
        runs.set(`${set}/${k}`, await buildRecommendations(join(golden, set, "sales.csv"), { k }));
      }
    }
  });

  for (const set of SETS) {
    describe(set, () => {
      it("covers exactly the golden products", () => {
        const top10 = load<Record<string, Scored>>(set, "pandas_top10.json");
        expect([...runs.get(`${set}/10`)!.index.productIds]).toEqual(Object.keys(top10).sort());
      });

      it("top-10 matches pandas_top10.json under the parity rule", () => {
        const top10 = load<Record<string, Scored>>(set, "pandas_top10.json");
        const r = runs.get(`${set}/10`)!;
        const problems = r.index.productIds.flatMap((id, p) =>
          parityProblems(id, top10[id]!, ours(r, p), 10),
        );
        expect(problems).toEqual([]);
      });

      it("top-5 matches pandas_recs5.json (scores looked up in the top-10) under the parity rule", () => {
        const recs5 = load<Record<string, string>>(set, "pandas_recs5.json");
        const top10 = load<Record<string, Scored>>(set, "pandas_top10.json");
        const r = runs.get(`${set}/5`)!;
        const problems = r.index.productIds.flatMap((id, p) => {
          const want = top10[id]!.slice(0, 5);
          // recs5 is the first five of the top-10 list, as the README says.
          expect(recs5[id]!.split(";")).toEqual(want.map(([q]) => q));
          return parityProblems(id, want, ours(r, p), 5);
        });
        expect(problems).toEqual([]);
      });

      it("k = 5 lists are the first five of the k = 10 lists", () => {
        const r5 = runs.get(`${set}/5`)!;
        const r10 = runs.get(`${set}/10`)!;
        for (let p = 0; p < r5.index.productIds.length; p++)
          expect(ours(r5, p)).toEqual(ours(r10, p).slice(0, 5));
      });
    });
  }

  for (const set of ["xs", "s"] as const) {
    it(`${set}: the per-category metric equals metric.json exactly`, () => {
      const metric = load<GoldenMetric>(set, "metric.json");
      expect(metric.products_with_tied_top1).toBe(0);
      for (const k of [5, 10]) {
        const v = runs.get(`${set}/${k}`)!.validation!;
        const got = Object.fromEntries(
          Object.entries(v.byCategory).map(([c, x]) => [
            c,
            { products: x.products, hits: x.sameCategory, ratio: x.share },
          ]),
        );
        expect(got).toEqual(metric.per_category);
        expect(v.overall).toEqual({
          products: metric.overall.products,
          sameCategory: metric.overall.hits,
          share: metric.overall.micro_ratio,
        });
        expect(v.categoryConflicts).toBe(0);
      }
    });
  }

  it("edge: the top-10 matches canonical_top10.json (same tie rule) under the parity rule", () => {
    const canonical = load<Record<string, Scored>>("edge", "canonical_top10.json");
    const r = runs.get("edge/10")!;
    const problems = r.index.productIds.flatMap((id, p) =>
      parityProblems(id, canonical[id]!, ours(r, p), 10),
    );
    expect(problems).toEqual([]);
  });

  it("edge: the metric is metric_canonical.json minus the hits it credits to zero-score top-1s", () => {
    // metric_canonical.json takes each product's first canonical entry as its top-1 even when its
    // score is 0 (39 products share no order with anything; their "top-1" is the smallest other
    // id). cobuy recommends only positive scores, so those products have no recommendation and
    // count as misses (design.md). Removing exactly those credited hits gives our metric.
    const canonical = load<Record<string, Scored>>("edge", "canonical_top10.json");
    const metric = load<GoldenMetric>("edge", "metric_canonical.json");
    const r = runs.get("edge/10")!;
    const { index } = r;
    const categoryOf = new Map(
      index.productIds.map((id, p) => [id, index.categories[index.productCategory![p]!]!]),
    );
    const zeroHits = new Map<string, number>();
    let zeroTop1 = 0;
    for (const [id, list] of Object.entries(canonical)) {
      if (list[0]![1] !== 0) continue;
      zeroTop1++;
      const c = categoryOf.get(id)!;
      if (categoryOf.get(list[0]![0]) === c) zeroHits.set(c, (zeroHits.get(c) ?? 0) + 1);
    }
    expect(zeroTop1).toBe(39);
    let hits = 0;
    for (const [c, m] of Object.entries(metric.per_category)) {
      const v = r.validation!.byCategory[c]!;
      expect(v.products, c).toBe(m.products);
      expect(v.sameCategory, c).toBe(m.hits - (zeroHits.get(c) ?? 0));
      hits += v.sameCategory;
    }
    expect(hits).toBe(metric.overall.hits - 11);
    expect(r.validation!.overall).toEqual({ products: 174, sameCategory: 73, share: 73 / 174 });
    // And the metric is computed from our own top-1 lists.
    let own = 0;
    for (let p = 0; p < index.productIds.length; p++) {
      if (r.topk.length[p]! > 0 && index.productCategory![r.topk.ids[p * 10]!] === index.productCategory![p])
        own++;
    }
    expect(own).toBe(73);
  });

  it("the plain TypeScript kernel on one thread agrees on s", async () => {
    const js = await buildRecommendations(join(golden, "s", "sales.csv"), {
      k: 10,
      kernel: "js",
      threads: 1,
    });
    const def = runs.get("s/10")!;
    const problems = js.index.productIds.flatMap((id, p) =>
      parityProblems(id, ours(def, p), ours(js, p), 10),
    );
    expect(problems).toEqual([]);
  });
});

describe("the parity check itself", () => {
  const want: Scored = [
    ["a", 0.9],
    ["b", 0.5],
    ["c", 0.5],
    ["d", 0.1],
    ["z", 0],
  ];
  it("accepts tied ids in another order, including a tie across the K-th place", () => {
    expect(
      parityProblems(
        "p",
        want,
        [
          ["a", 0.9],
          ["c", 0.5],
          ["b", 0.5],
          ["d", 0.1],
        ],
        4,
      ),
    ).toEqual([]);
    expect(
      parityProblems(
        "p",
        want,
        [
          ["a", 0.9],
          ["c", 0.5],
        ],
        2,
      ),
    ).toEqual([]);
  });
  it("rejects a wrong score, a wrong untied id, a zero score kept, a list too short", () => {
    expect(
      parityProblems(
        "p",
        want,
        [
          ["a", 0.9],
          ["b", 0.5],
          ["c", 0.5],
          ["d", 0.2],
        ],
        4,
      ),
    ).not.toEqual([]);
    expect(
      parityProblems(
        "p",
        want,
        [
          ["b", 0.9],
          ["a", 0.5],
          ["c", 0.5],
          ["d", 0.1],
        ],
        4,
      ),
    ).not.toEqual([]);
    expect(
      parityProblems(
        "p",
        want,
        [
          ["a", 0.9],
          ["b", 0.5],
          ["c", 0.5],
          ["d", 0.1],
          ["z", 0],
        ],
        5,
      ),
    ).not.toEqual([]);
    expect(
      parityProblems(
        "p",
        want,
        [
          ["a", 0.9],
          ["b", 0.5],
        ],
        4,
      ),
    ).not.toEqual([]);
  });
});
