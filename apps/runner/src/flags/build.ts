/**
 * The build family: every flag that shapes the recommendations, declared once, and its parsing
 * into {@link BuildParams}. `build` and `pipeline` take all of them; `evaluate` and `sweep` pick
 * the ones they score with ({@link pickOptions}) and parse them with the same readers.
 */
import { availableParallelism } from "node:os";
import { isSimilarityName, SIMILARITIES, type SimilarityName } from "@cobuy/pipeline";
import { type OptionSpecs, type OptionValues, pickOptions } from "../command.js";
import { UsageError } from "../errors.js";
import { K_OPTION, kOption } from "./top-k.js";
import { choiceOption, intOption, numberOption } from "./values.js";

export const BUILD_OPTIONS = {
  k: K_OPTION,
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
  plan: {
    type: "string",
    valueName: "auto|scatter|order-side|dense",
    description:
      "how the classic cosine is computed: the cheapest estimate (auto, default) or one forced; same lists",
  },
  "order-col": { type: "string", valueName: "NAME", description: "order id column (default order_id)" },
  "product-col": { type: "string", valueName: "NAME", description: "product id column (default product_id)" },
  "category-col": { type: "string", valueName: "NAME", description: "category column (default category)" },
  delimiter: {
    type: "string",
    valueName: "C",
    description:
      'field separator of a CSV input, one character (default ","; ";" for many spreadsheet exports)',
  },
  "skip-bad-rows": {
    type: "boolean",
    description: "skip malformed rows instead of failing (the count is reported)",
  },
} as const satisfies OptionSpecs;

export type BuildFlagValues = OptionValues<typeof BUILD_OPTIONS>;

/** The three column names of the order lines. */
export interface Columns {
  order: string;
  product: string;
  category: string;
}

/** The down-sampling caps of the core-math measures (absent: no cap). */
export interface Caps {
  maxProductsPerOrder?: number;
  maxOrdersPerProduct?: number;
}

/** Everything that shapes a build, parsed and defaulted (it is also what `params` records). */
export interface BuildParams {
  readonly k: number;
  readonly minScore: number;
  readonly minSupport: number;
  readonly incidence: "count" | "binary";
  readonly threads: number;
  readonly kernel: "wasm" | "js";
  /** The classic cosine's plan (core-math's planner). */
  readonly plan: "auto" | "scatter" | "order-side" | "dense";
  readonly columns: Columns;
  /** CSV field separator (default ","). */
  readonly delimiter: string;
  readonly skipBadRows: boolean;
  /** The measure asked for (default the classic one) or "auto". */
  readonly similarity: SimilarityName | "auto";
  readonly minPairSupport: number;
  readonly caps: Caps;
  readonly blend?: { popular: number };
}

/**
 * `--similarity`: a measure name or auto (a usage error otherwise).
 * @example
 * parseSimilarity("llr"); // "llr"
 */
export function parseSimilarity(value: string | undefined): SimilarityName | "auto" {
  if (value === undefined) return "cooccurrence-cosine";
  if (value === "auto" || isSimilarityName(value)) return value;
  throw new UsageError(`--similarity must be auto or one of ${SIMILARITIES.join(", ")} (got "${value}")`);
}

/**
 * `--similarity` where auto does not apply (sweep): one measure name.
 * @example
 * parseMeasure(undefined); // "cooccurrence-cosine"
 */
