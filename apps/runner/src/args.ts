/**
 * Typed readers for option values (parseArgs gives strings). Each throws a {@link UsageError}
 * (exit 2) naming the flag and what is expected.
 */
import { UsageError } from "./errors.js";

/** A required string option. */
export function requireString(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing required option --${flag}`);
  return value;
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
  return parseNumber(value, flag, def, bounds, Number.isInteger, "an integer");
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
  return parseNumber(value, flag, def, bounds, Number.isFinite, "a number");
}

// intOption / numberOption: `def` when absent; else a number that passes `accept`, within bounds.
function parseNumber(
  value: string | undefined,
  flag: string,
  def: number | undefined,
  bounds: NumberBounds | undefined,
  accept: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (value === undefined) return def;
  const n = Number(value);
  if (value.trim() === "" || !accept(n))
    throw new UsageError(`--${flag} must be ${expected} (got "${value}")`);
  return checkBounds(n, flag, bounds);
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(
  value: string | undefined,
  flag: string,
  choices: readonly T[],
  def: T,
): T {
  if (value === undefined) return def;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${choices.join(", ")} (got "${value}")`);
}

function checkBounds(n: number, flag: string, b?: NumberBounds): number {
  if (b?.min !== undefined && n < b.min)
    throw new UsageError(`--${flag} must be at least ${b.min} (got ${n})`);
  if (b?.max !== undefined && n > b.max)
    throw new UsageError(`--${flag} must be at most ${b.max} (got ${n})`);
  return n;
}
