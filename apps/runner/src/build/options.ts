/**
 * The flags shared by `cobuy build` and `cobuy pipeline` (everything that shapes the
 * recommendations), and their parsing into {@link BuildParams}.
 */
import { availableParallelism } from "node:os";
import { isSimilarityName, SIMILARITIES, type SimilarityName } from "@cobuy/pipeline";
import { choiceOption, intOption, numberOption } from "../args.js";
import type { OptionSpecs, OptionValues } from "../command.js";
import { UsageError } from "../errors.js";

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
  similarity: {
    type: "string",
    valueName: "M|auto",
    description:
      `similarity measure: ${SIMILARITIES.join(", ")} or auto (chosen on a validation split ` +
      "of the orders); default cooccurrence-cosine, the classic method",
  },
  "min-pair-support": {
    type: "string",
    valueName: "N",
    description: "ignore pairs bought together in fewer than N orders (default 1; auto chooses its own)",
  },
  "max-products-per-order": {
    type: "string",
    valueName: "N",
    description: "down-sample larger orders to N products (deterministic; core-math measures and auto)",
  },
  "max-orders-per-product": {
    type: "string",
    valueName: "N",
    description:
      "down-sample products in more orders to N orders (deterministic; core-math measures and auto)",
  },
  blend: {
    type: "string",
    valueName: "popular:W",
    description:
      "mix the category's best sellers into the lists, W from 0 (top up short lists) to 1; items get a reason",
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
  /** The measure asked for (default the classic one) or "auto". */
  similarity: SimilarityName | "auto";
  minPairSupport: number;
  caps: { maxProductsPerOrder?: number; maxOrdersPerProduct?: number };
  blend?: { popular: number };
}

/**
 * `--similarity`: a measure name or auto (a usage error otherwise).
 * @example
 * parseSimilarity("llr", "similarity"); // "llr"
 */
export function parseSimilarity(value: string | undefined, flag: string): SimilarityName | "auto" {
  if (value === undefined) return "cooccurrence-cosine";
  if (value === "auto" || isSimilarityName(value)) return value;
  throw new UsageError(`--${flag} must be auto or one of ${SIMILARITIES.join(", ")} (got "${value}")`);
}

/**
 * `--blend popular:W` with W from 0 to 1 (a usage error otherwise).
 * @example
 * parseBlend("popular:0.4"); // { popular: 0.4 }
 */
export function parseBlend(value: string | undefined): { popular: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^popular:(\d*\.?\d+)$/.exec(value);
  const w = m ? Number(m[1]) : Number.NaN;
  if (!(w >= 0 && w <= 1)) {
    throw new UsageError(
      `--blend must look like popular:W with W from 0 to 1, e.g. popular:0.4 (got "${value}")`,
    );
  }
  return { popular: w };
}

/**
 * @example
 * parseBuildParams({ k: "10", incidence: "binary" }).k; // 10
 */
export function parseBuildParams(v: OptionValues<typeof BUILD_OPTIONS>): BuildParams {
  const similarity = parseSimilarity(v.similarity, "similarity");
  const maxProducts = intOption(v["max-products-per-order"], "max-products-per-order", undefined, { min: 1 });
  const maxOrders = intOption(v["max-orders-per-product"], "max-orders-per-product", undefined, { min: 1 });
  if ((maxProducts !== undefined || maxOrders !== undefined) && similarity === "cooccurrence-cosine") {
    throw new UsageError(
      `--max-products-per-order and --max-orders-per-product apply to --similarity ${SIMILARITIES.filter((m) => m !== "cooccurrence-cosine").join("|")}|auto; ` +
        "the classic cooccurrence-cosine counts every order line",
    );
  }
  const blend = parseBlend(v.blend);
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
    similarity,
    minPairSupport: intOption(v["min-pair-support"], "min-pair-support", 1, { min: 1 }),
    caps: {
      ...(maxProducts !== undefined ? { maxProductsPerOrder: maxProducts } : {}),
      ...(maxOrders !== undefined ? { maxOrdersPerProduct: maxOrders } : {}),
    },
    ...(blend ? { blend } : {}),
  };
}
