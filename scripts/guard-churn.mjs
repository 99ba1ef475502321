// The normal churn of a nightly rebuild, and how far a broken export moves the lists: the figures
// DEFAULT_GUARD_LIMITS (packages/pipeline/src/diff/guard.ts) and docs/guard.md are chosen from.
// For each data set of ../shared/data (or $COBUY_SHARED_DIR/data) and each measure it builds with
// the CLI (`cobuy build --k 10`, or --k K) on every order, then on ordinary days (seeded samples of 90 % and
// 95 % of the whole orders) and on bad days (half the orders, product and category columns
// swapped, the first 200 lines), diffs each with the full build (diffRuns) and checks the guard.
// Usage: pnpm guard-churn [--only groceries,instacart] [--input FILE]… [--measures default,llr]
//                         [--samples N] [--k K] [--json] [--keep DIR]
// --input FILE measures another sales CSV (order_id, product_id, category; no quoted fields)
// instead of the shared sets (add --only to measure both). Needs a build (pnpm turbo run build
// --filter @cobuy/runner...). --json prints the rows as JSON.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = process.env.COBUY_SHARED_DIR ?? join(root, "..", "shared");
const cli = join(root, "apps/runner/dist/cli.js");
const diffModule = join(root, "packages/pipeline/dist/diff/index.js");
const { values } = parseArgs({
  options: {
    only: { type: "string" },
    input: { type: "string", multiple: true },
    measures: { type: "string", default: "default,llr" },
    samples: { type: "string", default: "5" },
    k: { type: "string", default: "10" },
    json: { type: "boolean" },
    keep: { type: "string" },
  },
});
const samples = Number(values.samples);
if (!Number.isInteger(samples) || samples < 1)
  fail(`--samples must be a positive integer, got ${values.samples}`);
for (const file of [cli, diffModule])
  if (!existsSync(file))
    fail(`${file} is missing: build first (pnpm turbo run build --filter @cobuy/runner...)`);
const { checkGuard, DEFAULT_GUARD_LIMITS, diffRuns, runListsFromRich } = await import(
  pathToFileURL(diffModule).href
);

const K = Number(values.k);
if (!Number.isInteger(K) || K < 1) fail(`--k must be a positive integer, got ${values.k}`);
const TINY_LINES = 200;
const work = values.keep ?? mkdtempSync(join(tmpdir(), "cobuy-guard-churn-"));
mkdirSync(work, { recursive: true });

function fail(message) {
  process.stderr.write(`guard-churn: ${message}\n`);
  process.exit(1);
}

/** The sales file as its header and data lines; fields split on commas (quotes refused). */
function readSales(file) {
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((line, i) => {
    if (line.includes('"')) fail(`${file}:${i + 1}: quoted fields are not supported here`);
  });
  const header = lines[0].split(",");
  const column = (name) => {
    const at = header.indexOf(name);
    if (at < 0) fail(`${file}:1: no column "${name}" in the header`);
    return at;
  };
  return {
    header: lines[0],
    rows: lines.slice(1),
    order: column("order_id"),
    product: column("product_id"),
    category: column("category"),
  };
}

