import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { makeRunId, RICH_FORMAT } from "@cobuy/contracts";
import type { TopKLists } from "@cobuy/core-math";
import { describe, expect, it } from "vitest";
import { ChunkedWriter } from "../src/documents/chunked-writer.js";
import {
  buildRecommendations,
  type DocumentsInput,
  NO_CATEGORY,
  parseCatalog,
  writeDocuments,
  writeReport,
} from "../src/index.js";
import { chunked, rejection, tempDir } from "./helpers.js";

const dir = tempDir();

const CSV = [
  "order_id,product_id,category",
  "1,P1,A",
  "1,P2,A",
  "1,P3,B",
  "2,P1,A",
  "2,P2,A",
  "3,P2,A",
  "3,P3,B",
  '4,"we""ird",B',
  "4,P3,B",
  "5,P4,B",
].join("\n");

describe("writeReport from the lists the documents were written from", () => {
  it("renders the report it renders from the written documents, blended lists and a catalog too", async () => {
    const catalog = parseCatalog(Buffer.from("product_id,name\nP1,One\nP9,Unsold\n"), "catalog.csv");
    for (const blend of [undefined, { popular: 0.5 }]) {
      const r = await buildRecommendations(chunked(CSV), { k: 3, ...(blend ? { blend } : {}) });
      if (blend) expect(Array.from(r.reasons!)).toContain(1);
      const input: DocumentsInput = {
        index: r.index,
        topk: r.topk,
        validation: r.validation,
        productSupport: r.productSupport,
        reasons: r.reasons,
        catalog,
        runId: "2025-01-02_03-04-05",
        createdAt: new Date("2025-01-02T03:04:05.678Z"),
        params: { k: 3, ...(blend ? { blend } : {}) },
      };
      const out = join(dir, `report-${blend ? "blend" : "plain"}`);
      await writeDocuments(out, input);
      const read = readFileSync(
        await writeReport(out, { title: "t", stages: [{ name: "ingest", seconds: 1 }] }),
        "utf8",
      );
      const given = readFileSync(
        await writeReport(out, { title: "t", stages: [{ name: "ingest", seconds: 1 }], documents: input }),
        "utf8",
      );
      expect(given).toBe(read);
      expect(given).toContain("2025-01-02_03-04-05");
    }
  });
});

