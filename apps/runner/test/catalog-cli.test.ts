// `--catalog FILE` of `build` and `pipeline`, end to end through the built binary on real files:
// names reach recs.rich.json, the summary counts the catalog, and a bad catalog line fails first.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, isolatedEnv, lastJson, runCobuy } from "./helpers/cli.js";

let work: string;
let sales: string;
let catalog: string;

const cobuy = (args: string[]) => runCobuy(args, work, isolatedEnv(work));

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm turbo run build --filter @cobuy/runner`);
  work = mkdtempSync(join(tmpdir(), "cobuy-catalog-cli-"));
  sales = join(work, "sales.csv");
  writeFileSync(
    sales,
    "order_id,product_id,category\n" +
      "1,apple,fruit\n1,pear,fruit\n1,milk,dairy\n" +
      "2,apple,fruit\n2,pear,fruit\n" +
      "3,milk,dairy\n3,apple,fruit\n",
  );
  catalog = join(work, "products.csv");
  // "milk" has no row; "ghost" is sold nowhere.
  writeFileSync(
    catalog,
    "product_id,name,url\n" +
      'apple,"Apple, Gala",https://shop.example/apple\n' +
      "pear,Conference Pear,https://shop.example/pear\n" +
      "ghost,Nobody Buys This,https://shop.example/ghost\n",
  );
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface RichProduct {
  category: string;
  support: number;
  name?: string;
  extra?: Record<string, string>;
}

function richProducts(dir: string): Record<string, RichProduct> {
  const rich = JSON.parse(readFileSync(join(dir, "recs.rich.json"), "utf8")) as {
    products: Record<string, RichProduct>;
    counts: { catalogUnknownIds?: number };
  };
  expect(rich.counts.catalogUnknownIds).toBe(1);
  return rich.products;
}

describe("cobuy build --catalog", () => {
  it("writes the catalog names into recs.rich.json and counts the catalog in --json", async () => {
    const out = join(work, "built");
    const r = await cobuy(["build", "--input", sales, "--catalog", catalog, "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const products = richProducts(out);
    expect(products.apple).toMatchObject({
      name: "Apple, Gala",
      extra: { url: "https://shop.example/apple" },
    });
    expect(products.pear?.name).toBe("Conference Pear");
    // Without a catalog row the id is the name: the entry carries no name of its own.
    expect(products.milk).toEqual({ category: "dairy", support: 2 });
    expect(products.ghost).toBeUndefined();
    expect(lastJson(r.stdout).catalog).toEqual({
      file: catalog,
      entries: 3,
      unknownIds: 1,
      productsWithoutEntry: 1,
    });
  });

  it("prints the catalog counts in the human summary", async () => {
    const r = await cobuy(["build", "--input", sales, "--catalog", catalog, "--out", join(work, "human")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/catalog\s+3 entries, 1 unknown ids, 1 products without an entry/);
  });

  it("fails on a bad catalog line with file:line:column before writing anything", async () => {
    const bad = join(work, "bad-products.csv");
    writeFileSync(bad, "product_id,name\napple,Apple\npear,Pear,extra field\n");
    const out = join(work, "never");
    const r = await cobuy(["build", "--input", sales, "--catalog", bad, "--out", out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: `));
    expect(existsSync(out)).toBe(false);
  });
});

describe("cobuy build --catalog products.parquet", () => {
  it("reads a Parquet catalog like the CSV, and names its bad row by row group, row and column", async () => {
    const write = (name: string, ids: (string | null)[]) => {
      const path = join(work, name);
      const columnData = [
        { name: "product_id", data: ids, type: "STRING", nullable: ids.includes(null) || undefined },
        { name: "name", data: ["Apple, Gala", "Conference Pear", "Nobody Buys This"], type: "STRING" },
        { name: "url", data: ids.map((id) => `https://shop.example/${id}`), type: "STRING" },
      ] as ColumnSource[];
      writeFileSync(path, new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 2 })));
      return path;
    };
    const out = join(work, "built-parquet");
    const good = write("products.parquet", ["apple", "pear", "ghost"]);
    const r = await cobuy(["build", "--input", sales, "--catalog", good, "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(richProducts(out)).toEqual(richProducts(join(work, "built")));
    const bad = write("bad-products.parquet", ["apple", "pear", null]);
    const failed = await cobuy([
      "build",
      "--input",
      sales,
      "--catalog",
      bad,
      "--out",
      join(work, "never-pq"),
    ]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/bad-products\.parquet: row group 1, row 3, column "product_id": .*null/);
  });
});

describe("cobuy pipeline --catalog", () => {
  it("publishes the names and reports the catalog counts", async () => {
    const r = await cobuy(["pipeline", "--input", sales, "--catalog", catalog, "--no-load", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = lastJson(r.stdout);
    expect(summary.catalog).toMatchObject({ entries: 3, unknownIds: 1, productsWithoutEntry: 1 });
    const products = richProducts(summary.runDir as string);
    expect(products.pear?.name).toBe("Conference Pear");
    expect(products.milk?.name).toBeUndefined();
  });

  it("loads a run with catalog names into the embedded PGlite", async () => {
    const r = await cobuy(["pipeline", "--input", sales, "--catalog", catalog, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = lastJson(r.stdout);
    expect(summary.load).toMatchObject({
      runId: summary.runId,
      status: "loaded",
      active: true,
      products: 3,
      productStats: "document",
    });
    const similar = await cobuy(["db", "similar", "apple", "--json"]);
    expect(similar.code, similar.stderr).toBe(0);
    const { items } = lastJson(similar.stdout) as {
      items: { id: string; category: string; name: string; extra: unknown }[];
    };
    // From the database: catalog names and extra columns; the id is the name without a row.
    expect(items.map((i) => [i.id, i.category, i.name, i.extra]).sort()).toEqual([
      ["milk", "dairy", "milk", null],
      ["pear", "fruit", "Conference Pear", { url: "https://shop.example/pear" }],
    ]);
    const human = await cobuy(["db", "similar", "apple"]);
    expect(human.stdout).toMatch(/apple Apple, Gala/);
    expect(human.stdout).toMatch(/pear\s+Conference Pear/);
  });

  it("refuses a bad catalog before a run is staged or published", async () => {
    const bad = join(work, "unterminated.csv");
    writeFileSync(bad, 'product_id,name\napple,"Apple\n');
    const home = join(work, "home");
    const before = existsSync(home) ? readdirSync(home, { recursive: true }).length : 0;
    const r = await cobuy(["pipeline", "--input", sales, "--catalog", bad, "--no-load"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unterminated\.csv:2:\d+: quoted field is never closed/);
    const after = existsSync(home) ? readdirSync(home, { recursive: true }).length : 0;
    expect(after).toBe(before);
  });
});
