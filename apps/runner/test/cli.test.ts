// End-to-end tests of the built `cobuy` binary (dist/cli.js), run as a child process the way users
// run it. turbo builds it first (`@cobuy/runner#test` dependsOn `build`); these tests build nothing.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const COMMANDS = ["pipeline", "build", "sample"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cobuy(args: string[], env: Record<string, string> = {}, cwd = work): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Parses stdout as exactly one JSON object on one line. */
function oneJson(stdout: string): Record<string, unknown> {
  const lines = stdout.split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? "") as Record<string, unknown>;
}

let work: string;
let salesCsv: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm turbo run build --filter @cobuy/runner`);
  work = mkdtempSync(join(tmpdir(), "cobuy-cli-"));
  salesCsv = join(work, "sales.csv");
  const r = await cobuy([
    "sample",
    "--out",
    salesCsv,
    "--orders",
    "600",
    "--products",
    "150",
    "--categories",
    "5",
  ]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("help and usage errors", () => {
  it("lists every command at the top level", async () => {
    const r = await cobuy(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\s+\\S`, "m"));
  });

  it.each(COMMANDS)("prints help for %s", async (name) => {
    const r = await cobuy([name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`usage: cobuy ${name}`)).toBe(true);
    expect(r.stdout).toContain("--json");
    expect(r.stderr).toBe("");
  });

  it("rejects an unknown flag with one line and exit code 2", async () => {
    const r = await cobuy(["build", "--input", salesCsv, "--out", join(work, "x"), "--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cobuy: unknown option --frobnicate for "cobuy build" (see cobuy build --help)\n');
    expect(r.stdout).toBe("");
  });

  it("rejects an unknown command, a missing option and a bad value with exit code 2", async () => {
    expect((await cobuy(["frobnicate"])).stderr).toBe(
      'cobuy: unknown command "frobnicate" (see cobuy --help)\n',
    );
    const missing = await cobuy(["build", "--out", join(work, "x")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("cobuy: missing required option --input\n");
    const bad = await cobuy(["build", "--input", salesCsv, "--out", join(work, "x"), "--k", "five"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('cobuy: --k must be an integer (got "five")\n');
  });
});

describe("cobuy sample", () => {
  it("is deterministic for a seed", async () => {
    const a = join(work, "a.csv");
    const b = join(work, "b.csv");
    const c = join(work, "c.csv");
    for (const [file, seed] of [
      [a, "5"],
      [b, "5"],
      [c, "6"],
    ] as const) {
      const r = await cobuy(["sample", "--out", file, "--orders", "300", "--seed", seed]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
    expect(readFileSync(a, "utf8").split("\n")[0]).toBe("order_id,product_id,category");
  });

  it("reports what it wrote under --json", async () => {
    const r = await cobuy(["sample", "--out", join(work, "j.csv"), "--orders", "100", "--json"]);
    const o = oneJson(r.stdout);
    expect(o).toMatchObject({ ok: true, command: "sample", orders: 100 });
    expect(o.rows as number).toBeGreaterThanOrEqual(100);
  });
});

describe("cobuy build", () => {
  it("writes the three documents and prints the summary table", async () => {
    const out = join(work, "out");
    const r = await cobuy(["build", "--input", salesCsv, "--k", "5", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    for (const label of [
      "rows",
      "orders",
      "products",
      "nonzeros of C",
      "topk time",
      "peak memory",
      "same-category share",
    ]) {
      expect(r.stdout).toContain(label);
    }
    const classic = JSON.parse(readFileSync(join(out, "recs.json"), "utf8")) as Record<string, string>;
    const rich = JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"));
    const validation = JSON.parse(readFileSync(join(out, "validation.json"), "utf8"));
    expect(rich.format).toBe("cobuy.recs.v1");
    expect(rich.params).toMatchObject({ k: 5, incidence: "count" });
    const products = Object.keys(rich.recs);
    expect(products.length).toBe(rich.counts.products);
    for (const [id, list] of Object.entries(classic)) {
      const ids = list === "" ? [] : list.split(";");
      expect(ids.length).toBeLessThanOrEqual(5);
      expect(ids).toEqual(rich.recs[id].map((x: { id: string }) => x.id));
    }
    expect(validation.overall.products).toBeGreaterThan(0);
    expect(validation.overall.share).toBeCloseTo(
      validation.overall.sameCategory / validation.overall.products,
      12,
    ); // The products section (category + orders containing it) and the report beside the documents.
    expect(Object.keys(rich.products)).toEqual(products);
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/^<!doctype html>/);
  });

  it("prints exactly one JSON object on stdout with --json, and JSON log lines on stderr", async () => {
    const out = join(work, "out-json");
    const r = await cobuy([
      "build",
      "--input",
      salesCsv,
      "--out",
      out,
      "--json",
      "--threads",
      "1",
      "--k",
      "3",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const o = oneJson(r.stdout) as {
      ok: boolean;
      command: string;
      counts: Record<string, number>;
      stages: Record<string, number>;
      validation: { share: number };
      peakRssBytes: number;
      files: { name: string }[];
    };
    expect(o.ok).toBe(true);
    expect(o.command).toBe("build");
    expect(o.counts.rows).toBeGreaterThan(600);
    expect(o.counts.nonzeros).toBeGreaterThan(0);
    expect(Object.keys(o.stages)).toEqual([
      "ingest",
      "incidence",
      "cooccurrence",
      "topk",
      "validation",
      "write",
    ]);
    expect(o.peakRssBytes).toBeGreaterThan(1e6);
    expect(o.files.map((f) => f.name)).toEqual([
      "recs.json",
      "recs.rich.json",
      "validation.json",
      "report.html",
    ]);
    for (const line of r.stderr.split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("fails with exit 1 and file:line on a bad row; --skip-bad-rows skips it", async () => {
    const bad = join(work, "bad.csv");
    writeFileSync(bad, "order_id,product_id,category\n1,A,x\n1,,x\n2,A,x\n2,B,y\n");
    const r = await cobuy(["build", "--input", bad, "--out", join(work, "bad-out")]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cobuy: .*bad\.csv:3(:\d+)?: .*product_id/);
    expect(r.stdout).toBe("");

    const j = await cobuy(["build", "--input", bad, "--out", join(work, "bad-out"), "--json"]);
    expect(j.code).toBe(1);
    expect(oneJson(j.stdout)).toMatchObject({
      ok: false,
      command: "build",
      error: { code: "COBUY_CSV_EMPTY_FIELD" },
    });

    const s = await cobuy([
      "build",
      "--input",
      bad,
      "--out",
      join(work, "bad-out"),
      "--skip-bad-rows",
      "--json",
    ]);
    expect(s.code, s.stderr).toBe(0);
    expect(oneJson(s.stdout)).toMatchObject({ ok: true, counts: { skippedRows: 1 } });
  });

  it("treats an empty category as unknown: the row counts, a product without any category gets null", async () => {
    const csv = join(work, "empty-category.csv");
    writeFileSync(csv, "order_id,product_id,category\n1,A,x\n1,B,\n2,A,\n2,B,\n2,C,x\n3,C,x\n3,A,x\n");
    const out = join(work, "empty-category-out");
    const r = await cobuy(["build", "--input", csv, "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout)).toMatchObject({
      counts: { rows: 7, skippedRows: 0 },
      validation: { products: 2 },
    });
    expect(r.stderr).toContain("3 rows have an empty category");
    const rich = JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"));
    expect(rich.products.B).toEqual({ category: null, support: 2 });
    expect(rich.products.A).toEqual({ category: "x", support: 3 });
    const validation = JSON.parse(readFileSync(join(out, "validation.json"), "utf8"));
    expect(validation.productsWithoutCategory).toBe(1);
  });

  it("fails with exit 1 on a missing input file", async () => {
    const r = await cobuy(["build", "--input", join(work, "nope.csv"), "--out", join(work, "x"), "--json"]);
    expect(r.code).toBe(1);
    const o = oneJson(r.stdout) as { error: { code: string; message: string } };
    expect(o.error.code).toBe("COBUY_INPUT_UNREADABLE");
    expect(o.error.message).toContain("nope.csv");
  });
});

describe("cobuy pipeline", () => {
  it("generates the sample once and publishes runs under COBUY_HOME", async () => {
    const home = join(work, "home");
    const first = await cobuy(["pipeline", "--json"], { COBUY_HOME: home });
    expect(first.code, first.stderr).toBe(0);
    const a = oneJson(first.stdout) as {
      runId: string;
      runDir: string;
      stages: Record<string, number>;
      input: string;
      files: string[];
      load: { productStats: string; active: boolean };
    };
    expect(a.runId).toMatch(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(_\d+)?$/);
    expect(a.runDir).toBe(join(home, "runs", a.runId));
    expect(a.input.startsWith(join(home, "data"))).toBe(true);
    expect(Object.keys(a.stages)[0]).toBe("sample");
    expect(a.files).toContain("report.html");
    // Loaded into the embedded PGlite with the categories and supports of the products section.
    expect(a.load).toMatchObject({ productStats: "document", active: true });
    for (const f of ["recs.json", "recs.rich.json", "validation.json", "report.html", "manifest.json"]) {
      expect(existsSync(join(a.runDir, f)), f).toBe(true);
    }
    expect(JSON.stringify(JSON.parse(readFileSync(join(home, "runs", "latest.json"), "utf8")))).toContain(
      a.runId,
    );
    expect(existsSync(join(home, "staging"))).toBe(false);

    const second = await cobuy(["pipeline"], { COBUY_HOME: home });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("same-category share");
    expect(second.stdout).toMatch(/^run: +\S+/m);
    expect(second.stderr).not.toContain("generated the sample");
    const latest = readFileSync(join(home, "runs", "latest.json"), "utf8");
    expect(latest).not.toContain(`"${a.runId}"`);
  });
});
