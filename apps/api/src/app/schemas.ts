/**
 * JSON schemas of the routes: Fastify validates requests and serialises responses with them, and
 * `/openapi.json` is generated from the same objects, so the document cannot drift from the code.
 */

/** Longest accepted product id or category (characters). */
export const MAX_ID_LENGTH = 128;
/** Most products in one cart request. */
export const MAX_CART_IDS = 50;
/** Highest accepted `k`. */
export const MAX_K = 100;
/** Largest search page. */
export const MAX_PAGE = 100;

// No control characters; everything else (slashes arrive percent-encoded) is a valid id.
const idPattern = "^[^\\u0000-\\u001f\\u007f]+$";

export const productId = {
  type: "string",
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  pattern: idPattern,
  description: "Product id as in the input data.",
} as const;

export const category = {
  type: "string",
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  pattern: idPattern,
  description: "Keep only recommendations of this category.",
} as const;

const k = {
  type: "integer",
  minimum: 1,
  maximum: MAX_K,
  default: 10,
  description: "Number of items wanted.",
} as const;

const backfill = {
  type: "string",
  enum: ["category"],
  description:
    "When fewer than k recommendations exist, fill with the most popular products of the category (items marked reason=backfill).",
} as const;

/** Longest accepted name search text (characters). */
export const MAX_SEARCH_LENGTH = 200;

const productName = {
  type: "string",
  description: "The product's name from the run's catalog (`--catalog`); its id when the catalog lacks it.",
} as const;

const productExtra = {
  type: ["object", "null"],
  additionalProperties: true,
  description: "The catalog's other columns (url, image…) by column name; null without a catalog row.",
} as const;

const similarItem = {
  type: "object",
  required: ["id", "name", "extra", "score", "support", "category"],
  properties: {
    id: { type: "string" },
    name: productName,
    extra: productExtra,
    score: {
      type: "number",
      description: "Cosine similarity (summed over the cart for POST); 0 for backfill.",
    },
    support: { type: "integer", description: "Co-occurrence count behind the pair; 0 for backfill." },
    category: { type: ["string", "null"] },
    reason: { type: "string", enum: ["backfill"], description: "Present on filler items only." },
  },
} as const;

export const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "statusCode"],
      properties: {
        code: {
          type: "string",
          enum: [
            "COBUY_API_INVALID_REQUEST",
            "COBUY_API_PRODUCT_NOT_FOUND",
            "COBUY_API_ROUTE_NOT_FOUND",
            "COBUY_API_NO_ACTIVE_RUN",
            "COBUY_API_NO_PREVIOUS_RUN",
            "COBUY_API_RUN_NOT_FOUND",
            "COBUY_API_DATABASE_UNAVAILABLE",
            "COBUY_API_SHUTTING_DOWN",
            "COBUY_API_PAYLOAD_TOO_LARGE",
            "COBUY_API_UNSUPPORTED_MEDIA_TYPE",
            "COBUY_API_INTERNAL_ERROR",
          ],
        },
        message: { type: "string" },
        statusCode: { type: "integer" },
        requestId: { type: "string" },
      },
    },
  },
} as const;

const errors = { 400: errorBody, 404: errorBody, 503: errorBody } as const;

export const similarSchema = {
  summary: "Products similar to one product, from the active run",
  tags: ["recommendations"],
  params: { type: "object", required: ["id"], properties: { id: productId } },
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: { k, category, backfill },
  },
  response: {
    200: {
      type: "object",
      required: ["productId", "runId", "category", "name", "extra", "items"],
      properties: {
        productId: { type: "string" },
        runId: { type: "string" },
        category: { type: ["string", "null"], description: "The product's own category." },
        name: productName,
        extra: productExtra,
        items: { type: "array", items: similarItem },
      },
    },
    ...errors,
  },
} as const;

export const cartSchema = {
  summary: "Products similar to a cart: scores summed over the cart, cart products excluded",
  tags: ["recommendations"],
  body: {
    type: "object",
    required: ["ids"],
    additionalProperties: false,
    properties: {
      ids: { type: "array", minItems: 1, maxItems: MAX_CART_IDS, items: productId },
      k,
      category,
      backfill,
    },
  },
  response: {
    200: {
      type: "object",
      required: ["ids", "unknownIds", "runId", "items"],
      properties: {
        ids: { type: "array", items: { type: "string" }, description: "Cart products found in the run." },
        unknownIds: {
          type: "array",
          items: { type: "string" },
          description: "Cart products not in the run.",
        },
        runId: { type: "string" },
        items: { type: "array", items: similarItem },
      },
    },
    ...errors,
  },
} as const;

const productRecord = {
  type: "object",
  required: ["id", "name", "extra", "category", "support"],
  properties: {
    id: { type: "string" },
    name: productName,
    extra: productExtra,
    category: { type: ["string", "null"] },
    support: { type: ["integer", "null"], description: "Orders holding the product (null when unknown)." },
  },
} as const;

export const searchSchema = {
  summary:
    "Products by name (`q`: names starting with it first, then names containing it, case- and accent-insensitive) or by id prefix (`query`, by id), paginated",
  tags: ["products"],
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      query: { type: "string", maxLength: MAX_ID_LENGTH, default: "", description: "Id prefix." },
      q: {
        type: "string",
        maxLength: MAX_SEARCH_LENGTH,
        description:
          "Name search (not with `query`). Runs built without a catalog match by id, which is then the name.",
      },
      limit: { type: "integer", minimum: 1, maximum: MAX_PAGE, default: 20 },
      offset: { type: "integer", minimum: 0, maximum: 1_000_000, default: 0 },
    },
  },
  response: {
    200: {
      type: "object",
      required: ["query", "by", "runId", "items", "limit", "offset", "nextOffset"],
      properties: {
        query: { type: "string", description: "The text searched (`q` or `query`)." },
        by: { type: "string", enum: ["name", "id"], description: "What the text was matched against." },
        runId: { type: "string" },
        items: { type: "array", items: productRecord },
        limit: { type: "integer" },
        offset: { type: "integer" },
        nextOffset: { type: ["integer", "null"], description: "Offset of the next page, null on the last." },
      },
    },
    ...errors,
  },
} as const;

