// `cobuy runs diff` and the refused status of `runs list`, through the built binary: two real builds
// (a generated sample, and the same sample with 10 % of the orders and two products removed) compared
// as run folders and as runs in a folder store.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalFolderStore, publishRun } from "@cobuy/s3-export";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy, writeSample } from "./helpers/cli.js";

let work: string;
const cobuy = (args: string[]) => runCobuy(args, work, isolatedEnv(work));

/** Product ids of a sales CSV (order_id,product_id,…). */
function productsOf(csv: string): Set<string> {
  const rows = readFileSync(csv, "utf8").trim().split("\n").slice(1);
  return new Set(rows.map((r) => r.split(",")[1] as string));
}

/** Build run ids have one-second resolution: start each build in a new second so ids order by build. */
async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
}

async function build(input: string, out: string): Promise<string> {
  await nextSecond();
  const r = await cobuy(["build", "--input", input, "--out", out, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return lastJson(r.stdout).runId as string;
}

let full: string;
let changed: string;
let tiny: string;
let fullRunId: string;
let tinyRunId: string;
let changedRunId: string;
/** Products of the full input that the changed input no longer holds (sorted). */
let removed: string[];
const dropProducts: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cobuy-runs-diff-"));
  const sales = join(work, "sales.csv");
  await writeSample(cobuy, sales);
  const [header, ...rows] = readFileSync(sales, "utf8").trim().split("\n");
  const orderIds = [...new Set(rows.map((r) => r.split(",")[0] as string))];
  const lastKept = new Set(orderIds.slice(0, Math.floor(orderIds.length * 0.9)));
  dropProducts.push(...[...productsOf(sales)].sort().slice(0, 2));
  const keep = (r: string) =>
    lastKept.has(r.split(",")[0] as string) && !dropProducts.includes(r.split(",")[1] as string);
  const changedCsv = join(work, "sales-changed.csv");
  writeFileSync(changedCsv, `${[header, ...rows.filter(keep)].join("\n")}\n`);
  const tinyCsv = join(work, "sales-tiny.csv");
  writeFileSync(tinyCsv, `${[header, ...rows.slice(0, 40)].join("\n")}\n`);
  const after = productsOf(changedCsv);
  removed = [...productsOf(sales)].filter((p) => !after.has(p)).sort();

  full = join(work, "full");
  tiny = join(work, "tiny");
  changed = join(work, "changed");
  fullRunId = await build(sales, full);
  tinyRunId = await build(tinyCsv, tiny);
  changedRunId = await build(changedCsv, changed);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("cobuy runs diff on run folders", () => {
  it("finds no change between a run and itself", async () => {
    const r = await cobuy(["runs", "diff", full, full, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const d = lastJson(r.stdout);
    expect(d.format).toBe("cobuy.run-diff.v1");
    expect(d.before.runId).toBe(fullRunId);
    expect(d.products).toMatchObject({ added: 0, dropped: 0, ratio: 1 });
    expect(d.overlap).toMatchObject({ min: 1, mean: 1 });
    expect(d.rbo.min).toBeCloseTo(1, 12);
    expect(d.top1Churn).toBe(0);
    expect(d.scoreDrift.max).toBe(0);
    expect(d.mostChanged).toEqual([]);
    expect(d.metrics["classic.share"].delta).toBe(0);
  });

  it("reports the products removed from the input as dropped, and lists that moved", async () => {
    expect(removed).toEqual(expect.arrayContaining(dropProducts));
    const r = await cobuy(["runs", "diff", full, changed, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const d = lastJson(r.stdout);
    const fullRich = JSON.parse(readFileSync(join(full, "recs.rich.json"), "utf8"));
    const changedRich = JSON.parse(readFileSync(join(changed, "recs.rich.json"), "utf8"));
    expect(d.before).toEqual({
      runId: fullRunId,
      products: fullRich.counts.products,
      orders: fullRich.counts.orders,
    });
    expect(d.after).toEqual({
      runId: changedRunId,
      products: changedRich.counts.products,
      orders: changedRich.counts.orders,
    });
    expect(d.products.droppedExamples).toEqual(removed.slice(0, 20));
    expect(d.products.dropped).toBe(removed.length);
    expect(d.products.added).toBe(0);
    expect(d.products.common).toBe(fullRich.counts.products - removed.length);
    // Removing orders moves lists: some product's top-1 changed and some list is not the same.
    expect(d.top1Churn).toBeGreaterThan(0);
    expect(d.rbo.min).toBeLessThan(1);
    const worst = d.mostChanged[0];
    expect(worst.top1Before).toBe(fullRich.recs[worst.id][0]?.id ?? null);
    expect(worst.top1After).toBe(changedRich.recs[worst.id][0]?.id ?? null);

    const human = await cobuy(["runs", "diff", full, changed]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`runs diff: ${fullRunId} → ${changedRunId}`);
    expect(human.stdout).toMatch(new RegExp(`^dropped\\s+${removed.length} \\(${removed[0]}`, "m"));
    expect(human.stdout).toMatch(/^classic\.share\s+\d\.\d{4}\s+\d\.\d{4}\s+[+-]\d\.\d{4}$/m);
    expect(human.stdout).toContain(worst.id);
  });

  it("names a folder that is not a run", async () => {
    const empty = join(work, "not-a-run");
    mkdirSync(empty);
    const r = await cobuy(["runs", "diff", full, empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not-a-run/recs.rich.json is missing");
  });
});

describe("cobuy runs diff on a store", () => {
  const storeDir = () => join(work, "store");

  beforeAll(async () => {
    expect((await cobuy(["publish", full, "--store", storeDir()])).code).toBe(0);
    // The guard refused the tiny run: complete in the store, never latest.
    const files = ["recs.json", "recs.rich.json", "validation.json"].map((name) => ({
      name,
      path: join(tiny, name),
    }));
    await publishRun(new LocalFolderStore(storeDir()), {
      runId: tinyRunId,
      files,
      refusal: { check: "min-products-ratio" },
    });
    // The changed run moves more lists than the activation guard lets through: forced to latest.
    expect((await cobuy(["publish", changed, "--store", storeDir(), "--force"])).code).toBe(0);
  });

  it("lists the refused run as refused", async () => {
    const r = await cobuy(["runs", "list", "--store", storeDir()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${tinyRunId}\\s+refused\\s`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^${changedRunId}\\s+latest\\s`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^${fullRunId}\\s+complete\\s`, "m"));
  });

  it("compares latest with the newest earlier non-refused run by default", async () => {
    const r = await cobuy(["runs", "diff", "--store", storeDir(), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const d = lastJson(r.stdout);
    expect([d.before.runId, d.after.runId]).toEqual([fullRunId, changedRunId]);
    expect(d.products.droppedExamples).toEqual(removed.slice(0, 20));
    const folders = lastJson((await cobuy(["runs", "diff", full, changed, "--json"])).stdout);
    expect(d).toEqual(folders);
  });

  it("takes run ids, and one id against latest", async () => {
    const both = await cobuy(["runs", "diff", tinyRunId, tinyRunId, "--store", storeDir(), "--json"]);
    expect(both.code, both.stderr).toBe(0);
    expect(lastJson(both.stdout)).toMatchObject({ top1Churn: 0, products: { dropped: 0, added: 0 } });
    const one = await cobuy(["runs", "diff", tinyRunId, "--store", storeDir(), "--json"]);
    expect(one.code, one.stderr).toBe(0);
    const d = lastJson(one.stdout);
    expect([d.before.runId, d.after.runId]).toEqual([tinyRunId, changedRunId]);
    expect(d.products.added).toBeGreaterThan(0);
  });
});
