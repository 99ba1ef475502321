/**
 * Parquet catalogs: the same {@link ShopCatalog} as the CSV reader, read with the Parquet ingest's
 * file handling (magic bytes, footer) and its errors at file, row group, row and column.
 */
import { idProblem } from "@cobuy/contracts";
import {
  type DecodedArray,
  type FileMetaData,
  parquetScan,
  parquetSchema,
  type SchemaElement,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { isPipelineError, PipelineError, type PipelineErrorCode, where } from "../errors.js";
import {
  type FileBuffer,
  invalid,
  message,
  valueKind,
  withParquetFile,
} from "../ingest/read-sales-parquet.js";
import { firstInvalidUtf8 } from "../ingest/utf8.js";
import { CatalogBuilder, ID_COLUMNS, type ShopCatalog } from "./catalog-builder.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

interface CatalogColumn {
  readonly name: string;
  /** 1-based position among the schema's top-level columns. */
  readonly index: number;
  readonly element: SchemaElement;
}

/** The Parquet reader behind `readCatalogParquet` of ingest/parquet.ts (loaded on first use). */
export async function readCatalogParquet(path: string, name = path): Promise<ShopCatalog> {
  return withParquetFile(path, name, (file, metadata) => readColumns(file, metadata, name));
}

async function readColumns(file: FileBuffer, metadata: FileMetaData, source: string): Promise<ShopCatalog> {
  const top = parquetSchema(metadata).children.map((c, i) => ({
    name: c.element.name,
    index: i + 1,
    element: c.element,
  }));
  const find = (wanted: readonly string[], label: string): CatalogColumn => {
    const column = top.find((c) => wanted.includes(c.name.trim()));
    if (column !== undefined) return column;
    throw new PipelineError(
      "COBUY_PIPELINE_PARQUET_MISSING_COLUMN",
      `${source}: the catalog has no ${label} column; its columns are ${top.map((c) => JSON.stringify(c.name)).join(", ")}`,
      { position: { file: source, columnName: wanted[0]! } },
    );
  };
  const id = find(ID_COLUMNS, "id (id or product_id)");
  const nameColumn = find(["name"], "name");
  valueKind(id.element, source, "id");
  const nameElement = nameColumn.element;
  if (
    nameElement.type !== "BYTE_ARRAY" ||
    (nameElement.num_children ?? 0) > 0 ||
    nameElement.repetition_type === "REPEATED"
  )
    columnType(source, nameColumn, "strings (BYTE_ARRAY, UTF-8)");
  const extras = top.filter((c) => c !== id && c !== nameColumn);
  for (const c of extras) {
    if ((c.element.num_children ?? 0) > 0 || c.element.repetition_type === "REPEATED")
      columnType(source, c, "a plain (not nested or repeated) column");
  }
  const columns = [id, nameColumn, ...extras];
  const scan = await parquetScan({
    file,
    metadata,
    columns: columns.map((c) => c.name),
    compressors,
    // Strings stay bytes: they are checked as UTF-8 here, with the row that holds them.
    parsers: { stringFromBytes: (b: Uint8Array) => b },
  }).catch((e: unknown) => {
    throw isPipelineError(e) ? e : invalid(source, `cannot plan the read (${message(e)})`, e);
  });
  const builder = new CatalogBuilder(
    source,
    extras.map((c) => c.name),
  );
  let groupStart = 0;
  for (let g = 0; g < metadata.row_groups.length; g++) {
    const n = Number(metadata.row_groups[g]!.num_rows);
    if (n === 0) continue;
    const range = { rowStart: groupStart, rowEnd: groupStart + n };
    const values: DecodedArray[] = [];
    for (const c of columns) {
      values.push(
        await scan.readColumn({ column: c.name, ...range }).catch((e: unknown) => {
          throw isPipelineError(e)
            ? e
            : invalid(source, `cannot decode the column (${message(e)})`, e, {
                rowGroup: g,
                columnName: c.name,
              });
        }),
      );
    }
    // O(rows of the group × columns)
    for (let i = 0; i < n; i++) {
      const at = (c: CatalogColumn) => ({ rowGroup: g, row: groupStart + i + 1, columnName: c.name });
      const fail = (code: PipelineErrorCode, c: CatalogColumn, reason: string): never => {
        const position = { file: source, ...at(c) };
        throw new PipelineError(code, `${where(position)}: ${reason}`, { position });
      };
      const text = (c: CatalogColumn, v: unknown): string | null => {
        if (v === null || v === undefined) return null;
        if (v instanceof Uint8Array) {
          const bad = firstInvalidUtf8(v, 0, v.length);
          if (bad >= 0)
            throw invalid(source, `byte ${bad} of the value is not valid UTF-8`, undefined, at(c));
          return utf8.decode(v);
        }
        if (v instanceof Date) return v.toISOString();
        if (typeof v === "object")
          return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? String(x) : x));
        return String(v);
      };
      const rawId = values[0]![i];
      const idText = text(id, rawId);
      if (idText === null || idText.trim() === "")
        fail(
          "COBUY_PIPELINE_PARQUET_NULL_ID",
          id,
          `column "${id.name}" is ${idText === null ? "null" : "empty"}`,
        );
      const idBytes = Buffer.from(idText!, "utf8");
      const problem = idProblem(idBytes, 0, idBytes.length);
      if (problem) fail("COBUY_PIPELINE_PARQUET_BAD_ID", id, `the product id ${problem.reason}`);
      const extra: Record<string, string> = {};
      extras.forEach((c, e) => {
        extra[c.name] = text(c, values[2 + e]![i]) ?? "";
      });
      const nul = builder.add(idText!, text(nameColumn, values[1]![i]) ?? "", extra);
      if (nul !== undefined) {
        const c = nul === 0 ? nameColumn : extras[nul - 1]!;
        fail(
          "COBUY_PIPELINE_CATALOG_BAD_VALUE",
          c,
          `column "${c.name}" contains a NUL character, which a database cannot store`,
        );
      }
    }
    groupStart += n;
  }
  return builder.finish();
}

function columnType(file: string, c: CatalogColumn, wanted: string): never {
  const position = { file, columnName: c.name };
  throw new PipelineError(
    "COBUY_PIPELINE_PARQUET_COLUMN_TYPE",
    `${where(position)}: the catalog's ${JSON.stringify(c.name)} column must be ${wanted}; cast it when writing the file`,
    { position },
  );
}
