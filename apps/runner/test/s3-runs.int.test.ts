// `cobuy runs` / `cobuy fetch` against s3rver (started here on a free port) and the local folder,
// through the built binary and the standard AWS environment, as users run them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3Client, LocalFolderStore, publishRun, S3Store } from "@cobuy/s3-export";
import { type S3rverHandle, startS3rver } from "@cobuy/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastJson, runCobuy, s3rverEnv } from "./helpers/cli.js";

let s3: S3rverHandle;
let work: string;
let env: Record<string, string>;

const cobuy = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCobuy(args, work, { ...env, ...extraEnv });

beforeAll(async () => {
  s3 = await startS3rver({ buckets: ["cobuy-it"] });
  work = mkdtempSync(join(tmpdir(), "cobuy-runs-it-"));
  env = { ...s3rverEnv(s3), COBUY_HOME: join(work, "home") };
  writeFileSync(join(work, "recs.json"), '{\n  "P1": "P2"\n}\n');
  writeFileSync(
    join(work, "recs.rich.json"),
    '{"format":"cobuy.recs.v1","recs":{"P1":[{"id":"P2","score":1,"support":1}],"P2":[]}}',
  );
  const client = createS3Client({ endpoint: s3.endpoint, credentials: s3.credentials });
  const files = [
    { name: "recs.json", path: join(work, "recs.json") },
    { name: "recs.rich.json", path: join(work, "recs.rich.json") },
  ];
  const store = new S3Store({ client, bucket: "cobuy-it", prefix: "team/runs" });
  for (const runId of ["2026-07-01_00-00-00", "2026-07-02_00-00-00", "2026-07-03_00-00-00"]) {
    await publishRun(store, { runId, files, counts: { products: 2 }, gzip: true });
  }
  client.destroy();
  await publishRun(new LocalFolderStore(join(work, "home", "runs")), { runId: "2026-07-04_00-00-00", files });
});
afterAll(async () => {
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("cobuy runs / fetch", () => {
  it("runs list --json over s3:// marks the latest run", async () => {
    const r = await cobuy(["runs", "list", "--store", "s3://cobuy-it/team/runs", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout);
    expect(out.runs.map((x: { runId: string }) => x.runId)).toEqual([
      "2026-07-03_00-00-00",
      "2026-07-02_00-00-00",
      "2026-07-01_00-00-00",
    ]);
    expect(out.runs[0].latest).toBe(true);
  });

  it("runs diff over s3:// compares latest with the run before it, read through gzip", async () => {
    const r = await cobuy(["runs", "diff", "--store", "s3://cobuy-it/team/runs", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const d = lastJson(r.stdout);
    expect([d.before.runId, d.after.runId]).toEqual(["2026-07-02_00-00-00", "2026-07-03_00-00-00"]);
    expect(d.products).toMatchObject({ common: 2, added: 0, dropped: 0 });
    expect(d.top1Churn).toBe(0);
    expect(d.overlap.min).toBe(1);
    const missing = await cobuy([
      "runs",
      "diff",
      "2026-06-30_00-00-00",
      "--store",
      "s3://cobuy-it/team/runs",
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("2026-06-30_00-00-00");
  });

  it("runs show latest prints the manifest (human and --json)", async () => {
    const h = await cobuy(["runs", "show", "--store", "s3://cobuy-it/team/runs"]);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toContain("run 2026-07-03_00-00-00");
    expect(h.stdout).toContain("recs.rich.json");
    const j = await cobuy([
      "runs",
      "show",
      "2026-07-01_00-00-00",
      "--store",
      "s3://cobuy-it/team/runs",
      "--json",
    ]);
    expect(lastJson(j.stdout).manifest.files[0].contentEncoding).toBe("gzip");
  });

  it("fetch verifies and writes the documents; --s3-endpoint overrides the environment", async () => {
    const to = join(work, "fetched");
    const r = await cobuy(
      [
        "fetch",
        "latest",
        "--store",
        "s3://cobuy-it/team/runs",
        "--s3-endpoint",
        s3.endpoint,
        "--to",
        to,
        "--json",
      ],
      { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).runId).toBe("2026-07-03_00-00-00");
    expect(readFileSync(join(to, "recs.json"), "utf8")).toBe('{\n  "P1": "P2"\n}\n');
  });

  it("fetch refuses a corrupted object with exit 1 and COBUY_STORE_CHECKSUM_MISMATCH", async () => {
    await s3.corruptObject("cobuy-it", "team/runs/2026-07-03_00-00-00/recs.json", 10);
    const r = await cobuy([
      "fetch",
      "--store",
      "s3://cobuy-it/team/runs",
      "--to",
      join(work, "bad"),
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(lastJson(r.stdout).error.code).toBe("COBUY_STORE_CHECKSUM_MISMATCH");
  });

  it("runs prune keeps N plus latest", async () => {
    const r = await cobuy(["runs", "prune", "--keep", "1", "--store", "s3://cobuy-it/team/runs", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).deleted).toEqual(["2026-07-02_00-00-00", "2026-07-01_00-00-00"]);
  });

  it("defaults to the embedded local folder; a missing bucket is a clear error", async () => {
    const r = await cobuy(["runs", "list", "--json"]);
    expect(lastJson(r.stdout).runs.map((x: { runId: string }) => x.runId)).toEqual(["2026-07-04_00-00-00"]);
    const m = await cobuy(["runs", "list", "--store", "s3://missing-bucket/x"]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('bucket "missing-bucket" does not exist');
    const u = await cobuy(["runs", "list", "--store", "gs://x/y"]);
    expect(u.code).toBe(2);
  });
});
