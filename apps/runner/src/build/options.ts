/**
 * The flags shared by `cobuy build` and `cobuy pipeline` (everything that shapes the
 * recommendations), and their parsing into {@link BuildParams}.
 */
import { availableParallelism } from "node:os";
import { choiceOption, intOption, numberOption } from "../args.js";
import type { OptionSpecs, OptionValues } from "../command.js";

export const BUILD_OPTIONS = {
  k: { type: "string", valueName: "K", description: "recommendations kept per product (default 5)" },
  "min-score": {
    type: "string",
    valueName: "S",
    description: "keep only scores strictly above S (default 0: every positive score)",
  },
  "min-support": {
    type: "string",
    valueName: "N",
    description: "products in fewer than N orders get no list and are never recommended (default 1)",
  },
  incidence: {
    type: "string",
    valueName: "count|binary",
    description:
      "count repeated order lines (count, the classic method) or only presence (binary); default count",
  },
  threads: {
    type: "string",
    valueName: "N",
    description: "worker threads for the cosine stage (default: available cores; 1 = no workers)",
  },
  kernel: {
    type: "string",
    valueName: "wasm|js",
    description: "inner kernel: WebAssembly (default) or the plain TypeScript reference",
  },
  "order-col": { type: "string", valueName: "NAME", description: "order id column (default order_id)" },
  "product-col": { type: "string", valueName: "NAME", description: "product id column (default product_id)" },
  "category-col": { type: "string", valueName: "NAME", description: "category column (default category)" },
  "skip-bad-rows": {
    type: "boolean",
    description: "skip malformed rows (count and first examples are reported) instead of failing",
  },
} as const satisfies OptionSpecs;

/** Everything that shapes a build, parsed and defaulted (it is also what `params` records). */
export interface BuildParams {
  k: number;
  minScore: number;
  minSupport: number;
  incidence: "count" | "binary";
  threads: number;
  kernel: "wasm" | "js";
  columns: { order: string; product: string; category: string };
  skipBadRows: boolean;
}

/**
 * @example
 * parseBuildParams({ k: "10", incidence: "binary" }).k; // 10
 */
export function parseBuildParams(v: OptionValues<typeof BUILD_OPTIONS>): BuildParams {
  return {
    k: intOption(v.k, "k", 5, { min: 1, max: 65535 }),
    minScore: numberOption(v["min-score"], "min-score", 0, { min: 0 }),
    minSupport: intOption(v["min-support"], "min-support", 1, { min: 1 }),
    incidence: choiceOption(v.incidence, "incidence", ["count", "binary"], "count"),
    threads: intOption(v.threads, "threads", availableParallelism(), { min: 1, max: 256 }),
    kernel: choiceOption(v.kernel, "kernel", ["wasm", "js"], "wasm"),
    columns: {
      order: v["order-col"] ?? "order_id",
      product: v["product-col"] ?? "product_id",
      category: v["category-col"] ?? "category",
    },
    skipBadRows: v["skip-bad-rows"] === true,
  };
}
