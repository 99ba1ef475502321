// Bad days end to end, through the built binary on a folder store and the embedded PGlite: real
// grocery receipts (../shared/data/groceries) rebuilt on an ordinary day (a resample of 93 % of the
// orders) pass the activation guard; half the orders missing, the product and category columns
// swapped, and a tiny test file are each refused by the check that catches them, while the
// previous run stays latest in the store and active in the database; --force lets a run through.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy } from "./helpers/cli.js";

const SHARED = process.env.COBUY_SHARED_DIR ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const GROCERIES = join(SHARED, "data", "groceries", "transactions.csv");
const present = existsSync(GROCERIES);

let work: string;
const cobuy = (args: string[]) => runCobuy(args, work, isolatedEnv(work));
const store = () => join(work, "home", "runs");
const latestRunId = () => JSON.parse(readFileSync(join(store(), "latest.json"), "utf8")).runId as string;

/** The day's export files, written from the real receipts at test time. */
const day = (name: string) => join(work, `${name}.csv`);

/** Deterministic uniform numbers in [0, 1) (mulberry32): the same resample on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "cobuy-guard-"));
  if (!present) return;
  // order_id,product_id,category; no quoted fields in this file.
  const [header, ...lines] = readFileSync(GROCERIES, "utf8").trim().split("\n");
  const orderOf = (line: string) => line.slice(0, line.indexOf(","));
  const orders = [...new Set(lines.map(orderOf))];
  const write = (name: string, rows: string[]) =>
    writeFileSync(day(name), `${[header, ...rows].join("\n")}\n`);
  const sample = (share: number, seed: number) => {
    const random = seeded(seed);
    const kept = new Set(orders.filter(() => random() < share));
    return lines.filter((l) => kept.has(orderOf(l)));
  };
  write("full", lines);
  write("ordinary", sample(0.93, 1));
  write("half", sample(0.5, 2));
  write(
    "swapped",
    lines.map((l) => l.split(",")).map(([o, p, c]) => `${o},${c},${p}`),
  );
  const firstOrders = new Set(orders.slice(0, 40));
  write(
    "tiny",
    lines.filter((l) => firstOrders.has(orderOf(l))),
  );
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The database's active run, as `cobuy db runs` lists it. */
async function activeInDb(): Promise<string | undefined> {
  const r = await cobuy(["db", "runs", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (lastJson(r.stdout).runs as { id: string; active: boolean }[]).find((x) => x.active)?.id;
}

/** Checks a refusal: exit 1, the code, one line naming `check`, and its --json verdict. */
function expectRefused(r: { code: number; stdout: string; stderr: string }, check: string) {
  expect(r.code, r.stderr).toBe(1);
  const o = lastJson(r.stdout);
  expect(o).toMatchObject({ ok: false, error: { code: "COBUY_CLI_GUARD_REFUSED" } });
  const message = o.error.message as string;
  expect(message).toMatch(/^refused: .+ \(rerun with (--[a-z-]+ [\d.]+ )+or --force\)$/);
  expect(message).toContain(`--${check}`);
  expect(o.guard.verdict).toBe("refused");
  const failed = o.guard.failures.map((f: { check: string }) => f.check);
  expect(failed).toContain(check);
  const failure = o.guard.failures.find((f: { check: string }) => f.check === check);
  // "by how much": the measured value and the limit it misses, both in the message.
  expect(message).toContain(`${failure.message}`);
  expect(o.guard.diff).toMatchObject({ format: expect.any(String), top1Churn: expect.any(Number) });
  return o;
}

describe.runIf(present)("guarded activation on a bad day", () => {
  it("passes an ordinary day, refuses each bad day with its check, keeps the previous run serving, --force publishes", async () => {
    const first = await cobuy(["pipeline", "--input", day("full"), "--threads", "1", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(lastJson(first.stdout).guard).toMatchObject({ verdict: "skipped" });

    const ordinary = await cobuy(["pipeline", "--input", day("ordinary"), "--threads", "1", "--json"]);
    expect(ordinary.code, ordinary.stderr).toBe(0);
    const o = lastJson(ordinary.stdout);
    expect(o.guard).toMatchObject({ verdict: "passed", against: lastJson(first.stdout).runId, failures: [] });
    expect(o.guard.diff.ordersRatio).toBeGreaterThan(0.9);
    expect(o.load).toMatchObject({ active: true, runId: o.runId });
    const serving = o.runId as string;
    expect(latestRunId()).toBe(serving);
    const ordinaryReport = readFileSync(join(o.runDir, "report.html"), "utf8");
    expect(ordinaryReport).toContain("Changes since the previous run");
    expect(ordinaryReport).toContain(lastJson(first.stdout).runId);

    const badDays: [string, string][] = [
      ["half", "min-orders-ratio"],
      ["swapped", "min-products-ratio"],
      ["tiny", "min-orders-ratio"],
    ];
    for (const [name, check] of badDays) {
      const r = await cobuy(["pipeline", "--input", day(name), "--threads", "1", "--json"]);
      const refused = expectRefused(r, check);
      expect(refused.guard.against, name).toBe(serving);
      // Published as refused: complete, with its refusal on record, never latest, never loaded.
      expect(existsSync(join(refused.runDir, "recs.rich.json")), name).toBe(true);
      const record = JSON.parse(readFileSync(join(refused.runDir, "refused.json"), "utf8"));
      expect(record).toMatchObject({ runId: refused.runId, verdict: "refused", against: serving });
      expect(record.message).toBe(refused.error.message);
      // Its report says what changed since the serving run and why the guard refused it.
      const report = readFileSync(join(refused.runDir, "report.html"), "utf8");
      expect(report, name).toContain("Changes since the previous run");
      expect(report, name).toContain(serving);
      expect(report, name).toContain(check);
      expect(latestRunId(), name).toBe(serving);
      expect(refused.latestRunId).toBe(serving);
      expect(await activeInDb(), name).toBe(serving);
      // The human form: one line on stderr.
      expect(
        r.stderr
          .trim()
          .split("\n")
          .filter((l) => l.includes("refused:")),
      ).toHaveLength(1);
    }
    const list = await cobuy(["runs", "list", "--json"]);
    const statuses = (lastJson(list.stdout).runs as { refused: boolean; latest: boolean }[]).map((x) =>
      x.latest ? "latest" : x.refused ? "refused" : "complete",
    );
    expect(statuses.sort()).toEqual(["complete", "latest", "refused", "refused", "refused"]);

    const human = await cobuy(["pipeline", "--input", day("swapped"), "--threads", "1"]);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/^cobuy: refused: .*products ratio 0\.\d+ is below --min-products-ratio/m);
    expect(human.stdout).toMatch(/^latest: .*\(still \S+\)$/m);

    const forced = await cobuy([
      "pipeline",
      "--input",
      day("swapped"),
      "--threads",
      "1",
      "--force",
      "--json",
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    const f = lastJson(forced.stdout);
    expect(f.guard.verdict).toBe("forced");
    expect(f.guard.failures.map((x: { check: string }) => x.check)).toContain("min-products-ratio");
    expect(latestRunId()).toBe(f.runId);
    expect(await activeInDb()).toBe(f.runId);
    expect(existsSync(join(f.runDir, "refused.json"))).toBe(false);
  }, 240_000);

  it("a limit on the command line lets a run through that the defaults refuse", async () => {
    mkdirSync(join(work, "limits"), { recursive: true });
    const home = { ...isolatedEnv(join(work, "limits")) };
    const run = (args: string[]) => runCobuy(args, work, home);
    expect((await run(["pipeline", "--input", day("full"), "--no-load", "--threads", "1"])).code).toBe(0);
    const refused = await run(["pipeline", "--input", day("half"), "--no-load", "--threads", "1", "--json"]);
    const o = expectRefused(refused, "min-orders-ratio");
    // The override the message suggests is enough.
    const suggested = /\(rerun with (.+) or --force\)$/.exec(o.error.message)?.[1]?.split(" ") ?? [];
    const passed = await run([
      "pipeline",
      "--input",
      day("half"),
      "--no-load",
      "--threads",
      "1",
      ...suggested,
      "--json",
    ]);
    expect(passed.code, passed.stderr).toBe(0);
    expect(lastJson(passed.stdout).guard.verdict).toBe("passed");
    const bad = await run(["pipeline", "--input", day("half"), "--no-load", "--max-churn", "2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--max-churn must be at most 1");
  }, 120_000);

  it("cobuy load keeps the active run serving: a refused run is loaded, not active; --force activates it; cobuy publish refuses too", async () => {
    const dirs: Record<string, string> = {};
    for (const name of ["full", "ordinary", "half"]) {
      dirs[name] = join(work, "out", name);
      const b = await cobuy(["build", "--input", day(name), "--threads", "1", "--out", dirs[name], "--json"]);
      expect(b.code, b.stderr).toBe(0);
    }
    const env = isolatedEnv(join(work, "load"));
    const run = (args: string[]) => runCobuy(args, work, env);
    const runIdOf = (name: string) =>
      JSON.parse(readFileSync(join(dirs[name] as string, "recs.rich.json"), "utf8")).runId as string;
    const active = async () =>
      (lastJson((await run(["db", "runs", "--json"])).stdout).runs as { id: string; active: boolean }[]).find(
        (x) => x.active,
      )?.id;

    const first = await run(["load", dirs.full as string, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(lastJson(first.stdout)).toMatchObject({ active: true, guard: { verdict: "skipped" } });
    const ordinary = await run(["load", dirs.ordinary as string, "--json"]);
    expect(ordinary.code, ordinary.stderr).toBe(0);
    expect(lastJson(ordinary.stdout)).toMatchObject({
      runId: runIdOf("ordinary"),
      active: true,
      previousActiveRunId: runIdOf("full"),
      guard: { verdict: "passed", against: runIdOf("full") },
    });

    const half = await run(["load", dirs.half as string, "--json"]);
    const refused = expectRefused(half, "min-orders-ratio");
    expect(refused).toMatchObject({ runId: runIdOf("half"), loaded: true, activeRunId: runIdOf("ordinary") });
    expect(await active()).toBe(runIdOf("ordinary"));
    const forced = await run(["load", dirs.half as string, "--force", "--json"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(lastJson(forced.stdout)).toMatchObject({
      status: "unchanged",
      active: true,
      guard: { verdict: "forced" },
    });
    expect(await active()).toBe(runIdOf("half"));

    // The same run through `cobuy publish`: refused against the store's latest, latest unchanged.
    const target = join(work, "published");
    expect((await run(["publish", dirs.full as string, "--store", target])).code).toBe(0);
    const pub = await run(["publish", dirs.half as string, "--store", target, "--json"]);
    expectRefused(pub, "min-orders-ratio");
    expect(JSON.parse(readFileSync(join(target, "latest.json"), "utf8")).runId).toBe(runIdOf("full"));
    expect(existsSync(join(target, runIdOf("half"), "refused.json"))).toBe(true);
  }, 240_000);
});