export function parseMeasure(value: string | undefined): SimilarityName {
  if (value === undefined) return "cooccurrence-cosine";
  if (isSimilarityName(value)) return value;
  throw new UsageError(`--similarity must be one of ${SIMILARITIES.join(", ")} (got "${value}")`);
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

/** `--order-col`, `--product-col`, `--category-col`. */
export function parseColumns(
  v: Pick<BuildFlagValues, "order-col" | "product-col" | "category-col">,
): Columns {
  return {
    order: v["order-col"] ?? "order_id",
    product: v["product-col"] ?? "product_id",
    category: v["category-col"] ?? "category",
  };
}

/** `--max-products-per-order`, `--max-orders-per-product`. */
export function parseCaps(
  v: Pick<BuildFlagValues, "max-products-per-order" | "max-orders-per-product">,
): Caps {
  const maxProducts = intOption(v["max-products-per-order"], "max-products-per-order", undefined, { min: 1 });
  const maxOrders = intOption(v["max-orders-per-product"], "max-orders-per-product", undefined, { min: 1 });
  return {
    ...(maxProducts !== undefined ? { maxProductsPerOrder: maxProducts } : {}),
    ...(maxOrders !== undefined ? { maxOrdersPerProduct: maxOrders } : {}),
  };
}

/** True when a cap was given. */
export function hasCaps(caps: Caps): boolean {
  return caps.maxProductsPerOrder !== undefined || caps.maxOrdersPerProduct !== undefined;
}

/** The flags `evaluate` and `sweep` share with a build, parsed by the same readers. */
export interface ScoringParams {
  readonly k: number;
  readonly minPairSupport: number;
  readonly minScore: number;
  readonly caps: Caps;
  readonly threads: number;
  readonly columns: Columns;
  /** CSV field separator (default ","). */
  readonly delimiter: string;
  readonly skipBadRows: boolean;
}

/** The build flags that also steer an evaluation (see {@link ScoringParams}), in `--help` order. */
export const SCORING_OPTIONS = pickOptions(BUILD_OPTIONS, [
  "k",
  "min-pair-support",
  "min-score",
  "max-products-per-order",
  "max-orders-per-product",
  "threads",
  "order-col",
  "product-col",
  "category-col",
  "delimiter",
  "skip-bad-rows",
] as const);

/**
 * @example
 * parseScoringParams({ k: "10" }).k; // 10
 */
export function parseScoringParams(v: OptionValues<typeof SCORING_OPTIONS>): ScoringParams {
  return {
    k: kOption(v.k),
    minPairSupport: intOption(v["min-pair-support"], "min-pair-support", 1, { min: 1 }),
    minScore: numberOption(v["min-score"], "min-score", 0, { min: 0 }),
    caps: parseCaps(v),
    threads: intOption(v.threads, "threads", availableParallelism(), { min: 1, max: 256 }),
    columns: parseColumns(v),
    delimiter: parseDelimiter(v.delimiter),
    skipBadRows: v["skip-bad-rows"] === true,
  };
}

/** `--delimiter`: one character; `\t` (two characters, as shells pass it) means a tab. */
export function parseDelimiter(value: string | undefined): string {
  if (value === undefined) return ",";
  const d = value === "\\t" ? "\t" : value;
  if (d.length !== 1)
    throw new UsageError(`--delimiter must be one character (got ${JSON.stringify(value)})`);
  return d;
}

/**
 * @example
 * parseBuildParams({ k: "10", incidence: "binary" }).k; // 10
 */
export function parseBuildParams(v: BuildFlagValues): BuildParams {
  const similarity = parseSimilarity(v.similarity);
  const scoring = parseScoringParams(v);
  if (hasCaps(scoring.caps) && similarity === "cooccurrence-cosine") {
    throw new UsageError(
      `--max-products-per-order and --max-orders-per-product apply to --similarity ${SIMILARITIES.filter((m) => m !== "cooccurrence-cosine").join("|")}|auto; ` +
        "the classic cooccurrence-cosine counts every order line",
    );
  }
  const blend = parseBlend(v.blend);
  return {
    k: scoring.k,
    minScore: scoring.minScore,
    minSupport: intOption(v["min-support"], "min-support", 1, { min: 1 }),
    incidence: choiceOption(v.incidence, "incidence", ["count", "binary"], "count"),
    threads: scoring.threads,
    kernel: choiceOption(v.kernel, "kernel", ["wasm", "js"], "wasm"),
    plan: choiceOption(v.plan, "plan", ["auto", "scatter", "order-side", "dense"], "auto"),
    columns: scoring.columns,
    delimiter: scoring.delimiter,
    skipBadRows: scoring.skipBadRows,
    similarity,
    minPairSupport: scoring.minPairSupport,
    caps: scoring.caps,
    ...(blend ? { blend } : {}),
  };
}
