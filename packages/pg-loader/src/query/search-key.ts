/**
 * The key a product's name is searched by: lower case, accents removed, spaces collapsed, cut to
 * {@link SEARCH_KEY_CHARS} characters. Computed here, not by SQL `lower()`, so PostgreSQL and
 * PGlite (whose C locale lowercases ASCII only) find the same products, and stored in a `COLLATE
 * "C"` column whose btree index serves prefix ranges on both.
 */

/** Longest key stored: keeps every index row far below btree's ~2,700-byte limit. */
export const SEARCH_KEY_CHARS = 200;

const MARKS = /\p{M}+/gu;
const SPACES = /\s+/gu;

/**
 * @example
 * searchKey("  Crème  Fraîche "); // "creme fraiche"
 */
export function searchKey(text: string): string {
  const key = text.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(SPACES, " ").trim();
  return key.length <= SEARCH_KEY_CHARS ? key : Array.from(key).slice(0, SEARCH_KEY_CHARS).join("");
}
