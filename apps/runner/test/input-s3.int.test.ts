// `--input s3://bucket/key.csv[.gz|.parquet]` against s3rver (started here on a free port), through
// the built binary: the objects give the same documents as the local file; a missing key and a bad
// row are clear errors. The Parquet fixture is written here with hyparquet-writer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createS3Client, S3Store } from "@cobuy/s3-export";
import { type S3rverHandle, startS3rver } from "@cobuy/test-utils";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy, s3rverEnv, writeSample } from "./helpers/cli.js";

const BUCKET = "cobuy-input";

let s3: S3rverHandle;
let work: string;
let env: Record<string, string>;
let sales: string;
let salesParquet: string;

const cobuy = (args: string[]) => runCobuy(args, work, env);

/** The documents of a build folder without what differs between runs (run id, time, input name). */
function documents(dir: string) {
  const rich = JSON.parse(readFileSync(join(dir, "recs.rich.json"), "utf8"));
  return {
    recs: readFileSync(join(dir, "recs.json"), "utf8"),
    rich: { recs: rich.recs, products: rich.products, counts: rich.counts },
    validation: readFileSync(join(dir, "validation.json"), "utf8"),
  };
}

/** A quote-free CSV → Parquet (int64 order ids, string products and categories, several row groups). */
function toParquet(csv: string): Uint8Array {
  const [, ...rows] = csv.trim().split("\n");
  const cells = rows.map((r) => r.split(","));
  const buf = parquetWriteBuffer({
    columnData: [
      { name: "order_id", data: cells.map((c) => BigInt(c[0]!)), type: "INT64", nullable: false },
      { name: "product_id", data: cells.map((c) => c[1]!), type: "STRING" },
      { name: "category", data: cells.map((c) => c[2]!), type: "STRING" },
    ],
    rowGroupSize: 500,
  });
  return new Uint8Array(buf);
}

beforeAll(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  work = mkdtempSync(join(tmpdir(), "cobuy-input-s3-it-"));
  // The endpoint comes from --s3-endpoint only.
  env = { ...s3rverEnv(s3, { endpoint: false }), ...isolatedEnv(work) };
  sales = join(work, "sales.csv");
  await writeSample(cobuy, sales);
  const csv = readFileSync(sales);
  salesParquet = join(work, "sales.parquet");
  writeFileSync(salesParquet, toParquet(csv.toString("utf8")));

  const client = createS3Client({ endpoint: s3.endpoint, region: "us-east-1", credentials: s3.credentials });
  try {
    const store = new S3Store({ client, bucket: BUCKET });
    await store.put("exports/sales.csv", csv);
    await store.put("exports/sales.csv.gz", gzipSync(csv));
    await store.put("exports/sales.parquet", readFileSync(salesParquet));
    await store.put("exports/bad.csv", "order_id,product_id,category\n1,P1,C\n1,,C\n");
  } finally {
    client.destroy();
  }
});
afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("cobuy build --input s3://…", () => {
  let local: ReturnType<typeof documents>;

  it("the local CSV and the local Parquet copy give the same documents", async () => {
    const a = await cobuy(["build", "--input", sales, "--out", "local", "--threads", "1", "--json"]);
    expect(a.code, a.stderr).toBe(0);
    local = documents(join(work, "local"));
    const b = await cobuy([
      "build",
      "--input",
      salesParquet,
      "--out",
      "local-pq",
      "--threads",
      "1",
      "--json",
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(documents(join(work, "local-pq"))).toEqual(local);
  });

  for (const key of ["exports/sales.csv", "exports/sales.csv.gz", "exports/sales.parquet"]) {
    it(`${key} matches the local file`, async () => {
      const url = `s3://${BUCKET}/${key}`;
      const out = `out-${key.replace(/\W/g, "-")}`;
      const r = await cobuy([
        "build",
        "--input",
        url,
        "--s3-endpoint",
        s3.endpoint,
        "--out",
        out,
        "--threads",
        "1",
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const summary = lastJson(r.stdout);
      expect(summary.input).toBe(url);
      expect(documents(join(work, out))).toEqual(local);
      const rich = JSON.parse(readFileSync(join(work, out, "recs.rich.json"), "utf8"));
      expect(rich.params.input).toBe(url);
    });
  }

  it("a missing key: exit 1 and one line naming bucket, key and endpoint", async () => {
    const url = `s3://${BUCKET}/exports/nope.csv`;
    const r = await cobuy(["build", "--input", url, "--s3-endpoint", s3.endpoint, "--out", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      `cobuy: --input ${url}: object not found: bucket "${BUCKET}", key "exports/nope.csv", endpoint ${s3.endpoint}`,
    );
    const pq = await cobuy([
      "build",
      "--input",
      `s3://${BUCKET}/exports/nope.parquet`,
      "--s3-endpoint",
      s3.endpoint,
      "--out",
      "x",
      "--json",
    ]);
    expect(pq.code).toBe(1);
    expect(lastJson(pq.stdout).error.code).toBe("COBUY_STORE_OBJECT_NOT_FOUND");
  });

  it("a bad row names the object, line and column", async () => {
    const url = `s3://${BUCKET}/exports/bad.csv`;
    const r = await cobuy(["build", "--input", url, "--s3-endpoint", s3.endpoint, "--out", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cobuy: ${url}:3:3: column "product_id" is empty`);
  });

  it("a bucket without a key is a usage error", async () => {
    const r = await cobuy(["build", "--input", `s3://${BUCKET}`, "--s3-endpoint", s3.endpoint, "--out", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("names a bucket, not an object");
  });
});

describe("evaluate and pipeline --input s3://…", () => {
  it("cobuy evaluate reads a Parquet object (downloaded to a temporary file)", async () => {
    const r = await cobuy([
      "evaluate",
      "--input",
      `s3://${BUCKET}/exports/sales.parquet`,
      "--s3-endpoint",
      s3.endpoint,
      "--out",
      "eval",
      "--similarity",
      "llr",
      "--threads",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).input).toBe(`s3://${BUCKET}/exports/sales.parquet`);
    const local = await cobuy([
      "evaluate",
      "--input",
      sales,
      "--out",
      "eval-local",
      "--similarity",
      "llr",
      "--threads",
      "1",
      "--json",
    ]);
    expect(local.code, local.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(work, "eval", "evaluation.json"), "utf8"));
    const b = JSON.parse(readFileSync(join(work, "eval-local", "evaluation.json"), "utf8"));
    for (const field of ["counts", "split", "metrics", "baseline", "measures", "byCategory"]) {
      expect(a[field], field).toEqual(b[field]);
    }
  });

  it("cobuy pipeline --input s3://…csv.gz publishes a run (local store, --no-load)", async () => {
    const url = `s3://${BUCKET}/exports/sales.csv.gz`;
    const r = await cobuy([
      "pipeline",
      "--input",
      url,
      "--s3-endpoint",
      s3.endpoint,
      "--no-load",
      "--threads",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout);
    expect(out.input).toBe(url);
    expect(out.counts.rows).toBeGreaterThan(0);
  });
});
