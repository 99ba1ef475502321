import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matchCatalog, readCatalog } from "../src/index.js";
import { sharedDir, tempDir } from "./helpers.js";

const dir = tempDir();

function file(name: string, data: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

async function failure(
  path: string,
): Promise<{ code?: string; message: string; line?: number; column?: number }> {
  try {
    await readCatalog(path);
  } catch (e) {
    return e as { code?: string; message: string; line?: number; column?: number };
  }
  throw new Error(`${path} was accepted`);
}

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

  it("reads the instacart products file", async () => {
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
