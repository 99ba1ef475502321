// The option families in-process: one declaration per flag, one reader of numbers, one `--k`.
import { DEFAULT_K, MAX_K } from "@cobuy/contracts";
import { DEFAULT_GUARD_LIMITS } from "@cobuy/pipeline/diff";
import { describe, expect, it } from "vitest";
import { pickOptions } from "../src/command.js";
import {
  BUILD_OPTIONS,
  parseBuildParams,
  parseDelimiter,
  parseScoringParams,
  SCORING_OPTIONS,
} from "../src/flags/build.js";
import { EVAL_OPTIONS } from "../src/flags/evaluation.js";
import { parseGuardFlags } from "../src/flags/guard.js";
import { parseBuildInput } from "../src/flags/input.js";
import { parsePublishFlags } from "../src/flags/store.js";
import { kOption } from "../src/flags/top-k.js";
import { intEnv, intOption, numberList } from "../src/flags/values.js";

describe("option families", () => {
  it("evaluate and sweep reuse the build family's declarations, in the order asked for", () => {
    expect(Object.keys(pickOptions(BUILD_OPTIONS, ["threads", "k"] as const))).toEqual(["threads", "k"]);
    for (const name of Object.keys(SCORING_OPTIONS) as (keyof typeof SCORING_OPTIONS)[]) {
      expect(EVAL_OPTIONS[name]).toBe(BUILD_OPTIONS[name]);
    }
  });

  it("build and evaluate read the shared flags the same way", () => {
    const flags = { k: "7", "min-pair-support": "2", "min-score": "0.1", threads: "3", "order-col": "o" };
    const build = parseBuildParams(flags);
    const scoring = parseScoringParams(flags);
    expect(scoring).toEqual({
      k: build.k,
      minPairSupport: build.minPairSupport,
      minScore: build.minScore,
      caps: build.caps,
      threads: build.threads,
      columns: build.columns,
      delimiter: build.delimiter,
      skipBadRows: build.skipBadRows,
    });
    expect(scoring).toMatchObject({ k: 7, minPairSupport: 2, minScore: 0.1, threads: 3 });
    expect(scoring.columns).toEqual({ order: "o", product: "product_id", category: "category" });
  });

  it("--delimiter: one character, \\t for a tab", () => {
    expect(parseDelimiter(undefined)).toBe(",");
    expect(parseDelimiter(";")).toBe(";");
    expect(parseDelimiter("\\t")).toBe("\t");
    expect(() => parseDelimiter(";;")).toThrow('--delimiter must be one character (got ";;")');
  });

  it("--k: the contracts' default and range", () => {
    expect(kOption(undefined)).toBe(DEFAULT_K);
    expect(kOption(String(MAX_K))).toBe(MAX_K);
    expect(() => kOption("0")).toThrow(`--k must be an integer from 1 to ${MAX_K} (got 0)`);
    expect(() => kOption("2.5")).toThrow('--k must be an integer (got "2.5")');
  });

  it("the build input: a file, a table, or nothing", () => {
    const params = { similarity: "cooccurrence-cosine" } as const;
    expect(parseBuildInput({}, params)).toBeUndefined();
    expect(parseBuildInput({ input: "s.csv", "s3-endpoint": "http://x" }, params)).toEqual({
      kind: "file",
      input: "s.csv",
      s3Endpoint: "http://x",
    });
    const sql = parseBuildInput(
      { "input-sql": "postgres://me:secret@db/shop?sslmode=require", table: "a.b" },
      params,
    );
    expect(sql).toMatchObject({
      kind: "sql",
      sql: { table: "b", schema: "a", label: "postgres://me@db/shop table a.b" },
    });
  });

  it("publishing flags: --sse with its key id, --gzip, --classic-key", () => {
    expect(parsePublishFlags({})).toEqual({ gzip: false });
    expect(
      parsePublishFlags({ gzip: true, sse: "aws:kms", "sse-kms-key-id": "k", "classic-key": "r/{ts}.json" }),
    ).toEqual({
      gzip: true,
      sse: { type: "aws:kms", kmsKeyId: "k" },
      classicKey: "r/{ts}.json",
    });
    expect(() => parsePublishFlags({ sse: "AES256", "sse-kms-key-id": "k" })).toThrow(
      "--sse-kms-key-id needs --sse aws:kms",
    );
  });
});

describe("guard flags", () => {
  it("default to DEFAULT_GUARD_LIMITS, take each limit, keep shares within 0..1", () => {
    expect(parseGuardFlags({})).toEqual({ limits: DEFAULT_GUARD_LIMITS, force: false });
    expect(
      parseGuardFlags({
        "max-churn": "0.5",
        "min-overlap": "0",
        "min-products-ratio": "1.2",
        "min-orders-ratio": "0.25",
        force: true,
      }),
    ).toEqual({
      limits: { maxChurn: 0.5, minOverlap: 0, minProductsRatio: 1.2, minOrdersRatio: 0.25 },
      force: true,
    });
    expect(() => parseGuardFlags({ "max-churn": "1.5" })).toThrow("--max-churn must be at most 1");
    expect(() => parseGuardFlags({ "min-overlap": "-0.1" })).toThrow("--min-overlap must be at least 0");
    expect(() => parseGuardFlags({ "min-orders-ratio": "half" })).toThrow(
      '--min-orders-ratio must be a number (got "half")',
    );
  });
});

describe("the number reader", () => {
  it("names the flag or variable, and checks bounds", () => {
    expect(intOption(undefined, "keep", 0, { min: 0 })).toBe(0);
    expect(() => intOption("-1", "keep", 0, { min: 0 })).toThrow("--keep must be at least 0 (got -1)");
    expect(() => intOption("", "keep", 0)).toThrow('--keep must be an integer (got "")');
    expect(intEnv("", "PGPORT", { min: 1 })).toBeUndefined();
    expect(intEnv("5433", "PGPORT", { min: 1 })).toBe(5433);
    expect(() => intEnv("x", "PGPORT")).toThrow('PGPORT must be an integer (got "x")');
  });

  it("reads comma-separated lists", () => {
    expect(numberList("1, 2,5", "supports")).toEqual([1, 2, 5]);
    expect(numberList(undefined, "supports")).toBeUndefined();
    expect(() => numberList("1,a", "supports")).toThrow("--supports takes comma-separated numbers");
  });
});
