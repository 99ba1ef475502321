import type { RICH_FORMAT } from "./formats.js";

/**
 * Why an item is in a list (design-extensions.md): from the similarity measure, a best seller of
 * the product's category, or a best seller overall. Only blended runs write it; read a missing
 * reason as `"similar"`.
 */
export type RecReason = "similar" | "popular-in-category" | "popular";

/** One recommended product in a list of `recs.rich.json`. */
export interface RichRecItem {
  id: string;
  /** Any finite JSON number; popular items have 0. */
  score: number;
  /** The evidence behind the pair: C[p][q], or orders holding both for non-classic measures. */
  support?: number;
  reason?: RecReason;
}

/** A product's entry in the optional `products` section. */
export interface RichProduct {
  /** Its most frequent category, `null` when it has none. */
  category: string | null;
  /** Distinct orders containing it, an integer in [0, 2^31). */
  support: number;
  /** Its catalog name (`--catalog`); absent without a catalog row. Read a missing name as the id. */
  name?: string;
  /** The catalog's other columns (url, image…) by header name; absent without a catalog row. */
  extra?: Record<string, string>;
}

/** `counts` of `recs.rich.json`. */
export interface RichCounts {
  orders: number;
  rows: number;
  products: number;
  [count: string]: number;
}

/** `params.similarity`: the measure behind the lists and how it was chosen. */
export interface RichSimilarityParams {
  measure: string;
  chosen: "requested" | "auto";
  minPairSupport: number;
  /** Present when the counting was down-sampled. */
  caps?: { maxProductsPerOrder?: number; maxOrdersPerProduct?: number; seed?: number };
  /** With `chosen: "auto"`: the validation split, the rule applied and every candidate's figures. */
  selection?: {
    fraction: number;
    seed: number;
    trainOrders: number;
    validationOrders: number;
    minCoverage: number;
    rule: string;
    candidates: {
      similarity: string;
      minPairSupport: number;
      hitRate: number;
      coverage: number;
      eligible: boolean;
    }[];
  };
}

/** `params` of `recs.rich.json` (and of the manifest): the known keys; writers may add others. */
export interface RichParams {
  k?: number;
  minScore?: number;
  similarity?: RichSimilarityParams;
  /** With a blend: the share of best sellers mixed in. */
  blend?: { popular: number };
  [param: string]: unknown;
}

/**
 * `recs.rich.json`, format {@link RICH_FORMAT}. Every product of the input is a key of `recs`
 * (possibly with an empty list); lists are in rank order. Readers ignore fields they do not know.
 *
 * @example
 * ```ts
 * const doc: RichRecsDocument = JSON.parse(text);
 * for (const item of doc.recs.P1 ?? []) console.log(item.id, item.score, item.reason ?? "similar");
 * ```
 */
export interface RichRecsDocument {
  format: typeof RICH_FORMAT;
  runId: string;
  /** ISO-8601. */
  createdAt: string;
  params: RichParams;
  counts: RichCounts;
  recs: Record<string, RichRecItem[]>;
  products?: Record<string, RichProduct>;
}