const validationCell = {
  type: "object",
  required: ["products", "sameCategory", "share"],
  properties: {
    products: { type: "integer" },
    sameCategory: { type: "integer" },
    share: { type: "number" },
  },
} as const;

export const activeRunSchema = {
  summary: "The active run: id, creation time, counts and the per-category validation metric",
  tags: ["runs"],
  response: {
    200: {
      type: "object",
      required: ["runId", "createdAt", "loadedAt", "counts", "params", "validation", "productStats"],
      properties: {
        runId: { type: "string" },
        createdAt: { type: ["string", "null"] },
        loadedAt: { type: ["string", "null"] },
        counts: { type: ["object", "null"], additionalProperties: { type: "number" } },
        params: { type: ["object", "null"], additionalProperties: true },
        productStats: {
          type: ["string", "null"],
          enum: ["document", "derived", null],
          description:
            "document: categories and order counts from the run; derived: no categories, popularity from the lists",
        },
        validation: {
          type: ["object", "null"],
          properties: {
            overall: validationCell,
            byCategory: { type: "object", additionalProperties: validationCell },
          },
        },
      },
    },
    404: errorBody,
    503: errorBody,
  },
} as const;

export const healthSchema = {
  summary: "Liveness: 200 while the process serves requests, whatever the database's state (see /readyz)",
  tags: ["operations"],
  response: {
    200: { type: "object", properties: { status: { type: "string" } } },
  },
} as const;

export const readySchema = {
  summary: "Readiness: 200 when the database answers, a run is active and the server is not closing",
  tags: ["operations"],
  response: {
    200: {
      type: "object",
      properties: { status: { type: "string" }, runId: { type: "string" }, database: { type: "string" } },
    },
    503: errorBody,
  },
} as const;

/** Highest accepted `k` of a diff: the longest list a run holds (contracts' range of `k`). */
export const MAX_DIFF_K = 1000;
/** Most "most changed" products one diff returns. */
export const MAX_DIFF_CHANGED = 1000;

const distribution = {
  type: "object",
  required: ["mean", "min", "p10", "p50", "p90", "max"],
  properties: {
    mean: { type: "number" },
    min: { type: "number" },
    p10: { type: "number" },
    p50: { type: "number" },
    p90: { type: "number" },
    max: { type: "number" },
  },
} as const;

const diffSide = {
  type: "object",
  required: ["runId", "products"],
  properties: {
    runId: { type: "string" },
    products: { type: "integer", description: "Products of the run (with or without a list)." },
    orders: { type: "integer", description: "counts.orders of the run, when it recorded one." },
  },
} as const;

export const runDiffSchema = {
  summary:
    "How the active run's lists differ from the run active before it (or ?against): the RunDiff document (cobuy.run-diff.v1)",
  tags: ["runs"],
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      against: {
        ...productId,
        description: "Compare with this loaded run instead of the one active before the active run.",
      },
      k: {
        type: "integer",
        minimum: 1,
        maximum: MAX_DIFF_K,
        description: "List depth compared (default: the longest list of either run).",
      },
      limit: {
        type: "integer",
        minimum: 0,
        maximum: MAX_DIFF_CHANGED,
        default: 20,
        description: "How many most-changed products to return.",
      },
    },
  },
  response: {
    200: {
      type: "object",
      required: [
        "format",
        "before",
        "after",
        "k",
        "rboP",
        "products",
        "overlap",
        "rbo",
        "top1Churn",
        "scoreDrift",
        "mostChanged",
        "metrics",
      ],
      properties: {
        format: { type: "string", enum: ["cobuy.run-diff.v1"] },
        before: diffSide,
        after: diffSide,
        k: { type: "integer" },
        rboP: { type: "number" },
        products: {
          type: "object",
          required: ["common", "added", "dropped", "ratio", "addedExamples", "droppedExamples"],
          properties: {
            common: { type: "integer" },
            added: { type: "integer" },
            dropped: { type: "integer" },
            ratio: { type: "number", description: "after.products / before.products" },
            addedExamples: { type: "array", items: { type: "string" } },
            droppedExamples: { type: "array", items: { type: "string" } },
          },
        },
        ordersRatio: { type: "number", description: "after.orders / before.orders, when both are known." },
        overlap: { ...distribution, description: "overlap@k per common product." },
        rbo: { ...distribution, description: "Rank-biased overlap per common product." },
        top1Churn: { type: "number", description: "Share of common products whose first item changed." },
        scoreDrift: { ...distribution, description: "Mean |Δscore| of the items two lists share." },
        mostChanged: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "overlap", "rbo", "top1Before", "top1After"],
            properties: {
              id: { type: "string" },
              overlap: { type: "number" },
              rbo: { type: "number" },
              top1Before: { type: ["string", "null"] },
              top1After: { type: ["string", "null"] },
            },
          },
        },
        metrics: {
          type: "object",
          description: "Figures both runs have (classic.share from validation.json).",
          additionalProperties: {
            type: "object",
            required: ["before", "after", "delta"],
            properties: { before: { type: "number" }, after: { type: "number" }, delta: { type: "number" } },
          },
        },
      },
    },
    400: errorBody,
    404: errorBody,
    503: errorBody,
  },
} as const;