describe("writeDocuments", () => {
  it("writes recs.json, recs.rich.json and validation.json as design.md defines", async () => {
    const r = await buildRecommendations(chunked(CSV), { k: 2, name: "docs.csv" });
    const createdAt = new Date("2025-01-02T03:04:05.678Z");
    const out = join(dir, "run1");
    const files = await writeDocuments(out, {
      index: r.index,
      topk: r.topk,
      validation: r.validation,
      productSupport: r.productSupport,
      runId: "2025-01-02_03-04-05",
      createdAt,
      params: { k: 2, minScore: 0, incidence: "count" },
    });
    expect(files.map((f) => f.name)).toEqual(["recs.json", "recs.rich.json", "validation.json"]);
    for (const f of files) {
      expect(f.path).toBe(join(out, f.name));
      expect(statSync(f.path).size).toBe(f.bytes);
    }
    expect(readdirSync(out).sort()).toEqual(["recs.json", "recs.rich.json", "validation.json"]);

    // Classic: exactly what JSON.stringify(..., null, 2) gives, every product present.
    const classicText = readFileSync(join(out, "recs.json"), "utf8");
    const classic = JSON.parse(classicText) as Record<string, string>;
    expect(classicText).toBe(`${JSON.stringify(classic, null, 2)}\n`);
    expect(Object.keys(classic)).toEqual(r.index.productIds);
    expect(classic.P4).toBe(""); // bought alone: no recommendation
    const rich = JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"));
    expect(rich.format).toBe(RICH_FORMAT);
    expect(rich.runId).toBe("2025-01-02_03-04-05");
    expect(rich.createdAt).toBe("2025-01-02T03:04:05.678Z");
    expect(rich.params).toEqual({ k: 2, minScore: 0, incidence: "count" });
    expect(rich.counts).toEqual({ orders: 5, rows: 10, products: 5 });
    expect(Object.keys(rich)).toEqual([
      "format",
      "runId",
      "createdAt",
      "params",
      "counts",
      "recs",
      "products",
    ]);
    // products: category (most frequent) and support = distinct orders containing the product.
    expect(rich.products).toEqual({
      P1: { category: "A", support: 2 },
      P2: { category: "A", support: 3 },
      P3: { category: "B", support: 3 },
      P4: { category: "B", support: 1 },
      'we"ird': { category: "B", support: 1 },
    });
    expect(Object.keys(rich.products)).toEqual(r.index.productIds);
    expect([...r.productSupport]).toEqual([2, 3, 3, 1, 1]);
    expect(Object.keys(rich.recs)).toEqual(r.index.productIds);
    expect(rich.recs.P4).toEqual([]);
    for (const [id, list] of Object.entries(
      rich.recs as Record<string, Array<{ id: string; score: number; support: number }>>,
    )) {
      expect(list.map((x) => x.id).join(";")).toBe(classic[id]);
      const p = r.index.productIds.indexOf(id);
      list.forEach((x, i) => {
        // Scores round-trip exactly.
        expect(x.score).toBe(r.topk.scores[p * 2 + i]);
        expect(x.support).toBe(r.topk.support[p * 2 + i]);
        expect(Object.keys(x)).toEqual(["id", "score", "support"]);
      });
    }
    // support = C[p][q], the co-occurrence count; cosine of C's rows may also pick a product never
    // bought together with p (support 0), as the classic method does.
    // C rows: P1 {P2:2, P3:1}, P2 {P1:2, P3:2}, P3 {P1:1, P2:2, W:1}, W {P3:1}.
    const expected: Record<string, Array<[string, number, number]>> = {
      P1: [
        ["P3", 4 / Math.sqrt(30), 1],
        ['we"ird', 1 / Math.sqrt(5), 0],
      ],
      P2: [
        ['we"ird', 2 / Math.sqrt(8), 0],
        ["P1", 2 / Math.sqrt(40), 2],
      ],
      'we"ird': [
        ["P2", 2 / Math.sqrt(8), 0],
        ["P1", 1 / Math.sqrt(5), 0],
      ],
    };
    for (const [id, want] of Object.entries(expected)) {
      const got = rich.recs[id] as Array<{ id: string; score: number; support: number }>;
      expect(got.map((x) => [x.id, x.support])).toEqual(want.map(([q, , c]) => [q, c]));
      got.forEach((x, i) => {
        expect(x.score).toBeCloseTo(want[i]![1], 14);
      });
    }
    const validation = JSON.parse(readFileSync(join(out, "validation.json"), "utf8"));
    expect(validation).toEqual(JSON.parse(JSON.stringify(r.validation)));
    expect(Object.keys(validation)).toEqual([
      "overall",
      "byCategory",
      "categoryConflicts",
      "productsWithoutCategory",
    ]);
  });

  it("writes category null for a product whose rows all have an empty category", async () => {
    const csv = "order_id,product_id,category\n1,P1,A\n1,P2,\n2,P2,\n2,P1,\n2,P3,A\n3,P3,A\n3,P2,\n";
    const r = await buildRecommendations(chunked(csv), { k: 2 });
    const out = join(dir, "nocat");
    await writeDocuments(out, {
      index: r.index,
      topk: r.topk,
      validation: r.validation,
      productSupport: r.productSupport,
      runId: "2025-01-02_03-04-05",
    });
    const rich = JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"));
    expect(rich.products).toEqual({
      P1: { category: "A", support: 2 },
      P2: { category: null, support: 3 },
      P3: { category: "A", support: 2 },
    });
    const validation = JSON.parse(readFileSync(join(out, "validation.json"), "utf8"));
    expect(validation.overall.products).toBe(2);
    expect(validation.productsWithoutCategory).toBe(1);
    expect(Object.keys(validation.byCategory)).toEqual(["A"]);
  });

  it("writes category null for every product without a category column, and {} for no products", async () => {
    const r = await buildRecommendations(chunked("order_id,product_id\n1,P1\n1,P2\n"), {
      k: 1,
      validate: false,
    });
    const out = join(dir, "nocolumn");
    await writeDocuments(out, { index: r.index, topk: r.topk, productSupport: r.productSupport, runId: "r" });
    const rich = JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"));
    expect(rich.products).toEqual({ P1: { category: null, support: 1 }, P2: { category: null, support: 1 } });

    const empty: TopKLists = {
      products: 0,
      k: 1,
      ids: new Uint32Array(0),
      scores: new Float64Array(0),
      support: new Float64Array(0),
      length: new Uint16Array(0),
    };
    const files = await writeDocuments(join(dir, "none"), {
      index: { productIds: [], orders: 0, rows: 0 },
      topk: empty,
      productSupport: new Uint32Array(0),
      runId: "r",
    });
    const none = JSON.parse(readFileSync(files[1]!.path, "utf8"));
    expect(none.recs).toEqual({});
    expect(none.products).toEqual({});
    expect(JSON.parse(readFileSync(files[0]!.path, "utf8"))).toEqual({});
  });

  it("leaves out validation.json without a validation (and products without productSupport), and overwrites earlier files", async () => {
    const r = await buildRecommendations(chunked(CSV), { k: 1, validate: false });
    expect(r.validation).toBeNull();
    const out = join(dir, "run2");
    await writeDocuments(out, { index: r.index, topk: r.topk, runId: makeRunId() });
    const files = await writeDocuments(out, { index: r.index, topk: r.topk, runId: makeRunId() });
    expect(files.map((f) => f.name)).toEqual(["recs.json", "recs.rich.json"]);
    expect(readdirSync(out).sort()).toEqual(["recs.json", "recs.rich.json"]);
    // Without productSupport there is no products section.
    expect(Object.keys(JSON.parse(readFileSync(files[1]!.path, "utf8")))).not.toContain("products");
  });

  it("streams a large-ish output (60 000 products × 10) and parses back", async () => {
    const P = 60_000;
    const k = 10;
    const productIds = Array.from({ length: P }, (_, p) => `P${String(p).padStart(7, "0")}`);
    const ids = new Uint32Array(P * k);
    const scores = new Float64Array(P * k);
    const support = new Float64Array(P * k);
    const length = new Uint16Array(P).fill(k);
    for (let i = 0; i < P * k; i++) {
      ids[i] = (i * 7 + 1) % P;
      scores[i] = 1 / (1 + (i % k)) / 3; // needs 17 digits
      support[i] = 1 + (i % 5);
    }
    const topk: TopKLists = { products: P, k, ids, scores, support, length };
    const productSupport = Uint32Array.from({ length: P }, (_, p) => p);
    const productCategory = Uint32Array.from({ length: P }, (_, p) => (p % 3 === 2 ? NO_CATEGORY : p % 3));
    const files = await writeDocuments(join(dir, "big"), {
      index: { productIds, orders: 1, rows: 1, categories: ["C0", "C1"], productCategory },
      topk,
      productSupport,
      runId: "2025-01-01_00-00-00",
    });
    const rich = files.find((f) => f.name === "recs.rich.json")!;
    expect(rich.bytes).toBeGreaterThan(30_000_000);
    const parsed = JSON.parse(readFileSync(rich.path, "utf8"));
    expect(Object.keys(parsed.recs).length).toBe(P);
    expect(Object.keys(parsed.products).length).toBe(P);
    expect(parsed.products.P0059998).toEqual({ category: "C1", support: 59_998 });
    expect(parsed.products.P0059999).toEqual({ category: null, support: 59_999 });
    expect(parsed.products.P0000002).toEqual({ category: null, support: 2 });
    expect(parsed.recs.P0059999[9]).toEqual({
      id: productIds[ids[P * k - 1]!],
      score: scores[P * k - 1],
      support: 5,
    });
    const classic = JSON.parse(readFileSync(files[0]!.path, "utf8"));
    expect(classic.P0000000.split(";").length).toBe(10);
  });

  it("fails with a typed error when the lists do not match the products", async () => {
    const r = await buildRecommendations(chunked(CSV), { k: 1 });
    const e = await rejection(
      writeDocuments(join(dir, "bad"), {
        index: { ...r.index, productIds: ["x"] },
        topk: r.topk,
        runId: "r",
      }),
    );
    expect(e.code).toBe("COBUY_PIPELINE_OPTION");
    const s = await rejection(
      writeDocuments(join(dir, "bad"), {
        index: r.index,
        topk: r.topk,
        productSupport: new Uint32Array(1),
        runId: "r",
      }),
    );
    expect(s.code).toBe("COBUY_PIPELINE_OPTION");
    expect(s.message).toMatch(/productSupport has 1 entries but the index has 5 products/);
  });
});

