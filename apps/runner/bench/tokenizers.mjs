#!/usr/bin/env node
// The hand-written tokenizers against kept libraries, on the same bytes in the same run (issue 12:
// they stay hand-written only while they win):
//   csv   pipeline's CsvTokenizer (field spans; and the spans decoded to strings, as csv-parse
//         hands them) against csv-parse (records of strings)
//   json  pg-loader's JsonTokenizer (token spans; and every string and number decoded) against
//         @streamparser/json's Tokenizer (tokens with their values)
// Each file is read into memory first and fed in 64 KiB chunks (a file stream's), so only the
// tokenizing is timed; contenders run interleaved (one run each, then again) so load changes hit
// them alike. Figures: median and spread (min–max) of the runs, ratio = library / ours.
//
//   node bench/tokenizers.mjs [--runs N] --csv LABEL=FILE ... --json LABEL=FILE ...
//
// `pnpm bench` runs it as its section "tokenizers" on gen-sales M, instacart's transactions and a
// recs.rich.json built from M (`node bench/run.mjs --cases tokenizers` runs only that).
import { readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import Tokenizer from "@streamparser/json/tokenizer.js";
import { parse as csvParse } from "csv-parse";
import { alignColumns } from "./table.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
// Not in the packages' public APIs (internal modules): loaded from their builds.
const { CsvTokenizer, INCOMPLETE } = await import(
  path.join(ROOT, "packages/pipeline/dist/ingest/csv-tokenizer.js")
);
const { JsonTokenizer, decodeString } = await import(
  path.join(ROOT, "packages/pg-loader/dist/parse/json-tokenizer.js")
);

const CHUNK = 64 * 1024;
const MB = 1024 * 1024;

function* chunks(bytes) {
  for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
}

/** CsvTokenizer over the chunks as read-sales.ts drives it; `decode`: each field to a string. */
function oursCsv(bytes, decode) {
  const tok = new CsvTokenizer(44);
  let records = 0;
  let fields = 0;
  let carry = null;
  const drain = (buf, final) => {
    let pos = 0;
    while (pos < buf.length) {
      const next = tok.parseRecord(buf, pos, final);
      if (next === INCOMPLETE) break;
      if (next < 0) throw new Error("unterminated quote");
      records++;
      fields += tok.count;
      if (decode) {
        for (let f = 0; f < tok.count; f++) {
          const src = tok.fieldScratch[f] ? tok.scratch : buf;
          src.toString("utf8", tok.fieldS[f], tok.fieldE[f]);
        }
      }
      pos = next;
    }
    return pos;
  };
  for (const chunk of chunks(bytes)) {
    const buf = carry === null ? chunk : Buffer.concat([carry, chunk]);
    const used = drain(buf, false);
    carry = used === buf.length ? null : buf.subarray(used);
  }
  if (carry !== null) drain(carry, true);
  return { records, fields };
}

/** csv-parse's streaming parser, piped the same chunks (its fastest form here); records of strings. */
function libraryCsv(bytes) {
  return new Promise((resolve, reject) => {
    let records = 0;
    let fields = 0;
    const parser = csvParse({ relax_column_count: true });
    parser.on("data", (r) => {
      records++;
      fields += r.length;
    });
    parser.on("error", reject);
    parser.on("end", () => resolve({ records, fields }));
    Readable.from(chunks(bytes)).pipe(parser);
  });
}

/** JsonTokenizer; `decode`: every string decoded and every number read, as a parser needs them. */
function oursJson(bytes, decode) {
  let tokens = 0;
  const tok = new JsonTokenizer({
    punct() {
      tokens++;
    },
    string(buf, start, end, flags) {
      tokens++;
      if (decode) decodeString(buf, start, end, flags);
    },
    number(buf, start, end) {
      tokens++;
      if (decode) Number(buf.latin1Slice(start, end));
    },
    literal() {
      tokens++;
    },
  });
  for (const chunk of chunks(bytes)) tok.write(chunk);
  tok.end();
  return { tokens };
}

/** @streamparser/json's Tokenizer: the same tokens, values decoded. */
function libraryJson(bytes) {
  let tokens = 0;
  const tok = new Tokenizer();
  tok.onToken = () => {
    tokens++;
  };
  for (const chunk of chunks(bytes)) tok.write(chunk);
  tok.end();
  return { tokens };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs the contenders interleaved `runs` times (after one untimed warm-up each); checks they agree. */
async function compare(contenders, bytes, runs) {
  const samples = contenders.map(() => []);
  const counts = [];
  for (const [i, c] of contenders.entries()) counts[i] = await c.run(bytes);
  const first = JSON.stringify(counts[0]);
  for (const [i, c] of contenders.entries()) {
    if (JSON.stringify(counts[i]) !== first)
      throw new Error(`${c.name} counted ${JSON.stringify(counts[i])}, ${contenders[0].name} ${first}`);
  }
  for (let r = 0; r < runs; r++) {
    for (const [i, c] of contenders.entries()) {
      const t0 = process.hrtime.bigint();
      await c.run(bytes);
      samples[i].push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }
  return contenders.map((c, i) => ({
    contender: c.name,
    hand: c.hand,
    seconds: median(samples[i]),
    min: Math.min(...samples[i]),
    max: Math.max(...samples[i]),
    secondsAll: samples[i],
    counts: counts[i],
  }));
}

const CSV_CONTENDERS = [
  { name: "CsvTokenizer (spans)", hand: true, run: (b) => oursCsv(b, false) },
  { name: "CsvTokenizer + strings", hand: true, run: (b) => oursCsv(b, true) },
  { name: "csv-parse", hand: false, run: libraryCsv },
];
const JSON_CONTENDERS = [
  { name: "JsonTokenizer (spans)", hand: true, run: (b) => oursJson(b, false) },
  { name: "JsonTokenizer + values", hand: true, run: (b) => oursJson(b, true) },
  { name: "@streamparser/json", hand: false, run: libraryJson },
];

/**
 * Times every contender on every input; resolves one row per input and contender, with
 * `ratio` = the fastest library's median / this contender's (> 1: the hand-written one wins).
 */
export async function benchTokenizers({ csv = [], json = [], runs = 3, log = () => {} }) {
  const rows = [];
  for (const [kind, inputs, contenders] of [
    ["csv", csv, CSV_CONTENDERS],
    ["json", json, JSON_CONTENDERS],
  ]) {
    for (const { label, file } of inputs) {
      const bytes = readFileSync(file);
      log(`tokenizers: ${kind} ${label} (${(bytes.length / MB).toFixed(1)} MiB), ${runs} runs`);
      const results = await compare(contenders, bytes, runs);
      const library = Math.min(...results.filter((r) => !r.hand).map((r) => r.seconds));
      for (const r of results) {
        rows.push({ kind, input: label, bytes: bytes.length, ...r, ratio: library / r.seconds });
      }
    }
  }
  return rows;
}

/** The rows as an aligned table. */
export function tokenizerTable(rows) {
  const header = ["tokenizer", "input", "contender", "median (min–max)", "MiB/s", "library / this"];
  const body = rows.map((r) => [
    r.kind,
    `${r.input} (${(r.bytes / MB).toFixed(1)} MiB)`,
    r.contender,
    `${r.seconds.toFixed(3)} s (${r.min.toFixed(3)}–${r.max.toFixed(3)})`,
    (r.bytes / MB / r.seconds).toFixed(0),
    r.hand ? `${r.ratio.toFixed(2)}×` : "–",
  ]);
  return alignColumns([header, ...body]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = { csv: [], json: [], runs: 3 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runs") o.runs = Number(argv[++i]);
    else if (a === "--csv" || a === "--json") {
      const v = String(argv[++i] ?? "");
      const eq = v.indexOf("=");
      const file = eq < 0 ? v : v.slice(eq + 1);
      o[a.slice(2)].push({ label: eq < 0 ? path.basename(v) : v.slice(0, eq), file });
    } else {
      process.stderr.write(
        `usage: node bench/tokenizers.mjs [--runs N] --csv LABEL=FILE ... --json LABEL=FILE ...\n`,
      );
      process.exit(2);
    }
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) {
    process.stderr.write("tokenizers: --runs must be a positive integer\n");
    process.exit(2);
  }
  const rows = await benchTokenizers({ ...o, log: (m) => process.stderr.write(`${m}\n`) });
  console.log(tokenizerTable(rows));
}
