// The similarity options of buildRecommendations / recommendFromIndex: core-math measures, minimum
// pair support, caps, "auto" and the popular blend, checked against core-math and evaluation directly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildIncidence, countPairs, measureTopK, type TopKResult } from "@cobuy/core-math";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildRecommendations,
  generateSample,
  holdoutSplit,
  readSales,
  recommendFromIndex,
  type SalesIndex,
  SIMILARITIES,
  writeDocuments,
} from "../src/index.js";
import { chunked, rejection, tempDir } from "./helpers.js";

const csv = [...generateSample({ orders: 500, products: 90, categories: 4, seed: 3 })].join("");

/** Product p's list as [id, score, support] triples. */
function listOf(top: TopKResult, p: number): Array<[number, number, number]> {
  return Array.from({ length: top.length[p]! }, (_, r) => {
    const i = p * top.k + r;
    return [top.ids[i]!, top.scores[i]!, top.support[i]!];
  });
}

function binaryA(ix: SalesIndex) {
  return buildIncidence(ix.lineOrder, ix.lineProduct, ix.orders, ix.productIds.length, "binary");
}

let ix: SalesIndex;
beforeAll(async () => {
  ix = await readSales(chunked(csv), { keepOrderIds: true, requireCategory: true });
});

describe("recommendFromIndex: similarity measures", () => {
  it("defaults to the classic measure, recorded as requested", async () => {
    const a = await recommendFromIndex(ix, { k: 4, threads: 1 });
    const b = await recommendFromIndex(ix, { k: 4, threads: 1, similarity: "cooccurrence-cosine" });
    expect(a.similarity).toEqual({ measure: "cooccurrence-cosine", chosen: "requested", minPairSupport: 1 });
    expect(b.topk.ids).toEqual(a.topk.ids);
    expect(b.topk.scores).toEqual(a.topk.scores);
    expect(a.reasons).toBeNull();
    expect(a.blend).toBeNull();
    expect(a.stats.seconds.auto).toBe(0);
  });

  it.each(SIMILARITIES.filter((m) => m !== "cooccurrence-cosine"))(
    "%s gives core-math's measureTopK on the binary baskets",
    async (measure) => {
      const r = await recommendFromIndex(ix, { k: 5, similarity: measure, minSupport: 2, minPairSupport: 2 });
      const want = measureTopK(countPairs(binaryA(ix)), measure, { k: 5, minSupport: 2, minPairSupport: 2 });
      expect(r.topk.length).toEqual(want.length);
      expect(r.topk.ids).toEqual(want.ids);
      expect(r.topk.scores).toEqual(want.scores);
      expect(r.topk.support).toEqual(want.support);
      expect(r.similarity).toEqual({ measure, chosen: "requested", minPairSupport: 2 });
      expect(r.stats.nnzC).toBe(countPairs(binaryA(ix)).pairs.colIdx.length);
      expect(r.validation?.overall.products).toBeGreaterThan(0);
    },
  );

  it("llr lists differ from the classic ones", async () => {
    const classic = await recommendFromIndex(ix, { k: 5, threads: 1 });
    const llr = await recommendFromIndex(ix, { k: 5, similarity: "llr" });
    expect(llr.topk.ids).not.toEqual(classic.topk.ids);
  });

  it("a minimum pair support on the classic measure filters candidates, scores stay classic", async () => {
    const P = ix.productIds.length;
    const full = await recommendFromIndex(ix, { k: P - 1, threads: 1 });
    const cut = await recommendFromIndex(ix, { k: 3, threads: 1, minPairSupport: 3 });
    for (let p = 0; p < P; p++) {
      const want = listOf(full.topk, p)
        .filter(([, , s]) => s >= 3)
        .slice(0, 3);
      expect(listOf(cut.topk, p)).toEqual(want);
    }
  });

  it("caps down-sample before counting (core-math measures only)", async () => {
    const caps = { maxProductsPerOrder: 3, maxOrdersPerProduct: 40 };
    const r = await recommendFromIndex(ix, { k: 5, similarity: "jaccard", caps });
    const want = measureTopK(countPairs(binaryA(ix), caps), "jaccard", { k: 5 });
    expect(r.topk.ids).toEqual(want.ids);
    expect(r.topk.scores).toEqual(want.scores);
    expect(r.similarity.caps).toEqual(caps);
    const uncapped = await recommendFromIndex(ix, { k: 5, similarity: "jaccard" });
    expect(uncapped.topk.ids).not.toEqual(r.topk.ids);

    const e = await rejection(recommendFromIndex(ix, { caps }));
    expect(e.code).toBe("COBUY_PIPELINE_OPTION");
    expect(e.message).toContain("the classic cooccurrence-cosine counts every order line");
  });

  it("rejects an unknown measure, a bad minimum pair support and a bad blend weight", async () => {
    for (const options of [
      { similarity: "pearson" as never },
      { minPairSupport: 0 },
      { blend: { popular: 1.5 } },
      { similarity: "auto" as const, auto: { fraction: 1 } },
    ]) {
      const e = await rejection(recommendFromIndex(ix, options));
      expect(e.code, JSON.stringify(options)).toBe("COBUY_PIPELINE_OPTION");
    }
  });
});

