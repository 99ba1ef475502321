import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { TopKLists } from "@cobuy/core-math";
import { isPipelineError, PipelineError } from "../errors.js";
import type { ValidationResult } from "../validation/validate.js";
import { ChunkedWriter } from "./chunked-writer.js";

/**
 * The `format` field of `recs.rich.json`.
 *
 * @example
 * ```ts
 * if (JSON.parse(text).format !== RICH_FORMAT) throw new Error("not a cobuy recs document");
 * ```
 */
export const RICH_FORMAT = "cobuy.recs.v1";

/** What the documents are written from. */
export interface DocumentsInput {
  /** The products (ids by index) and counts: a `SalesIndex` fits. */
  readonly index: {
    readonly productIds: readonly string[];
    readonly orders: number;
    readonly rows: number;
  };
  /** Top-k lists over the same product indices. */
  readonly topk: TopKLists;
  /** Written as `validation.json` when given. */
  readonly validation?: ValidationResult | null;
  /** The run id (see `makeRunId`). */
  readonly runId: string;
  /** Default: now. */
  readonly createdAt?: Date;
  /** The parameters of the run, recorded in `recs.rich.json` (k, minScore, incidence, input, ...). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** One written file. */
export interface WrittenDocument {
  /** `recs.json`, `recs.rich.json` or `validation.json`. */
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
}

/**
 * Writes `recs.json` (classic: id → recommended ids joined by `;`, pretty-printed),
 * `recs.rich.json` (format `cobuy.recs.v1`: runId, createdAt, params, counts, and per product its
 * list of `{id, score, support}`; every product present) and `validation.json` into `dir`
 * (created if missing). Each file is streamed chunk by chunk with backpressure, written under a
 * temporary name and renamed when complete. Scores are shortest round-trip JS numbers.
 *
 * @example
 * ```ts
 * const files = await writeDocuments("out", { index, topk, validation, runId: makeRunId() });
 * for (const f of files) console.log(f.name, f.bytes);
 * ```
 */
export async function writeDocuments(dir: string, input: DocumentsInput): Promise<WrittenDocument[]> {
  const { productIds } = input.index;
  if (input.topk.products !== productIds.length) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `the top-k lists cover ${input.topk.products} products but the index has ${productIds.length}: pass the lists computed from this index`,
    );
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new PipelineError(
      "COBUY_INPUT_UNREADABLE",
      `cannot create the output folder ${dir}: ${(e as Error).message}`,
      {
        cause: e,
        position: { file: dir },
      },
    );
  }
  // JSON string literal of every id, made once.
  const quoted = productIds.map((id) => JSON.stringify(id));
  const out: WrittenDocument[] = [];
  out.push(await writeFile(dir, "recs.json", (w) => writeClassic(w, quoted, input.topk)));
  out.push(await writeFile(dir, "recs.rich.json", (w) => writeRich(w, quoted, input)));
  const validation = input.validation;
  if (validation) out.push(await writeFile(dir, "validation.json", (w) => writeValidation(w, validation)));
  return out;
}

async function writeFile(
  dir: string,
  name: string,
  body: (w: ChunkedWriter) => Promise<void>,
): Promise<WrittenDocument> {
  const path = join(dir, name);
  const tmp = `${path}.tmp-${process.pid}`;
  const stream = createWriteStream(tmp);
  const failed = new Promise<never>((_, reject) => stream.once("error", reject));
  failed.catch(() => {});
  try {
    const w = new ChunkedWriter(stream as Writable);
    await Promise.race([body(w), failed]);
    await Promise.race([w.flush(), failed]);
    stream.end();
    await finished(stream);
    await rename(tmp, path);
    return { name, path, bytes: w.bytes };
  } catch (e) {
    stream.destroy();
    await rm(tmp, { force: true });
    if (isPipelineError(e)) throw e;
    throw new PipelineError("COBUY_INPUT_UNREADABLE", `cannot write ${path}: ${(e as Error).message}`, {
      cause: e,
      position: { file: path },
    });
  }
}

// O(products · k)
async function writeClassic(w: ChunkedWriter, quoted: readonly string[], topk: TopKLists): Promise<void> {
  const P = quoted.length;
  const { k, ids, length } = topk;
  w.push(P === 0 ? "{}\n" : "{\n");
  for (let p = 0; p < P; p++) {
    let recs = "";
    for (let i = 0; i < length[p]!; i++) recs += (i === 0 ? "" : ";") + quotedInner(quoted[ids[p * k + i]!]!);
    if (w.push(`  ${quoted[p]}: "${recs}"${p + 1 < P ? ",\n" : "\n}\n"}`)) await w.flush();
  }
}

// The id inside its JSON quotes: ids joined by ";" are one JSON string.
function quotedInner(q: string): string {
  return q.slice(1, -1);
}

// O(products · k)
async function writeRich(w: ChunkedWriter, quoted: readonly string[], input: DocumentsInput): Promise<void> {
  const { topk, index } = input;
  const P = quoted.length;
  const head = {
    format: RICH_FORMAT,
    runId: input.runId,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    params: input.params ?? {},
    counts: { orders: index.orders, rows: index.rows, products: P },
  };
  const headText = JSON.stringify(head, null, 2);
  // Re-open the object to append "recs" streaming.
  w.push(
    `${headText.slice(0, headText.lastIndexOf("}")).trimEnd()},\n  "recs": {${P === 0 ? "}\n}\n" : "\n"}`,
  );
  const { k, ids, scores, support, length } = topk;
  for (let p = 0; p < P; p++) {
    let line = `    ${quoted[p]}: [`;
    for (let i = 0; i < length[p]!; i++) {
      const j = p * k + i;
      line += `${i === 0 ? "" : ","}{"id":${quoted[ids[j]!]},"score":${num(scores[j]!)},"support":${num(support[j]!)}}`;
    }
    line += p + 1 < P ? "],\n" : "]\n  }\n}\n";
    if (w.push(line)) await w.flush();
  }
}

// Shortest round-trip decimal (what JSON.stringify writes); non-finite values are not JSON.
function num(x: number): string {
  if (!Number.isFinite(x)) {
    throw new PipelineError("COBUY_PIPELINE_OPTION", `cannot write the non-finite number ${x} to JSON`);
  }
  return String(x);
}

async function writeValidation(w: ChunkedWriter, v: ValidationResult): Promise<void> {
  w.push(`{\n  "overall": ${JSON.stringify(v.overall)},\n  "byCategory": {`);
  const names = Object.keys(v.byCategory);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (
      w.push(`${i === 0 ? "\n" : ",\n"}    ${JSON.stringify(name)}: ${JSON.stringify(v.byCategory[name])}`)
    ) {
      await w.flush();
    }
  }
  w.push(`${names.length === 0 ? "}" : "\n  }"},\n  "categoryConflicts": ${v.categoryConflicts}\n}\n`);
  await w.flush();
}
