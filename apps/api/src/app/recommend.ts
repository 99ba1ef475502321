import type { ProductRecord, ProductWithRecs, SimilarItem } from "../source/recommendation-source.js";

/** A response item: a stored recommendation, or a filler marked `reason: "backfill"`. */
export interface ResponseItem extends SimilarItem {
  reason?: "backfill";
}

/** The first `k` stored recommendations, optionally only those of `category`. O(list length). */
export function pickSimilar(entry: ProductWithRecs, k: number, category: string | undefined): ResponseItem[] {
  const out: ResponseItem[] = [];
  for (const item of entry.items) {
    if (out.length >= k) break;
    if (category !== undefined && item.category !== category) continue;
    out.push(item);
  }
  return out;
}

/**
 * Cart recommendations: scores and supports summed per recommended product over the cart's
 * lists, cart products excluded, ordered by score descending then id ascending (byte order).
 */
export function combineCart(
  entries: readonly ProductWithRecs[],
  k: number,
  category: string | undefined,
): ResponseItem[] {
  const cart = new Set(entries.map((e) => e.product.id));
  const sums = new Map<string, ResponseItem>();
  for (const entry of entries) {
    for (const item of entry.items) {
      if (cart.has(item.id)) continue;
      if (category !== undefined && item.category !== category) continue;
      const seen = sums.get(item.id);
      if (seen) {
        seen.score += item.score;
        seen.support += item.support;
      } else {
        sums.set(item.id, { ...item });
      }
    }
  }
  const all = [...sums.values()];
  all.sort((a, b) => (b.score !== a.score ? b.score - a.score : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return all.slice(0, k);
}

/**
 * Appends popular products (already sorted by popularity) until `items` has `k` entries, skipping
 * the excluded ids and ids already listed. Mutates and returns `items`.
 */
export function backfill(
  items: ResponseItem[],
  popular: readonly ProductRecord[],
  exclude: ReadonlySet<string>,
  k: number,
): ResponseItem[] {
  if (items.length >= k) return items;
  const listed = new Set(items.map((i) => i.id));
  for (const p of popular) {
    if (items.length >= k) break;
    if (exclude.has(p.id) || listed.has(p.id)) continue;
    items.push({
      id: p.id,
      score: 0,
      support: 0,
      category: p.category,
      name: p.name,
      extra: p.extra,
      reason: "backfill",
    });
    listed.add(p.id);
  }
  return items;
}

/** The most frequent non-null category of the given products (ties: first seen), or null. */
export function dominantCategory(products: readonly { category: string | null }[]): string | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  let bestCount = 0;
  for (const p of products) {
    if (p.category === null) continue;
    const c = (counts.get(p.category) ?? 0) + 1;
    counts.set(p.category, c);
    if (c > bestCount) {
      best = p.category;
      bestCount = c;
    }
  }
  return best;
}

/** True when an `If-None-Match` header value matches `etag` (weak comparison, lists and `*`). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => (t.startsWith("W/") ? t.slice(2) : t);
  const want = strip(etag);
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag === "*" || strip(tag) === want) return true;
  }
  return false;
}
