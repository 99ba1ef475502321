import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { idProblem } from "@cobuy/contracts";
import { PipelineError, type PipelineErrorCode, where } from "../errors.js";
import { CsvTokenizer, INCOMPLETE, locate, UNTERMINATED } from "./csv-tokenizer.js";
import { openInput } from "./open-input.js";
import { readSalesParquet } from "./parquet.js";
import { PARQUET_MAGIC } from "./parquet-magic.js";
import type { ReadSalesOptions } from "./read-options.js";
import { isBlank, SalesAccumulator, type SalesIndex } from "./sales-index.js";
import { firstInvalidUtf8 } from "./utf8.js";

const DEFAULT_COLUMNS = { order: "order_id", product: "product_id", category: "category" } as const;
const SKIP_HINT = "fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true)";

function optionError(message: string): PipelineError {
  return new PipelineError("COBUY_PIPELINE_OPTION", message);
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(", ");
}

/**
 * Reads sales rows (`order_id, product_id, category`) from a CSV path, `.csv.gz` path, Parquet path
 * or a Readable (CSV) into a {@link SalesIndex}, streaming: memory grows with distinct ids and rows
 * kept, never with the file size. RFC 4180 quoting, CRLF and a UTF-8 BOM are accepted; gzip is
 * recognised by its magic bytes. A path ending in `.parquet` or starting with `PAR1` goes to
 * {@link readSalesParquet} (row group by row group, same options and index); Parquet as a Readable
 * is an error (it needs random access: save it to a file).
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
  if (typeof source === "string" && (/\.parquet$/i.test(source) || (await startsWithParquetMagic(source)))) {
    return readSalesParquet(source, options);
  }
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
  private header: string[] | null = null;
  private colOrder = -1;
  private colProduct = -1;
  private colCategory = -1;
  private nFields = 0;
  private readonly acc: SalesAccumulator;
  private readonly skipBad: boolean;
  private readonly names: { order: string; product: string; category: string };

  constructor(
    private readonly file: string,
    private readonly delimiter: number,
    private readonly options: ReadSalesOptions,
  ) {
    this.tok = new CsvTokenizer(delimiter);
    this.skipBad = options.skipBadRows ?? false;
    this.acc = new SalesAccumulator(options.maxBadRowExamples ?? 10);
    this.names = { ...DEFAULT_COLUMNS, ...stripUndefined(options.columns ?? {}) };
  }

  /** Data rows kept so far. */
  get rows(): number {
    return this.acc.rows;
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
        "COBUY_PIPELINE_CSV_FIELD_COUNT",
        `the row has ${tok.count} field${tok.count === 1 ? "" : "s"} but the header has ${this.nFields} (${quoteList(this.header!)}); quote fields that contain "${String.fromCharCode(this.delimiter)}"`,
        buf,
        start,
        start,
      );
      return;
    }
    if (tok.badQuoteAt >= 0) {
      this.bad(
        "COBUY_PIPELINE_CSV_BAD_QUOTE",
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
    // Ids and categories reach documents and a database index: refuse what load would refuse. An
    // id is checked the first time it is seen (and a category the first time with its product):
    // the checks were 5% of reading gen-sales M.
    const acc = this.acc;
    const p = acc.product(pb, ps, pe);
    if (acc.productIsNew && !this.acceptableId(this.names.product, pb, ps, pe, buf, start, fp)) {
      acc.dropNewProduct();
      return;
    }
    let c = -1;
    const fc = this.colCategory;
    if (fc >= 0) {
      const cb = tok.fieldScratch[fc] ? scratch : buf;
      const cs = tok.fieldS[fc]!;
      const ce = tok.fieldE[fc]!;
      c = acc.knownCategory(p, cb, cs, ce);
      if (c === -2) {
        if (!this.acceptableId(this.names.category, cb, cs, ce, buf, start, fc)) {
          if (acc.productIsNew) acc.dropNewProduct();
          return;
        }
        c = acc.category(cb, cs, ce);
      }
    }
    acc.addLine(ob, os, oe, p, c);
  }

  private readHeader(buf: Buffer): void {
    const tok = this.tok;
    const header: string[] = [];
    for (let f = 0; f < tok.count; f++) header.push(tok.fieldText(buf, f).trim());
    const find = (name: string) => header.indexOf(name.trim());
    const at = { file: this.file, line: tok.recordLine, column: 1, byteOffset: 0 };
    // One header field holding the column names joined by another separator: a spreadsheet export.
    const other = header.length === 1 ? [";", "\t", "|"].find((d) => header[0]!.includes(d)) : undefined;
    const delimiterHint =
      other === undefined
        ? ""
        : `. The header looks ${other === "\t" ? "tab" : JSON.stringify(other)}-separated: pass --delimiter ${other === "\t" ? "'\\t'" : `'${other}'`} (delimiter in the API)`;
    const missing = (role: keyof typeof DEFAULT_COLUMNS, name: string): never => {
      throw new PipelineError(
        "COBUY_PIPELINE_CSV_MISSING_COLUMN",
        `${where(at)}: the header has no column ${JSON.stringify(name)} (the ${role} id); its columns are ${quoteList(header)}${delimiterHint}. ` +
          `Rename the column to ${JSON.stringify(name)} or pass its name with --${role}-col (columns.${role} in the API); the first row must be the header`,
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

  /** False (after reporting the row) when the field cannot be an id: a control character or too long. */
  // O(field bytes)
  private acceptableId(
    column: string,
    fb: Buffer,
    fs: number,
    fe: number,
    buf: Buffer,
    start: number,
    f: number,
  ): boolean {
    const problem = idProblem(fb, fs, fe);
    if (problem === undefined) return true;
    // A field read through the scratch buffer (quoted) is located at its start; a plain one exactly.
    const at = fb === buf ? problem.at : this.tok.fieldAt[f]!;
    this.bad(
      "COBUY_PIPELINE_CSV_BAD_ID",
      `column ${JSON.stringify(column)} ${problem.reason}`,
      buf,
      start,
      at,
    );
    return false;
  }

  private emptyField(column: string, buf: Buffer, start: number, f: number): void {
    this.bad(
      "COBUY_PIPELINE_CSV_EMPTY_FIELD",
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
    this.acc.skipped({ line, column, code, reason });
  }

  private unterminated(buf: Buffer, start: number, offset: number): never {
    const at = this.tok.openQuoteAt;
    const { line, column } = locate(buf, start, this.tok.recordLine, at);
    const position = { file: this.file, line, column, byteOffset: offset + at };
    throw new PipelineError(
      "COBUY_PIPELINE_CSV_UNTERMINATED_QUOTE",
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
        "COBUY_PIPELINE_CSV_UNTERMINATED_QUOTE",
        `${where(position)}: the quoted field that starts here is still open after ${max} bytes; ` +
          `add the closing quote, and write a quote inside a quoted field as ""`,
        { position },
      );
    }
    const position = { file: this.file, line, column: 1, byteOffset: offset };
    throw new PipelineError(
      "COBUY_PIPELINE_CSV_FIELD_COUNT",
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
      "COBUY_PIPELINE_CSV_NOT_UTF8",
      `${where(position)}: byte 0x${hex} at byte offset ${offset + bad} is not valid UTF-8; ` +
        `save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)`,
      { position },
    );
  }

  finish(bytesRead: number, gzip: boolean): SalesIndex {
    if (this.header === null) {
      throw new PipelineError(
        "COBUY_PIPELINE_CSV_EMPTY",
        `${this.file}: the file is empty; expected a header row (${this.names.order},${this.names.product},${this.names.category}) and one row per order line`,
        { position: { file: this.file } },
      );
    }
    const acc = this.acc;
    if (acc.rows === 0) {
      const skipped =
        acc.badCount > 0
          ? `all ${acc.badCount} data rows were bad and skipped (first: line ${acc.badExamples[0]?.line}: ${acc.badExamples[0]?.reason})`
          : "the header is followed by no data rows";
      throw new PipelineError(
        "COBUY_PIPELINE_CSV_EMPTY",
        `${this.file}: no sales rows: ${skipped}; add one row per order line`,
        {
          position: { file: this.file },
        },
      );
    }
    return acc.finish({
      source: this.file,
      bytesRead,
      gzip,
      hasCategory: this.colCategory >= 0,
      keepOrderIds: this.options.keepOrderIds === true,
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** True when the file at `path` starts with `PAR1` (false when it cannot be read: the CSV reader reports that). */
async function startsWithParquetMagic(path: string): Promise<boolean> {
  try {
    const fh = await open(path, "r");
    try {
      const head = Buffer.alloc(4);
      const { bytesRead } = await fh.read(head, 0, 4, 0);
      return bytesRead === 4 && head.equals(PARQUET_MAGIC);
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}
