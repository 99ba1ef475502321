#!/usr/bin/env node
// Whole-process benchmark of cobuy against references timed in the same run (`pnpm bench` →
// `turbo run bench`, after a build).
//
//   node bench/run.mjs [--cases M,wide,...] [--runs N] [--ref-runs N] [--strict] [-- <extra cobuy flags>]
//
// Cases (default: M, wide, duckdb-llr-M, pg-llr-M, groceries, instacart; L and duckdb-llr-L too
// with COBUY_BENCH_L=1 or --cases L):
//   M, wide, L      `cobuy build --k 10` on gen-sales data (../shared/bench/gen-sales.mjs, cached in
//                   bench-results/data/)
//   groceries-*,    `cobuy build --k 10` and `cobuy evaluate --similarity auto` on ../shared/data
//   instacart-*
// References, run interleaved with cobuy (one cobuy run, one reference run, …) so load changes hit
// both alike:
//   scipy      /usr/bin/python3 ../shared/bench/reference/scipy_sparse.py SALES 10 OUT --workers 2 (M)
//   order-side /usr/bin/python3 ../shared/bench/reference/order_side.py SALES 10 OUT (wide)
//   baseline   "today's cobuy": the same command with COBUY_BENCH_BASELINE=<another checkout's
//              apps/runner/dist/cli.js> (every case; the reference of L and the real sets)
//   local      this cobuy's local engine on the same data and measure (the in-database cases:
//              duckdb-llr-M, duckdb-llr-L with --engine duckdb; pg-llr-M with --input-sql on
//              PostgreSQL at COBUY_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432, the
//              data COPYed once into the database indb_bench). Peak RSS is cobuy's own process
//              (embedded DuckDB included; the PostgreSQL server's is not).
// Section "tokenizers" (bench/tokenizers.mjs): the hand-written CSV and JSON tokenizers against
// csv-parse and @streamparser/json on gen-sales M, instacart's transactions and M's recs.rich.json.
// A reference that cannot run (no python3 with scipy and pandas, no baseline) is reported as
// skipped, never silently dropped. Every figure: median, spread (min–max), the reference's, the
// ratio (reference / cobuy), peak RSS; targets from issue 10. Writes bench-results/bench-<ts>.json.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { alignColumns } from "./table.mjs";
import { benchTokenizers, tokenizerTable } from "./tokenizers.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const CLI = path.join(ROOT, "apps/runner/dist/cli.js");
const SHARED = process.env.COBUY_SHARED_DIR
  ? path.resolve(process.env.COBUY_SHARED_DIR)
  : path.resolve(ROOT, "../shared");
const RESULTS = path.join(ROOT, "bench-results");
const PYTHON = process.env.COBUY_BENCH_PYTHON ?? "/usr/bin/python3";
const BASELINE = process.env.COBUY_BENCH_BASELINE
  ? path.resolve(process.env.COBUY_BENCH_BASELINE)
  : undefined;
const MB = 1024 * 1024;

const gen = (...args) => ({ gen: args });
const real = (name) => ({ file: path.join(SHARED, "data", name, "transactions.csv") });
const BUILD = ["build", "--k", "10"];
const EVALUATE = ["evaluate", "--similarity", "auto"];
const LLR = ["build", "--k", "10", "--similarity", "llr"];
const PG_URL = process.env.COBUY_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432";
const PG_DATABASE = "indb_bench";
const M_DATA = gen("--orders", "250000", "--products", "20000", "--categories", "40", "--seed", "3");
const L_DATA = gen("--orders", "2500000", "--products", "100000", "--categories", "50", "--seed", "4");

function realCases(name, evaluateRatio) {
  const data = real(name);
  return {
    [`${name}-build`]: { data, command: BUILD, reference: "baseline" },
    [`${name}-evaluate`]: {
      data,
      command: EVALUATE,
      reference: "baseline",
      target: { ratio: evaluateRatio },
    },
  };
}

