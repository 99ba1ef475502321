import { DatabaseUnavailableError, NotMigratedError } from "@cobuy/pg-loader";
import { describe, expect, it } from "vitest";
import { LruCache } from "../src/app/lru-cache.js";
import { backfill, combineCart, dominantCategory, etagMatches, pickSimilar } from "../src/app/recommend.js";
import { isDatabaseUnavailable } from "../src/errors.js";
import type { ProductWithRecs } from "../src/source/recommendation-source.js";

const nameOf = (id: string) => `Product ${id}`;

const entry = (
  id: string,
  category: string | null,
  items: [string, number, number, string | null][],
): ProductWithRecs => ({
  product: { id, category, support: 10, name: nameOf(id), extra: null },
  items: items.map(([rid, score, support, cat]) => ({
    id: rid,
    score,
    support,
    category: cat,
    name: nameOf(rid),
    extra: null,
  })),
});

describe("pickSimilar", () => {
  const e = entry("P1", "a", [
    ["P2", 0.9, 5, "a"],
    ["P3", 0.8, 4, "b"],
    ["P4", 0.7, 3, "a"],
  ]);
  it("keeps the stored order and cuts at k", () => {
    expect(pickSimilar(e, 2, undefined).map((i) => i.id)).toEqual(["P2", "P3"]);
  });
  it("filters by category before cutting", () => {
    expect(pickSimilar(e, 2, "a").map((i) => i.id)).toEqual(["P2", "P4"]);
    expect(pickSimilar(e, 5, "zzz")).toEqual([]);
  });
  it("returns everything when k exceeds the list", () => {
    expect(pickSimilar(e, 100, undefined)).toHaveLength(3);
  });
});

describe("combineCart", () => {
  it("sums scores and supports over the cart, excludes cart products, ties by id (byte order)", () => {
    const a = entry("A", "x", [
      ["B", 0.5, 2, "x"],
      ["C", 0.4, 1, "y"],
      ["Z", 0.3, 1, "x"],
    ]);
    const b = entry("B", "x", [
      ["A", 0.5, 2, "x"],
      ["C", 0.4, 3, "y"],
      ["a", 0.3, 1, "x"],
    ]);
    const out = combineCart([a, b], 10, undefined);
    expect(out.map((i) => [i.id, i.name, i.score, i.support])).toEqual([
      ["C", "Product C", 0.8, 4],
      ["Z", "Product Z", 0.3, 1],
      ["a", "Product a", 0.3, 1],
    ]);
    expect(combineCart([a, b], 10, "x").map((i) => i.id)).toEqual(["Z", "a"]);
    expect(combineCart([a, b], 1, undefined).map((i) => i.id)).toEqual(["C"]);
  });
  it("does not mutate the cached lists", () => {
    const a = entry("A", "x", [["C", 0.4, 1, "y"]]);
    const b = entry("B", "x", [["C", 0.4, 3, "y"]]);
    combineCart([a, b], 10, undefined);
    expect(a.items[0]).toEqual({
      id: "C",
      score: 0.4,
      support: 1,
      category: "y",
      name: "Product C",
      extra: null,
    });
  });
});

describe("backfill", () => {
  const popular = [
    { id: "P1", category: "a", support: 50, name: "One", extra: null },
    { id: "P2", category: "a", support: 40, name: "Two", extra: null },
    { id: "P5", category: "a", support: 30, name: "Five", extra: { url: "/5" } },
    { id: "P6", category: "a", support: 20, name: "P6", extra: null },
  ];
  const item = (id: string, score: number, support: number) => ({
    id,
    score,
    support,
    category: "a",
    name: id,
    extra: null,
  });
  it("fills to k with popular products, skipping the product and listed ids, marked as backfill", () => {
    const items = [item("P2", 0.9, 3)];
    backfill(items, popular, new Set(["P1"]), 3);
    expect(items).toEqual([
      item("P2", 0.9, 3),
      { ...item("P5", 0, 0), name: "Five", extra: { url: "/5" }, reason: "backfill" },
      { ...item("P6", 0, 0), reason: "backfill" },
    ]);
  });
  it("stops when the category runs out and leaves full lists alone", () => {
    expect(backfill([], popular, new Set(), 10)).toHaveLength(4);
    const full = [item("X", 1, 1)];
    expect(backfill(full, popular, new Set(), 1)).toEqual([item("X", 1, 1)]);
  });
});

describe("dominantCategory", () => {
  it("picks the most frequent non-null category, first seen on ties", () => {
    expect(dominantCategory([{ category: "b" }, { category: "a" }, { category: "a" }])).toBe("a");
    expect(dominantCategory([{ category: "b" }, { category: "a" }])).toBe("b");
    expect(dominantCategory([{ category: null }])).toBeNull();
  });
});

describe("etagMatches", () => {
  it("handles lists, weak tags and *", () => {
    expect(etagMatches('"r1"', '"r1"')).toBe(true);
    expect(etagMatches('W/"r1"', '"r1"')).toBe(true);
    expect(etagMatches('"r0", "r1"', '"r1"')).toBe(true);
    expect(etagMatches("*", '"r1"')).toBe(true);
    expect(etagMatches('"r2"', '"r1"')).toBe(false);
    expect(etagMatches(undefined, '"r1"')).toBe(false);
  });
});

describe("LruCache", () => {
  it("evicts the least recently used entry and counts hits", () => {
    const c = new LruCache<string, number>(2);
    c.set("a", 1);
    c.set("b", 2);
    expect(c.get("a")).toBe(1);
    c.set("c", 3);
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBe(1);
    expect(c.get("c")).toBe(3);
    expect([c.hits, c.misses]).toEqual([3, 1]);
  });
  it("caches null (a known-absent product) as a hit, distinct from a miss", () => {
    const c = new LruCache<string, number | null>(2);
    expect(c.get("gone")).toBeUndefined();
    c.set("gone", null);
    expect(c.get("gone")).toBeNull();
    expect([c.hits, c.misses, c.size]).toEqual([1, 1, 1]);
  });
  it("caches nothing with 0 entries", () => {
    const c = new LruCache<string, number>(0);
    c.set("a", 1);
    expect(c.size).toBe(0);
  });
});

describe("isDatabaseUnavailable", () => {
  it("trusts pg-loader's typed error, not raw driver codes", () => {
    const driver = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(
      isDatabaseUnavailable(new DatabaseUnavailableError("database unavailable", { cause: driver })),
    ).toBe(true);
    expect(isDatabaseUnavailable(new NotMigratedError("cobuy"))).toBe(false);
    // pg-loader maps these at its boundary; the api never sees them raw.
    expect(isDatabaseUnavailable(driver)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection"), { code: "57P01" }))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
  });
});
