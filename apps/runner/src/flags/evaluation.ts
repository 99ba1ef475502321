/**
 * The evaluation family, shared by `evaluate` and `sweep`: the input, the results folder, the split
 * of the orders into training and held-out ones, and the build flags that steer the scoring
 * (SCORING_OPTIONS of flags/build.ts).
 */
import type { OptionSpecs, OptionValues } from "../command.js";
import type { Context } from "../context.js";
import { parseScoringParams, SCORING_OPTIONS, type ScoringParams } from "./build.js";
import { INPUT_OPTIONS, resolveInputArg } from "./input.js";
import { INPUT_S3_OPTIONS } from "./store.js";
import { intOption, numberOption, requireString } from "./values.js";

export const EVAL_OPTIONS = {
  ...INPUT_OPTIONS,
  ...INPUT_S3_OPTIONS,
  out: {
    type: "string",
    short: "o",
    valueName: "DIR",
    description: "folder for the results (created if missing)",
  },
  holdout: {
    type: "string",
    valueName: "F",
    description: "share of orders held out for testing (default 0.2)",
  },
  seed: { type: "string", valueName: "S", description: "seed of the holdout split (default 1)" },
  "split-by-time": {
    type: "string",
    valueName: "COLUMN",
    description:
      "the input's time column (numbers or dates): evaluate also holds out the latest orders by it, beside the random holdout (sweep: instead of it)",
  },
  ...SCORING_OPTIONS,
} as const satisfies OptionSpecs;

/** How the orders are split into training and held-out ones. */
export type EvalSplit =
  | { readonly method: "holdout"; readonly fraction: number; readonly seed: number }
  | { readonly method: "time"; readonly fraction: number; readonly column: string; readonly seed: number };

/** The parsed shared flags. */
export interface EvalParams extends ScoringParams {
  /** A local path (absolute) or an s3:// URL. */
  readonly input: string;
  /** --s3-endpoint, for an s3:// input. */
  readonly s3Endpoint?: string;
  readonly out: string;
  readonly split: EvalSplit;
}

/**
 * @example
 * parseEvalParams(ctx, { input: "sales.csv", out: "eval/" }).split; // { method: "holdout", fraction: 0.2, seed: 1 }
 */
export function parseEvalParams(ctx: Context, v: OptionValues<typeof EVAL_OPTIONS>): EvalParams {
  const fraction = numberOption(v.holdout, "holdout", 0.2, { min: 0.001, max: 0.999 });
  const column = v["split-by-time"];
  // The seed stays with a split by time: evaluate reports the random holdout beside it.
  const seed = intOption(v.seed, "seed", 1);
  return {
    input: resolveInputArg(ctx, requireString(v.input, "input")),
    ...(v["s3-endpoint"] ? { s3Endpoint: v["s3-endpoint"] } : {}),
    out: ctx.resolvePath(requireString(v.out, "out")),
    split:
      column !== undefined
        ? { method: "time", fraction, column, seed }
        : { method: "holdout", fraction, seed },
    ...parseScoringParams(v),
  };
}
