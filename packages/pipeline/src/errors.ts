/** Stable codes of {@link PipelineError}. */
export type PipelineErrorCode =
  /** The input file does not exist or cannot be read. */
  | "COBUY_INPUT_UNREADABLE"
  /** The input is empty: no header row, or a header and no data rows. */
  | "COBUY_CSV_EMPTY"
  /** The header row lacks a required column. */
  | "COBUY_CSV_MISSING_COLUMN"
  /** A row has an empty order, product or category id. */
  | "COBUY_CSV_EMPTY_FIELD"
  /** A row has more or fewer fields than the header. */
  | "COBUY_CSV_FIELD_COUNT"
  /** A quoted field is followed by something other than a comma or the end of the line. */
  | "COBUY_CSV_BAD_QUOTE"
  /** A quoted field is never closed. */
  | "COBUY_CSV_UNTERMINATED_QUOTE"
  /** The bytes are not valid UTF-8. */
  | "COBUY_CSV_NOT_UTF8"
  /** The input looks like (or is named as) gzip data but cannot be decompressed. */
  | "COBUY_GZIP"
  /** No order holds two different products: there is no co-purchase to learn from. */
  | "COBUY_NOTHING_TO_RECOMMEND"
  /** The data lacks something a stage needs (e.g. validation without a category column). */
  | "COBUY_MISSING_DATA"
  /** An option is out of range. */
  | "COBUY_PIPELINE_OPTION";

/** Where in the input an error sits (1-based line and column; byte offset from the start, 0-based). */
export interface InputPosition {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly byteOffset?: number;
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
 *   if ((e as { code?: string }).code === "COBUY_CSV_EMPTY_FIELD") console.error((e as Error).message);
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
  constructor(
    code: PipelineErrorCode,
    message: string,
    options?: { cause?: unknown; position?: InputPosition },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    const at = options?.position;
    if (at) {
      const self = this as { -readonly [K in "file" | "line" | "column" | "byteOffset"]?: PipelineError[K] };
      self.file = at.file;
      if (at.line !== undefined) self.line = at.line;
      if (at.column !== undefined) self.column = at.column;
      if (at.byteOffset !== undefined) self.byteOffset = at.byteOffset;
    }
  }
}

/** `file:line:column` prefix of an input error message. */
export function where(at: InputPosition): string {
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