describe("ChunkedWriter", () => {
  it("hands over bounded chunks and waits for drain", async () => {
    const sizes: number[] = [];
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _e, cb) {
        sizes.push(chunk.length);
        setTimeout(cb, 1);
      },
    });
    const w = new ChunkedWriter(slow, 4096);
    for (let i = 0; i < 20_000; i++) {
      if (w.push(`line ${i} ${"x".repeat(20)}\n`)) await w.flush();
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
    }
    await w.flush();
    slow.end();
    await finished(slow);
    expect(sizes.length).toBeGreaterThan(100);
    expect(Math.max(...sizes)).toBeLessThan(4096 + 64);
    // Backpressure: never much more than one chunk above the stream's high-water mark.
    expect(maxBuffered).toBeLessThanOrEqual(16 * 1024 + 4096 + 64);
    expect(w.bytes).toBe(sizes.reduce((x, y) => x + y, 0));
  });
});

describe("writeDocuments with a catalog", () => {
  it("names catalogued products in `products`, keeps others id-only and counts unknown catalog ids", async () => {
    const r = await buildRecommendations(chunked("order_id,product_id\n1,P1\n1,P2\n"), {
      k: 1,
      validate: false,
    });
    const catalog = parseCatalog(
      Buffer.from('id,name,url\nP1,"Oat, milk",https://shop/p1\nP7,Gone,\n'),
      "c.csv",
    );
    const out = join(dir, "catalog");
    await writeDocuments(out, {
      index: r.index,
      topk: r.topk,
      productSupport: r.productSupport,
      catalog,
      runId: "r",
    });
    const rich = JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"));
    expect(rich.products).toEqual({
      P1: { category: null, support: 1, name: "Oat, milk", extra: { url: "https://shop/p1" } },
      P2: { category: null, support: 1 },
    });
    expect(rich.counts.catalogUnknownIds).toBe(1);
  });
});
