import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { type RecReason, RICH_FORMAT, type RichRecsDocument } from "@cobuy/contracts";
import { REASONS, type TopKLists } from "@cobuy/core-math";
import { NO_CATEGORY } from "../catalog/product-catalog.js";
import { matchCatalog, type ShopCatalog } from "../catalog/read-catalog.js";
import { isPipelineError, PipelineError } from "../errors.js";
import type { ValidationResult } from "../validation/validate.js";
import { ChunkedWriter } from "./chunked-writer.js";

/** What the documents are written from. */
export interface DocumentsInput {
  /** The products (ids by index) and counts: a `SalesIndex` fits. */
  readonly index: {
    readonly productIds: readonly string[];
    readonly orders: number;
    readonly rows: number;
    /** Category names and each product's index into them (`NO_CATEGORY`: none), for `products`. */
    readonly categories?: readonly string[];
    readonly productCategory?: Uint32Array | null;
  };
  /** Top-k lists over the same product indices. */
  readonly topk: TopKLists;
  /**
   * Distinct orders containing each product, by product index (`BuildResult.productSupport`). When
   * given, `recs.rich.json` gets the `products` section: per product its category (`null` when
   * unknown) and this support.
   */
  readonly productSupport?: ArrayLike<number>;
  /**
   * Each item's reason as an index into `REASONS` ("similar", "popular-in-category", "popular"),
   * laid out like `topk.ids` (`BuildResult.reasons` of a blended build). When given, every item of
   * `recs.rich.json` gets `"reason"`; without it items have no reason field.
   */
  readonly reasons?: ArrayLike<number> | null;
  /**
   * A shop catalog (`readCatalog`): with `productSupport`, each product with a catalog row gets
   * `name` and `extra` in `products`, and `counts.catalogUnknownIds` counts catalog ids no sale has.
   */
  readonly catalog?: ShopCatalog | null;
  /** Written as `validation.json` when given. */
  readonly validation?: ValidationResult | null;
  /** The run id (see `makeRunId` of @cobuy/contracts). */
  readonly runId: string;
  /** Default: now. */
  readonly createdAt?: Date;
  /** The parameters of the run, recorded in `recs.rich.json` (k, minScore, incidence, input, ...). */
  readonly params?: Readonly<RichRecsDocument["params"]>;
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
 * `recs.rich.json` (`RichRecsDocument` of @cobuy/contracts, format `cobuy.recs.v1`: runId, createdAt,
 * params, counts, and per product its list of `{id, score, support}` (plus `reason` with `reasons`);
 * every product present; then, with `productSupport`, the
 * `products` section `{"P1": {"category": "C01" | null, "support": 12}}`) and `validation.json` into `dir`
 * (created if missing). Each file is streamed chunk by chunk with backpressure, written under a
 * temporary name and renamed when complete. Scores are shortest round-trip JS numbers.
 *
 * @example
 * ```ts
 * const { index, topk, validation, productSupport } = await buildRecommendations("sales.csv");
 * const files = await writeDocuments("out", { index, topk, validation, productSupport, runId: makeRunId() });
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
  if (input.productSupport !== undefined && input.productSupport.length !== productIds.length) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `productSupport has ${input.productSupport.length} entries but the index has ${productIds.length} products: pass the support computed from this index`,
    );
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new PipelineError(
      "COBUY_PIPELINE_INPUT_UNREADABLE",
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

/** Bytes a document's stream holds before its writer waits: a few MiB, never the whole file. */
const WRITE_BUFFER_BYTES = 4 << 20;

async function writeFile(
  dir: string,
  name: string,
  body: (w: ChunkedWriter) => Promise<void>,
): Promise<WrittenDocument> {
  const path = join(dir, name);
  const tmp = `${path}.tmp-${process.pid}`;
  // A deep buffer: the next chunks are made while earlier ones are written (the default 16 KiB made
  // every 64 KiB chunk wait for its write: writeDocuments took a third longer at gen-sales M).
  const stream = createWriteStream(tmp, { highWaterMark: WRITE_BUFFER_BYTES });
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
    throw new PipelineError(
      "COBUY_PIPELINE_INPUT_UNREADABLE",
      `cannot write ${path}: ${(e as Error).message}`,
      {
        cause: e,
        position: { file: path },
      },
    );
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

/**
 * Everything of `recs.rich.json` but "recs" and "products" (which stream after it), as
 * `writeDocuments` writes it from `input`; without `input.createdAt` it is now.
 */
export function richHead(input: DocumentsInput): Omit<RichRecsDocument, "recs" | "products"> {
  const { index } = input;
  const head: Omit<RichRecsDocument, "recs" | "products"> = {
    format: RICH_FORMAT,
    runId: input.runId,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    params: input.params ?? {},
    counts: { orders: index.orders, rows: index.rows, products: index.productIds.length },
  };
  if (input.catalog) head.counts.catalogUnknownIds = matchCatalog(index.productIds, input.catalog).unknownIds;
  return head;
}

// O(products · k)
async function writeRich(w: ChunkedWriter, quoted: readonly string[], input: DocumentsInput): Promise<void> {
  const { topk } = input;
  const P = quoted.length;
  const headText = JSON.stringify(richHead(input), null, 2);
  // Re-open the object to append "recs" (and "products") streaming.
  w.push(`${headText.slice(0, headText.lastIndexOf("}")).trimEnd()},\n  "recs": {${P === 0 ? "}" : "\n"}`);
  const { k, ids, scores, support, length } = topk;
  const reasons = input.reasons ?? null;
  if (reasons !== null && reasons.length < ids.length) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `reasons has ${reasons.length} entries but the lists hold ${ids.length} slots: pass the reasons of these lists`,
    );
  }
  // JSON of every reason, made once.
  const reasonText = REASONS.map((r: RecReason) => `,"reason":${JSON.stringify(r)}`);
  for (let p = 0; p < P; p++) {
    let line = `    ${quoted[p]}: [`;
    for (let i = 0; i < length[p]!; i++) {
      const j = p * k + i;
      const why = reasons === null ? "" : reasonText[reasons[j]!]!;
      line += `${i === 0 ? "" : ","}{"id":${quoted[ids[j]!]},"score":${num(scores[j]!)},"support":${num(support[j]!)}${why}}`;
    }
    line += p + 1 < P ? "],\n" : "]\n  }";
    if (w.push(line)) await w.flush();
  }
  if (input.productSupport !== undefined)
    await writeProducts(w, quoted, input.productSupport, input.index, input.catalog ?? null);
  w.push("\n}\n");
}

// The "products" section (design-extensions.md). O(products)
async function writeProducts(
  w: ChunkedWriter,
  quoted: readonly string[],
  orders: ArrayLike<number>,
  index: DocumentsInput["index"],
  catalog: ShopCatalog | null,
): Promise<void> {
  const P = quoted.length;
  const pc = index.productCategory ?? null;
  const names = index.categories ?? [];
  // JSON string literal of every category, made once.
  const category = names.map((c) => JSON.stringify(c));
  w.push(`,\n  "products": {${P === 0 ? "}" : "\n"}`);
  for (let p = 0; p < P; p++) {
    const c = pc === null ? NO_CATEGORY : pc[p]!;
    const entry = catalog?.entries.get(index.productIds[p]!);
    const named =
      entry === undefined
        ? ""
        : `,"name":${JSON.stringify(entry.name)},"extra":${JSON.stringify(entry.extra)}`;
    const line = `    ${quoted[p]}: {"category":${category[c] ?? "null"},"support":${count(orders[p]!)}${named}}${p + 1 < P ? ",\n" : "\n  }"}`;
    if (w.push(line)) await w.flush();
  }
}

// A support count: a non-negative integer below 2^31 (what the loaders store as int4).
function count(x: number): string {
  if (!Number.isInteger(x) || x < 0 || x >= 2 ** 31) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `a product support must be an integer in [0, 2^31) (got ${x})`,
    );
  }
  return String(x);
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
  w.push(
    `${names.length === 0 ? "}" : "\n  }"},\n  "categoryConflicts": ${v.categoryConflicts},\n  "productsWithoutCategory": ${v.productsWithoutCategory}\n}\n`,
  );
  await w.flush();
}
