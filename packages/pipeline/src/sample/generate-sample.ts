import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { SeededRandom } from "@cobuy/core-math";
import { PipelineError } from "../errors.js";
import { WeightedTable } from "./weighted-table.js";

/** Options of {@link generateSample}. Every field has a default; the defaults make a quick job. */
export interface SampleOptions {
  /** Orders (baskets). Default 20 000. */
  orders?: number;
  /** Catalogue size (some rare products may never be bought). Default 2 000. */
  products?: number;
  /** Categories (at most `products`). Default 20. */
  categories?: number;
  /** Seed: the same options give byte-identical output. Default 1. */
  seed?: number;
  /** Popularity exponent: the product of popularity rank r has weight 1/r^zipf. Default 1.05. */
  zipf?: number;
  /** Mean lines per order (≥ 1). Default 4. */
  meanBasket?: number;
  /** Cap on lines per order. Default 40. */
  maxBasket?: number;
  /** Share of lines drawn from the order's main category. Default 0.8. */
  mainShare?: number;
  /** Share of lines that repeat a product already in the order. Default 0.02. */
  repeatRate?: number;
}

/** What a generated data set holds. */
export interface SampleSummary {
  readonly rows: number;
  readonly orders: number;
  /** Distinct products that occur in the rows. */
  readonly products: number;
  readonly categories: number;
  /** Bytes of CSV text (before any compression). */
  readonly bytes: number;
}

const CHUNK = 1 << 16;

function resolve(options: SampleOptions) {
  const o = {
    orders: options.orders ?? 20_000,
    products: options.products ?? 2_000,
    categories: options.categories ?? 20,
    seed: options.seed ?? 1,
    zipf: options.zipf ?? 1.05,
    meanBasket: options.meanBasket ?? 4,
    maxBasket: options.maxBasket ?? 40,
    mainShare: options.mainShare ?? 0.8,
    repeatRate: options.repeatRate ?? 0.02,
  };
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) {
      throw new PipelineError(
        "COBUY_PIPELINE_OPTION",
        `sample ${name} must be an integer ≥ ${min} (got ${v})`,
      );
    }
  };
  const range = (name: string, v: number, lo: number, hi: number) => {
    if (!(v >= lo && v <= hi)) {
      throw new PipelineError(
        "COBUY_PIPELINE_OPTION",
        `sample ${name} must be between ${lo} and ${hi} (got ${v})`,
      );
    }
  };
  int("orders", o.orders, 1);
  int("products", o.products, 2);
  int("categories", o.categories, 1);
  int("seed", o.seed, Number.MIN_SAFE_INTEGER);
  int("maxBasket", o.maxBasket, 1);
  range("zipf", o.zipf, 0, 10);
  range("meanBasket", o.meanBasket, 1, o.maxBasket);
  range("mainShare", o.mainShare, 0, 1);
  range("repeatRate", o.repeatRate, 0, 0.5);
  o.categories = Math.min(o.categories, o.products);
  return o;
}

/**
 * Generates a synthetic sales CSV (`order_id,product_id,category`) as text chunks, deterministic
 * for a given seed: skewed (Zipf) product popularity, skewed category sizes, baskets of mean size
 * `meanBasket` whose lines mostly come from one main category, and a few repeated lines. The
 * generator's return value is the {@link SampleSummary}.
 *
 * @example
 * ```ts
 * let csv = "";
 * for (const chunk of generateSample({ orders: 100, products: 50, seed: 7 })) csv += chunk;
 * ```
 */
