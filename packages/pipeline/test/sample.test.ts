import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { generateSample, readSales, type SampleSummary, writeSampleCsv } from "../src/index.js";
import { chunked, rejection, tempDir } from "./helpers.js";

const dir = tempDir();

function text(options: Parameters<typeof generateSample>[0]): { csv: string; summary: SampleSummary } {
  const gen = generateSample(options);
  let csv = "";
  for (;;) {
    const step = gen.next();
    if (step.done) return { csv, summary: step.value };
    csv += step.value;
  }
}

describe("generateSample", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const a = text({ orders: 3000, products: 400, categories: 8, seed: 5 });
    const b = text({ orders: 3000, products: 400, categories: 8, seed: 5 });
    const c = text({ orders: 3000, products: 400, categories: 8, seed: 6 });
    expect(a.csv).toBe(b.csv);
    expect(a.summary).toEqual(b.summary);
    expect(c.csv).not.toBe(a.csv);
  });

  it("writes the header and the counts it reports", async () => {
    const { csv, summary } = text({ orders: 2000, products: 300, categories: 6, seed: 1 });
    const lines = csv.trimEnd().split("\n");
    expect(lines[0]).toBe("order_id,product_id,category");
    expect(summary.rows).toBe(lines.length - 1);
    expect(summary.bytes).toBe(Buffer.byteLength(csv));
    const ix = await readSales(chunked(csv));
    expect(ix.rows).toBe(summary.rows);
    expect(ix.orders).toBe(2000);
    expect(ix.productIds.length).toBe(summary.products);
    expect(ix.categories.length).toBe(6);
    expect(ix.categoryConflicts).toBe(0);
    expect(ix.productIds.every((id) => /^P\d{6}$/.test(id))).toBe(true);
  });

  it("has skewed popularity, baskets mostly in one category and a few repeated lines", () => {
    const { csv } = text({ orders: 5000, products: 1000, categories: 10, seed: 2 });
    const rows = csv
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((l) => l.split(","));
    const byProduct = new Map<string, number>();
    const orders = new Map<string, string[][]>();
    for (const r of rows) {
      byProduct.set(r[1]!, (byProduct.get(r[1]!) ?? 0) + 1);
      const o = orders.get(r[0]!) ?? [];
      o.push(r);
      orders.set(r[0]!, o);
    }
    const counts = [...byProduct.values()].sort((x, y) => y - x);
    const top = counts.slice(0, Math.ceil(counts.length / 10)).reduce((x, y) => x + y, 0);
    expect(top / rows.length).toBeGreaterThan(0.4); // Zipf: the top 10 % of products sell > 40 %
    let inMain = 0;
    let repeats = 0;
    let multi = 0;
    for (const lines of orders.values()) {
      const cats = new Map<string, number>();
      const seen = new Set<string>();
      for (const [, p, c] of lines) {
        cats.set(c!, (cats.get(c!) ?? 0) + 1);
        if (seen.has(p!)) repeats++;
        seen.add(p!);
      }
      if (lines.length > 1) multi++;
      inMain += Math.max(...cats.values());
    }
    expect(inMain / rows.length).toBeGreaterThan(0.75);
    expect(repeats / rows.length).toBeGreaterThan(0.005);
    expect(repeats / rows.length).toBeLessThan(0.05);
    expect(multi / orders.size).toBeGreaterThan(0.5);
    // Order ids increase.
    const ids = [...orders.keys()].map(Number);
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
  });

  it("defaults to a modest data set (20 000 orders, 2 000 products, 20 categories)", () => {
    const { summary } = text({});
    expect(summary.orders).toBe(20_000);
    expect(summary.categories).toBe(20);
    expect(summary.products).toBeLessThanOrEqual(2_000);
    expect(summary.products).toBeGreaterThan(1_800);
    expect(summary.rows).toBeGreaterThan(70_000);
    expect(summary.rows).toBeLessThan(90_000);
  });

  it("rejects bad options with a stable code", () => {
    expect(() => text({ orders: 0 })).toThrow(expect.objectContaining({ code: "COBUY_PIPELINE_OPTION" }));
    expect(() => text({ products: 1.5 })).toThrow(/sample products must be an integer ≥ 2 \(got 1\.5\)/);
    expect(() => text({ mainShare: 2 })).toThrow(/sample mainShare must be between 0 and 1/);
  });
});

describe("writeSampleCsv", () => {
  it("writes a file, a .gz file, and into a Writable, all the same bytes", async () => {
    const options = { orders: 1500, products: 200, categories: 5, seed: 9 };
    const plain = join(dir, "sample.csv");
    const gz = join(dir, "sample.csv.gz");
    const s1 = await writeSampleCsv(plain, options);
    const s2 = await writeSampleCsv(gz, options);
    expect(s2).toEqual(s1);
    const bytes = readFileSync(plain);
    expect(bytes.length).toBe(s1.bytes);
    expect(gunzipSync(readFileSync(gz)).equals(bytes)).toBe(true);
    const parts: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk, _enc, cb) {
        parts.push(Buffer.from(chunk));
        setImmediate(cb);
      },
    });
    await writeSampleCsv(sink, options);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    const ix = await readSales(gz);
    expect(ix.rows).toBe(s1.rows);
  });

  it("creates the folder, and fails with a typed error when it cannot", async () => {
    const nested = join(dir, "new", "folder", "x.csv");
    expect((await writeSampleCsv(nested, { orders: 10, products: 5 })).orders).toBe(10);
    const underFile = join(dir, "new", "folder", "x.csv", "y.csv");
    const e = await rejection(writeSampleCsv(underFile, { orders: 10, products: 5 }));
    expect(e.code).toBe("COBUY_PIPELINE_INPUT_UNREADABLE");
    expect(e.message).toMatch(/^cannot write the sample to .*x\.csv.y\.csv: /);
  });
});
