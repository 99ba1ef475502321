/**
 * The input family: `--input FILE|s3://…` (build, pipeline, evaluate, sweep) and
 * `--input-sql URL --table [SCHEMA.]NAME` (build, pipeline), declared once, with their parsing.
 * Opening an input is a step (steps/sales-input.ts, steps/sql-build.ts).
 */
import type { OptionSpecs } from "../command.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import type { BuildParams } from "./build.js";
import { postgresUrl } from "./values.js";

export const INPUT_OPTIONS = {
  input: {
    type: "string",
    short: "i",
    valueName: "FILE|s3://…",
    description: "sales file (.csv, .csv.gz or .parquet), or an S3 object s3://bucket/key",
  },
} as const satisfies OptionSpecs;

export const SQL_INPUT_OPTIONS = {
  "input-sql": {
    type: "string",
    valueName: "URL",
    description:
      "read the order lines from PostgreSQL instead of a file and count the pairs there: postgres://USER@HOST:5432/DB " +
      "(password from PGPASSWORD or ~/.pgpass rather than the URL); needs --table; classic measure only",
  },
  table: {
    type: "string",
    valueName: "[SCHEMA.]NAME",
    description: "with --input-sql: the table (or view) holding one row per order line",
  },
} as const satisfies OptionSpecs;

/**
 * True for `s3://…` inputs.
 * @example
 * isS3Input("s3://bucket/sales.csv"); // true
 */
export function isS3Input(input: string): boolean {
  return /^s3:\/\//i.test(input.trim());
}

/**
 * The `--input` value to keep: an `s3://` URL as given, a local path made absolute.
 * @example
 * resolveInputArg(ctx, "sales.csv"); // "/home/me/sales.csv"
 */
export function resolveInputArg(ctx: Context, input: string): string {
  return isS3Input(input) ? input.trim() : ctx.resolvePath(input);
}

/** A parsed `--input-sql` / `--table` pair. */
export interface SqlInput {
  /** The connection string as given (may hold a password: never print or record it). */
  readonly url: string;
  /** `postgres://user@host:port/db table schema.name`: no password, no query parameters. */
  readonly label: string;
  readonly table: string;
  readonly schema?: string;
}

/** What a build reads: order lines from a file or object, or pair counts from a database table. */
export type BuildInput =
  | { readonly kind: "file"; readonly input: string; readonly s3Endpoint?: string }
  | { readonly kind: "sql"; readonly sql: SqlInput };

/**
 * `--input` (with `--s3-endpoint`) or `--input-sql`/`--table`; undefined when neither is given.
 * @example
 * parseBuildInput({ input: "sales.csv" }, params); // { kind: "file", input: "sales.csv" }
 */
export function parseBuildInput(
  v: { input?: string; "s3-endpoint"?: string; "input-sql"?: string; table?: string; evaluate?: boolean },
  params: Pick<BuildParams, "similarity">,
): BuildInput | undefined {
  const sql = parseSqlInput(v, params);
  if (sql) return { kind: "sql", sql };
  if (v.input === undefined || v.input === "") return undefined;
  return { kind: "file", input: v.input, ...(v["s3-endpoint"] ? { s3Endpoint: v["s3-endpoint"] } : {}) };
}

/** The input as messages, the summary and `params.input` name it (a database table without its password). */
export function buildInputLabel(input: BuildInput): string {
  return input.kind === "sql" ? input.sql.label : input.input;
}

/**
 * `--input-sql` and `--table` (undefined without `--input-sql`); usage errors for a missing or
 * extra flag, a URL that is not postgres://, and the options that need the order lines.
 * @example
 * parseSqlInput({ "input-sql": "postgres://me@db/shop", table: "sales" }, params)?.label;
 * // "postgres://me@db/shop table sales"
 */
export function parseSqlInput(
  v: { "input-sql"?: string; table?: string; input?: string; evaluate?: boolean },
  params: Pick<BuildParams, "similarity">,
): SqlInput | undefined {
  const url = v["input-sql"];
  if (url === undefined) {
    if (v.table !== undefined) throw new UsageError("--table goes with --input-sql URL");
    return undefined;
  }
  if (v.input !== undefined) throw new UsageError("give either --input FILE or --input-sql URL, not both");
  if (v.table === undefined || v.table === "") {
    throw new UsageError("--input-sql needs --table [SCHEMA.]NAME: the table holding the order lines");
  }
  const parsed = postgresUrl(url, "--input-sql", "postgres://user@host:5432/db");
  const parts = v.table.split(".");
  if (parts.length > 2) throw new UsageError(`--table must be NAME or SCHEMA.NAME (got "${v.table}")`);
  const [schema, table] = parts.length === 2 ? [parts[0], parts[1]!] : [undefined, parts[0]!];
  if (params.similarity !== "cooccurrence-cosine") {
    throw new UsageError(
      `--similarity ${params.similarity} needs the order lines; with --input-sql only the classic ` +
        "cooccurrence-cosine runs (its counting happens in the database)",
    );
  }
  if (v.evaluate === true) {
    throw new UsageError(
      "--evaluate needs the order lines (it holds orders out); it is not available with --input-sql",
    );
  }
  parsed.password = "";
  parsed.search = "";
  parsed.hash = "";
  return {
    url,
    label: `${parsed.toString()} table ${v.table}`,
    table,
    ...(schema !== undefined ? { schema } : {}),
  };
}
