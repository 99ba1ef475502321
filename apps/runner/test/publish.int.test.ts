// `cobuy publish DIR` through the built binary: a folder `cobuy build` wrote is published to a local
// folder store and to s3rver (started here on a free port) with pipeline's rules, read back with
// `runs show` / `fetch` / `load`, and folders that are not a valid build output publish nothing.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type S3rverHandle, startS3rver } from "@cobuy/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy, s3rverEnv, writeSample } from "./helpers/cli.js";

const BUCKET = "cobuy-publish";
const S3_STORE = `s3://${BUCKET}/team/runs`;
const DOCUMENTS = ["recs.json", "recs.rich.json", "validation.json", "report.html"];

let s3: S3rverHandle;
let work: string;
let env: Record<string, string>;
let out: string;
let rich: {
  runId: string;
  createdAt: string;
  params: Record<string, unknown>;
  counts: Record<string, number>;
};

const cobuy = (args: string[]) => runCobuy(args, work, env);

beforeAll(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  work = mkdtempSync(join(tmpdir(), "cobuy-publish-it-"));
  env = { ...s3rverEnv(s3, { endpoint: false }), ...isolatedEnv(work) };
  const sales = join(work, "sales.csv");
  await writeSample(cobuy, sales);
  out = join(work, "out");
  const b = await cobuy(["build", "--input", sales, "--out", out, "--threads", "1", "--similarity", "llr"]);
  expect(b.code, b.stderr).toBe(0);
  rich = JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"));
});
afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A copy of the build output with `change` applied, for the refusals. */
function brokenCopy(name: string, change: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(out, dir, { recursive: true });
  change(dir);
  return dir;
}