// O(rows · log products) time; O(products) memory
export function* generateSample(options: SampleOptions = {}): Generator<string, SampleSummary, undefined> {
  const o = resolve(options);
  const rng = new SeededRandom(o.seed);
  const P = o.products;
  const K = o.categories;
  const pid = (i: number) => `P${String(i + 1).padStart(Math.max(6, String(P).length), "0")}`;
  const cid = (c: number) => `C${String(c + 1).padStart(Math.max(2, String(K).length), "0")}`;

  // Popularity: Zipf weight by a random rank.
  const perm = shuffled(P, rng);
  const weight = new Float64Array(P);
  for (let r = 0; r < P; r++) weight[perm[r]!] = (r + 1) ** -o.zipf;
  // Categories: skewed sizes, each non-empty.
  const catWeight = Array.from({ length: K }, (_, c) => (c + 1) ** -0.6);
  const catTable = new WeightedTable(catWeight);
  const catOf = new Int32Array(P);
  const order = shuffled(P, rng);
  for (let r = 0; r < P; r++) catOf[order[r]!] = r < K ? r : catTable.draw(rng.next());
  const members: number[][] = Array.from({ length: K }, () => []);
  for (let p = 0; p < P; p++) members[catOf[p]!]!.push(p);
  const global = new WeightedTable(weight);
  const within = members.map((m) => new WeightedTable(m.map((p) => weight[p]!)));
  const pidText = Array.from({ length: P }, (_, p) => `,${pid(p)},${cid(catOf[p]!)}\n`);

  const pContinue = (o.meanBasket - 1) / o.meanBasket;
  const pRepeat = o.meanBasket > 1 ? Math.min(0.9, (o.repeatRate * o.meanBasket) / (o.meanBasket - 1)) : 0;
  const stamp = new Int32Array(P).fill(-1);
  const seen = new Uint8Array(P);
  const basket = new Int32Array(o.maxBasket);
  let rows = 0;
  let distinct = 0;
  let bytes = 0;
  let orderId = 100_000;
  let buf = "order_id,product_id,category\n";
  for (let n = 0; n < o.orders; n++) {
    orderId += rng.next() < 0.05 ? 2 + rng.int(3) : 1;
    const prefix = String(orderId);
    let size = 1;
    while (size < o.maxBasket && rng.next() < pContinue) size++;
    const main = catOf[global.draw(rng.next())]!;
    let nb = 0;
    for (let l = 0; l < size; l++) {
      let p = -1;
      if (nb > 0 && (nb >= P || rng.next() < pRepeat)) {
        p = basket[rng.int(nb)]!;
      } else {
        for (let t = 0; t < 32 && p < 0; t++) {
          const fromMain = t < 8 && rng.next() < o.mainShare;
          const q = fromMain ? members[main]![within[main]!.draw(rng.next())]! : global.draw(rng.next());
          if (stamp[q] !== n) p = q;
        }
        if (p < 0) {
          p = rng.int(P);
          while (stamp[p] === n) p = (p + 1) % P;
        }
        stamp[p] = n;
        basket[nb++] = p;
        if (!seen[p]) {
          seen[p] = 1;
          distinct++;
        }
      }
      buf += prefix + pidText[p]!;
      rows++;
    }
    if (buf.length >= CHUNK) {
      bytes += buf.length;
      yield buf;
      buf = "";
    }
  }
  if (buf.length > 0) {
    bytes += buf.length;
    yield buf;
  }
  return { rows, orders: o.orders, products: distinct, categories: K, bytes };
}

function shuffled(n: number, rng: SeededRandom): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/**
 * Writes {@link generateSample}'s CSV to a file (gzip when the path ends in `.gz`; the folder is
 * created if missing; written to a temporary name and renamed, so a reader never sees half a
 * file) or to a Writable (not ended).
 *
 * @example
 * ```ts
 * const summary = await writeSampleCsv("data/sample.csv", { seed: 1 });
 * console.log(summary.rows, summary.orders);
 * ```
 */
export async function writeSampleCsv(
  target: string | Writable,
  options: SampleOptions = {},
): Promise<SampleSummary> {
  if (typeof target !== "string") return pump(target, options);
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (e) {
    throw new PipelineError(
      "COBUY_PIPELINE_INPUT_UNREADABLE",
      `cannot write the sample to ${target}: ${(e as Error).message}`,
      {
        cause: e,
        position: { file: target },
      },
    );
  }
  const file = createWriteStream(tmp);
  try {
    let summary: SampleSummary;
    if (/\.gz$/i.test(target)) {
      const gz = createGzip();
      const done = pipeline(gz, file);
      done.catch(() => {});
      summary = await pump(gz, options);
      gz.end();
      await done;
    } else {
      summary = await pump(file, options);
      file.end();
      await finished(file);
    }
    await rename(tmp, target);
    return summary;
  } catch (e) {
    file.destroy();
    await rm(tmp, { force: true });
    if ((e as { code?: string }).code?.startsWith("COBUY_")) throw e;
    throw new PipelineError(
      "COBUY_PIPELINE_INPUT_UNREADABLE",
      `cannot write the sample to ${target}: ${(e as Error).message}`,
      {
        cause: e,
        position: { file: target },
      },
    );
  }
}

async function pump(out: Writable, options: SampleOptions): Promise<SampleSummary> {
  const gen = generateSample(options);
  for (;;) {
    const step = gen.next();
    if (step.done) return step.value;
    if (!out.write(step.value)) await once(out, "drain");
  }
}
