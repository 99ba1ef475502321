import type { Readable } from "node:stream";
import { PipelineError, type PipelineErrorCode, where } from "../errors.js";
import { ByteInterner } from "./byte-interner.js";
import { CsvTokenizer, INCOMPLETE, locate, UNTERMINATED } from "./csv-tokenizer.js";
import { openInput } from "./open-input.js";
import { firstInvalidUtf8 } from "./utf8.js";

/** Names of the columns read from the header row. */
export interface SalesColumns {
  /** Default `"order_id"`. */
  order?: string;
  /** Default `"product_id"`. */
  product?: string;
  /** Default `"category"`. Optional in the file unless `requireCategory` is set. */
  category?: string;
}

/** Options of {@link readSales}. */
export interface ReadSalesOptions {
  /** Column names in the header row (defaults `order_id`, `product_id`, `category`). */
  columns?: SalesColumns;
  /** Fail when the header has no category column (validation needs it). Default false. */
  requireCategory?: boolean;
  /**
   * Skip rows with an empty order/product id, a wrong field count or a stray quote instead of
   * failing. Default false. (An empty category is never a bad row: the category is then unknown.)
   */
  skipBadRows?: boolean;
  /** How many skipped rows are kept as examples in the report. Default 10. */
  maxBadRowExamples?: number;
  /** Field delimiter, one ASCII character. Default `","`. */
  delimiter?: string;
  /** Name used in messages when `source` is a stream. Default `"<stream>"`. */
  name?: string;
  /** Keep every order id as a string in `orderIds` (costs memory per order). Default false. */
  keepOrderIds?: boolean;
  /** Longest record accepted, in bytes (a guard against a quote that is never closed). Default 16 MiB. */
  maxRecordBytes?: number;
  /** Called after each chunk with the bytes read from the source (compressed bytes for gzip) and rows so far. */
  onProgress?: (bytesRead: number, rows: number) => void;
}

/** One skipped row. */
export interface BadRowExample {
  readonly line: number;
  readonly column: number;
  readonly code: PipelineErrorCode;
  readonly reason: string;
}

/** Rows skipped under `skipBadRows`: how many, and the first few. */
export interface BadRowsReport {
  readonly count: number;
  readonly examples: readonly BadRowExample[];
}

/**
 * `productCategory` value of a product with no category: every one of its rows had an empty
 * category field. Such a product is outside every category (validation leaves it out).
 *
 * @example
 * ```ts
 * const c = index.productCategory?.[p];
 * const name = c === undefined || c === NO_CATEGORY ? null : index.categories[c];
 * ```
 */
export const NO_CATEGORY = 0xffff_ffff;

/** A product seen with more than one category. */
export interface CategoryConflict {
  readonly productId: string;
  /** The category kept (most frequent; ties go to the first in byte order). */
  readonly chosen: string;
  /** Every category seen for it with its line count, most frequent first. */
  readonly seen: ReadonlyArray<{ readonly category: string; readonly lines: number }>;
}

/**
 * The sales rows as typed arrays. Products are numbered by the byte order of their ids (UTF-8
 * bytes), so "ties by product index" is "ties by product id"; orders are numbered by first
 * appearance. Line i is the pair (`lineOrder[i]`, `lineProduct[i]`).
 *
 * @example
 * ```ts
 * const ix = await readSales("sales.csv");
 * const firstLine = `${ix.lineOrder[0]} bought ${ix.productIds[ix.lineProduct[0]!]}`;
 * const category = ix.productCategory ? ix.categories[ix.productCategory[0]!] : undefined;
 * ```
 */
export interface SalesIndex {
  /** The path or stream name the rows came from. */
  readonly source: string;
  /** Product ids, ascending in byte order: product p is `productIds[p]`. */
  readonly productIds: readonly string[];
  /** Category names, ascending in byte order (empty without a category column). */
  readonly categories: readonly string[];
  /**
   * Index into `categories` of each product's category (its most frequent non-empty one), or
   * {@link NO_CATEGORY} when all its rows have an empty category; null without a category column.
   */
  readonly productCategory: Uint32Array | null;
  /** Rows kept whose category field was empty (0 without a category column). */
  readonly rowsWithoutCategory: number;
  /** Distinct order ids. */
  readonly orders: number;
  /** Data rows kept (order lines). */
  readonly rows: number;
  readonly lineOrder: Uint32Array;
  readonly lineProduct: Uint32Array;
  /** Orders holding at least two different products (0 means nothing to recommend). */
  readonly ordersWithPairs: number;
  /** Products seen with more than one (non-empty) category. */
  readonly categoryConflicts: number;
  /** The first few of them. */
  readonly conflictExamples: readonly CategoryConflict[];
  readonly badRows: BadRowsReport;
  /** Bytes read from the source (compressed bytes for gzip). */
  readonly bytesRead: number;
  /** Whether the source was gzip. */
  readonly gzip: boolean;
  /** Order ids by order index, only with `keepOrderIds`. */
  readonly orderIds?: readonly string[];
}

