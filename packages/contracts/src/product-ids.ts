/**
 * The longest product id (or category name) cobuy accepts, in UTF-8 bytes. Ids are keys of the
 * documents and of a b-tree index in PostgreSQL, whose entries must stay well below 2,704 bytes;
 * real catalogues use ids of a few dozen bytes.
 */
export const MAX_ID_BYTES = 512;

/**
 * Why the UTF-8 bytes `buf[start..end)` cannot be a product id or category (NUL or another control
 * character — tab and line breaks, which RFC 4180 quoting carries and COPY escapes, excepted — or
 * longer than {@link MAX_ID_BYTES}), with the offset of the first bad byte; or undefined when they can. Ingest checks every id with it, so a bad export fails before anything
 * is written, not at load time.
 *
 * @example
 * ```ts
 * idProblem(Buffer.from("P1\u0000"), 0, 3); // { reason: "contains a control character (0x00)", at: 2 }
 * ```
 */
// O(end − start)
export function idProblem(
  buf: Uint8Array,
  start: number,
  end: number,
): { reason: string; at: number } | undefined {
  if (end - start > MAX_ID_BYTES) {
    return { reason: `is ${end - start} bytes long; ids may have at most ${MAX_ID_BYTES} bytes`, at: start };
  }
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) {
      return { reason: `contains a control character (0x${b.toString(16).padStart(2, "0")})`, at: i };
    }
  }
  return undefined;
}