/** Cases of issue 10: data, command, reference and target (ratio = reference seconds / cobuy seconds). */
const CASES = {
  S: {
    data: gen("--orders", "20000", "--products", "2000", "--categories", "20", "--seed", "2"),
    command: BUILD,
    reference: "baseline",
  },
  M: {
    data: M_DATA,
    command: BUILD,
    reference: "scipy",
    target: { ratio: 8, maxRssMB: 300 },
  },
  wide: {
    data: gen(
      ..."--orders 2500 --products 20000 --categories 40 --mean-basket 150 --max-basket 1500 --seed 7".split(
        " ",
      ),
    ),
    command: BUILD,
    reference: "order-side",
    target: { ratio: 10, maxRssMB: 1536 },
  },
  L: {
    data: L_DATA,
    command: BUILD,
    reference: "baseline",
    target: { ratio: 1.9, maxRssMB: 1536 },
  },
  // Issue 14: the whole llr build in the database beside the local engine's (ratio = local / in-db;
  // "within 2×" is a ratio ≥ 0.5).
  "duckdb-llr-M": {
    data: M_DATA,
    dataOf: "M", // the same generated file as case M
    command: [...LLR, "--engine", "duckdb"],
    local: LLR,
    reference: "local",
    target: { ratio: 1 / 2 },
  },
  "duckdb-llr-L": {
    data: L_DATA,
    dataOf: "L", // the same generated file as case L
    command: [...LLR, "--engine", "duckdb"],
    local: LLR,
    reference: "local",
    target: { ratio: 1 / 1.5 },
  },
  "pg-llr-M": {
    data: M_DATA,
    dataOf: "M", // the same generated file as case M
    command: LLR,
    sql: { table: "sales_m" },
    local: LLR,
    reference: "local",
    target: { ratio: 1 / 3 },
  },
  // The real sets: build and evaluate; evaluate's targets are ratios to today's cobuy.
  ...realCases("groceries", 1),
  ...realCases("instacart", 4),
};
const DEFAULT_CASES = [
  "M",
  "wide",
  "duckdb-llr-M",
  "pg-llr-M",
  "groceries-build",
  "groceries-evaluate",
  "instacart-build",
  "instacart-evaluate",
  "tokenizers",
];
/** Sections: comparisons of parts rather than whole commands, run with the cases. */
const SECTIONS = ["tokenizers"];

const HELP = `usage: node bench/run.mjs [--cases LIST] [--runs N] [--ref-runs N] [--strict] [-- extra cobuy flags]
  --cases LIST  comma-separated, from ${[...Object.keys(CASES), ...SECTIONS].join(", ")}
                (default ${DEFAULT_CASES.join(",")}, plus L when COBUY_BENCH_L=1)
  --runs N      cobuy runs per case (default 3)
  --ref-runs N  runs of each reference per case (default: --runs)
  --strict      exit 1 when a target is missed or its reference could not run
environment: COBUY_BENCH_BASELINE=<path to another checkout's apps/runner/dist/cli.js> ("today's cobuy"),
  COBUY_BENCH_L=1, COBUY_SHARED_DIR (default ../shared beside the repo root), COBUY_BENCH_PYTHON (default /usr/bin/python3)`;

function fatal(msg, code = 1) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(code);
}

function parse(argv) {
  const o = { cases: [], runs: 3, refRuns: undefined, strict: false, extra: [] };
  if (argv[0] === "--") argv = argv.slice(1); // `pnpm bench -- --cases M` passes the separator through
  const count = (v, name) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) fatal(`${name} must be a positive integer`, 2);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      o.extra = argv.slice(i + 1);
      break;
    }
    if (a === "-h" || a === "--help") {
      console.log(HELP);
      process.exit(0);
    } else if (a === "--cases" || a === "--size") {
      for (const s of String(argv[++i] ?? "").split(",")) {
        const known = [...Object.keys(CASES), ...SECTIONS];
        const name = known.find((c) => c.toLowerCase() === s.trim().toLowerCase());
        if (!name) fatal(`unknown case "${s}" (${known.join(", ")})`, 2);
        if (!o.cases.includes(name)) o.cases.push(name);
      }
    } else if (a === "--runs") o.runs = count(argv[++i], "--runs");
    else if (a === "--ref-runs") o.refRuns = count(argv[++i], "--ref-runs");
    else if (a === "--strict") o.strict = true;
    else fatal(`unknown option ${a}\n${HELP}`, 2);
  }
  if (o.cases.length === 0)
    o.cases = [...DEFAULT_CASES, ...(process.env.COBUY_BENCH_L === "1" ? ["L", "duckdb-llr-L"] : [])];
  o.refRuns ??= o.runs;
  return o;
}

