/**
 * `--k`, the list length, of every command that takes it (build, pipeline, evaluate, sweep,
 * db similar): one flag, one default and one range, those of @cobuy/contracts.
 */
import { DEFAULT_K, kProblem } from "@cobuy/contracts";
import type { OptionSpec } from "../command.js";
import { UsageError } from "../errors.js";
import { intOption } from "./values.js";

export const K_OPTION = {
  type: "string",
  valueName: "K",
  description: `recommendations kept per product (default ${DEFAULT_K})`,
} as const satisfies OptionSpec;

/**
 * `--k`: {@link DEFAULT_K} when absent, else an integer in the range `kProblem` checks.
 * @example
 * kOption("10"); // 10
 */
export function kOption(value: string | undefined): number {
  const k = intOption(value, "k", DEFAULT_K);
  const problem = kProblem(k);
  if (problem !== undefined) throw new UsageError(`--${problem}`);
  return k;
}
