#!/usr/bin/env node
// Whole-process benchmark of `cobuy build` (run by `pnpm bench` → `turbo run bench`).
//
//   node bench/run.mjs [--size S,M] [--size L] [--runs N] [--strict] [-- <extra cobuy build flags>]
//
// Generates the data sets with ../shared/bench/gen-sales.mjs (beside the repo root; COBUY_SHARED_DIR
// overrides) into bench-results/data/ (cached), runs `cobuy build --json` as a child process N times
// per size (3 for S/M, 1 for L), and reports medians: whole-process seconds, seconds per stage,
// rows/s, multiply-adds/s per core, peak RSS, against the targets. Writes bench-results/bench-<ts>.json.
// Sizes: S and M by default; L only with --size L or COBUY_BENCH_L=1.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const CLI = path.join(ROOT, "apps/runner/dist/cli.js");
const SHARED = process.env.COBUY_SHARED_DIR
  ? path.resolve(process.env.COBUY_SHARED_DIR)
  : path.resolve(ROOT, "../shared");
const RESULTS = path.join(ROOT, "bench-results");
const MB = 1024 * 1024;

/** The sizes of issue 2: generator arguments, runs, targets (whole-process seconds, peak RSS). */
const SIZES = {
  S: {
    gen: ["--orders", "20000", "--products", "2000", "--categories", "20", "--seed", "2"],
    runs: 3,
    maxSeconds: 1.5,
    strictlyBelow: true,
  },
  M: {
    gen: ["--orders", "250000", "--products", "20000", "--categories", "40", "--seed", "3"],
    runs: 3,
    maxSeconds: 8,
    maxRssMB: 400,
  },
  L: {
    gen: ["--orders", "2500000", "--products", "100000", "--categories", "50", "--seed", "4"],
    runs: 1,
    maxSeconds: 135,
    maxRssMB: 3072,
  },
};

const HELP = `usage: node bench/run.mjs [--size S,M,L] [--runs N] [--strict] [-- extra cobuy build flags]
  --size LIST   sizes to run (repeatable or comma-separated; default S,M, plus L when COBUY_BENCH_L=1)
  --runs N      runs per size (default 3 for S/M, 1 for L)
  --strict      exit 1 when a target is missed
environment: COBUY_SHARED_DIR (default ../shared beside the repo root), COBUY_BENCH_L=1`;

function parse(argv) {
  const o = { sizes: [], runs: undefined, strict: false, extra: [] };
  if (argv[0] === "--") argv = argv.slice(1); // `pnpm bench -- --size S` passes the separator through
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      o.extra = argv.slice(i + 1);
      break;
    }
    if (a === "-h" || a === "--help") {
      console.log(HELP);
      process.exit(0);
    } else if (a === "--size" || a.startsWith("--size=")) {
      const v = a.includes("=") ? a.slice(7) : argv[++i];
      for (const s of String(v ?? "").split(",")) {
        const u = s.trim().toUpperCase();
        if (!(u in SIZES)) fatal(`unknown size "${s}" (S, M or L)`, 2);
        if (!o.sizes.includes(u)) o.sizes.push(u);
      }
    } else if (a === "--runs") {
      o.runs = Number(argv[++i]);
      if (!Number.isInteger(o.runs) || o.runs < 1) fatal("--runs must be a positive integer", 2);
    } else if (a === "--strict") o.strict = true;
    else fatal(`unknown option ${a}\n${HELP}`, 2);
  }
  if (o.sizes.length === 0) o.sizes = process.env.COBUY_BENCH_L === "1" ? ["S", "M", "L"] : ["S", "M"];
  return o;
}

function fatal(msg, code = 1) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(code);
}

