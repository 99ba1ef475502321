import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { matchCatalog, readCatalog, readCatalogParquet } from "../src/index.js";
import { sharedDir, tempDir } from "./helpers.js";

const dir = tempDir();

function file(name: string, data: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

interface Failure {
  code?: string;
  message: string;
  line?: number;
  column?: number;
  rowGroup?: number;
  row?: number;
  columnName?: string;
}

async function failure(path: string): Promise<Failure> {
  try {
    await readCatalog(path);
  } catch (e) {
    return e as Failure;
  }
  throw new Error(`${path} was accepted`);
}

// ../shared holds the real data sets; without it (a lone copy of the package) these two skip, as golden.test.ts does.
const hasInstacart = existsSync(join(sharedDir(), "data/instacart/products.csv"));

describe("readCatalog", () => {
  it("reads ids, names and extra columns, with quoted fields", async () => {
    const catalog = await readCatalog(
      file(
        "ok.csv",
        'product_id,name,url\n1,"Cookies, chocolate",https://x/1\n2,"Tea ""green""",\n\n3,,u3\n',
      ),
    );
    expect(catalog.extraColumns).toEqual(["url"]);
    expect(catalog.entries.get("1")).toEqual({ name: "Cookies, chocolate", extra: { url: "https://x/1" } });
    expect(catalog.entries.get("2")).toEqual({ name: 'Tea "green"', extra: { url: "" } });
    // An empty name falls back to the id.
    expect(catalog.entries.get("3")?.name).toBe("3");
    expect(catalog.entries.size).toBe(3);
  });

  it.skipIf(!hasInstacart)("reads the instacart products file", async () => {
    const catalog = await readCatalog(join(sharedDir(), "data/instacart/products.csv"));
    expect(catalog.entries.get("1")).toEqual({
      name: "Chocolate Sandwich Cookies",
      extra: { category: "cookies cakes" },
    });
    expect(catalog.extraColumns).toEqual(["category"]);
  });

  it("names file, line and column of bad input", async () => {
    const count = await failure(file("count.csv", "id,name\n1,a\n2,b,c\n"));
    expect(count.code).toBe("COBUY_PIPELINE_CSV_FIELD_COUNT");
    expect(count.message).toMatch(/count\.csv:3:1: /);
    const nul = await failure(file("nul.csv", "id,name\n1,a\nx\u0000y,b\n"));
    expect(nul.code).toBe("COBUY_PIPELINE_CSV_BAD_ID");
    expect([nul.line, nul.column]).toEqual([3, 1]);
    const quote = await failure(file("quote.csv", 'id,name\n1,"a"b\n'));
    expect(quote.code).toBe("COBUY_PIPELINE_CSV_BAD_QUOTE");
    expect([quote.line, quote.column]).toEqual([2, 6]);
    const open = await failure(file("open.csv", 'id,name\n1,"a\n'));
    expect(open.code).toBe("COBUY_PIPELINE_CSV_UNTERMINATED_QUOTE");
    const missing = await failure(file("missing.csv", "id,title\n1,a\n"));
    expect(missing.code).toBe("COBUY_PIPELINE_CSV_MISSING_COLUMN");
    expect(missing.message).toMatch(/missing\.csv:1:1: .*name column/);
    const empty = await failure(file("empty-id.csv", "name,id\na,\n"));
    expect(empty.code).toBe("COBUY_PIPELINE_CSV_EMPTY_FIELD");
    expect([empty.line, empty.column]).toEqual([2, 3]);
    expect((await failure(join(dir, "absent.csv"))).code).toBe("COBUY_PIPELINE_INPUT_UNREADABLE");
    const nulName = await failure(file("nul-name.csv", "id,name,url\n1,a,u\n2,b\u0000c,u\n"));
    expect(nulName).toMatchObject({ code: "COBUY_PIPELINE_CATALOG_BAD_VALUE", line: 3, column: 3 });
    expect(nulName.message).toMatch(/nul-name\.csv:3:3: column "name" contains a NUL character/);
  });
});

/** Writes `columns` as a Parquet file (hyparquet-writer) in row groups of `rowGroupSize` rows. */
function parquet(name: string, columns: ColumnSource[], rowGroupSize = 1000): string {
  const withNulls = columns.map((c) => ({ ...c, nullable: c.data.some((v) => v === null) || undefined }));
  return file(name, Buffer.from(parquetWriteBuffer({ columnData: withNulls, rowGroupSize })));
}

describe("readCatalog of Parquet", () => {
  it("reads ids (integers or strings), names and extra columns of any plain type, over row groups", async () => {
    const path = parquet(
      "catalog.parquet",
      [
        { name: "product_id", data: [1, 2, 3, 4, 5], type: "INT32" },
        { name: "name", data: ["Cookies, chocolate", "Crème fraîche", null, "", "Tea"], type: "STRING" },
        { name: "url", data: ["https://x/1", null, "u3", "u4", "u5"], type: "STRING" },
        { name: "price", data: [1.5, 2, 3.25, 4, 5], type: "DOUBLE" },
        { name: "organic", data: [true, false, true, false, true], type: "BOOLEAN" },
      ],
      2,
    );
    const catalog = await readCatalog(path);
    expect(catalog.source).toBe(path);
    expect(catalog.extraColumns).toEqual(["url", "price", "organic"]);
    expect([...catalog.entries]).toEqual([
      ["1", { name: "Cookies, chocolate", extra: { url: "https://x/1", price: "1.5", organic: "true" } }],
      ["2", { name: "Crème fraîche", extra: { url: "", price: "2", organic: "false" } }],
      ["3", { name: "3", extra: { url: "u3", price: "3.25", organic: "true" } }], // null name: the id
      ["4", { name: "4", extra: { url: "u4", price: "4", organic: "false" } }], // empty name too
      ["5", { name: "Tea", extra: { url: "u5", price: "5", organic: "true" } }],
    ]);
    // Recognised by its magic bytes whatever the file is called; string ids as they are.
    const strings = parquet("catalog.bin", [
      { name: "id", data: ["P1", "P2"], type: "STRING" },
      { name: "name", data: ["One", "Two"], type: "STRING" },
    ]);
    expect([...(await readCatalog(strings)).entries.keys()]).toEqual(["P1", "P2"]);
  });

  it.skipIf(!hasInstacart)("reads instacart's products as Parquet exactly as the CSV", async () => {
    const csv = await readCatalog(join(sharedDir(), "data/instacart/products.csv"));
    const ids = [...csv.entries.keys()];
    const path = parquet(
      "instacart-products.parquet",
      [
        { name: "product_id", data: ids.map(Number), type: "INT32" },
        { name: "name", data: ids.map((id) => csv.entries.get(id)!.name), type: "STRING" },
        { name: "category", data: ids.map((id) => csv.entries.get(id)!.extra.category!), type: "STRING" },
      ],
      10_000,
    );
    const fromParquet = await readCatalogParquet(path);
    expect(fromParquet.entries.size).toBe(csv.entries.size);
    expect(fromParquet.extraColumns).toEqual(csv.extraColumns);
    expect([...fromParquet.entries]).toEqual([...csv.entries]);
  });

  it("names file, row group, row and column of bad input, with the Parquet ingest's codes", async () => {
    const ids = { name: "product_id", type: "STRING" } as const;
    const names = { name: "name", type: "STRING" } as const;
    const nullId = await failure(
      parquet(
        "null-id.parquet",
        [
          { ...ids, data: ["a", "b", "c", null] },
          { ...names, data: ["A", "B", "C", "D"] },
        ],
        2,
      ),
    );
    expect(nullId).toMatchObject({
      code: "COBUY_PIPELINE_PARQUET_NULL_ID",
      rowGroup: 1,
      row: 4,
      columnName: "product_id",
    });
    expect(nullId.message).toMatch(/null-id\.parquet: row group 1, row 4, column "product_id"/);
    const badId = await failure(
      parquet("bad-id.parquet", [
        { ...ids, data: ["a", "b\u0001c"] },
        { ...names, data: ["A", "B"] },
      ]),
    );
    expect(badId).toMatchObject({ code: "COBUY_PIPELINE_PARQUET_BAD_ID", rowGroup: 0, row: 2 });
    const nul = await failure(
      parquet("nul.parquet", [
        { ...ids, data: ["a", "b"] },
        { ...names, data: ["A", "B"] },
        { name: "url", type: "STRING", data: ["ok", "x\u0000"] },
      ]),
    );
    expect(nul).toMatchObject({ code: "COBUY_PIPELINE_CATALOG_BAD_VALUE", row: 2, columnName: "url" });
    const noName = await failure(
      parquet("no-name.parquet", [
        { ...ids, data: ["a"] },
        { name: "title", type: "STRING", data: ["A"] },
      ]),
    );
    expect(noName.code).toBe("COBUY_PIPELINE_PARQUET_MISSING_COLUMN");
    expect(noName.message).toMatch(/no name column; its columns are "product_id", "title"/);
    const intName = await failure(
      parquet("int-name.parquet", [
        { ...ids, data: ["a"] },
        { name: "name", type: "INT32", data: [1] },
      ]),
    );
    expect(intName).toMatchObject({ code: "COBUY_PIPELINE_PARQUET_COLUMN_TYPE", columnName: "name" });
    const floatId = await failure(
      parquet("float-id.parquet", [
        { name: "id", type: "DOUBLE", data: [1.5] },
        { ...names, data: ["A"] },
      ]),
    );
    expect(floatId).toMatchObject({ code: "COBUY_PIPELINE_PARQUET_COLUMN_TYPE", columnName: "id" });
    const whole = readFileSync(join(dir, "bad-id.parquet"));
    const truncated = await failure(file("truncated.parquet", whole.subarray(0, whole.length - 9)));
    expect(truncated.code).toBe("COBUY_PIPELINE_PARQUET_INVALID");
    expect(truncated.message).toMatch(/truncated\.parquet: .*does not end with PAR1/);
  });
});

describe("matchCatalog", () => {
  it("names matched products, keeps ids elsewhere and counts unknown catalog ids", async () => {
    const catalog = await readCatalog(file("match.csv", "id,name\nP1,One\nP9,Nine\nP8,Eight\n"));
    const match = matchCatalog(["P1", "P2"], catalog);
    expect(match.names).toEqual(["One", "P2"]);
    expect(match.unknownIds).toBe(2);
    expect(match.productsWithoutEntry).toBe(1);
  });
});
