/**
 * The activation guard's flags (`pipeline`, `publish`, `load`): the limits a new run must meet
 * against the one it would replace, and `--force`. Defaults: @cobuy/pipeline/diff's
 * DEFAULT_GUARD_LIMITS (docs/guard.md says where they come from).
 */
import { DEFAULT_GUARD_LIMITS, type GuardLimits } from "@cobuy/pipeline/diff";
import type { OptionSpecs, OptionValues } from "../command.js";
import { numberOption } from "./values.js";

export const GUARD_OPTIONS = {
  "max-churn": {
    type: "string",
    valueName: "SHARE",
    description: `refuse the run when more than this share of the products' top-1 changed (default ${DEFAULT_GUARD_LIMITS.maxChurn})`,
  },
  "min-overlap": {
    type: "string",
    valueName: "SHARE",
    description: `refuse the run when the lists' mean overlap@k is below this (default ${DEFAULT_GUARD_LIMITS.minOverlap})`,
  },
  "min-products-ratio": {
    type: "string",
    valueName: "RATIO",
    description: `refuse the run when it has fewer than this times the products of the run it replaces (default ${DEFAULT_GUARD_LIMITS.minProductsRatio})`,
  },
  "min-orders-ratio": {
    type: "string",
    valueName: "RATIO",
    description: `refuse the run when it was built from fewer than this times the orders of the run it replaces (default ${DEFAULT_GUARD_LIMITS.minOrdersRatio})`,
  },
  force: {
    type: "boolean",
    description: "activate the run even when the guard refuses it (the comparison is still reported)",
  },
} as const satisfies OptionSpecs;

/** What the guard flags ask for. */
export interface GuardFlags {
  readonly limits: GuardLimits;
  readonly force: boolean;
}

/**
 * @example
 * parseGuardFlags({ "max-churn": "0.5" }); // { limits: { ...DEFAULT_GUARD_LIMITS, maxChurn: 0.5 }, force: false }
 */
export function parseGuardFlags(v: OptionValues<typeof GUARD_OPTIONS>): GuardFlags {
  const d = DEFAULT_GUARD_LIMITS;
  return {
    limits: {
      maxChurn: numberOption(v["max-churn"], "max-churn", d.maxChurn, { min: 0, max: 1 }),
      minOverlap: numberOption(v["min-overlap"], "min-overlap", d.minOverlap, { min: 0, max: 1 }),
      minProductsRatio: numberOption(v["min-products-ratio"], "min-products-ratio", d.minProductsRatio, {
        min: 0,
      }),
      minOrdersRatio: numberOption(v["min-orders-ratio"], "min-orders-ratio", d.minOrdersRatio, { min: 0 }),
    },
    force: v.force === true,
  };
}
