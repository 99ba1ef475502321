import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { MAX_ID_BYTES } from "@cobuy/contracts";
import { parquetMetadata } from "hyparquet";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import {
  buildRecommendations,
  NO_CATEGORY,
  readSales,
  readSalesParquet,
  type SalesIndex,
  writeSampleCsv,
} from "../src/index.js";
import { chunked, rejection, sharedDir, tempDir } from "./helpers.js";

// Parquet fixtures are written here with hyparquet-writer (no binary files in the repo).

const dir = tempDir();

type Cell = string | number | bigint | null;

interface WriteOptions {
  rowGroupSize?: number;
  codec?: "SNAPPY" | "UNCOMPRESSED" | "GZIP";
  types?: Record<string, ColumnSource["type"]>;
}

/** Writes `columns` (name → values) as a Parquet file and returns its path. */
function parquet(name: string, columns: Record<string, Cell[]>, options: WriteOptions = {}): string {
  const columnData: ColumnSource[] = Object.entries(columns).map(([col, data]) => {
    const type = options.types?.[col] ?? guessType(data);
    return { name: col, data, type, nullable: data.some((v) => v === null) || undefined } as ColumnSource;
  });
  const buf = parquetWriteBuffer({
    columnData,
    ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
    codec: options.codec ?? "SNAPPY",
    ...(options.codec === "GZIP"
      ? { compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)) } }
      : {}),
  });
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(buf));
  return path;
}

function guessType(data: Cell[]): ColumnSource["type"] {
  const v = data.find((x) => x !== null);
  if (typeof v === "bigint") return "INT64";
  if (typeof v === "number") return Number.isInteger(v) ? "INT32" : "DOUBLE";
  return "STRING";
}

function file(name: string, data: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** Rows of a quote-free CSV as columns of strings ("" stays ""). */
function csvColumns(text: string): Record<string, string[]> {
  const [head, ...rows] = text.split(/\r?\n/).filter((l) => l !== "");
  const names = head!.split(",");
  const cols: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const r of rows) {
    const f = r.split(",");
    for (const [i, n] of names.entries()) cols[n]!.push(f[i] ?? "");
  }
  return cols;
}

/** Integer ids as INT64 when every value round-trips (e.g. no leading zeros), else strings. */
function asInt64IfPossible(values: string[]): Cell[] {
  return values.every((v) => /^-?[1-9]\d{0,17}$|^0$/.test(v)) ? values.map((v) => BigInt(v)) : values;
}

/** Everything of the index that does not depend on the file format. */
function content(ix: SalesIndex) {
  return {
    productIds: ix.productIds,
    categories: ix.categories,
    productCategory: ix.productCategory ? [...ix.productCategory] : null,
    rowsWithoutCategory: ix.rowsWithoutCategory,
    orders: ix.orders,
    rows: ix.rows,
    lineOrder: [...ix.lineOrder],
    lineProduct: [...ix.lineProduct],
    ordersWithPairs: ix.ordersWithPairs,
    categoryConflicts: ix.categoryConflicts,
    conflictExamples: ix.conflictExamples,
    orderIds: ix.orderIds,
  };
}

const BASIC = {
  order_id: [10n, 10n, 11n, 11n, 11n],
  product_id: ["P2", "P1", "P3", "P2", "P2"],
  category: ["C1", "C1", "C2", "C1", "C1"],
};