const DEFAULT_COLUMNS = { order: "order_id", product: "product_id", category: "category" } as const;
const SKIP_HINT = "fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true)";
const MAX_CONFLICT_EXAMPLES = 5;

function optionError(message: string): PipelineError {
  return new PipelineError("COBUY_PIPELINE_OPTION", message);
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(", ");
}

/**
 * Reads sales rows (`order_id, product_id, category`) from a CSV path, `.csv.gz` path or a
 * Readable into a {@link SalesIndex}, streaming: memory grows with distinct ids and rows kept,
 * never with the file size. RFC 4180 quoting, CRLF and a UTF-8 BOM are accepted; gzip is
 * recognised by its magic bytes.
 *
 * An empty category field is not an error: the row counts, and its product takes its most
 * frequent non-empty category ({@link NO_CATEGORY} if it has none); see `rowsWithoutCategory`.
 *
 * Bad input throws a {@link PipelineError} naming file, line and column. With `skipBadRows`,
 * rows with an empty id, a wrong field count or a stray quote are skipped and reported in
 * `badRows`; a missing column, an empty file, an unterminated quote and bytes that are not UTF-8
 * still fail.
 *
 * @example
 * ```ts
 * const index = await readSales("sales.csv.gz", { skipBadRows: true, onProgress: (b, r) => {} });
 * console.log(index.rows, index.orders, index.productIds.length, index.badRows.count);
 * ```
 */
export async function readSales(
  source: string | Readable,
  options: ReadSalesOptions = {},
): Promise<SalesIndex> {
  const delimiter = options.delimiter ?? ",";
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || /["\r\n]/.test(delimiter)) {
    throw optionError(
      `delimiter must be one ASCII character other than a quote or line break (got ${JSON.stringify(delimiter)})`,
    );
  }
  const maxRecord = options.maxRecordBytes ?? 16 * 1024 * 1024;
  const input = openInput(source, options.name);
  const parser = new SalesParser(input.name, delimiter.charCodeAt(0), options);
  let carry: Buffer | null = null;
  let consumed = 0;
  let first = true;
  try {
    for await (const chunk of input.chunks) {
      let buf: Buffer = carry === null || carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      if (first) {
        if (buf.length < 3) {
          carry = buf;
          continue;
        }
        first = false;
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
          buf = buf.subarray(3);
          consumed = 3;
        }
      }
      const used = parser.consume(buf, false, consumed);
      consumed += used;
      carry = used === buf.length ? null : buf.subarray(used);
      if (carry !== null && carry.length > maxRecord) parser.tooLong(carry, consumed, maxRecord);
      options.onProgress?.(input.rawBytesRead(), parser.rows);
    }
    let rest: Buffer = carry ?? Buffer.alloc(0);
    if (first && rest.length >= 3 && rest[0] === 0xef && rest[1] === 0xbb && rest[2] === 0xbf) {
      rest = rest.subarray(3);
      consumed = 3;
    }
    if (rest.length > 0) parser.consume(rest, true, consumed);
  } finally {
    await input.chunks.return(undefined);
  }
  options.onProgress?.(input.rawBytesRead(), parser.rows);
  return parser.finish(input.rawBytesRead(), input.isGzip());
}

class SalesParser {
  private readonly tok: CsvTokenizer;
  private readonly orderIds = new ByteInterner(1 << 16);
  private readonly productIds = new ByteInterner(1 << 12);
  private readonly categoryIds = new ByteInterner(64);
  private header: string[] | null = null;
  private colOrder = -1;
  private colProduct = -1;
  private colCategory = -1;
  private nFields = 0;
  private prevOrder = -1;
  rows = 0;
  private lineOrder = new Uint32Array(1 << 16);
  private lineProduct = new Uint32Array(1 << 16);
  // Category votes: the first category seen per product and its count; other categories in `extra`.
  // -1 stands for "no category" (no column, or an empty field) and never wins a vote.
  private cat1 = new Int32Array(1 << 12);
  private cnt1 = new Uint32Array(1 << 12);
  private readonly extra = new Map<number, Map<number, number>>();
  private rowsWithoutCategory = 0;
  private badCount = 0;
  private readonly badExamples: BadRowExample[] = [];
  private readonly skipBad: boolean;
  private readonly maxExamples: number;
  private readonly names: { order: string; product: string; category: string };