/** xorshift32, so each sample is the same on every machine. */
function random(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Whole orders kept with probability `fraction` (one draw per order, in order of first line). */
function sampleOrders(sales, fraction, seed) {
  const draw = random(seed);
  const kept = new Map();
  return sales.rows.filter((line) => {
    const id = line.split(",")[sales.order];
    if (!kept.has(id)) kept.set(id, draw() < fraction);
    return kept.get(id);
  });
}

/** An export whose product and category columns traded places under an unchanged header. */
function swapProductAndCategory(sales) {
  return sales.rows.map((line) => {
    const f = line.split(",");
    [f[sales.product], f[sales.category]] = [f[sales.category], f[sales.product]];
    return f.join(",");
  });
}

/** Ordinary days must pass, bad days must be refused; the days in between show where refusals start. */
function days(sales) {
  const ordinary = [{ name: "100 % again", kind: "ordinary", rows: () => sales.rows }];
  for (const fraction of [0.95, 0.9])
    for (let seed = 1; seed <= samples; seed++)
      ordinary.push({
        name: `${fraction * 100} % of orders, seed ${seed}`,
        kind: "ordinary",
        rows: () => sampleOrders(sales, fraction, seed),
      });
  const between = [0.8, 0.7].map((fraction) => ({
    name: `${fraction * 100} % of orders`,
    kind: "between",
    rows: () => sampleOrders(sales, fraction, 1),
  }));
  const bad = [
    { name: "50 % of orders", kind: "bad", rows: () => sampleOrders(sales, 0.5, 1) },
    { name: "product/category swapped", kind: "bad", rows: () => swapProductAndCategory(sales) },
    { name: `first ${TINY_LINES} lines`, kind: "bad", rows: () => sales.rows.slice(0, TINY_LINES - 1) },
  ];
  return [...ordinary, ...between, ...bad];
}

/**
 * The lists of one build. A day the CLI refuses for bad rows (e.g. empty product ids after a
 * column swap) is built again with --skip-bad-rows, the way a job that skips bad rows reaches the
 * guard; any other failure stops the script.
 */
function build(input, out, measure) {
  const args = ["build", "--input", input, "--out", out, "--k", String(K), "--json", "--no-progress"];
  if (measure !== "default") args.push("--similarity", measure);
  let note = "";
  try {
    execFileSync("node", [cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const code = /"code":"(COBUY_PIPELINE_CSV_[A-Z_]+)"/.exec(String(err.stderr))?.[1];
    if (code === undefined) fail(`cobuy ${args.join(" ")} failed:\n${err.stderr}`);
    execFileSync("node", [cli, ...args, "--skip-bad-rows"], { stdio: ["ignore", "ignore", "pipe"] });
    note = ` (build fails with ${code}; built with --skip-bad-rows)`;
  }
  return { lists: runListsFromRich(JSON.parse(readFileSync(join(out, "recs.rich.json"), "utf8"))), note };
}

// The shared data sets by name, and any sales file given with --input (e.g. your own export).
const sets = [
  ...(values.only ?? (values.input ? "" : "groceries,instacart"))
    .split(",")
    .filter(Boolean)
    .map((name) => ({ name, file: join(shared, "data", name, "transactions.csv") })),
  ...(values.input ?? []).map((file) => ({ name: basename(file), file: resolve(file) })),
];
const rows = [];
for (const { name: set, file } of sets) {
  if (!existsSync(file)) fail(`${file} not found (set COBUY_SHARED_DIR to the shared folder)`);
  const sales = readSales(file);
  const inputs = days(sales).map((day, i) => {
    const input = join(work, `${set}-${i}.csv`);
    writeFileSync(input, `${sales.header}\n${day.rows().join("\n")}\n`);
    return { ...day, input };
  });
  for (const measure of values.measures.split(",")) {
    process.stderr.write(`guard-churn: ${set}, ${measure}: ${inputs.length + 1} builds…\n`);
    const { lists: full } = build(file, join(work, `${set}-${measure}-full`), measure);
    for (const [i, day] of inputs.entries()) {
      const out = join(work, `${set}-${measure}-${i}`);
      const { lists, note } = build(day.input, out, measure);
      const diff = diffRuns(full, lists, { k: K });
      const verdict = checkGuard(diff, DEFAULT_GUARD_LIMITS);
      rows.push({
        set,
        measure,
        day: `${day.name}${note}`,
        kind: day.kind,
        productsRatio: diff.products.ratio,
        ordersRatio: diff.ordersRatio ?? null,
        top1Churn: diff.top1Churn,
        overlapMean: diff.overlap.mean,
        overlapP10: diff.overlap.p10,
        rboMean: diff.rbo.mean,
        verdict: verdict.passed ? "passed" : verdict.failures.map((f) => f.check).join(", "),
      });
      if (!values.keep) rmSync(out, { recursive: true, force: true });
    }
  }
}
if (!values.keep) rmSync(work, { recursive: true, force: true });

if (values.json) {
  process.stdout.write(`${JSON.stringify({ k: K, limits: DEFAULT_GUARD_LIMITS, rows }, null, 2)}\n`);
} else {
  const f3 = (v) => (v === null ? "–" : v.toFixed(3));
  const head = [
    "set",
    "measure",
    "day",
    "products ratio",
    "orders ratio",
    "top-1 churn",
    `mean overlap@${K}`,
  ];
  const lines = [
    `| ${head.join(" | ")} | overlap@${K} p10 | mean RBO | guard (defaults) |`,
    `|${" --- |".repeat(head.length + 3)}`,
    ...rows.map(
      (r) =>
        `| ${r.set} | ${r.measure} | ${r.day} | ${f3(r.productsRatio)} | ${f3(r.ordersRatio)} | ${f3(r.top1Churn)} | ${f3(r.overlapMean)} | ${f3(r.overlapP10)} | ${f3(r.rboMean)} | ${r.verdict} |`,
    ),
    "",
  ];
  // How close each kind of day comes to the limits: the margins the defaults leave.
  const closest = (kind, pick) => {
    const of = rows.filter((r) => r.kind === kind);
    const at = (key, fn) => f3(fn(...of.map((r) => r[key]).filter((v) => v !== null)));
    const [hi, lo] = pick === "worst" ? [Math.max, Math.min] : [Math.min, Math.max];
    return (
      `${kind} days (${of.length}, ${of.filter((r) => r.verdict === "passed").length} passed): ` +
      `top-1 churn ${pick === "worst" ? "≤" : "≥"} ${at("top1Churn", hi)}, mean overlap@${K} ${pick === "worst" ? "≥" : "≤"} ${at("overlapMean", lo)}, ` +
      `products ratio ${pick === "worst" ? "≥" : "≤"} ${at("productsRatio", lo)}, orders ratio ${pick === "worst" ? "≥" : "≤"} ${at("ordersRatio", lo)}`
    );
  };
  lines.push(
    closest("ordinary", "worst"),
    closest("bad", "best"),
    `limits: ${JSON.stringify(DEFAULT_GUARD_LIMITS)}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}