describe("readSales on Parquet: the happy path", () => {
  it("gives the index the CSV with the same rows gives (int64 order ids become strings)", async () => {
    const pq = await readSales(parquet("basic.parquet", BASIC), { keepOrderIds: true });
    const csv = await readSales(
      file("basic.csv", "order_id,product_id,category\n10,P2,C1\n10,P1,C1\n11,P3,C2\n11,P2,C1\n11,P2,C1\n"),
      {
        keepOrderIds: true,
      },
    );
    expect(content(pq)).toEqual(content(csv));
    expect(pq.orderIds).toEqual(["10", "11"]);
    expect(pq.productIds).toEqual(["P1", "P2", "P3"]);
    expect(pq.source).toBe(join(dir, "basic.parquet"));
    expect(pq.gzip).toBe(false);
    expect(pq.bytesRead).toBeGreaterThan(0);
    expect(pq.badRows).toEqual({ count: 0, examples: [] });
  });

  it("reads a multi-row-group, snappy-compressed file group by group, in row order", async () => {
    const orders: bigint[] = [];
    const products: number[] = [];
    const cats: string[] = [];
    for (let i = 0; i < 1000; i++) {
      orders.push(BigInt(9_000_000_000 + Math.floor(i / 3))); // beyond int32
      products.push((i * 7) % 50);
      cats.push(`C${((i * 7) % 50) % 4}`);
    }
    const path = parquet(
      "groups.parquet",
      { order_id: orders, product_id: products, category: cats },
      { rowGroupSize: 128 },
    );
    const meta = parquetMetadata(readFileSync(path).buffer as ArrayBuffer);
    expect(meta.row_groups.length).toBe(8);
    expect(meta.row_groups[0]!.columns[0]!.meta_data!.codec).toBe("SNAPPY");
    expect(meta.schema.find((e) => e.name === "product_id")!.type).toBe("INT32");

    const progress: Array<[number, number]> = [];
    const pq = await readSales(path, { keepOrderIds: true, onProgress: (b, r) => progress.push([b, r]) });
    const csvText = `order_id,product_id,category\n${orders.map((o, i) => `${o},${products[i]},${cats[i]}`).join("\n")}\n`;
    const csv = await readSales(file("groups.csv", csvText), { keepOrderIds: true });
    expect(content(pq)).toEqual(content(csv));
    expect(pq.orderIds![0]).toBe("9000000000");
    expect(progress.length).toBeGreaterThanOrEqual(8);
    expect(progress.at(-1)![1]).toBe(1000);
    expect(progress.every(([b], i) => i === 0 || b >= progress[i - 1]![0])).toBe(true);
  });

  it("reads only the columns it needs", async () => {
    const wide = "x".repeat(400_000);
    const big = parquet(
      "wide.parquet",
      { ...BASIC, notes: BASIC.order_id.map((_, i) => `${wide}${i}`) },
      { codec: "UNCOMPRESSED" },
    );
    const ix = await readSales(big);
    expect(ix.rows).toBe(5);
    // The 2 MB notes column is never read (only the footer's first fetch and the id columns).
    expect(readFileSync(big).length).toBeGreaterThan(2_000_000);
    expect(ix.bytesRead).toBeLessThan(1_000_000);
  });

  it("decompresses gzip column chunks and takes column names and the category rule like the CSV reader", async () => {
    const path = parquet(
      "cols.parquet",
      {
        basket: ["b1", "b1", "b2", "b2", "b3"],
        sku: ["A", "B", "A", "A", "C"],
        dept: ["x", "y", "y", "y", null],
      },
      { codec: "GZIP" },
    );
    const ix = await readSales(path, { columns: { order: "basket", product: "sku", category: "dept" } });
    expect(ix.productIds).toEqual(["A", "B", "C"]);
    expect(ix.categories).toEqual(["x", "y"]);
    // A: x once, y twice → y; a conflict, as in the CSV reader.
    expect(ix.categoryConflicts).toBe(1);
    expect(ix.conflictExamples[0]).toEqual({
      productId: "A",
      chosen: "y",
      seen: [
        { category: "y", lines: 2 },
        { category: "x", lines: 1 },
      ],
    });
    // C has only a null category → no category.
    expect(ix.productCategory![2]).toBe(NO_CATEGORY);
    expect(ix.rowsWithoutCategory).toBe(1);
  });

  it("treats null and blank categories as empty, and works without a category column", async () => {
    const path = parquet("nocat.parquet", {
      order_id: ["1", "1", "2", "2"],
      product_id: ["P1", "P2", "P1", "P3"],
      category: [null, "C", " ", "D"],
    });
    const ix = await readSales(path);
    expect(ix.rowsWithoutCategory).toBe(2);
    expect([...ix.productCategory!]).toEqual([NO_CATEGORY, 0, 1]);
    const bare = await readSales(parquet("bare.parquet", { order_id: ["1", "1"], product_id: ["P1", "P2"] }));
    expect(bare.productCategory).toBeNull();
    expect(bare.categories).toEqual([]);
  });

  it("sorts UTF-8 ids by their bytes and accepts integer product ids and categories", async () => {
    const ids = ["b", "é", "\uFF61", "😀", "B"];
    const ix = await readSales(
      parquet("utf8.parquet", { order_id: ids.map(() => 1), product_id: ids, category: ids.map(() => 7) }),
    );
    expect(ix.productIds).toEqual(["B", "b", "é", "\uFF61", "😀"]);
    expect(ix.categories).toEqual(["7"]);
  });

  it("dispatches by the PAR1 magic when the name does not end in .parquet, and by the extension alone", async () => {
    const bytes = readFileSync(parquet("magic.parquet", BASIC));
    const noExt = file("sales.data", bytes);
    expect((await readSales(noExt)).rows).toBe(5);
    expect((await readSalesParquet(noExt, { name: "s3://b/sales.data" })).source).toBe("s3://b/sales.data");
  });

  it("gives the same recommendations as the CSV with the same rows (sample data, 9 row groups)", async () => {
    const csvPath = join(dir, "sample.csv");
    await writeSampleCsv(csvPath, { orders: 3000, products: 300, categories: 8, seed: 3 });
    const cols = csvColumns(readFileSync(csvPath, "utf8"));
    // A few empty categories, as real exports have.
    const category: Cell[] = cols.category!.map((c, i) => (i % 97 === 0 ? null : i % 89 === 0 ? "" : c));
    const csvText = `order_id,product_id,category\n${cols.order_id!.map((o, i) => `${o},${cols.product_id![i]},${category[i] ?? ""}`).join("\n")}\n`;
    writeFileSync(csvPath, csvText);
    const rows = cols.order_id!.length;
    const pqPath = parquet(
      "sample.parquet",
      { order_id: asInt64IfPossible(cols.order_id!), product_id: cols.product_id!, category },
      { rowGroupSize: Math.ceil(rows / 9) },
    );
    const a = await buildRecommendations(csvPath, { k: 5, threads: 1, kernel: "js" });
    const b = await buildRecommendations(pqPath, { k: 5, threads: 1, kernel: "js" });
    expect(content(b.index)).toEqual(content(a.index));
    expect(b.index.rowsWithoutCategory).toBeGreaterThan(0);
    expect([...b.topk.ids]).toEqual([...a.topk.ids]);
    expect([...b.topk.scores]).toEqual([...a.topk.scores]);
    expect([...b.topk.length]).toEqual([...a.topk.length]);
    expect(b.validation).toEqual(a.validation);
  });
});