  constructor(
    private readonly file: string,
    private readonly delimiter: number,
    private readonly options: ReadSalesOptions,
  ) {
    this.tok = new CsvTokenizer(delimiter);
    this.skipBad = options.skipBadRows ?? false;
    this.maxExamples = options.maxBadRowExamples ?? 10;
    this.names = { ...DEFAULT_COLUMNS, ...stripUndefined(options.columns ?? {}) };
  }

  /** Parses the complete records of `buf`; returns how many bytes were used. */
  // O(bytes) + one hash lookup per product and category field
  consume(buf: Buffer, final: boolean, offset: number): number {
    const tok = this.tok;
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      const next = tok.parseRecord(buf, pos, final);
      if (next === INCOMPLETE) break;
      if (next === UNTERMINATED) this.unterminated(buf, pos, offset);
      if (tok.nonAscii) this.checkUtf8(buf, pos, next, offset);
      if (tok.count === 1 && tok.fieldE[0] === tok.fieldS[0] && buf[pos] !== 34) {
        pos = next; // blank line
        continue;
      }
      if (this.header === null) this.readHeader(buf);
      else this.addRow(buf, pos);
      pos = next;
    }
    return pos;
  }

  private addRow(buf: Buffer, start: number): void {
    const tok = this.tok;
    if (tok.count !== this.nFields) {
      this.bad(
        "COBUY_CSV_FIELD_COUNT",
        `the row has ${tok.count} field${tok.count === 1 ? "" : "s"} but the header has ${this.nFields} (${quoteList(this.header!)}); quote fields that contain "${String.fromCharCode(this.delimiter)}"`,
        buf,
        start,
        start,
      );
      return;
    }
    if (tok.badQuoteAt >= 0) {
      this.bad(
        "COBUY_CSV_BAD_QUOTE",
        `unexpected character after the closing quote of a quoted field (write a quote inside a quoted field as "")`,
        buf,
        start,
        tok.badQuoteAt,
      );
      return;
    }
    const scratch = tok.scratch;
    // order
    const fo = this.colOrder;
    const ob = tok.fieldScratch[fo] ? scratch : buf;
    const os = tok.fieldS[fo]!;
    const oe = tok.fieldE[fo]!;
    if (isBlank(ob, os, oe)) {
      this.emptyField(this.names.order, buf, start, fo);
      return;
    }
    const fp = this.colProduct;
    const pb = tok.fieldScratch[fp] ? scratch : buf;
    const ps = tok.fieldS[fp]!;
    const pe = tok.fieldE[fp]!;
    if (isBlank(pb, ps, pe)) {
      this.emptyField(this.names.product, buf, start, fp);
      return;
    }
    let c = -1;
    const fc = this.colCategory;
    if (fc >= 0) {
      const cb = tok.fieldScratch[fc] ? scratch : buf;
      const cs = tok.fieldS[fc]!;
      const ce = tok.fieldE[fc]!;
      // An empty category is unknown, not an error: the product takes its category from other rows.
      if (isBlank(cb, cs, ce)) this.rowsWithoutCategory++;
      else c = this.categoryIds.intern(cb, cs, ce);
    }
    let o = this.prevOrder;
    if (o < 0 || !this.orderIds.equals(o, ob, os, oe)) {
      o = this.orderIds.intern(ob, os, oe);
      this.prevOrder = o;
    }
    const known = this.productIds.size;
    const p = this.productIds.intern(pb, ps, pe);
    if (p === known) {
      if (p === this.cat1.length) this.growProducts();
      this.cat1[p] = c;
      this.cnt1[p] = 1;
    } else if (this.cat1[p] === c) {
      this.cnt1[p]!++;
    } else {
      let m = this.extra.get(p);
      if (m === undefined) {
        m = new Map();
        this.extra.set(p, m);
      }
      m.set(c, (m.get(c) ?? 0) + 1);
    }
    const r = this.rows;
    if (r === this.lineOrder.length) this.growLines();
    this.lineOrder[r] = o;
    this.lineProduct[r] = p;
    this.rows = r + 1;
  }

  private readHeader(buf: Buffer): void {
    const tok = this.tok;
    const header: string[] = [];
    for (let f = 0; f < tok.count; f++) header.push(tok.fieldText(buf, f).trim());
    const find = (name: string) => header.indexOf(name.trim());
    const at = { file: this.file, line: tok.recordLine, column: 1, byteOffset: 0 };
    const missing = (role: keyof typeof DEFAULT_COLUMNS, name: string): never => {
      throw new PipelineError(
        "COBUY_CSV_MISSING_COLUMN",
        `${where(at)}: the header has no column ${JSON.stringify(name)} (the ${role} id); its columns are ${quoteList(header)}. ` +
          `Rename the column to ${JSON.stringify(name)} or pass its name in columns.${role} (the runner's column options); the first row must be the header`,
        { position: at },
      );
    };
    this.colOrder = find(this.names.order);
    if (this.colOrder < 0) missing("order", this.names.order);
    this.colProduct = find(this.names.product);
    if (this.colProduct < 0) missing("product", this.names.product);
    this.colCategory = find(this.names.category);
    if (this.colCategory < 0 && this.options.requireCategory) missing("category", this.names.category);
    if (this.colOrder === this.colProduct) {
      throw optionError(
        `columns.order and columns.product both name the column ${JSON.stringify(this.names.order)}`,
      );
    }
    this.header = header;
    this.nFields = header.length;
  }

  private emptyField(column: string, buf: Buffer, start: number, f: number): void {
    this.bad(
      "COBUY_CSV_EMPTY_FIELD",
      `column ${JSON.stringify(column)} is empty`,
      buf,
      start,
      this.tok.fieldAt[f]!,
    );
  }

  private bad(code: PipelineErrorCode, reason: string, buf: Buffer, start: number, at: number): void {
    const { line, column } = locate(buf, start, this.tok.recordLine, at);
    if (!this.skipBad) {
      const position = { file: this.file, line, column };
      throw new PipelineError(code, `${where(position)}: ${reason} (${SKIP_HINT})`, { position });
    }
    this.badCount++;
    if (this.badExamples.length < this.maxExamples) this.badExamples.push({ line, column, code, reason });
  }

  private unterminated(buf: Buffer, start: number, offset: number): never {
    const at = this.tok.openQuoteAt;
    const { line, column } = locate(buf, start, this.tok.recordLine, at);
    const position = { file: this.file, line, column, byteOffset: offset + at };
    throw new PipelineError(
      "COBUY_CSV_UNTERMINATED_QUOTE",
      `${where(position)}: the quoted field that starts here is never closed (the file ends inside it); ` +
        `add the closing quote, and write a quote inside a quoted field as ""`,
      { position },
    );
  }

  tooLong(carry: Buffer, offset: number, max: number): never {
    const tok = this.tok;
    // Re-read the head of the record to learn whether a quote is open.
    tok.parseRecord(carry, 0, false);
    const line = tok.recordLine;
    if (tok.openQuoteAt >= 0) {
      const { line: l, column } = locate(carry, 0, line, tok.openQuoteAt);
      const position = { file: this.file, line: l, column, byteOffset: offset + tok.openQuoteAt };
      throw new PipelineError(
        "COBUY_CSV_UNTERMINATED_QUOTE",
        `${where(position)}: the quoted field that starts here is still open after ${max} bytes; ` +
          `add the closing quote, and write a quote inside a quoted field as ""`,
        { position },
      );
    }
    const position = { file: this.file, line, column: 1, byteOffset: offset };
    throw new PipelineError(
      "COBUY_CSV_FIELD_COUNT",
      `${where(position)}: a row longer than ${max} bytes: is this a CSV file with one order line per row? (raise maxRecordBytes if the rows really are that long)`,
      { position },
    );
  }

  private checkUtf8(buf: Buffer, start: number, end: number, offset: number): void {
    const bad = firstInvalidUtf8(buf, start, end);
    if (bad < 0) return;
    const { line, column } = locate(buf, start, this.tok.recordLine, bad);
    const position = { file: this.file, line, column, byteOffset: offset + bad };
    const hex = buf[bad]!.toString(16).toUpperCase().padStart(2, "0");
    throw new PipelineError(
      "COBUY_CSV_NOT_UTF8",
      `${where(position)}: byte 0x${hex} at byte offset ${offset + bad} is not valid UTF-8; ` +
        `save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)`,
      { position },
    );
  }

  private growLines(): void {
    const n = this.lineOrder.length * 2;
    const o = new Uint32Array(n);
    o.set(this.lineOrder);
    this.lineOrder = o;
    const p = new Uint32Array(n);
    p.set(this.lineProduct);
    this.lineProduct = p;
  }

  private growProducts(): void {
    const n = this.cat1.length * 2;
    const c = new Int32Array(n);
    c.set(this.cat1);
    this.cat1 = c;
    const k = new Uint32Array(n);
    k.set(this.cnt1);
    this.cnt1 = k;
  }

  // O(rows + P log P + orders)
  finish(bytesRead: number, gzip: boolean): SalesIndex {
    if (this.header === null) {
      throw new PipelineError(
        "COBUY_CSV_EMPTY",
        `${this.file}: the file is empty; expected a header row (${this.names.order},${this.names.product},${this.names.category}) and one row per order line`,
        { position: { file: this.file } },
      );
    }
    if (this.rows === 0) {
      const skipped =
        this.badCount > 0
          ? `all ${this.badCount} data rows were bad and skipped (first: line ${this.badExamples[0]?.line}: ${this.badExamples[0]?.reason})`
          : "the header is followed by no data rows";
      throw new PipelineError(
        "COBUY_CSV_EMPTY",
        `${this.file}: no sales rows: ${skipped}; add one row per order line`,
        {
          position: { file: this.file },
        },
      );
    }
    const rows = this.rows;
    const P = this.productIds.size;
    const sorted = this.productIds.sortedIds();
    const rank = new Uint32Array(P);
    const productIds: string[] = new Array(P);
    for (let r = 0; r < P; r++) {
      rank[sorted[r]!] = r;
      productIds[r] = this.productIds.key(sorted[r]!);
    }
    const lineOrder =
      rows * 8 < this.lineOrder.length * 7 ? this.lineOrder.slice(0, rows) : this.lineOrder.subarray(0, rows);
    const lineProduct =
      rows * 8 < this.lineProduct.length * 7
        ? this.lineProduct.slice(0, rows)
        : this.lineProduct.subarray(0, rows);
    for (let i = 0; i < rows; i++) lineProduct[i] = rank[lineProduct[i]!]!;

    // Categories, sorted by bytes; each product takes its most frequent non-empty one (ties: first in
    // byte order), or NO_CATEGORY.
    let categories: string[] = [];
    let productCategory: Uint32Array | null = null;
    let conflicts = 0;
    const conflictExamples: CategoryConflict[] = [];
    if (this.colCategory >= 0) {
      const K = this.categoryIds.size;
      const cSorted = this.categoryIds.sortedIds();
      const cRank = new Uint32Array(K);
      categories = new Array(K);
      for (let r = 0; r < K; r++) {
        cRank[cSorted[r]!] = r;
        categories[r] = this.categoryIds.key(cSorted[r]!);
      }
      productCategory = new Uint32Array(P);
      for (let id = 0; id < P; id++) {
        const c = this.cat1[id]!;
        productCategory[rank[id]!] = c < 0 ? NO_CATEGORY : cRank[c]!;
      }
      const mixed = [...this.extra.keys()].sort((a, b) => rank[a]! - rank[b]!);
      for (const id of mixed) {
        // Votes of the non-empty categories only.
        const votes = new Map<number, number>();
        const c1 = this.cat1[id]!;
        if (c1 >= 0) votes.set(cRank[c1]!, this.cnt1[id]!);
        for (const [c, n] of this.extra.get(id)!) {
          if (c >= 0) votes.set(cRank[c]!, (votes.get(cRank[c]!) ?? 0) + n);
        }
        if (votes.size === 0) continue;
        const seen = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
        productCategory[rank[id]!] = seen[0]![0];
        if (seen.length < 2) continue;
        conflicts++;
        if (conflictExamples.length < MAX_CONFLICT_EXAMPLES) {
          conflictExamples.push({
            productId: productIds[rank[id]!]!,
            chosen: categories[seen[0]![0]]!,
            seen: seen.map(([c, lines]) => ({ category: categories[c]!, lines })),
          });
        }
      }
    }

    // Orders with two different products.
    const orders = this.orderIds.size;
    const firstProduct = new Int32Array(orders).fill(-1);
    let ordersWithPairs = 0;
    for (let i = 0; i < rows; i++) {
      const o = lineOrder[i]!;
      const p = lineProduct[i]!;
      const f = firstProduct[o]!;
      if (f === -1) firstProduct[o] = p;
      else if (f >= 0 && f !== p) {
        firstProduct[o] = -2;
        ordersWithPairs++;
      }
    }

    const index: SalesIndex = {
      source: this.file,
      productIds,
      categories,
      productCategory,
      orders,
      rows,
      lineOrder,
      lineProduct,
      ordersWithPairs,
      categoryConflicts: conflicts,
      conflictExamples,
      rowsWithoutCategory: this.rowsWithoutCategory,
      badRows: { count: this.badCount, examples: this.badExamples },
      bytesRead,
      gzip,
    };
    if (this.options.keepOrderIds) {
      const ids: string[] = new Array(orders);
      for (let o = 0; o < orders; o++) ids[o] = this.orderIds.key(o);
      return { ...index, orderIds: ids };
    }
    return index;
  }
}

function isBlank(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
