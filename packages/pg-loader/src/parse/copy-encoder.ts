import { searchKey } from "../query/search-key.js";
import type { DocProduct, RecItem, RecList, RecStat, RecsSink } from "./recs-document-walker.js";

const COPY_SPECIAL = /[\\\t\n\r]/;
const BLOCK_BYTES = 1 << 20;
const PRODUCT_CHUNK_CHARS = 1 << 20;

/**
 * Escapes a value for PostgreSQL COPY text format.
 * @example
 * copyEscape("a\tb"); // "a\\tb"
 */
export function copyEscape(s: string): string {
  if (!COPY_SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (m) =>
    m === "\\" ? "\\\\" : m === "\t" ? "\\t" : m === "\n" ? "\\n" : "\\r",
  );
}

/**
 * Turns the walker's recommendations into COPY text lines
 * `product_id \t rank \t recommended_id \t score \t support \n`, UTF-8, in 1 MB blocks.
 * Fields the walker captured unescaped are copied byte for byte: a JSON string without escapes
 * holds no backslash, tab or newline, so it is already valid COPY text.
 */
export class RecsCopyEncoder implements RecsSink {
  #buf: Uint8Array = new Uint8Array(BLOCK_BYTES);
  #pos = 0;
  readonly #full: Uint8Array[] = [];
  #pidBytes: Uint8Array = new Uint8Array(0);

  startList(list: RecList): void {
    this.#pidBytes = Buffer.from(copyEscape(list.pid), "utf8");
  }

  // O(line bytes) byte copies per row; no string or view is created per field.
  row(list: RecList, item: RecItem): void {
    const pid = this.#pidBytes;
    let id = item.id;
    let idLen = item.idLen;
    if (item.idText !== undefined) {
      id = Buffer.from(copyEscape(item.idText), "utf8");
      idLen = id.length;
    }
    this.#room(pid.length + idLen + item.scoreLen + item.supportLen + 16);
    const out = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < pid.length; i++) out[p++] = pid[i]!;
    out[p++] = 9;
    let r = list.rank;
    const digits = r < 10 ? 1 : r < 100 ? 2 : r < 1000 ? 3 : String(r).length;
    for (let d = p + digits - 1; d >= p; d--) {
      out[d] = 0x30 + (r % 10);
      r = Math.floor(r / 10);
    }
    p += digits;
    out[p++] = 9;
    for (let i = 0; i < idLen; i++) out[p++] = id[i]!;
    out[p++] = 9;
    const score = item.score;
    for (let i = 0, n = item.scoreLen; i < n; i++) out[p++] = score[i]!;
    out[p++] = 9;
    const support = item.support;
    for (let i = 0, n = item.supportLen; i < n; i++) out[p++] = support[i]!;
    out[p++] = 10;
    this.#pos = p;
  }

  /** Returns and forgets the whole lines encoded so far. */
  take(): Uint8Array[] {
    if (this.#pos > 0) {
      this.#full.push(this.#buf.subarray(0, this.#pos));
      this.#buf = new Uint8Array(BLOCK_BYTES);
      this.#pos = 0;
    }
    return this.#full.splice(0);
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    if (this.#pos > 0) this.#full.push(this.#buf.subarray(0, this.#pos));
    this.#buf = new Uint8Array(Math.max(BLOCK_BYTES, n));
    this.#pos = 0;
  }
}

/** What the products table is built from: the per-list stats and the optional `products` section. */
export interface ProductSources {
  recStats: ReadonlyMap<string, RecStat>;
  docProducts: ReadonlyMap<string, DocProduct>;
}

/** Columns of the products table that {@link productCopyLines} writes, in order. */
export const PRODUCT_COPY_COLUMNS = [
  "product_id",
  "category",
  "support",
  "rec_count",
  "name",
  "extra",
  "search_key",
] as const;

/**
 * COPY text lines `product_id \t category \t support \t rec_count \t name \t extra \t search_key \n`
 * for every product: those with a list first (document order; support from `products`, else the
 * largest pair support), then those only in `products`. `name` and `extra` are NULL without a
 * catalog row (readers show the id); `search_key` is the name's (else the id's) {@link searchKey}.
 * Strings of about 1 MB.
 * @example
 * for (const chunk of productCopyLines(doc)) copy.write(chunk);
 */
export function* productCopyLines(doc: ProductSources): Generator<string> {
  let out = "";
  const line = (pid: string, product: DocProduct | undefined, support: number | null, recCount: number) => {
    const category = product?.category ?? null;
    const name = product?.name;
    const extra = product?.extra;
    return (
      `${copyEscape(pid)}\t${category === null ? "\\N" : copyEscape(category)}\t${support === null ? "\\N" : support}\t${recCount}` +
      `\t${name === undefined ? "\\N" : copyEscape(name)}\t${extra === undefined ? "\\N" : copyEscape(JSON.stringify(extra))}` +
      `\t${copyEscape(searchKey(name ?? pid))}\n`
    );
  };
  for (const [pid, stat] of doc.recStats) {
    const product = doc.docProducts.get(pid);
    out += line(pid, product, product ? product.support : stat.maxSupport, stat.recCount);
    if (out.length >= PRODUCT_CHUNK_CHARS) {
      yield out;
      out = "";
    }
  }
  for (const [pid, product] of doc.docProducts) {
    if (doc.recStats.has(pid)) continue;
    out += line(pid, product, product.support, 0);
    if (out.length >= PRODUCT_CHUNK_CHARS) {
      yield out;
      out = "";
    }
  }
  if (out) yield out;
}
