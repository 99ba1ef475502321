import { describe, expect, expectTypeOf, it } from "vitest";
import { type RecReason, RICH_FORMAT, type RichRecItem, type RichRecsDocument } from "../src/index.js";

// The types are checked by `tsc` over this file (pnpm typecheck): a shape change that breaks the
// design notes' example, or lets through what they forbid, fails the build here.
describe("the recs.rich.json types", () => {
  it("describe the design notes' example, with the products section and reasons", () => {
    const doc = {
      format: RICH_FORMAT,
      runId: "2026-11-29_06-53-07",
      createdAt: "2026-11-29T06:53:07.000Z",
      params: {
        k: 5,
        minScore: 0,
        similarity: { measure: "cosine", chosen: "requested", minPairSupport: 1 },
      },
      counts: { orders: 3, rows: 9, products: 2 },
      recs: {
        P1: [{ id: "P7", score: 0.93, support: 12, reason: "similar" }],
        P7: [{ id: "P1", score: 0, support: 0, reason: "popular-in-category" }],
        P9: [],
      },
      products: { P1: { category: "C01", support: 12 }, P7: { category: null, support: 3 } },
    } satisfies RichRecsDocument;
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expectTypeOf<RichRecItem["reason"]>().toEqualTypeOf<RecReason | undefined>();
    expectTypeOf<RecReason>().toEqualTypeOf<"similar" | "popular-in-category" | "popular">();
  });

  it("refuse another format, a missing count and an unknown reason", () => {
    const base = { runId: "r", createdAt: "t", params: {}, recs: {} };
    const wrongFormat: RichRecsDocument = {
      ...base,
      // @ts-expect-error the format is fixed
      format: "cobuy.recs.v2",
      counts: { orders: 0, rows: 0, products: 0 },
    };
    // @ts-expect-error counts.products is required
    const noProducts: RichRecsDocument = { ...base, format: RICH_FORMAT, counts: { orders: 0, rows: 0 } };
    // @ts-expect-error reasons are one of three
    const badReason: RichRecItem = { id: "P1", score: 1, reason: "trending" };
    expect([wrongFormat.format, noProducts.counts.products, badReason.reason]).toEqual([
      "cobuy.recs.v2",
      undefined,
      "trending",
    ]);
  });
});