describe("similarity auto", () => {
  it("chooses on a holdout of the orders, records every candidate and builds the choice on all orders", async () => {
    const events: string[] = [];
    const r = await buildRecommendations(chunked(csv), {
      k: 5,
      threads: 1,
      similarity: "auto",
      onStage: (e) => e.phase === "end" && events.push(e.stage),
    });
    expect(events).toEqual(["ingest", "incidence", "auto", "cooccurrence", "topk", "validation"]);
    const sel = r.similarity.selection!;
    expect(r.similarity.chosen).toBe("auto");
    expect(sel.candidates).toHaveLength(SIMILARITIES.length * 3);
    const split = holdoutSplit(r.index.orderIds!, { fraction: 0.2, seed: 1 });
    expect(sel).toMatchObject({
      fraction: 0.2,
      seed: 1,
      minCoverage: 0.8,
      trainOrders: split.train.length,
      validationOrders: split.test.length,
    });
    // The rule: the best hitRate among candidates with coverage ≥ 0.8, first one on ties.
    const eligible = sel.candidates.filter((c) => c.coverage >= 0.8);
    expect(eligible.length).toBeGreaterThan(0);
    const best = eligible.reduce((b, c) => (c.hitRate > b.hitRate ? c : b));
    expect([r.similarity.measure, r.similarity.minPairSupport]).toEqual([
      best.similarity,
      best.minPairSupport,
    ]);
    // The served lists are the chosen configuration built on every order.
    const again = await recommendFromIndex(r.index, {
      k: 5,
      threads: 1,
      similarity: r.similarity.measure,
      minPairSupport: r.similarity.minPairSupport,
    });
    expect(r.topk.ids).toEqual(again.topk.ids);
    expect(r.topk.scores).toEqual(again.topk.scores);
  });

  it("does not depend on the row order, and needs the order ids", async () => {
    const [header, ...rows] = csv.trimEnd().split("\n");
    const shuffled = `${header}\n${rows.reverse().join("\n")}\n`;
    const a = await buildRecommendations(chunked(csv), { k: 5, threads: 1, similarity: "auto" });
    const b = await buildRecommendations(chunked(shuffled), { k: 5, threads: 1, similarity: "auto" });
    expect(b.similarity).toEqual(a.similarity);

    const noIds = await readSales(chunked(csv));
    const e = await rejection(recommendFromIndex(noIds, { similarity: "auto" }));
    expect(e.code).toBe("COBUY_PIPELINE_OPTION");
    expect(e.message).toContain("keepOrderIds");
  });
});

describe("blend popular", () => {
  it("keeps the first similar items, adds best sellers, and gives every item a reason", async () => {
    const k = 4;
    const similar = await recommendFromIndex(ix, { k, similarity: "llr" });
    const r = await recommendFromIndex(ix, { k, similarity: "llr", blend: { popular: 0.5 } });
    expect(r.blend).toEqual({ popular: 0.5 });
    const reasons = r.reasons!;
    expect(reasons).toHaveLength(r.topk.ids.length);
    let popular = 0;
    for (let p = 0; p < ix.productIds.length; p++) {
      const got = listOf(r.topk, p);
      const sim = listOf(similar.topk, p);
      // k - round(0.5 k) = 2 similar items first, in order.
      expect(got.slice(0, Math.min(2, sim.length))).toEqual(sim.slice(0, 2));
      for (let i = 0; i < got.length; i++) {
        const why = reasons[p * k + i]!;
        expect([0, 1, 2]).toContain(why);
        if (why !== 0) {
          popular++;
          expect(got[i]![1]).toBe(0);
        }
      }
      expect(new Set(got.map(([q]) => q)).size).toBe(got.length);
      expect(got.some(([q]) => q === p)).toBe(false);
    }
    expect(popular).toBeGreaterThan(0);
  });

  it("never lists or recommends a product under minSupport", async () => {
    const minSupport = 8;
    const r = await recommendFromIndex(ix, { k: 5, similarity: "cosine", minSupport, blend: { popular: 1 } });
    for (let p = 0; p < ix.productIds.length; p++) {
      if (r.productSupport[p]! < minSupport) expect(r.topk.length[p]).toBe(0);
      for (const [q] of listOf(r.topk, p)) expect(r.productSupport[q]!).toBeGreaterThanOrEqual(minSupport);
    }
  });

  it("writes each item's reason into recs.rich.json, and no reason without a blend", async () => {
    const dir = tempDir();
    const r = await recommendFromIndex(ix, { k: 3, similarity: "llr", blend: { popular: 0.4 } });
    await writeDocuments(join(dir, "blend"), { ...r, runId: "r1" });
    const rich = JSON.parse(readFileSync(join(dir, "blend", "recs.rich.json"), "utf8"));
    const items = Object.values(rich.recs).flat() as Array<{ reason?: string }>;
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((x) => x.reason))).toEqual(new Set(["similar", "popular-in-category"]));

    const plain = await recommendFromIndex(ix, { k: 3, similarity: "llr" });
    await writeDocuments(join(dir, "plain"), { ...plain, runId: "r2" });
    expect(readFileSync(join(dir, "plain", "recs.rich.json"), "utf8")).not.toContain('"reason"');
  });
});
