// Parse benchmark: recs.rich.json → COPY text through RichRecsParser alone (tokenizer → document
// walker → COPY encoder), no database, in 1 MB chunks as a file stream delivers them. Reports the
// median of REPS passes in rows/s and MB/s. COBUY_BENCH_PARSER=<another build's
// dist/parse/rich-recs-parser.js> times that build instead: for an A/B, alternate runs of the two
// (one parser per process: two in one process bias each other's JIT and GC).
// Usage: pnpm --filter @cobuy/pg-loader build && node bench/parse.bench.mjs
//        (env: COBUY_BENCH_PRODUCTS (50000), COBUY_BENCH_K (20), COBUY_BENCH_REPS (7), COBUY_BENCH_PARSER)
import { pathToFileURL } from "node:url";

const P = Number(process.env.COBUY_BENCH_PRODUCTS ?? 50_000);
const K = Number(process.env.COBUY_BENCH_K ?? 20);
const REPS = Number(process.env.COBUY_BENCH_REPS ?? 7);
const CHUNK = 1 << 20;

const id = (i) => `P${String(i).padStart(6, "0")}`;
function documentBytes() {
  const parts = [
    `{"format":"cobuy.recs.v1","runId":"2025-01-01_00-00-00","createdAt":"2025-01-01T00:00:00.000Z","params":{"k":${K}},"counts":{"products":${P}},"recs":{\n`,
  ];
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let p = 0; p < P; p++) {
    let line = `"${id(p)}":[`;
    let score = 0.5 + rnd() / 2;
    for (let r = 0; r < K; r++) {
      score *= 0.97 + rnd() * 0.02;
      line += `${r ? "," : ""}{"id":"${id((p + 1 + Math.floor(rnd() * (P - 1))) % P)}","score":${score},"support":${1 + Math.floor(rnd() * 500)}}`;
    }
    parts.push(`${line}]${p + 1 < P ? "," : ""}\n`);
  }
  parts.push('},"products":{');
  for (let p = 0; p < P; p++)
    parts.push(`${p ? "," : ""}"${id(p)}":{"category":"C${p % 40}","support":${10 + (p % 997)}}`);
  parts.push("}}\n");
  return Buffer.from(parts.join(""));
}

function pass(Parser, doc) {
  const t = performance.now();
  const parser = new Parser("recs.rich.json");
  let out = 0;
  for (let i = 0; i < doc.length; i += CHUNK) {
    parser.write(doc.subarray(i, i + CHUNK));
    for (const block of parser.take()) out += block.length;
  }
  parser.end();
  for (const block of parser.take()) out += block.length;
  if (parser.rows !== P * K) throw new Error(`parsed ${parser.rows} rows, expected ${P * K}`);
  return { secs: (performance.now() - t) / 1000, out };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

const doc = documentBytes();
const where = process.env.COBUY_BENCH_PARSER
  ? pathToFileURL(process.env.COBUY_BENCH_PARSER).href
  : new URL("../dist/parse/rich-recs-parser.js", import.meta.url).href;
const { RichRecsParser } = await import(where);
console.log(`${fmt(P * K)} rows, ${(doc.length / 1e6).toFixed(1)} MB JSON, ${REPS} passes (1 warm-up)`);
const times = [];
let out = 0;
for (let rep = -1; rep < REPS; rep++) {
  const r = pass(RichRecsParser, doc);
  out = r.out;
  if (rep >= 0) times.push(r.secs);
}
const secs = median(times);
console.log(
  `median ${fmt((P * K) / secs)} rows/s, ${(doc.length / 1e6 / secs).toFixed(0)} MB/s (${secs.toFixed(3)} s; COPY text ${(out / 1e6).toFixed(1)} MB)`,
);
