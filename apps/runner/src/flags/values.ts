/**
 * The one reader of option values (parseArgs gives strings) and of numeric environment variables.
 * Each throws a {@link UsageError} (exit 2) naming the flag and what is expected.
 */
import { UsageError } from "../errors.js";

/** A required string option. */
export function requireString(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") return missingOption(flag);
  return value;
}

/** The usage error of a required option that is absent. */
export function missingOption(flag: string): never {
  throw new UsageError(`missing required option --${flag}`);
}

export interface NumberBounds {
  min?: number;
  max?: number;
}

/** An integer option (`undefined` when absent and no default). */
export function intOption(
  value: string | undefined,
  flag: string,
  def: number,
  bounds?: NumberBounds,
): number;
export function intOption(
  value: string | undefined,
  flag: string,
  def?: undefined,
  bounds?: NumberBounds,
): number | undefined;
export function intOption(
  value: string | undefined,
  flag: string,
  def?: number,
  bounds?: NumberBounds,
): number | undefined {
  return parseNumber(value, `--${flag}`, def, bounds, INTEGER);
}

/** A number option (`undefined` when absent and no default). */
export function numberOption(
  value: string | undefined,
  flag: string,
  def: number,
  bounds?: NumberBounds,
): number;
export function numberOption(
  value: string | undefined,
  flag: string,
  def?: undefined,
  bounds?: NumberBounds,
): number | undefined;
export function numberOption(
  value: string | undefined,
  flag: string,
  def?: number,
  bounds?: NumberBounds,
): number | undefined {
  return parseNumber(value, `--${flag}`, def, bounds, NUMBER);
}

/**
 * An integer environment variable, e.g. `PGPORT` (unset or empty: `undefined`).
 * @example
 * intEnv(ctx.env.PGPORT, "PGPORT", { min: 1 }); // 5432 or undefined
 */
export function intEnv(value: string | undefined, name: string, bounds?: NumberBounds): number | undefined {
  return parseNumber(value === "" ? undefined : value, name, undefined, bounds, INTEGER);
}

/**
 * A comma-separated list of numbers (`undefined` when absent).
 * @example
 * numberList("1,2,5", "supports"); // [1, 2, 5]
 */
export function numberList(value: string | undefined, flag: string): number[] | undefined {
  if (value === undefined) return undefined;
  const out = value.split(",").map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isFinite(n))) {
    throw new UsageError(`--${flag} takes comma-separated numbers, e.g. 1,2,5 (got "${value}")`);
  }
  return out;
}

/**
 * A `postgres://` (or `postgresql://`) connection string, e.g. `--input-sql` or `DATABASE_URL`.
 * `name` is what messages call it, `example` what it should look like.
 * @example
 * postgresUrl("postgres://me@db/shop", "--input-sql", "postgres://user@host:5432/db").host; // "db"
 */
export function postgresUrl(value: string, name: string, example: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${name} is not a URL (expected ${example})`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new UsageError(`${name} must start with postgres:// (got ${parsed.protocol}//…)`);
  }
  return parsed;
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(
  value: string | undefined,
  flag: string,
  choices: readonly T[],
  def: T,
): T {
  return value === undefined ? def : parseChoice(value, `--${flag}`, choices);
}

/**
 * One of a fixed set of words where empty means unset (a flag that may also come from the
 * environment, e.g. `--log-level` / `COBUY_LOG_LEVEL`); `name` is what messages call it.
 * @example
 * choiceSetting(env.COBUY_LOG_LEVEL, "--log-level", ["debug", "info"]); // "info" or undefined
 */
export function choiceSetting<T extends string>(
  value: string | undefined,
  name: string,
  choices: readonly T[],
): T | undefined {
  return value === undefined || value === "" ? undefined : parseChoice(value, name, choices);
}

function parseChoice<T extends string>(value: string, name: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${name} must be one of ${choices.join(", ")} (got "${value}")`);
}

interface NumberKind {
  accept: (n: number) => boolean;
  expected: string;
}
const INTEGER: NumberKind = { accept: Number.isInteger, expected: "an integer" };
const NUMBER: NumberKind = { accept: Number.isFinite, expected: "a number" };

// `def` when absent; else a number of `kind`, within bounds. `name` is what messages call it.
function parseNumber(
  value: string | undefined,
  name: string,
  def: number | undefined,
  bounds: NumberBounds | undefined,
  kind: NumberKind,
): number | undefined {
  if (value === undefined) return def;
  const n = Number(value);
  if (value.trim() === "" || !kind.accept(n))
    throw new UsageError(`${name} must be ${kind.expected} (got "${value}")`);
  if (bounds?.min !== undefined && n < bounds.min)
    throw new UsageError(`${name} must be at least ${bounds.min} (got ${n})`);
  if (bounds?.max !== undefined && n > bounds.max)
    throw new UsageError(`${name} must be at most ${bounds.max} (got ${n})`);
  return n;
}