describe("readSales on Parquet: golden inputs", () => {
  const golden = join(sharedDir(), "golden");
  for (const set of ["edge", "xs", "s"]) {
    const csv = join(golden, set, "sales.csv");
    it.skipIf(!existsSync(csv))(`${set}: the Parquet copy gives the CSV's index`, async () => {
      const cols = csvColumns(readFileSync(csv, "utf8"));
      const data: Record<string, Cell[]> = {};
      for (const [name, values] of Object.entries(cols)) {
        data[name] = name === "order_id" ? asInt64IfPossible(values) : values;
      }
      const pq = parquet(`golden-${set}.parquet`, data, { rowGroupSize: 5000 });
      const a = await readSales(csv, { keepOrderIds: true });
      const b = await readSales(pq, { keepOrderIds: true });
      expect(content(b)).toEqual(content(a));
    });
  }
});

describe("readSales on Parquet: errors name the file, row group, row and column", () => {
  it("a missing column", async () => {
    const path = parquet("missing.parquet", { order_id: ["1"], sku: ["P1"] });
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_PARQUET_MISSING_COLUMN");
    expect(e.message).toBe(
      `${path}: the Parquet schema has no column "product_id" (the product id); its columns are "order_id", "sku". ` +
        "Rename the column or pass its name with --product-col (columns.product in the API)",
    );
    expect((e as { columnName?: string }).columnName).toBe("product_id");
    const cat = await rejection(readSales(path, { columns: { product: "sku" }, requireCategory: true }));
    expect(cat.code).toBe("COBUY_PIPELINE_PARQUET_MISSING_COLUMN");
    expect(cat.message).toContain('no column "category" (the category id)');
  });

  it("a column of the wrong type", async () => {
    const path = parquet("double.parquet", { order_id: [1, 2], product_id: [1.5, 2.5] });
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_PARQUET_COLUMN_TYPE");
    expect(e.message).toBe(
      `${path}: column "product_id": the product column is DOUBLE; ids and categories must be strings (BYTE_ARRAY, UTF-8) or integers (INT32/INT64) — cast the column when writing the file`,
    );
    const ts = parquet(
      "ts.parquet",
      { order_id: [new Date(0) as unknown as Cell], product_id: ["P1"] },
      { types: { order_id: "TIMESTAMP" } },
    );
    const t = await rejection(readSales(ts));
    expect(t.code).toBe("COBUY_PIPELINE_PARQUET_COLUMN_TYPE");
    expect(t.message).toContain("the order column is INT64 TIMESTAMP");
  });

  it("ids with control characters or over MAX_ID_BYTES: the CSV rule, located by row group, row and column", async () => {
    const long = "P".repeat(MAX_ID_BYTES + 1);
    const path = parquet(
      "bad-ids.parquet",
      {
        order_id: ["1", "1", "2", "2", "3", "3"],
        product_id: ["P1", "P2", "P1", "P\u0000x", "P1", long],
        category: ["C", "C", "C", "C", "tab\there", "C\u0007"],
      },
      { rowGroupSize: 3 },
    );
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_PARQUET_BAD_ID");
    expect(e.message).toBe(
      `${path}: row group 1, row 4, column "product_id": column "product_id" contains a control character (0x00) (at byte 1 of the value) (fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true))`,
    );
    expect(e).toMatchObject({ file: path, rowGroup: 1, row: 4, columnName: "product_id" });
    const ix = await readSales(path, { skipBadRows: true });
    // Rows 1, 2, 3 and 5 (a tab is allowed, as in a quoted CSV field) are kept.
    expect(ix.rows).toBe(4);
    expect(ix.badRows?.count).toBe(2);
    expect(ix.badRows?.examples.map((x) => [x.line, x.columnName, x.code])).toEqual([
      [4, "product_id", "COBUY_PIPELINE_PARQUET_BAD_ID"],
      [6, "product_id", "COBUY_PIPELINE_PARQUET_BAD_ID"],
    ]);
    expect(ix.badRows?.examples[1]?.reason).toContain(`ids may have at most ${MAX_ID_BYTES} bytes`);
    const cat = parquet("bad-category.parquet", {
      order_id: ["1", "1"],
      product_id: ["P1", "P2"],
      category: ["C", "C\u0007"],
    });
    const ce = await rejection(readSales(cat));
    expect(ce).toMatchObject({
      code: "COBUY_PIPELINE_PARQUET_BAD_ID",
      rowGroup: 0,
      row: 2,
      columnName: "category",
    });
  });

  it("nulls and empty strings in id columns: errors, or skipped rows with skipBadRows", async () => {
    const path = parquet(
      "nulls.parquet",
      {
        order_id: [1n, 1n, 2n, null, 3n, 3n],
        product_id: ["P1", "P2", "P1", "P3", "", "P2"],
        category: ["C", "C", "C", "C", "C", "C"],
      },
      { rowGroupSize: 3 },
    );
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_PARQUET_NULL_ID");
    expect(e.message).toBe(
      `${path}: row group 1, row 4, column "order_id": column "order_id" is null (fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true))`,
    );
    expect(e).toMatchObject({ file: path, rowGroup: 1, row: 4, columnName: "order_id" });
    const ix = await readSales(path, { skipBadRows: true });
    expect(ix.rows).toBe(4);
    expect(ix.badRows).toEqual({
      count: 2,
      examples: [
        {
          line: 4,
          column: 1,
          rowGroup: 1,
          columnName: "order_id",
          code: "COBUY_PIPELINE_PARQUET_NULL_ID",
          reason: 'column "order_id" is null',
        },
        {
          line: 5,
          column: 2,
          rowGroup: 1,
          columnName: "product_id",
          code: "COBUY_PIPELINE_PARQUET_NULL_ID",
          reason: 'column "product_id" is empty',
        },
      ],
    });
    const all = parquet(
      "allnull.parquet",
      { order_id: [null, null] as Cell[], product_id: ["P1", "P2"] },
      { types: { order_id: "STRING" } },
    );
    const empty = await rejection(readSales(all, { skipBadRows: true }));
    expect(empty.code).toBe("COBUY_PIPELINE_PARQUET_EMPTY");
    expect(empty.message).toContain(
      'all 2 rows were bad and skipped (first: row 1: column "order_id" is null)',
    );
  });

  it("files that are not (whole) Parquet, and Parquet as a stream", async () => {
    const notPq = file("fake.parquet", "order_id,product_id\n1,P1\n");
    const a = await rejection(readSales(notPq));
    expect(a.code).toBe("COBUY_PIPELINE_PARQUET_INVALID");
    expect(a.message).toBe(
      `${notPq}: not a Parquet file (it does not start with PAR1); pass a .parquet file, or a CSV`,
    );
    const whole = readFileSync(parquet("whole.parquet", BASIC));
    const cut = file("cut.parquet", whole.subarray(0, whole.length - 10));
    const b = await rejection(readSales(cut));
    expect(b.code).toBe("COBUY_PIPELINE_PARQUET_INVALID");
    expect(b.message).toContain("does not end with PAR1");
    const missing = await rejection(readSales(join(dir, "nope.parquet")));
    expect(missing.code).toBe("COBUY_PIPELINE_INPUT_UNREADABLE");
    expect(missing.message).toBe(
      `${join(dir, "nope.parquet")}: cannot read the input: no such file (check the path)`,
    );
    const stream = await rejection(readSales(chunked(whole, 3), { name: "s3://b/k" }));
    expect(stream.code).toBe("COBUY_PIPELINE_PARQUET_INVALID");
    expect(stream.message).toContain("s3://b/k: this is Parquet data, which is read by random access");
  });
});
