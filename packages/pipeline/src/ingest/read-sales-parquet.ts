/**
 * Parquet input: the same {@link SalesIndex} as the CSV reader, read row group by row group and
 * only the columns needed, with hyparquet (pure JavaScript; snappy, gzip, zstd, brotli and lz4
 * through hyparquet-compressors).
 */
import { type FileHandle, open } from "node:fs/promises";
import { idProblem } from "@cobuy/contracts";
import {
  type AsyncBuffer,
  type DecodedArray,
  type FileMetaData,
  type ParquetScan,
  parquetMetadataAsync,
  parquetScan,
  parquetSchema,
  type SchemaElement,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import {
  type InputPosition,
  isPipelineError,
  PipelineError,
  type PipelineErrorCode,
  where,
} from "../errors.js";
import { unreadable } from "./open-input.js";
import { PARQUET_MAGIC } from "./parquet-magic.js";
import type { ReadSalesOptions } from "./read-options.js";
import { isBlank, SalesAccumulator, type SalesIndex } from "./sales-index.js";
import { firstInvalidUtf8 } from "./utf8.js";

/** The four bytes a Parquet file starts and ends with. */

const DEFAULT_COLUMNS = { order: "order_id", product: "product_id", category: "category" } as const;
const SKIP_HINT = "fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true)";
type Role = keyof typeof DEFAULT_COLUMNS;
/** How a column's values arrive: UTF-8 bytes, or integers written as decimal ids. */
export type ValueKind = "bytes" | "int";

const INT_CONVERTED = new Set([
  "INT_8",
  "INT_16",
  "INT_32",
  "INT_64",
  "UINT_8",
  "UINT_16",
  "UINT_32",
  "UINT_64",
]);

/** The Parquet reader behind `readSalesParquet` of parquet.ts (loaded on first use). */
export async function readSalesParquet(path: string, options: ReadSalesOptions = {}): Promise<SalesIndex> {
  const name = options.name ?? path;
  const names = { ...DEFAULT_COLUMNS, ...stripUndefined(options.columns ?? {}) };
  return withParquetFile(path, name, (file, metadata) =>
    new ParquetSalesReader(name, names, options, metadata).read(file),
  );
}

/**
 * Opens `path` as a Parquet file (magic bytes checked, footer read) and runs `read` on it; the file
 * is closed afterwards. Errors name the file as `name`.
 */
export async function withParquetFile<T>(
  path: string,
  name: string,
  read: (file: FileBuffer, metadata: FileMetaData) => Promise<T>,
): Promise<T> {
  let fh: FileHandle;
  let size: number;
  try {
    fh = await open(path, "r");
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    size = st.size;
  } catch (e) {
    throw unreadable(name, e);
  }
  try {
    const file = new FileBuffer(fh, size, name);
    await checkMagic(file, name);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      throw invalid(name, `cannot read the Parquet footer (${message(e)})`, e);
    }
    return await read(file, metadata);
  } finally {
    await fh.close().catch(() => {});
  }
}

