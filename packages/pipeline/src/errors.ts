/** Stable codes of {@link PipelineError}. */
export type PipelineErrorCode =
  /** The input file does not exist or cannot be read. */
  | "COBUY_PIPELINE_INPUT_UNREADABLE"
  /** The input is empty: no header row, or a header and no data rows. */
  | "COBUY_PIPELINE_CSV_EMPTY"
  /** The header row lacks a required column. */
  | "COBUY_PIPELINE_CSV_MISSING_COLUMN"
  /** A row has an empty order, product or category id. */
  | "COBUY_PIPELINE_CSV_EMPTY_FIELD"
  /** A product id or category with a control character (NUL, tab…) or longer than contracts' MAX_ID_BYTES. */
  | "COBUY_PIPELINE_CSV_BAD_ID"
  /** A row has more or fewer fields than the header. */
  | "COBUY_PIPELINE_CSV_FIELD_COUNT"
  /** A quoted field is followed by something other than a comma or the end of the line. */
  | "COBUY_PIPELINE_CSV_BAD_QUOTE"
  /** A quoted field is never closed. */
  | "COBUY_PIPELINE_CSV_UNTERMINATED_QUOTE"
  /** The bytes are not valid UTF-8. */
  | "COBUY_PIPELINE_CSV_NOT_UTF8"
  /** The input looks like (or is named as) gzip data but cannot be decompressed. */
  | "COBUY_PIPELINE_GZIP"
  /** No order holds two different products: there is no co-purchase to learn from. */
  | "COBUY_PIPELINE_NOTHING_TO_RECOMMEND"
  /** The data lacks something a stage needs (e.g. validation without a category column). */
  | "COBUY_PIPELINE_MISSING_DATA"
  /** An option is out of range. */
  | "COBUY_PIPELINE_OPTION"
  /**
   * A table, schema or column name given for the SQL source is not a plain identifier. (The
   * identifier rule moves to `@cobuy/contracts`; this code goes with it.)
   */
  | "COBUY_PIPELINE_SQL_IDENTIFIER"
  /** The SQL source's table (or its schema) does not exist or cannot be read. */
  | "COBUY_PIPELINE_SQL_MISSING_TABLE"
  /** The SQL source's table lacks a required column. */
  | "COBUY_PIPELINE_SQL_MISSING_COLUMN"
  /** A query of the SQL source failed (the database's error is the cause). */
  | "COBUY_PIPELINE_SQL_QUERY"
  /** The table's rows cannot be used: none, NULL or blank ids, or counts that are not whole numbers. */
  | "COBUY_PIPELINE_SQL_DATA"
  /** Not a Parquet file, a truncated or corrupt one, or one this reader cannot decode (codec, encoding). */
  | "COBUY_PIPELINE_PARQUET_INVALID"
  /** The Parquet schema lacks a required column. */
  | "COBUY_PIPELINE_PARQUET_MISSING_COLUMN"
  /** A Parquet column has a type that cannot hold ids (e.g. DOUBLE, BOOLEAN, a date, a nested column). */
  | "COBUY_PIPELINE_PARQUET_COLUMN_TYPE"
  /** A Parquet row has a null or empty order or product id. */
  | "COBUY_PIPELINE_PARQUET_NULL_ID"
  /** A Parquet product id or category with a control character or over the length limit (as `CSV_BAD_ID`). */
  | "COBUY_PIPELINE_PARQUET_BAD_ID"
  /** A Parquet file with no rows, or whose rows were all skipped. */
  | "COBUY_PIPELINE_PARQUET_EMPTY"
  /** A catalog name or extra value a database cannot store (a NUL character). */
  | "COBUY_PIPELINE_CATALOG_BAD_VALUE";

/**
 * Where in the input an error sits. CSV: 1-based line and column, byte offset from the start
 * (0-based). Parquet: the row group (0-based), the row (1-based over the whole file) and the
 * column's name.
 */
export interface InputPosition {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly byteOffset?: number;
  readonly rowGroup?: number;
  readonly row?: number;
  readonly columnName?: string;
}

/**
 * Every error thrown by `@cobuy/pipeline`. Check `code` (or `name`), not `instanceof`: several
 * copies of the package may be loaded. Input errors carry `file`, `line`, `column` and `byteOffset`
 * when they are known, and the message names them too (`sales.csv:12:9: ...`).
 *
 * @example
 * ```ts
 * try { await readSales("sales.csv"); }
 * catch (e) {
 *   if ((e as { code?: string }).code === "COBUY_PIPELINE_CSV_EMPTY_FIELD") console.error((e as Error).message);
 * }
 * ```
 */
export class PipelineError extends Error {
  override readonly name = "PipelineError";
  readonly code: PipelineErrorCode;
  // `declare`: absent (not undefined) unless known.
  declare readonly file?: string;
  declare readonly line?: number;
  declare readonly column?: number;
  declare readonly byteOffset?: number;
  declare readonly rowGroup?: number;
  declare readonly row?: number;
  declare readonly columnName?: string;
  constructor(
    code: PipelineErrorCode,
    message: string,
    options?: { cause?: unknown; position?: InputPosition },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    const at = options?.position;
    if (at) {
      const self = this as {
        -readonly [K in keyof InputPosition]?: InputPosition[K];
      };
      self.file = at.file;
      if (at.line !== undefined) self.line = at.line;
      if (at.column !== undefined) self.column = at.column;
      if (at.byteOffset !== undefined) self.byteOffset = at.byteOffset;
      if (at.rowGroup !== undefined) self.rowGroup = at.rowGroup;
      if (at.row !== undefined) self.row = at.row;
      if (at.columnName !== undefined) self.columnName = at.columnName;
    }
  }
}

/**
 * `file:line:column` prefix of an input error message; for Parquet
 * `file: row group G, row R, column "name"`.
 */
export function where(at: InputPosition): string {
  if (at.rowGroup !== undefined || at.row !== undefined || at.columnName !== undefined) {
    const parts: string[] = [];
    if (at.rowGroup !== undefined) parts.push(`row group ${at.rowGroup}`);
    if (at.row !== undefined) parts.push(`row ${at.row}`);
    if (at.columnName !== undefined) parts.push(`column ${JSON.stringify(at.columnName)}`);
    return `${at.file}: ${parts.join(", ")}`;
  }
  let s = at.file;
  if (at.line !== undefined) s += `:${at.line}`;
  if (at.line !== undefined && at.column !== undefined) s += `:${at.column}`;
  return s;
}

/**
 * True when `e` is a {@link PipelineError} (by name and code, so it works across package copies).
 *
 * @example
 * ```ts
 * try { await readSales(path); } catch (e) { if (isPipelineError(e) && e.line) console.error(e.message); }
 * ```
 */
export function isPipelineError(e: unknown): e is PipelineError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "PipelineError" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}
