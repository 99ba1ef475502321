// End-to-end tests of the built `cobuy` binary (dist/cli.js), run as a child process the way users
// run it. turbo builds it first (`@cobuy/runner#test` dependsOn `build`); these tests build nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_K } from "@cobuy/contracts";
import { buildIncidence, countPairs, measureTopK } from "@cobuy/core-math";
import { readSales, SIMILARITIES } from "@cobuy/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, runCobuy, writeSample } from "./helpers/cli.js";

const COMMANDS = ["pipeline", "build", "sample"];

const cobuy = (args: string[], env: Record<string, string> = {}) => runCobuy(args, work, env);

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
  await writeSample(cobuy, salesCsv);
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

  it("gives --k one range in every command that takes it (that of @cobuy/contracts)", async () => {
    const out = join(work, "k-range");
    const tooLong = [
      ["build", "--input", salesCsv, "--out", out],
      ["pipeline", "--input", salesCsv, "--no-load"],
      ["evaluate", "--input", salesCsv, "--out", out],
      ["sweep", "--input", salesCsv, "--out", out],
      ["db", "similar", "P1"],
    ];
    for (const args of tooLong) {
      const r = await cobuy([...args, "--k", String(MAX_K + 1), "--json"], {
        COBUY_HOME: join(work, "k-home"),
      });
      expect(r.code, args.join(" ")).toBe(2);
      expect(oneJson(r.stdout)).toMatchObject({
        ok: false,
        error: {
          code: "COBUY_CLI_USAGE",
          message: `--k must be an integer from 1 to ${MAX_K} (got ${MAX_K + 1})`,
        },
      });
    }
    expect(existsSync(out)).toBe(false);
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
    const report = readFileSync(join(out, "report.html"), "utf8");
    expect(report).toMatch(/^<!doctype html>/);
    // The summary of a plain build: its counts, the stages timed before the report, the plan.
    const embedded = JSON.parse(/id="cobuy-data">([^<]*)<\/script>/.exec(report)![1]!);
    expect(embedded.run.counts).toMatchObject({ ...rich.counts, nonzerosC: expect.any(Number) });
    // Every stage that ran, in order, the one writing the report too (marked: its seconds so far).
    const stages = embedded.run.stages as { name: string; seconds: number; running?: boolean }[];
    expect(stages.map((s) => s.name)).toEqual([
      "ingest",
      "incidence",
      "cooccurrence",
      "topk",
      "validation",
      "write",
    ]);
    expect(stages.filter((s) => s.running).map((s) => s.name)).toEqual(["write"]);
    for (const s of stages) expect(s.seconds).toBeGreaterThanOrEqual(0);
    expect(embedded.run.plan.threads).toBeGreaterThan(0);
    expect(embedded.evaluation).toBeNull();
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
      error: { code: "COBUY_PIPELINE_CSV_EMPTY_FIELD" },
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
    expect(o.error.code).toBe("COBUY_PIPELINE_INPUT_UNREADABLE");
    expect(o.error.message).toContain("nope.csv");
  });
});

type RichItem = { id: string; score: number; support: number; reason?: string };
type Rich = {
  params: Record<string, unknown> & { similarity: Record<string, unknown> };
  recs: Record<string, RichItem[]>;
};
const readRich = (dir: string) => JSON.parse(readFileSync(join(dir, "recs.rich.json"), "utf8")) as Rich;