describe("cobuy publish DIR --store FOLDER", () => {
  const store = () => join(work, "shared-runs");

  it("publishes the build under its run id with manifest and latest.json, as pipeline does", async () => {
    const r = await cobuy(["publish", out, "--store", store(), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = lastJson(r.stdout);
    expect(s).toMatchObject({
      ok: true,
      command: "publish",
      runId: rich.runId,
      dir: out,
      runDir: join(store(), rich.runId),
      latest: join(store(), "latest.json"),
      files: DOCUMENTS,
    });
    expect(Object.keys(s.stages)).toEqual(["check", "publish"]);
    // The documents are the build's bytes; the manifest records the build's params and counts.
    for (const name of DOCUMENTS) {
      expect(readFileSync(join(store(), rich.runId, name)).equals(readFileSync(join(out, name))), name).toBe(
        true,
      );
    }
    const manifest = JSON.parse(readFileSync(join(store(), rich.runId, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ runId: rich.runId, createdAt: rich.createdAt, params: rich.params });
    expect(manifest.counts).toEqual(rich.counts);
    expect(manifest.params.similarity.measure).toBe("llr");
    expect(JSON.parse(readFileSync(join(store(), "latest.json"), "utf8")).runId).toBe(rich.runId);

    const show = await cobuy(["runs", "show", "latest", "--store", store(), "--json"]);
    expect(show.code, show.stderr).toBe(0);
    expect(lastJson(show.stdout).manifest.files.map((f: { name: string }) => f.name)).toEqual(DOCUMENTS);
  });

  it("the published run loads into the embedded database", async () => {
    const r = await cobuy(["load", "--store", store(), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ runId: rich.runId, status: "loaded", active: true });
  });

  it("prints where the run went without --json", async () => {
    const other = join(work, "human-runs");
    const r = await cobuy(["publish", out, "--store", other]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`published: ${join(other, rich.runId)}`);
    expect(r.stdout).toContain(`latest:    ${join(other, "latest.json")}`);
    expect(r.stderr).toContain(`cobuy: published run ${rich.runId}`);
  });

  it("refuses to publish the same run twice (runs are immutable)", async () => {
    const before = readFileSync(join(store(), "latest.json"), "utf8");
    const r = await cobuy(["publish", out, "--store", store(), "--json"]);
    expect(r.code).toBe(1);
    expect(lastJson(r.stdout).error.code).toBe("COBUY_CLI_RUN_EXISTS");
    expect(r.stderr).toContain(`already holds run ${rich.runId}`);
    expect(readFileSync(join(store(), "latest.json"), "utf8")).toBe(before);
  });

  it.each([
    ["a missing report.html", (d: string) => rmSync(join(d, "report.html")), "report.html is missing"],
    [
      "a NUL byte in a product id",
      (d: string) => {
        const doc = readFileSync(join(d, "recs.rich.json"), "utf8");
        const open = '"recs": {\n    "';
        const first = doc.indexOf(open) + open.length;
        writeFileSync(join(d, "recs.rich.json"), `${doc.slice(0, first)}\\u0000${doc.slice(first)}`);
      },
      /recs\.rich\.json:\d+:\d+: product id contains a NUL character$/,
    ],
    [
      "a truncated rich document",
      (d: string) => {
        const doc = readFileSync(join(d, "recs.rich.json"), "utf8");
        writeFileSync(join(d, "recs.rich.json"), doc.slice(0, doc.length / 2));
      },
      // Half of the file ends anywhere: after a value, or inside a string (the run id is random).
      /recs\.rich\.json:\d+:\d+: .*(truncated|unexpected end|unterminated)/,
    ],
    [
      "a run id that is not one",
      (d: string) => {
        const doc = readFileSync(join(d, "recs.rich.json"), "utf8");
        writeFileSync(
          join(d, "recs.rich.json"),
          doc.replace(`"runId": "${rich.runId}"`, '"runId": "../../etc"'),
        );
      },
      'runId "../../etc" is not a run id',
    ],
    [
      "recs.json of another build",
      (d: string) => writeFileSync(join(d, "recs.json"), '{"X": "Y"}\n'),
      /recs\.json lists 1 products, recs\.rich\.json \d+: not the same build/,
    ],
    [
      "invalid validation.json",
      (d: string) => writeFileSync(join(d, "validation.json"), "{"),
      "validation.json: invalid JSON",
    ],
  ])("refuses %s with one line and publishes nothing", async (name, change, message) => {
    const dir = brokenCopy(name.replace(/\W+/g, "-"), change);
    const target = join(work, `refused-${name.replace(/\W+/g, "-")}`);
    const r = await cobuy(["publish", dir, "--store", target, "--json"]);
    expect(r.code, r.stderr).toBe(1);
    const error = lastJson(r.stdout).error;
    expect(error.code).toBe("COBUY_CLI_NOT_BUILD_OUTPUT");
    expect(error.message.startsWith(`${dir} is not a cobuy build output: `)).toBe(true);
    expect(error.message).toMatch(typeof message === "string" ? new RegExp(escapeRegExp(message)) : message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(target) ? readdirSync(target) : []).toEqual([]);
  });

  it("refuses a folder that does not exist, and needs exactly one folder (usage error)", async () => {
    const missing = await cobuy(["publish", join(work, "nope"), "--store", store()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`cobuy: ${join(work, "nope")} is not a cobuy build output: no such folder\n`);
    const none = await cobuy(["publish", "--store", store()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("cobuy publish needs the folder cobuy build wrote");
    const two = await cobuy(["publish", out, out]);
    expect(two.code).toBe(2);
  });
});

describe("cobuy publish DIR --store s3://", () => {
  it("publishes to the bucket (gzip, classic key); fetch reads back the build's documents", async () => {
    const r = await cobuy([
      "publish",
      out,
      "--store",
      S3_STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--gzip",
      "--classic-key",
      "classic/key{ts}.json",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = lastJson(r.stdout);
    expect(s).toMatchObject({
      runId: rich.runId,
      store: S3_STORE,
      runDir: `${S3_STORE}/${rich.runId}/`,
      latest: `${S3_STORE}/latest.json`,
      files: DOCUMENTS,
    });
    expect(s.classicKey).toMatch(/^classic\/key\d{4}-\d{2}-\d{2}_\d{2}-\d{2}\.json$/);
    expect(existsSync(s3.objectPath(BUCKET, `team/runs/${rich.runId}/manifest.json`))).toBe(true);
    const classic = readFileSync(s3.objectPath(BUCKET, `team/runs/${s.classicKey}`));
    expect(classic.equals(readFileSync(join(out, "recs.json")))).toBe(true);

    const show = await cobuy([
      "runs",
      "show",
      "latest",
      "--store",
      S3_STORE,
      "--s3-endpoint",
      s3.endpoint,
      "--json",
    ]);
    const m = lastJson(show.stdout).manifest;
    expect(m.runId).toBe(rich.runId);
    expect(m.files.every((f: { contentEncoding?: string }) => f.contentEncoding === "gzip")).toBe(true);

    const to = join(work, "fetched");
    const f = await cobuy(["fetch", "latest", "--store", S3_STORE, "--s3-endpoint", s3.endpoint, "--to", to]);
    expect(f.code, f.stderr).toBe(0);
    for (const name of DOCUMENTS) {
      expect(readFileSync(join(to, name)).equals(readFileSync(join(out, name))), name).toBe(true);
    }
  });

  it("checks the folder before it touches the bucket", async () => {
    const dir = brokenCopy("s3-broken", (d) => rmSync(join(d, "validation.json")));
    const r = await cobuy([
      "publish",
      dir,
      "--store",
      `s3://${BUCKET}/refused`,
      "--s3-endpoint",
      s3.endpoint,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `cobuy: ${dir} is not a cobuy build output: validation.json is missing (cobuy build writes ${DOCUMENTS.join(", ")})\n`,
    );
    expect(existsSync(s3.objectPath(BUCKET, "refused/latest.json"))).toBe(false);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
