/**
 * The input family: `--input FILE|s3://…` (build, pipeline, evaluate, sweep) and
 * `--input-sql URL --table [SCHEMA.]NAME` (build, pipeline), declared once, with their parsing.
 * Opening an input is a step (steps/sales-input.ts, steps/sql-build.ts).
 */
import { SQL_MEASURES } from "@cobuy/pipeline";
import type { OptionSpecs } from "../command.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import type { BuildParams } from "./build.js";
import { postgresUrl } from "./values.js";

/**
 * Embedded DuckDB's memory cap unless `--db-memory` sets one. Its own default is 80 % of the
 * machine, and the process holds it: bench duckdb-llr-L peaked at 2230 MB with a cap of 19GB and
 * 1307 MB under this one, in the same time (16.76 s and 16.95 s medians).
 */
export const DUCKDB_MEMORY_DEFAULT = "1GB";

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
      "build in the database that holds the order lines: postgres://USER@HOST:5432/DB (password from " +
      "PGPASSWORD or ~/.pgpass rather than the URL) or duckdb:///path/file.duckdb; needs --table. " +
      "cosine, jaccard, lift, llr and expected run whole in the database (only products × k rows come back); " +
      "the classic measure counts there and scores here",
  },
  table: {
    type: "string",
    valueName: "[SCHEMA.]NAME",
    description: "with --input-sql: the table (or view) holding one row per order line",
  },
  engine: {
    type: "string",
    valueName: "local|duckdb",
    description:
      "with --input FILE: local (default) reads it here; duckdb builds in embedded DuckDB, which reads the .csv or .parquet itself",
  },
  "explain-sql": {
    type: "boolean",
    description: "with --input-sql or --engine duckdb: print the SQL the build would run, and stop",
  },
  "db-memory": {
    type: "string",
    valueName: "SIZE",
    description:
      `with DuckDB: the memory it may hold before it spills to a temporary folder, e.g. 512MB or 4GB (default ${DUCKDB_MEMORY_DEFAULT}; ` +
      "a build that needs more than the default reruns once without the cap, one given here is kept)",
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

/** The engines a build can run in besides the local one. */
export type SqlEngine = "postgres" | "duckdb";

/** What a build from a database serves: the classic cosine (counting there) and every SQL measure. */
const IN_DATABASE: readonly string[] = ["cooccurrence-cosine", ...SQL_MEASURES];

/** A parsed `--input-sql` / `--table` pair, or `--engine duckdb --input FILE`. */
export interface SqlInput {
  readonly engine: SqlEngine;
  /** postgres: the connection string as given (may hold a password: never print or record it); duckdb: the database file ("" for an in-memory one over `file`). */
  readonly url: string;
  /** `postgres://user@host:port/db table schema.name`: no password, no query parameters. */
  readonly label: string;
  readonly table: string;
  readonly schema?: string;
  /** `--engine duckdb --input FILE`: the .csv/.parquet file DuckDB reads as the table. */
  readonly file?: string;
  /** `--explain-sql`: print the statements instead of running them. */
  readonly explain?: boolean;
  /** DuckDB: `--db-memory` as given (a DuckDB size); unset, {@link DUCKDB_MEMORY_DEFAULT} with one uncapped rerun. */
  readonly memoryLimit?: string;
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
  v: {
    input?: string;
    "s3-endpoint"?: string;
    "input-sql"?: string;
    table?: string;
    evaluate?: boolean;
    engine?: string;
    "explain-sql"?: boolean;
    "db-memory"?: string;
  },
  params: Pick<BuildParams, "similarity">,
): BuildInput | undefined {
  const input = parseInputFlags(v, params);
  const memory = v["db-memory"];
  if (memory === undefined) return input;
  if (input?.kind !== "sql" || input.sql.engine !== "duckdb") {
    throw new UsageError(
      "--db-memory goes with DuckDB: --engine duckdb --input FILE or --input-sql duckdb:///path",
    );
  }
  return { kind: "sql", sql: { ...input.sql, memoryLimit: duckdbSize(memory) } };
}

/** A DuckDB memory size as DuckDB spells it (`512MB`, `4GB`, `1.5GiB`), checked here so a typo is a usage error. */
function duckdbSize(value: string): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(value);
  if (!m || Number(m[1]) <= 0) {
    throw new UsageError(`--db-memory must be a size such as 512MB or 4GB (got "${value}")`);
  }
  return `${m[1]}${m[2]}`;
}

function parseInputFlags(
  v: Parameters<typeof parseBuildInput>[0],
  params: Pick<BuildParams, "similarity">,
): BuildInput | undefined {
  const engine = v.engine ?? "local";
  if (engine !== "local" && engine !== "duckdb") {
    throw new UsageError(`--engine must be local or duckdb (got "${engine}")`);
  }
  if (engine === "duckdb") {
    if (v.input === undefined || v.input === "" || v["input-sql"] !== undefined) {
      throw new UsageError(
        "--engine duckdb goes with --input FILE (.csv or .parquet); for a .duckdb file use --input-sql duckdb:///path --table NAME",
      );
    }
    if (isS3Input(v.input)) throw new UsageError("--engine duckdb reads local files only");
    checkInDatabase(params, v.evaluate, "--engine duckdb");
    return {
      kind: "sql",
      sql: {
        engine: "duckdb",
        url: "",
        label: `duckdb ${v.input}`,
        table: "sales",
        file: v.input,
        ...(v["explain-sql"] === true && { explain: true }),
      },
    };
  }
  const sql = parseSqlInput(v, params);
  if (sql) return { kind: "sql", sql: v["explain-sql"] === true ? { ...sql, explain: true } : sql };
  if (v["explain-sql"] === true)
    throw new UsageError("--explain-sql goes with --input-sql URL or --engine duckdb");
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
  const parts = v.table.split(".");
  if (parts.length > 2) throw new UsageError(`--table must be NAME or SCHEMA.NAME (got "${v.table}")`);
  const [schema, table] = parts.length === 2 ? [parts[0], parts[1]!] : [undefined, parts[0]!];
  checkInDatabase(params, v.evaluate, "--input-sql");
  if (/^duckdb:/i.test(url)) {
    const path = url.replace(/^duckdb:(\/\/)?/i, "");
    if (path === "") throw new UsageError("--input-sql duckdb:///path/file.duckdb needs the database file");
    return {
      engine: "duckdb",
      url: path,
      label: `duckdb ${path} table ${v.table}`,
      table,
      ...(schema !== undefined ? { schema } : {}),
    };
  }
  const parsed = postgresUrl(
    url,
    "--input-sql",
    "postgres://user@host:5432/db or duckdb:///path/file.duckdb",
  );
  parsed.password = "";
  parsed.search = "";
  parsed.hash = "";
  return {
    engine: "postgres",
    url,
    label: `${parsed.toString()} table ${v.table}`,
    table,
    ...(schema !== undefined ? { schema } : {}),
  };
}

/** The options an in-database build cannot serve: a measure outside the SQL ones, --evaluate. */
function checkInDatabase(
  params: Pick<BuildParams, "similarity">,
  evaluate: boolean | undefined,
  flag: string,
) {
  if (!IN_DATABASE.includes(params.similarity)) {
    throw new UsageError(
      `--similarity ${params.similarity} needs the order lines here; with ${flag} the build runs ` +
        `${IN_DATABASE.join(", ")} (their counting happens in the database)`,
    );
  }
  if (evaluate === true) {
    throw new UsageError(
      `--evaluate needs the order lines (it holds orders out); it is not available with ${flag}`,
    );
  }
}