/** A file read by byte ranges (the random access Parquet needs), counting the bytes read. */
export class FileBuffer implements AsyncBuffer {
  bytesRead = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly byteLength: number,
    private readonly name: string,
  ) {}

  async slice(start: number, end = this.byteLength): Promise<ArrayBuffer> {
    const len = Math.max(0, Math.min(end, this.byteLength) - start);
    const buf = new Uint8Array(len);
    let got = 0;
    try {
      while (got < len) {
        const { bytesRead } = await this.fh.read(buf, got, len - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      throw unreadable(this.name, e);
    }
    this.bytesRead += got;
    return got === len ? buf.buffer : buf.slice(0, got).buffer;
  }
}

async function checkMagic(file: FileBuffer, name: string): Promise<void> {
  if (file.byteLength < 12) {
    throw invalid(name, `${file.byteLength} bytes is too short for a Parquet file (truncated?)`);
  }
  const head = Buffer.from(await file.slice(0, 4));
  const tail = Buffer.from(await file.slice(file.byteLength - 4));
  if (!head.equals(PARQUET_MAGIC)) {
    throw invalid(name, "not a Parquet file (it does not start with PAR1); pass a .parquet file, or a CSV");
  }
  if (!tail.equals(PARQUET_MAGIC)) {
    throw invalid(name, "the Parquet file does not end with PAR1: it is truncated or still being written");
  }
}

/** `COBUY_PIPELINE_PARQUET_INVALID` at `name` (and the row group / row / column when given). */
export function invalid(
  name: string,
  why: string,
  cause?: unknown,
  at?: Omit<InputPosition, "file">,
): PipelineError {
  const position = { file: name, ...at };
  return new PipelineError("COBUY_PIPELINE_PARQUET_INVALID", `${where(position)}: ${why}`, {
    ...(cause !== undefined ? { cause } : {}),
    position,
  });
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface Column {
  readonly role: Role;
  readonly name: string;
  /** 1-based position among the schema's top-level columns. */
  readonly index: number;
  readonly kind: ValueKind;
}

class ParquetSalesReader {
  private readonly acc: SalesAccumulator;
  private readonly skipBad: boolean;
  private readonly order: Column;
  private readonly product: Column;
  private readonly category: Column | null;
  // Decimal digits of integer ids (an int64 has at most 20 characters).
  private readonly scratch = [new Uint8Array(24), new Uint8Array(24), new Uint8Array(24)] as const;
  private start = 0;
  private end = 0;

  constructor(
    private readonly name: string,
    names: Record<Role, string>,
    private readonly options: ReadSalesOptions,
    private readonly metadata: FileMetaData,
  ) {
    this.skipBad = options.skipBadRows ?? false;
    this.acc = new SalesAccumulator(options.maxBadRowExamples ?? 10);
    const top = parquetSchema(metadata).children.map((c) => c.element);
    const find = (role: Role, required: boolean): Column | null => {
      const wanted = names[role].trim();
      const i = top.findIndex((el) => el.name.trim() === wanted);
      if (i < 0) {
        if (!required) return null;
        const position = { file: name, columnName: names[role] };
        throw new PipelineError(
          "COBUY_PIPELINE_PARQUET_MISSING_COLUMN",
          `${name}: the Parquet schema has no column ${JSON.stringify(names[role])} (the ${role} id); its columns are ${top.map((el) => JSON.stringify(el.name)).join(", ")}. ` +
            `Rename the column or pass its name with --${role}-col (columns.${role} in the API)`,
          { position },
        );
      }
      const el = top[i]!;
      return { role, name: el.name, index: i + 1, kind: valueKind(el, name, role) };
    };
    this.order = find("order", true)!;
    this.product = find("product", true)!;
    this.category = find("category", options.requireCategory === true);
    if (this.order.name === this.product.name) {
      throw new PipelineError(
        "COBUY_PIPELINE_OPTION",
        `columns.order and columns.product both name the column ${JSON.stringify(this.order.name)}`,
      );
    }
  }

  async read(file: FileBuffer): Promise<SalesIndex> {
    const cols = [this.order, this.product, ...(this.category ? [this.category] : [])];
    let scan: ParquetScan;
    try {
      scan = await parquetScan({
        file,
        metadata: this.metadata,
        columns: cols.map((c) => c.name),
        compressors,
        // Keep UTF-8 bytes as bytes: ids are interned by their bytes and never become strings here.
        parsers: { stringFromBytes: (b: Uint8Array) => b },
      });
    } catch (e) {
      if (isPipelineError(e)) throw e;
      throw invalid(this.name, `cannot plan the read (${message(e)})`, e);
    }
    let groupStart = 0;
    const groups = this.metadata.row_groups;
    for (let g = 0; g < groups.length; g++) {
      const n = Number(groups[g]!.num_rows);
      if (n === 0) continue;
      const range = { rowStart: groupStart, rowEnd: groupStart + n };
      // One row group of the needed columns in memory at a time.
      const values = await Promise.all(
        cols.map(async (c) => {
          try {
            return await scan.readColumn({ column: c.name, ...range });
          } catch (e) {
            if (isPipelineError(e)) throw e;
            throw invalid(this.name, `cannot decode the column (${message(e)})`, e, {
              rowGroup: g,
              columnName: c.name,
            });
          }
        }),
      );
      this.addGroup(g, groupStart, n, values[0]!, values[1]!, values[2] ?? null);
      groupStart += n;
      this.options.onProgress?.(file.bytesRead, this.acc.rows);
    }
    const acc = this.acc;
    if (acc.rows === 0) {
      const first = acc.badExamples[0];
      const why =
        acc.badCount > 0
          ? `all ${acc.badCount} rows were bad and skipped (first: row ${first?.line}: ${first?.reason})`
          : "the file has no rows";
      throw new PipelineError(
        "COBUY_PIPELINE_PARQUET_EMPTY",
        `${this.name}: no sales rows: ${why}; add one row per order line`,
        {
          position: { file: this.name },
        },
      );
    }
    this.options.onProgress?.(file.bytesRead, acc.rows);
    return acc.finish({
      source: this.name,
      bytesRead: file.bytesRead,
      gzip: false,
      hasCategory: this.category !== null,
      keepOrderIds: this.options.keepOrderIds === true,
    });
  }

  // O(rows of the group × id bytes)
  private addGroup(
    g: number,
    groupStart: number,
    n: number,
    orders: DecodedArray,
    products: DecodedArray,
    categories: DecodedArray | null,
  ): void {
    if (orders.length !== n || products.length !== n || (categories && categories.length !== n)) {
      throw invalid(
        this.name,
        `the row group says ${n} rows but its columns hold a different count`,
        undefined,
        {
          rowGroup: g,
        },
      );
    }
    const acc = this.acc;
    for (let i = 0; i < n; i++) {
      const row = groupStart + i + 1;
      const ob = this.bytes(orders[i], 0, this.order, g, row);
      if (ob === null) continue;
      const os = this.start;
      const oe = this.end;
      const pb = this.bytes(products[i], 1, this.product, g, row);
      if (pb === null) continue;
      const ps = this.start;
      const pe = this.end;
      if (!this.acceptableId(pb, ps, pe, this.product, g, row)) continue;
      let c = -1;
      if (categories !== null) {
        const v = categories[i];
        if (v === null || v === undefined) acc.rowsWithoutCategory++;
        else {
          const cb = this.valueBytes(v, 2, this.category!, g, row);
          if (!this.acceptableId(cb, this.start, this.end, this.category!, g, row)) continue;
          c = acc.category(cb, this.start, this.end);
        }
      }
      acc.add(ob, os, oe, pb, ps, pe, c);
    }
  }

  /** The id's bytes in `[this.start, this.end)`, or null when the row is bad (and skipped). */
  private bytes(v: unknown, slot: 0 | 1, col: Column, g: number, row: number): Uint8Array | null {
    if (v === null || v === undefined) {
      this.bad("COBUY_PIPELINE_PARQUET_NULL_ID", `column ${JSON.stringify(col.name)} is null`, col, g, row);
      return null;
    }
    const b = this.valueBytes(v, slot, col, g, row);
    if (isBlank(b, this.start, this.end)) {
      this.bad("COBUY_PIPELINE_PARQUET_NULL_ID", `column ${JSON.stringify(col.name)} is empty`, col, g, row);
      return null;
    }
    return b;
  }

  /** False (after reporting the row) when the value cannot be an id: a control character or too long — the CSV rule. */
  // O(value bytes)
  private acceptableId(
    b: Uint8Array,
    start: number,
    end: number,
    col: Column,
    g: number,
    row: number,
  ): boolean {
    const problem = idProblem(b, start, end);
    if (problem === undefined) return true;
    const reason = `column ${JSON.stringify(col.name)} ${problem.reason} (at byte ${problem.at - start} of the value)`;
    this.bad("COBUY_PIPELINE_PARQUET_BAD_ID", reason, col, g, row);
    return false;
  }

  private valueBytes(v: unknown, slot: 0 | 1 | 2, col: Column, g: number, row: number): Uint8Array {
    if (v instanceof Uint8Array) {
      this.start = 0;
      this.end = v.length;
      for (let j = 0; j < v.length; j++) {
        if (v[j]! >= 0x80) {
          const bad = firstInvalidUtf8(v, 0, v.length);
          if (bad >= 0) {
            throw invalid(
              this.name,
              `byte 0x${v[bad]!.toString(16).toUpperCase().padStart(2, "0")} at offset ${bad} of the value is not valid UTF-8; write the column as UTF-8 strings`,
              undefined,
              { rowGroup: g, row, columnName: col.name },
            );
          }
          break;
        }
      }
      return v;
    }
    if (typeof v === "number" || typeof v === "bigint") {
      const s = String(v);
      const out = this.scratch[slot];
      for (let j = 0; j < s.length; j++) out[j] = s.charCodeAt(j);
      this.start = 0;
      this.end = s.length;
      return out;
    }
    if (typeof v === "string") {
      const b = Buffer.from(v, "utf8");
      this.start = 0;
      this.end = b.length;
      return b;
    }
    throw new PipelineError(
      "COBUY_PIPELINE_PARQUET_COLUMN_TYPE",
      `${where({ file: this.name, rowGroup: g, row, columnName: col.name })}: a value of type ${typeof v} cannot be an id`,
      { position: { file: this.name, rowGroup: g, row, columnName: col.name } },
    );
  }

  private bad(code: PipelineErrorCode, reason: string, col: Column, g: number, row: number): void {
    if (!this.skipBad) {
      const position = { file: this.name, rowGroup: g, row, columnName: col.name };
      throw new PipelineError(code, `${where(position)}: ${reason} (${SKIP_HINT})`, { position });
    }
    this.acc.skipped({ line: row, column: col.index, rowGroup: g, columnName: col.name, code, reason });
  }
}

/** Whether a column can hold ids (strings or integers), else a typed error naming it. */
export function valueKind(el: SchemaElement, file: string, role: string): ValueKind {
  const ctype = el.converted_type;
  const ltype = el.logical_type?.type;
  let kind: ValueKind | null = null;
  if (el.num_children !== undefined && el.num_children > 0) kind = null;
  else if (el.repetition_type === "REPEATED") kind = null;
  else if (el.type === "BYTE_ARRAY") {
    const ok =
      (ctype === undefined || ctype === "UTF8" || ctype === "ENUM") &&
      (ltype === undefined || ltype === "STRING" || ltype === "ENUM");
    kind = ok ? "bytes" : null;
  } else if (el.type === "INT32" || el.type === "INT64") {
    const ok =
      (ctype === undefined || INT_CONVERTED.has(ctype)) && (ltype === undefined || ltype === "INTEGER");
    kind = ok ? "int" : null;
  }
  if (kind !== null) return kind;
  const shown =
    el.num_children !== undefined && el.num_children > 0
      ? `a nested group (${ltype ?? ctype ?? "struct"})`
      : el.repetition_type === "REPEATED"
        ? `a repeated ${el.type ?? "group"}`
        : [el.type, ltype ?? ctype].filter((x) => x !== undefined).join(" ");
  const position = { file, columnName: el.name };
  throw new PipelineError(
    "COBUY_PIPELINE_PARQUET_COLUMN_TYPE",
    `${where(position)}: the ${role} column is ${shown}; ids and categories must be strings (BYTE_ARRAY, UTF-8) or integers (INT32/INT64) — cast the column when writing the file`,
    { position },
  );
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
