// Several `cobuy pipeline` processes (the built binary, as users run it) started together against
// one home and one store — a cron overlap, a retry — on a local folder store and on s3rver (started
// here on a free port). Every round: latest.json names a run that verifies, and every process that
// said "published" did publish (its run verifies with `cobuy fetch`).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type S3rverHandle, startS3rver } from "@cobuy/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy, s3rverEnv, writeSample } from "./helpers/cli.js";

const PROCESSES = 4;
const BUCKET = "cobuy-race";

let s3: S3rverHandle;
let work: string;
let env: Record<string, string>;
let sales: string;

const cobuy = (args: string[]) => runCobuy(args, work, env);

beforeAll(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  work = mkdtempSync(join(tmpdir(), "cobuy-race-it-"));
  env = { ...s3rverEnv(s3, { endpoint: false }), ...isolatedEnv(work) };
  sales = join(work, "sales.csv");
  await writeSample(cobuy, sales);
});
afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Starts PROCESSES pipelines at once, then checks latest.json and every run that claims it published. */
async function race(storeArgs: string[], round: number): Promise<void> {
  const runs = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      cobuy(["pipeline", "--input", sales, ...storeArgs, "--no-load", "--threads", "1", "--json"]),
    ),
  );
  const published: string[] = [];
  for (const r of runs) {
    expect(r.code, r.stderr).toBe(0);
    const runId = lastJson(r.stdout).runId as string;
    expect(r.stderr).toContain(`published run ${runId}`);
    published.push(runId);
  }
  expect(new Set(published).size, "run ids are unique per process").toBe(PROCESSES);
  for (const runId of ["latest", ...published]) {
    const to = join(work, `fetched-${round}-${runId}`);
    const f = await cobuy(["fetch", runId, ...storeArgs, "--to", to, "--json"]);
    expect(f.code, `${runId}: ${f.stderr}`).toBe(0);
    const fetched = lastJson(f.stdout).runId as string;
    if (runId === "latest") expect(published).toContain(fetched);
    else expect(fetched).toBe(runId);
    expect(JSON.parse(readFileSync(join(to, "recs.rich.json"), "utf8")).runId).toBe(fetched);
  }
}

describe("concurrent cobuy pipeline runs", () => {
  it("on a local folder store: unique runs, each verifies, latest.json names one", async () => {
    const store = join(work, "bucket");
    for (let round = 0; round < 2; round++) await race(["--store", store], round);
  }, 120_000);

  it("on s3rver: unique runs, each verifies, latest.json names one", async () => {
    const store = ["--store", `s3://${BUCKET}/runs`, "--s3-endpoint", s3.endpoint];
    for (let round = 2; round < 4; round++) await race(store, round);
  }, 120_000);
});