/** Runs a child to completion; resolves {code, stdout, stderr, seconds, vmHwmBytes}. */
function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let vmHwm = 0;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // Peak RSS of the child itself: /proc/<pid>/status VmHWM while it runs (Linux).
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) vmHwm = Math.max(vmHwm, Number(m[1]) * 1024);
      } catch {}
    }, 50);
    child.on("error", (e) => {
      clearInterval(poll);
      reject(e);
    });
    child.on("close", (code) => {
      clearInterval(poll);
      resolve({
        code,
        stdout,
        stderr,
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
        vmHwmBytes: vmHwm,
      });
    });
  });
}

async function dataset(name, data) {
  if (data.file) {
    if (!existsSync(data.file)) fatal(`${name}: ${data.file} not found (set COBUY_SHARED_DIR)`);
    return data.file;
  }
  const script = path.join(SHARED, "bench/gen-sales.mjs");
  if (!existsSync(script))
    fatal(`generator not found: ${script} (set COBUY_SHARED_DIR to the shared folder)`);
  const dir = path.join(RESULTS, "data");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `sales-${name}-${data.gen.filter((_, i) => i % 2 === 1).join("-")}.csv`);
  if (existsSync(file)) return file;
  process.stderr.write(`bench: generating ${name} data → ${path.relative(ROOT, file)}\n`);
  const r = await run(process.execPath, [script, ...data.gen, "--out", `${file}.tmp`]);
  if (r.code !== 0) fatal(`gen-sales.mjs failed (${r.code}): ${r.stderr.trim()}`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Why a reference cannot run here, or undefined. */
function unavailable(reference) {
  if (reference === "local") return undefined;
  if (reference === "baseline") {
    if (!BASELINE)
      return "COBUY_BENCH_BASELINE is not set (path to another checkout's apps/runner/dist/cli.js)";
    if (!existsSync(BASELINE)) return `COBUY_BENCH_BASELINE=${BASELINE} does not exist`;
    return undefined;
  }
  const probe = spawnSync(PYTHON, ["-c", "import scipy, pandas"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return `${PYTHON} with scipy and pandas is not available`;
  return undefined;
}

/** The argv of one run of `who` ("cobuy", "baseline", "scipy", "order-side") on a case. */
function commandOf(who, kase, input, out, extra) {
  if (who === "scipy" || who === "order-side") {
    const script = path.join(
      SHARED,
      "bench/reference",
      who === "scipy" ? "scipy_sparse.py" : "order_side.py",
    );
    const args = [script, input, "10", path.join(out, `${who}.json`), "--quiet"];
    return [PYTHON, who === "scipy" ? [...args, "--workers", "2"] : args];
  }
  const cli = who === "baseline" ? BASELINE : CLI;
  const command = who === "local" ? kase.local : kase.command;
  const source =
    who === "cobuy" && kase.sql
      ? ["--input-sql", `${PG_URL}/${PG_DATABASE}`, "--table", kase.sql.table]
      : ["--input", input];
  const args = [cli, ...command, ...source, "--out", path.join(out, who), "--json"];
  return [process.execPath, who === "cobuy" ? [...args, ...extra] : args];
}

/** One run: seconds, peak RSS and, for cobuy, its JSON summary. */
async function once(who, name, kase, input, extra) {
  const out = path.join(RESULTS, "out", name);
  mkdirSync(out, { recursive: true });
  const [cmd, args] = commandOf(who, kase, input, out, extra);
  const r = await run(cmd, args);
  if (r.code !== 0)
    fatal(`${name}: ${who} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  let summary;
  if (who === "cobuy" || who === "baseline") {
    try {
      summary = JSON.parse(r.stdout);
    } catch {
      fatal(`${name}: ${who} printed no JSON summary: ${r.stderr.trim().split("\n").pop()}`);
    }
    if (summary.ok === false) fatal(`${name}: ${who} failed: ${summary.error?.message}`);
  }
  // The Python references print peak_rss_mb= (and the forked workers' worker_peak_rss_mb=).
  const py = /peak_rss_mb=(\d+)/.exec(r.stdout);
  const peak = summary?.peakRssBytes ?? (py ? Number(py[1]) * MB : r.vmHwmBytes);
  return { seconds: r.seconds, peakRssBytes: Math.max(peak, r.vmHwmBytes), summary };
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (samples) => {
  const sec = samples.map((s) => s.seconds);
  return {
    runs: samples.length,
    seconds: median(sec),
    min: Math.min(...sec),
    max: Math.max(...sec),
    secondsAll: sec,
    peakRssBytes: median(samples.map((s) => s.peakRssBytes)),
  };
};

/** The case's CSV in a PostgreSQL table (loaded once with psql's \\copy, then kept). */
function loadPostgres(input, table) {
  const psql = (db, ...args) =>
    spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", `${PG_URL}/${db}`, ...args], {
      encoding: "utf8",
    });
  const probe = psql(PG_DATABASE, "-tAc", `SELECT count(*) FROM ${table}`);
  if (probe.status === 0 && Number(probe.stdout.trim()) > 0) return;
  psql("postgres", "-c", `CREATE DATABASE ${PG_DATABASE}`); // fails harmlessly when it exists
  process.stderr.write(`bench: loading ${path.relative(ROOT, input)} into ${PG_DATABASE}.${table}\n`);
  const load = psql(
    PG_DATABASE,
    "-c",
    `DROP TABLE IF EXISTS ${table}`,
    "-c",
    `CREATE TABLE ${table} (order_id text, product_id text, category text)`,
    "-c",
    `\\copy ${table} FROM '${input}' WITH (FORMAT csv, HEADER true)`,
    "-c",
    `ANALYZE ${table}`,
  );
  if (load.status !== 0) fatal(`loading ${table} into PostgreSQL failed: ${load.stderr.trim()}`);
}

async function benchCase(name, o) {
  const kase = CASES[name];
  const input = await dataset(kase.dataOf ?? name, kase.data);
  if (kase.sql) loadPostgres(input, kase.sql.table);
  // An in-database case's flags are new: its reference is the local engine, not today's cobuy.
  const refs = kase.local ? [kase.reference] : [...new Set([kase.reference, "baseline"])];
  const skipped = Object.fromEntries(refs.map((r) => [r, unavailable(r)]).filter(([, why]) => why));
  for (const [r, why] of Object.entries(skipped))
    process.stderr.write(`bench: ${name}: reference ${r} skipped: ${why}\n`);
  const samples = { cobuy: [] };
  for (const r of refs) if (!skipped[r]) samples[r] = [];
  const rounds = Math.max(o.runs, o.refRuns);
  for (let i = 0; i < rounds; i++) {
    for (const who of Object.keys(samples)) {
      if (i >= (who === "cobuy" ? o.runs : o.refRuns)) continue;
      const s = await once(who, name, kase, input, o.extra);
      samples[who].push(s);
      process.stderr.write(
        `bench: ${name} ${who} ${i + 1}: ${s.seconds.toFixed(2)} s, ${(s.peakRssBytes / MB).toFixed(0)} MB\n`,
      );
    }
  }
  const cobuy = stats(samples.cobuy);
  const first = samples.cobuy[0].summary;
  const references = Object.fromEntries(
    refs.map((r) => {
      if (skipped[r]) return [r, { skipped: skipped[r] }];
      const st = stats(samples[r]);
      return [r, { ...st, ratio: st.seconds / cobuy.seconds }];
    }),
  );
  const t = kase.target;
  const main = references[kase.reference];
  let pass;
  if (t) {
    const ratioOk = main.ratio === undefined ? undefined : main.ratio >= t.ratio;
    const rssOk = t.maxRssMB === undefined || cobuy.peakRssBytes <= t.maxRssMB * MB;
    pass = ratioOk === undefined ? (rssOk ? "no reference" : false) : ratioOk && rssOk;
  }
  return {
    case: name,
    command: kase.command.join(" "),
    input: path.relative(ROOT, input),
    counts: first.counts,
    stages: first.stages,
    plan: first.plan ?? first.stats?.plan,
    cobuy,
    reference: kase.reference,
    references,
    target: t,
    pass,
  };
}

const fmtS = (s) =>
  s === undefined ? "–" : `${s.seconds.toFixed(2)} s (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
function table(results) {
  const header = [
    "case",
    "command",
    "cobuy median (min–max)",
    "peak MB",
    "reference",
    "ref median (min–max)",
    "ratio",
    "vs today's cobuy",
    "target",
    "",
  ];
  const rows = results.map((r) => {
    const ref = r.references[r.reference];
    const base = r.references.baseline;
    const t = r.target;
    return [
      r.case,
      r.command,
      fmtS(r.cobuy),
      (r.cobuy.peakRssBytes / MB).toFixed(0),
      r.reference,
      ref.skipped ? `skipped: ${ref.skipped}` : `${fmtS(ref)}, ${(ref.peakRssBytes / MB).toFixed(0)} MB`,
      ref.ratio === undefined ? "–" : `${ref.ratio.toFixed(2)}×`,
      base === undefined || base.skipped ? "–" : `${base.ratio.toFixed(2)}× (${fmtS(base)})`,
      t ? `≥ ${+t.ratio.toFixed(2)}×${t.maxRssMB ? `, ≤ ${t.maxRssMB} MB` : ""}` : "–",
      r.pass === undefined ? "" : r.pass === true ? "ok" : r.pass === false ? "MISSED" : r.pass,
    ];
  });
  return alignColumns([header, ...rows]);
}

const opts = parse(process.argv.slice(2));
if (!existsSync(CLI))
  fatal(`${path.relative(ROOT, CLI)} not built (run pnpm turbo run build --filter @cobuy/runner...)`);
/** Section "tokenizers": its inputs (M's recs.rich.json built once, then kept) and its rows. */
async function tokenizerSection(o) {
  const m = await dataset("M", M_DATA);
  const richDir = path.join(RESULTS, "data", "rich-M");
  const rich = path.join(richDir, "recs.rich.json");
  if (!existsSync(rich)) {
    process.stderr.write(`bench: building ${path.relative(ROOT, rich)} for the JSON tokenizers\n`);
    const r = await run(process.execPath, [CLI, ...BUILD, "--input", m, "--out", richDir, "--json"]);
    if (r.code !== 0) fatal(`tokenizers: cobuy build failed: ${r.stderr.trim().split("\n").pop()}`);
  }
  const instacart = real("instacart").file;
  return benchTokenizers({
    csv: [
      { label: "gen-sales M", file: m },
      ...(existsSync(instacart) ? [{ label: "instacart", file: instacart }] : []),
    ],
    json: [{ label: "M recs.rich.json", file: rich }],
    runs: o.runs,
    log: (msg) => process.stderr.write(`bench: ${msg}\n`),
  });
}

const results = [];
let tokenizers;
for (const name of opts.cases) {
  if (name === "tokenizers") {
    tokenizers = await tokenizerSection(opts);
    continue;
  }
  if (CASES[name].sql && spawnSync("pg_isready", ["-q", "-d", PG_URL]).status !== 0) {
    process.stderr.write(`bench: ${name} skipped: no PostgreSQL answers at ${PG_URL}\n`);
    continue;
  }
  results.push(await benchCase(name, opts));
}
if (results.length > 0) console.log(table(results));
if (tokenizers) console.log(`${results.length > 0 ? "\n" : ""}${tokenizerTable(tokenizers)}`);
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const file = path.join(RESULTS, `bench-${stamp}.json`);
mkdirSync(RESULTS, { recursive: true });
let commit;
try {
  commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
} catch {}
const machine = {
  node: process.version,
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model,
  totalMemBytes: os.totalmem(),
  loadAverage: os.loadavg(),
};
writeFileSync(
  file,
  `${JSON.stringify({ createdAt: new Date().toISOString(), commit, machine, baseline: BASELINE, extraArgs: opts.extra, runs: opts.runs, refRuns: opts.refRuns, results, ...(tokenizers && { tokenizers }) }, null, 2)}\n`,
);
console.log(`results: ${path.relative(process.cwd(), file) || file}`);
if (opts.strict && results.some((r) => r.pass !== undefined && r.pass !== true)) process.exit(1);