/** Runs a child to completion; resolves {code, stdout, stderr, seconds, vmHwmBytes}. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let stdout = "";
    let stderr = "";
    let vmHwm = 0;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // Fallback peak RSS: poll /proc/<pid>/status (VmHWM) while the child runs (Linux only).
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
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      resolve({ code, stdout, stderr, seconds, vmHwmBytes: vmHwm });
    });
  });
}

async function dataset(size) {
  const gen = path.join(SHARED, "bench/gen-sales.mjs");
  if (!existsSync(gen)) fatal(`generator not found: ${gen} (set COBUY_SHARED_DIR to the shared folder)`);
  const dir = path.join(RESULTS, "data");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `sales-${size}-${SIZES[size].gen.filter((_, i) => i % 2 === 1).join("-")}.csv`);
  if (existsSync(file)) return file;
  process.stderr.write(`bench: generating ${size} data → ${path.relative(ROOT, file)}\n`);
  const tmp = `${file}.tmp`;
  const r = await run(process.execPath, [gen, ...SIZES[size].gen, "--out", tmp]);
  if (r.code !== 0) fatal(`gen-sales.mjs failed (${r.code}): ${r.stderr.trim()}`);
  renameSync(tmp, file);
  return file;
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function benchSize(size, runs, extra) {
  const input = await dataset(size);
  const out = path.join(RESULTS, "out", size);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const args = [CLI, "build", "--input", input, "--k", "5", "--out", out, "--json", ...extra];
    const r = await run(process.execPath, args);
    let summary;
    try {
      summary = JSON.parse(r.stdout);
    } catch {
      fatal(`${size} run ${i + 1}: no JSON summary (exit ${r.code}): ${r.stderr.trim().split("\n").pop()}`);
    }
    if (r.code !== 0 || !summary.ok)
      fatal(`${size} run ${i + 1} failed: ${summary.error?.message ?? r.stderr}`);
    const peak = summary.peakRssBytes ?? r.vmHwmBytes;
    samples.push({ seconds: r.seconds, peakRssBytes: peak, summary });
    process.stderr.write(
      `bench: ${size} run ${i + 1}/${runs}: ${r.seconds.toFixed(2)} s, ${(peak / MB).toFixed(0)} MB\n`,
    );
  }
  const first = samples[0].summary;
  const stageNames = Object.keys(first.stages ?? {});
  const stages = Object.fromEntries(
    stageNames.map((n) => [n, median(samples.map((s) => s.summary.stages?.[n]))]),
  );
  const seconds = median(samples.map((s) => s.seconds));
  const peakRssBytes = median(samples.map((s) => s.peakRssBytes));
  const threads = first.threads ?? os.availableParallelism();
  const cosineSeconds = stages.topk;
  const t = SIZES[size];
  const timeOk = t.strictlyBelow ? seconds < t.maxSeconds : seconds <= t.maxSeconds;
  const rssOk = t.maxRssMB === undefined || peakRssBytes <= t.maxRssMB * MB;
  return {
    size,
    generator: t.gen,
    runs,
    counts: first.counts,
    threads,
    seconds,
    secondsAll: samples.map((s) => s.seconds),
    stages,
    rowsPerSecond: first.counts.rows / seconds,
    multiplyAdds: first.multiplyAdds,
    multiplyAddsPerSecondPerCore: cosineSeconds ? first.multiplyAdds / cosineSeconds / threads : undefined,
    peakRssBytes,
    validation: first.validation,
    target: { maxSeconds: t.maxSeconds, strictlyBelow: !!t.strictlyBelow, maxRssMB: t.maxRssMB },
    pass: timeOk && rssOk,
  };
}

function table(results) {
  const fmt = (x, d = 2) => (x === undefined ? "–" : x.toFixed(d));
  const header = [
    "size",
    "rows",
    "products",
    "seconds",
    "target",
    "rows/s",
    "madd/s/core",
    "peak MB",
    "stages (median s)",
    "",
  ];
  const rows = results.map((r) => [
    r.size,
    r.counts.rows.toLocaleString("en-US"),
    r.counts.products.toLocaleString("en-US"),
    fmt(r.seconds),
    `${r.target.strictlyBelow ? "<" : "≤"} ${r.target.maxSeconds} s${r.target.maxRssMB ? `, ≤ ${r.target.maxRssMB} MB` : ""}`,
    `${(r.rowsPerSecond / 1e6).toFixed(2)} M`,
    r.multiplyAddsPerSecondPerCore === undefined
      ? "–"
      : `${(r.multiplyAddsPerSecondPerCore / 1e9).toFixed(2)} G`,
    fmt(r.peakRssBytes / MB, 0),
    Object.entries(r.stages)
      .map(([n, s]) => `${n} ${fmt(s)}`)
      .join(", "),
    r.pass ? "ok" : "MISSED",
  ]);
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(w[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const opts = parse(process.argv.slice(2));
if (!existsSync(CLI))
  fatal(`${path.relative(ROOT, CLI)} not built (run pnpm turbo run build --filter @cobuy/runner...)`);
const results = [];
for (const size of opts.sizes) results.push(await benchSize(size, opts.runs ?? SIZES[size].runs, opts.extra));
console.log(table(results));
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
};
writeFileSync(
  file,
  `${JSON.stringify({ createdAt: new Date().toISOString(), commit, machine, extraArgs: opts.extra, results }, null, 2)}\n`,
);
console.log(`results: ${path.relative(process.cwd(), file) || file}`);
if (opts.strict && results.some((r) => !r.pass)) process.exit(1);
