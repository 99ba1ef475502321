// The README's measure table, from runs of `cobuy evaluate --similarity auto --blend auto` on
// ../shared/data (groceries, instacart) and the wide-basket stress set of gen-sales.
// Usage: pnpm measures [--write] [--threads N] [--only groceries,instacart,wide] [--reuse DIR]
// (--reuse DIR: read DIR/<set>/evaluation.json of an earlier run instead of evaluating again).
// Needs a build (pnpm turbo run build --filter @cobuy/runner...). --write replaces the table
// between the README's "measures:start" / "measures:end" markers; without it the table is printed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = join(root, "..", "shared");
const { values } = parseArgs({
  options: {
    write: { type: "boolean" },
    threads: { type: "string" },
    only: { type: "string" },
    reuse: { type: "string" },
  },
});
const work = values.reuse ?? mkdtempSync(join(tmpdir(), "cobuy-measures-"));
const WIDE = [
  "--orders",
  "3000",
  "--products",
  "5000",
  "--categories",
  "30",
  "--mean-basket",
  "100",
  "--max-basket",
  "800",
  "--seed",
  "11",
];
const sets = [
  { name: "groceries", input: () => join(shared, "data/groceries/transactions.csv") },
  { name: "instacart", input: () => join(shared, "data/instacart/transactions.csv") },
  {
    name: "wide",
    input: () => {
      const file = join(work, "wide.csv");
      execFileSync("node", [join(shared, "bench/gen-sales.mjs"), ...WIDE, "--out", file, "--quiet"]);
      return file;
    },
  },
].filter((s) => !values.only || values.only.split(",").includes(s.name));

const runs = sets.map((set) => {
  const out = join(work, set.name);
  if (values.reuse) return { set, ev: JSON.parse(readFileSync(join(out, "evaluation.json"), "utf8")) };
  const args = ["evaluate", "--input", set.input(), "--out", out, "--similarity", "auto", "--blend", "auto"];
  if (values.threads) args.push("--threads", values.threads);
  process.stderr.write(`evaluating ${set.name}…\n`);
  execFileSync("node", [join(root, "apps/runner/dist/cli.js"), ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { set, ev: JSON.parse(readFileSync(join(out, "evaluation.json"), "utf8")) };
});

const f = (x) => (x === undefined ? "–" : x >= 0.01 || x === 0 ? x.toFixed(3) : x.toPrecision(2));
const cell = (m) => (m ? `${f(m[`hitRate@5`])} / ${f(m.coverage)} / ${f(m.sameCategory)}` : "–");
const measureNames = [
  ...new Set(runs.flatMap(({ ev }) => Object.keys(ev.measures).filter((n) => !n.includes("+")))),
];
const rows = measureNames.map((n) => [
  n === "cooccurrence-cosine" ? `${n} (classic, default)` : n,
  ...runs.map(({ ev }) => cell(ev.measures[n])),
]);
rows.push([
  "**auto** (chosen measure)",
  ...runs.map(({ ev }) => `${cell(ev.measures[ev.similarity.chosen])} (${ev.similarity.chosen})`),
]);
rows.push([
  "**auto + blend auto** (served)",
  ...runs.map(({ ev }) => {
    const b = ev.evidenceBlend?.chosen;
    return `${cell(ev.metrics)} (${b ? `evidence:${b.prior}/keep:${b.keepSimilar}${b.minCoverage ? `/cover:${b.minCoverage}` : ""}` : "no blend"})`;
  }),
]);
rows.push(["popular (baseline)", ...runs.map(({ ev }) => cell(ev.baseline.popular))]);
const head = [
  "measure",
  ...runs.map(
    ({ set, ev }) =>
      `${set.name} (${ev.counts.orders.toLocaleString("en")} orders, ${ev.counts.products.toLocaleString("en")} products; min pair support ${ev.similarity.minPairSupport})`,
  ),
];
const table = [
  `| ${head.join(" | ")} |`,
  `|${head.map(() => "---").join("|")}|`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
].join("\n");

if (values.write) {
  const readme = join(root, "README.md");
  const text = readFileSync(readme, "utf8");
  const re = /(<!-- measures:start -->\n)[\s\S]*?(\n<!-- measures:end -->)/;
  if (!re.test(text))
    throw new Error("README.md has no <!-- measures:start --> … <!-- measures:end --> markers");
  writeFileSync(readme, text.replace(re, `$1${table}$2`));
  process.stderr.write("README.md measure table rewritten\n");
} else {
  process.stdout.write(`${table}\n`);
}
