import { readFile } from "node:fs/promises";
import { idProblem } from "@cobuy/contracts";
import { PipelineError, type PipelineErrorCode, where } from "../errors.js";
import { CsvTokenizer, INCOMPLETE, locate, UNTERMINATED } from "../ingest/csv-tokenizer.js";
import { unreadable } from "../ingest/open-input.js";
import { readCatalogParquet } from "../ingest/parquet.js";
import { PARQUET_MAGIC } from "../ingest/parquet-magic.js";
import { firstInvalidUtf8 } from "../ingest/utf8.js";
import { CatalogBuilder, ID_COLUMNS, type ShopCatalog } from "./catalog-builder.js";

export type { CatalogEntry, ShopCatalog } from "./catalog-builder.js";

/**
 * Reads a catalog CSV (`id` or `product_id`, `name`, then any extra columns), or a Parquet file
 * (a path ending in `.parquet`, or starting with the `PAR1` magic bytes: `readCatalogParquet`).
 * Bad input throws a {@link PipelineError} whose message starts `file:line:column:` (Parquet:
 * `file: row group G, row R, column "C":`).
 *
 * @example
 * ```ts
 * const catalog = await readCatalog("products.csv");
 * catalog.entries.get("1")?.name; // "Chocolate Sandwich Cookies"
 * ```
 */
export async function readCatalog(path: string): Promise<ShopCatalog> {
  if (/\.parquet$/i.test(path)) return readCatalogParquet(path);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw unreadable(path, e);
  }
  if (buf.subarray(0, 4).equals(PARQUET_MAGIC)) return readCatalogParquet(path);
  return parseCatalog(buf, path);
}

/** {@link readCatalog} over bytes already in memory; `file` names them in errors. */
// O(bytes)
export function parseCatalog(buf: Buffer, file: string): ShopCatalog {
  const tok = new CsvTokenizer();
  const fail = (code: PipelineErrorCode, reason: string, recordStart: number, at: number): never => {
    const { line, column } = locate(buf, recordStart, tok.recordLine, at);
    const position = { file, line, column, byteOffset: at };
    throw new PipelineError(code, `${where(position)}: ${reason}`, { position });
  };
  const next = (pos: number): number => {
    const end = tok.parseRecord(buf, pos, true);
    if (end === UNTERMINATED || end === INCOMPLETE) {
      fail("COBUY_PIPELINE_CSV_UNTERMINATED_QUOTE", "quoted field is never closed", pos, tok.openQuoteAt);
    }
    if (tok.badQuoteAt >= 0) {
      fail(
        "COBUY_PIPELINE_CSV_BAD_QUOTE",
        "a quoted field must be followed by a comma or a line end",
        pos,
        tok.badQuoteAt,
      );
    }
    if (tok.nonAscii) {
      const bad = firstInvalidUtf8(buf, pos, end);
      if (bad >= 0) fail("COBUY_PIPELINE_CSV_NOT_UTF8", "not valid UTF-8", pos, bad);
    }
    return end;
  };
  if (buf.length === 0) {
    throw new PipelineError("COBUY_PIPELINE_CSV_EMPTY", `${file}: the catalog is empty (no header row)`, {
      position: { file },
    });
  }
  let pos = next(0);
  const header = Array.from({ length: tok.count }, (_, f) => tok.fieldText(buf, f).trim());
  const idColumn = header.findIndex((h) => ID_COLUMNS.includes(h));
  const nameColumn = header.indexOf("name");
  for (const [column, label] of [
    [idColumn, "an id column (id or product_id)"],
    [nameColumn, "a name column"],
  ] as const) {
    if (column < 0) {
      fail(
        "COBUY_PIPELINE_CSV_MISSING_COLUMN",
        `the catalog header lacks ${label}; it has ${header.join(", ")}`,
        0,
        0,
      );
    }
  }
  const extraFields = header.flatMap((_, f) => (f !== idColumn && f !== nameColumn ? [f] : []));
  const builder = new CatalogBuilder(
    file,
    extraFields.map((f) => header[f]!),
  );
  while (pos < buf.length) {
    const start = pos;
    pos = next(pos);
    if (tok.count === 1 && tok.fieldE[0] === tok.fieldS[0]) continue; // blank line
    if (tok.count !== header.length) {
      fail(
        "COBUY_PIPELINE_CSV_FIELD_COUNT",
        `the row has ${tok.count} fields; the header has ${header.length}`,
        start,
        start,
      );
    }
    const idSource = tok.fieldScratch[idColumn] ? tok.scratch : buf;
    const idStart = tok.fieldS[idColumn]!;
    const idEnd = tok.fieldE[idColumn]!;
    if (idEnd === idStart)
      fail("COBUY_PIPELINE_CSV_EMPTY_FIELD", "the product id is empty", start, tok.fieldAt[idColumn]!);
    const problem = idProblem(idSource, idStart, idEnd);
    if (problem)
      fail("COBUY_PIPELINE_CSV_BAD_ID", `the product id ${problem.reason}`, start, tok.fieldAt[idColumn]!);
    const id = tok.fieldText(buf, idColumn);
    const extra: Record<string, string> = {};
    for (const f of extraFields) extra[header[f]!] = tok.fieldText(buf, f);
    const nul = builder.add(id, tok.fieldText(buf, nameColumn), extra);
    if (nul !== undefined) {
      const f = nul === 0 ? nameColumn : extraFields[nul - 1]!;
      fail(
        "COBUY_PIPELINE_CATALOG_BAD_VALUE",
        `column "${header[f]}" contains a NUL character, which a database cannot store`,
        start,
        tok.fieldAt[f]!,
      );
    }
  }
  return builder.finish();
}

/** Names for a run's products, and how the catalog matched them. */
export interface CatalogMatch {
  /** `names[p]` is product p's name: its catalog name, or its id when the catalog lacks it. */
  readonly names: readonly string[];
  /** Catalog ids that no sale mentions (counted, never fatal). */
  readonly unknownIds: number;
  /** Products of the sales without a catalog row. */
  readonly productsWithoutEntry: number;
}

/** Matches a catalog to a run's product ids. */
// O(products + catalog rows)
export function matchCatalog(productIds: readonly string[], catalog: ShopCatalog): CatalogMatch {
  let matched = 0;
  const names = productIds.map((id) => {
    const entry = catalog.entries.get(id);
    if (entry === undefined) return id;
    matched++;
    return entry.name;
  });
  return {
    names,
    unknownIds: catalog.entries.size - matched,
    productsWithoutEntry: productIds.length - matched,
  };
}
