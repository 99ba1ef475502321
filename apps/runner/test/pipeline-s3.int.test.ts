// `cobuy pipeline --store s3://…` against s3rver (started here on a free port), through the built
// binary and the standard AWS environment: publish, read back with `runs show` / `fetch`, and load
// from the store into the embedded PGlite.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type S3rverHandle, startFaultProxy, startS3rver } from "@cobuy/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy, s3rverEnv, writeSample } from "./helpers/cli.js";

const STORE = "s3://cobuy-pipe/team/runs";

let s3: S3rverHandle;
let work: string;
let env: Record<string, string>;
let sales: string;

const cobuy = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCobuy(args, work, { ...env, ...extraEnv });

beforeAll(async () => {
  s3 = await startS3rver({ buckets: ["cobuy-pipe"] });
  work = mkdtempSync(join(tmpdir(), "cobuy-pipeline-s3-it-"));
  // The endpoint comes from --s3-endpoint only.
  env = { ...s3rverEnv(s3, { endpoint: false }), ...isolatedEnv(work) };
  sales = join(work, "sales.csv");
  await writeSample(cobuy, sales);
});
afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("cobuy pipeline --store s3://", () => {
  let first: string;

  it("publishes a run to the bucket (--no-load) and reports where it went", async () => {
    const r = await cobuy([
      "pipeline",
      "--input",
      sales,
      "--store",
      STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--no-load",
      "--threads",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout);
    first = out.runId;
    expect(first).toMatch(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_\d{3}[0-9a-z]{5}$/);
    expect(out.store).toBe(STORE);
    expect(out.runDir).toBe(`${STORE}/${first}/`);
    expect(out.latest).toBe(`${STORE}/latest.json`);
    expect(out.files).toEqual(["recs.json", "recs.rich.json", "validation.json", "report.html"]);
    expect(out.load).toBeUndefined();
    // Nothing landed in the local run folder, and the staging folder is gone.
    expect(existsSync(join(work, "home", "runs"))).toBe(false);
    expect(existsSync(join(work, "home", "staging"))).toBe(false);
    // The objects are in the bucket.
    expect(existsSync(s3.objectPath("cobuy-pipe", `team/runs/${first}/recs.rich.json`))).toBe(true);

    const human = await cobuy([
      "pipeline",
      "--input",
      sales,
      "--store",
      STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--no-load",
      "--threads",
      "1",
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^run: +${STORE}/\\S+/$`, "m"));
    expect(human.stdout).toContain(`latest:    ${STORE}/latest.json`);
  });

  it("runs show latest --json names the newest run; fetch latest verifies it", async () => {
    const show = await cobuy([
      "runs",
      "show",
      "latest",
      "--store",
      STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--json",
    ]);
    expect(show.code, show.stderr).toBe(0);
    const m = lastJson(show.stdout);
    expect(m.runId > first).toBe(true);
    expect(m.manifest.files.map((f: { name: string }) => f.name)).toContain("report.html");

    const list = await cobuy(["runs", "list", "--store", STORE, "--s3-endpoint", s3.endpoint, "--json"]);
    expect(lastJson(list.stdout).runs.map((x: { runId: string }) => x.runId)).toEqual([m.runId, first]);

    const to = join(work, "fetched");
    const f = await cobuy([
      "fetch",
      "latest",
      "--store",
      STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--to",
      to,
      "--json",
    ]);
    expect(f.code, f.stderr).toBe(0);
    expect(lastJson(f.stdout).runId).toBe(m.runId);
    const rich = JSON.parse(readFileSync(join(to, "recs.rich.json"), "utf8"));
    expect(rich.runId).toBe(m.runId);
    expect(Object.keys(rich.products)).toEqual(Object.keys(rich.recs));
    expect(readFileSync(join(to, "report.html"), "utf8")).toMatch(/^<!doctype html>/);
  });

  it("loads the run from the store into PGlite (gzip objects, classic key)", async () => {
    const r = await cobuy([
      "pipeline",
      "--input",
      sales,
      "--store",
      STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--gzip",
      "--classic-key",
      "classic/key{ts}.json",
      "--threads",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout);
    expect(out.load).toMatchObject({
      runId: out.runId,
      status: "loaded",
      active: true,
      productStats: "document",
      kind: "pglite",
      database: join(work, "home", "pglite"),
    });
    expect(out.load.products).toBe(out.counts.products);
    expect(out.classicKey).toMatch(/^classic\/key\d{4}-\d{2}-\d{2}_\d{2}-\d{2}\.json$/);

    const show = await cobuy([
      "runs",
      "show",
      "latest",
      "--store",
      STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--json",
    ]);
    const m = lastJson(show.stdout).manifest;
    expect(m.runId).toBe(out.runId);
    expect(m.classicKey).toBe(out.classicKey);
    expect(m.files.every((f: { contentEncoding?: string }) => f.contentEncoding === "gzip")).toBe(true);
    // The classic key holds plain recs.json.
    const classic = readFileSync(s3.objectPath("cobuy-pipe", `team/runs/${out.classicKey}`), "utf8");
    expect(Object.keys(JSON.parse(classic)).length).toBe(out.counts.products);

    const product = readFileSync(sales, "utf8").split("\n")[1]!.split(",")[1]!;
    const similar = await cobuy(["db", "similar", product, "--json"]);
    expect(similar.code, similar.stderr).toBe(0);
    expect(lastJson(similar.stdout)).toMatchObject({ found: true, runId: out.runId });
  });

  it("asks S3 to encrypt every object it writes with --sse aws:kms --sse-kms-key-id", async () => {
    // s3rver does not enforce encryption, so the proxy in front of it reads what the client asked for.
    const proxy = await startFaultProxy(s3.endpoint);
    try {
      const r = await cobuy([
        "pipeline",
        "--input",
        sales,
        "--store",
        "s3://cobuy-pipe/encrypted",
        "--s3-endpoint",
        proxy.endpoint,
        "--sse",
        "aws:kms",
        "--sse-kms-key-id",
        "alias/cobuy-test",
        "--no-load",
        "--threads",
        "1",
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const writes = proxy.log.filter(
        (e) => e.method === "PUT" || (e.method === "POST" && e.url.includes("uploads")),
      );
      const keys = writes.map((e) => e.url.split("?")[0]);
      expect(keys).toContain("/cobuy-pipe/encrypted/latest.json");
      expect(keys.some((k) => k?.endsWith("/manifest.json"))).toBe(true);
      for (const w of writes) {
        expect(w.headers["x-amz-server-side-encryption"], w.url).toBe("aws:kms");
        expect(w.headers["x-amz-server-side-encryption-aws-kms-key-id"], w.url).toBe("alias/cobuy-test");
      }
    } finally {
      await proxy.stop();
    }
  });

  it("rejects a key id without KMS encryption, and an unknown --sse, as usage errors", async () => {
    const keyOnly = await cobuy(["pipeline", "--input", sales, "--sse-kms-key-id", "k", "--no-load"]);
    expect(keyOnly.code).toBe(2);
    expect(keyOnly.stderr).toContain("--sse-kms-key-id needs --sse aws:kms");
    const bogus = await cobuy(["pipeline", "--input", sales, "--sse", "rot13", "--no-load"]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("--sse must be one of AES256, aws:kms");
  });
});