describe("cobuy build --similarity / --blend", () => {
  it("--similarity llr: other lists than the default, with core-math's measureTopK scores", async () => {
    const classicOut = join(work, "sim-classic");
    const llrOut = join(work, "sim-llr");
    const c = await cobuy(["build", "--input", salesCsv, "--out", classicOut, "--threads", "1"]);
    expect(c.code, c.stderr).toBe(0);
    const r = await cobuy(["build", "--input", salesCsv, "--out", llrOut, "--similarity", "llr", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout)).toMatchObject({
      similarity: { measure: "llr", chosen: "requested", minPairSupport: 1 },
      blend: null,
    });
    const classic = readRich(classicOut);
    const llr = readRich(llrOut);
    expect(classic.params.similarity).toEqual({
      measure: "cooccurrence-cosine",
      chosen: "requested",
      minPairSupport: 1,
    });
    expect(llr.params.similarity).toEqual({ measure: "llr", chosen: "requested", minPairSupport: 1 });
    expect(llr.recs).not.toEqual(classic.recs);

    // The same data through core-math directly.
    const ix = await readSales(salesCsv);
    const a = buildIncidence(ix.lineOrder, ix.lineProduct, ix.orders, ix.productIds.length, "binary");
    const top = measureTopK(countPairs(a), "llr", { k: 5 });
    ix.productIds.forEach((id, p) => {
      const want = Array.from({ length: top.length[p]! }, (_, r) => ({
        id: ix.productIds[top.ids[p * 5 + r]!],
        score: top.scores[p * 5 + r],
        support: top.support[p * 5 + r],
      }));
      expect(llr.recs[id], id).toEqual(want);
    });
    const plain = JSON.parse(readFileSync(join(llrOut, "recs.json"), "utf8")) as Record<string, string>;
    for (const [id, list] of Object.entries(llr.recs)) {
      expect(plain[id]).toBe(list.map((x) => x.id).join(";"));
    }
  });

  it("--similarity auto records the choice and every candidate in params and the summary", async () => {
    const out = join(work, "sim-auto");
    const r = await cobuy([
      "build",
      "--input",
      salesCsv,
      "--out",
      out,
      "--similarity",
      "auto",
      "--threads",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const o = oneJson(r.stdout) as { similarity: Record<string, unknown>; stages: Record<string, number> };
    const sim = readRich(out).params.similarity as {
      measure: string;
      chosen: string;
      minPairSupport: number;
      selection: {
        fraction: number;
        seed: number;
        rule: string;
        candidates: { similarity: string; minPairSupport: number; hitRate: number; coverage: number }[];
      };
    };
    expect(sim.chosen).toBe("auto");
    expect(SIMILARITIES).toContain(sim.measure);
    expect(sim.selection).toMatchObject({ fraction: 0.2, seed: 1 });
    expect(sim.selection.rule).toMatch(/hitRate@5|coverage/);
    expect(sim.selection.candidates).toHaveLength(SIMILARITIES.length * 3);
    expect(sim.selection.candidates).toContainEqual(
      expect.objectContaining({ similarity: sim.measure, minPairSupport: sim.minPairSupport }),
    );
    expect(o.similarity).toEqual(sim);
    expect(Object.keys(o.stages)).toContain("auto");
    expect(r.stderr).toContain(`similarity auto chose ${sim.measure}`);

    const human = await cobuy([
      "build",
      "--input",
      salesCsv,
      "--out",
      out,
      "--similarity",
      "auto",
      "--threads",
      "1",
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`^similarity +${sim.measure} \\(auto, min pair support ${sim.minPairSupport}\\)`, "m"),
    );
    expect(human.stdout).toContain("similarity auto: ");
  });

  it("--blend popular:0.5 gives every item a reason", async () => {
    const out = join(work, "sim-blend");
    const r = await cobuy([
      "build",
      "--input",
      salesCsv,
      "--out",
      out,
      "--similarity",
      "cosine",
      "--min-pair-support",
      "2",
      "--blend",
      "popular:0.5",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout)).toMatchObject({ blend: { popular: 0.5 } });
    const rich = readRich(out);
    expect(rich.params).toMatchObject({
      blend: { popular: 0.5 },
      similarity: { measure: "cosine", minPairSupport: 2 },
    });
    const items = Object.values(rich.recs).flat();
    expect(items.length).toBeGreaterThan(0);
    for (const x of items) expect(["similar", "popular-in-category", "popular"]).toContain(x.reason);
    const reasons = new Set(items.map((x) => x.reason));
    expect(reasons.has("similar")).toBe(true);
    expect(reasons.has("popular-in-category")).toBe(true);
    for (const x of items) if (x.reason === "similar") expect(x.support).toBeGreaterThanOrEqual(2);
  });

  it("rejects a bad measure, a bad blend and caps with the classic measure (exit 2)", async () => {
    const out = join(work, "sim-bad");
    for (const [args, message] of [
      [["--similarity", "pearson"], "--similarity must be auto or one of cooccurrence-cosine, cosine"],
      [["--blend", "popular:2"], "--blend must look like popular:W"],
      [["--max-products-per-order", "10"], "the classic cooccurrence-cosine counts every order line"],
      [["--min-pair-support", "0"], "--min-pair-support"],
    ] as const) {
      const r = await cobuy(["build", "--input", salesCsv, "--out", out, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const capped = await cobuy([
      "build",
      "--input",
      salesCsv,
      "--out",
      out,
      "--similarity",
      "llr",
      "--max-products-per-order",
      "3",
      "--json",
    ]);
    expect(capped.code, capped.stderr).toBe(0);
    expect(readRich(out).params.similarity).toMatchObject({ caps: { maxProductsPerOrder: 3 } });
  });
});

describe("cobuy pipeline", () => {
  it("--evaluate publishes evaluation.json and a report with its charts", async () => {
    const home = join(work, "home-eval");
    const r = await cobuy(
      [
        "pipeline",
        "--input",
        salesCsv,
        "--evaluate",
        "--no-load",
        "--similarity",
        "llr",
        "--threads",
        "1",
        "--json",
      ],
      { COBUY_HOME: home },
    );
    expect(r.code, r.stderr).toBe(0);
    const o = oneJson(r.stdout) as {
      runDir: string;
      files: string[];
      stages: Record<string, number>;
      evaluation: { file: string; similarity: string; metrics: Record<string, number> };
      load?: unknown;
    };
    expect(o.load).toBeUndefined();
    expect(o.files).toEqual([
      "recs.json",
      "recs.rich.json",
      "validation.json",
      "evaluation.json",
      "report.html",
    ]);
    expect(Object.keys(o.stages)).toEqual(expect.arrayContaining(["write", "evaluate", "report", "publish"]));
    const manifest = JSON.parse(readFileSync(join(o.runDir, "manifest.json"), "utf8")) as {
      files: { name: string }[];
    };
    expect(manifest.files.map((f) => f.name)).toEqual(
      expect.arrayContaining(["evaluation.json", "report.html"]),
    );
    const ev = JSON.parse(readFileSync(join(o.runDir, "evaluation.json"), "utf8"));
    expect(ev).toMatchObject({
      format: "cobuy.evaluation.v1",
      k: 5,
      split: { method: "holdout", fraction: 0.2, seed: 1 },
      similarity: { requested: "llr", chosen: "llr" },
    });
    expect(o.evaluation).toMatchObject({ file: "evaluation.json", similarity: "llr" });
    expect(o.evaluation.metrics["hitRate@5"]).toBe(ev.metrics["hitRate@5"]);
    expect(Object.keys(ev.measures)).toEqual(expect.arrayContaining(SIMILARITIES as string[]));
    // report.html was rendered after evaluation.json: it carries the evaluation's data.
    const html = readFileSync(join(o.runDir, "report.html"), "utf8");
    expect(html).toContain('"format":"cobuy.evaluation.v1"');
    // Its stage table: every stage before the report, and the report's own (still running then).
    const run = JSON.parse(/id="cobuy-data">([^<]*)<\/script>/.exec(html)![1]!).run;
    const names = (run.stages as { name: string; running?: boolean }[]).map((s) =>
      s.running ? `${s.name}…` : s.name,
    );
    expect(names).toEqual(
      expect.arrayContaining(["ingest", "topk", "validation", "write", "evaluate", "report…"]),
    );
    expect(names.at(-1)).toBe("report…");
    expect(html).toContain(`${ev.metrics["hitRate@5"]}`);
    expect(existsSync(join(home, "pglite"))).toBe(false);
    expect(existsSync(join(home, "staging"))).toBe(false);

    // Off by default. (The classic measure's lists differ from llr's beyond the activation guard's
    // limits: --force lets this second run become latest.)
    const plain = await cobuy(["pipeline", "--input", salesCsv, "--no-load", "--force", "--json"], {
      COBUY_HOME: home,
    });
    expect(plain.code, plain.stderr).toBe(0);
    const p = oneJson(plain.stdout) as { files: string[]; evaluation?: unknown };
    expect(p.files).not.toContain("evaluation.json");
    expect(p.evaluation).toBeUndefined();
  });

  it("generates the sample once and publishes runs under COBUY_HOME", async () => {
    const home = join(work, "home");
    const first = await cobuy(["pipeline", "--json"], { COBUY_HOME: home });
    expect(first.code, first.stderr).toBe(0);
    const a = oneJson(first.stdout) as {
      runId: string;
      runDir: string;
      stages: Record<string, number>;
      seconds: number;
      input: string;
      files: string[];
      load: { productStats: string; active: boolean };
    };
    expect(a.runId).toMatch(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_\d{3}[0-9a-z]{5}$/);
    expect(a.runDir).toBe(join(home, "runs", a.runId));
    expect(a.input.startsWith(join(home, "data"))).toBe(true);
    expect(Object.keys(a.stages)[0]).toBe("sample");
    // Opening the database (PGlite's first start creates its folder) is a stage of its own, so
    // the stages account for the run's time rather than leaving seconds unnamed.
    expect(Object.keys(a.stages).slice(-2)).toEqual(["database", "load"]);
    const staged = Object.values(a.stages).reduce((x, y) => x + y, 0);
    expect(staged, JSON.stringify(a.stages)).toBeGreaterThan(0.7 * a.seconds);
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

describe("cobuy evaluate --blend auto", () => {
  it("tunes the evidence blend on the validation split and serves it; refuses a bad evidence blend", async () => {
    const out = join(work, "eval-blend-auto");
    const r = await cobuy([
      "evaluate",
      "--input",
      salesCsv,
      "--out",
      out,
      "--similarity",
      "auto",
      "--blend",
      "auto",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ev = JSON.parse(readFileSync(join(out, "evaluation.json"), "utf8"));
    expect(ev.evidenceBlend.requested).toBe("auto");
    expect(ev.evidenceBlend.selection.candidates).toHaveLength(13);
    expect(ev.slices.length).toBeGreaterThan(0);
    const chosen = ev.evidenceBlend.chosen;
    const served = chosen
      ? `${ev.similarity.chosen}+evidence:${chosen.prior}/keep:${chosen.keepSimilar}/cover:${chosen.minCoverage}`
      : ev.similarity.chosen;
    expect(r.stdout).toContain(`served: ${served}`);
    expect(ev.measures[served]).toEqual(ev.metrics);
    const bad = await cobuy(["evaluate", "--input", salesCsv, "--out", out, "--blend", "evidence:-1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--blend evidence:A takes a prior A ≥ 0");
    const fixed = await cobuy([
      "evaluate",
      "--input",
      salesCsv,
      "--out",
      join(work, "eval-blend-cover"),
      "--similarity",
      "llr",
      "--blend",
      "evidence:10/keep:1/cover:0.6",
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
    const covered = JSON.parse(readFileSync(join(work, "eval-blend-cover", "evaluation.json"), "utf8"));
    expect(covered.evidenceBlend.chosen).toEqual({ prior: 10, keepSimilar: 1, minCoverage: 0.6 });
    expect(covered.measures["llr+evidence:10/keep:1/cover:0.6"]).toEqual(covered.metrics);
    const tooMuch = await cobuy([
      "evaluate",
      "--input",
      salesCsv,
      "--out",
      out,
      "--blend",
      "evidence:10/cover:1.5",
    ]);
    expect(tooMuch.code).toBe(2);
  });
});

describe("cobuy evaluate --split-by-time", () => {
  it("reports the split by time beside the random holdout in evaluation.json, the summary and --json", async () => {
    // The sample with a time column: each order's time follows its line order in the file.
    const [head, ...rows] = readFileSync(salesCsv, "utf8").trimEnd().split("\n");
    const orderOf = (row: string) => row.split(",")[0]!;
    const rank = new Map<string, number>();
    for (const row of rows) if (!rank.has(orderOf(row))) rank.set(orderOf(row), rank.size);
    const timed = join(work, "sales-timed.csv");
    writeFileSync(
      timed,
      `${head},ordered_at\n${rows
        .map(
          (row) =>
            `${row},${new Date(Date.UTC(2026, 0, 1) + rank.get(orderOf(row))! * 3_600_000).toISOString()}`,
        )
        .join("\n")}\n`,
    );
    const out = join(work, "eval-by-time");
    const args = [
      "evaluate",
      "--input",
      timed,
      "--out",
      out,
      "--similarity",
      "llr",
      "--split-by-time",
      "ordered_at",
    ];
    const r = await cobuy([...args, "--seed", "3"]);
    expect(r.code, r.stderr).toBe(0);
    const ev = JSON.parse(readFileSync(join(out, "evaluation.json"), "utf8"));
    // The main figures stay the random holdout's (seed 3); the split by time is beside them.
    expect(ev.split).toMatchObject({ method: "holdout", seed: 3 });
    expect(ev.splits.map((s: { split: { method: string } }) => s.split.method)).toEqual(["holdout", "time"]);
    const [random, byTime] = ev.splits;
    expect(random.metrics).toEqual(ev.metrics);
    expect(byTime.split).toMatchObject({ column: "ordered_at", testOrders: Math.round(0.2 * rank.size) });
    expect(r.stdout).toContain("random holdout beside the split by time");
    expect(r.stdout).toMatch(
      new RegExp(
        `by time \\(ordered_at\\) +${byTime.split.trainOrders} / ${byTime.split.testOrders} +llr +${String(Number(byTime.metrics["hitRate@5"].toFixed(4))).replace(".", "\\.")}`,
      ),
    );
    const json = await cobuy([...args, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout);
    expect(summary.splits[1].metrics).toEqual(byTime.metrics);
    expect(summary.splits[1].split.method).toBe("time");
    const noTime = await cobuy([
      "evaluate",
      "--input",
      salesCsv,
      "--out",
      join(work, "eval-no-time"),
      "--split-by-time",
      "ordered_at",
    ]);
    expect(noTime.code).not.toBe(0);
  });
});
