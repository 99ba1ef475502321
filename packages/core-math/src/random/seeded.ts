/**
 * cobuy's one seeded randomness: a generator for draws (sample data, random test inputs) and keyed
 * hashes for choices that must not depend on row order (holdout splits, down-sampling). Same seed,
 * same numbers on every platform; every function is pure 32-bit integer arithmetic.
 */

/**
 * murmur3's 32-bit finaliser: spreads every input bit over the output. The generator's seeding and
 * the text hash end with it.
 *
 * @example
 * ```ts
 * mix32(1) !== mix32(2); // neighbouring inputs, unrelated outputs
 * ```
 */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * sfc32 seeded through splitmix32: small, fast and deterministic. `next()` is a uniform double in
 * [0, 1) with 53 random bits.
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(7);
 * const die = 1 + rng.int(6);
 * ```
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let x = (seed | 0) ^ 0x6d2b79f5;
    const split = (): number => {
      x = (x + 0x9e3779b9) | 0;
      return mix32(x) | 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1). */
  next(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * {@link SeededRandom}'s `next` as a plain function, for code that wants `() => number`
 * (e.g. the random inputs of property tests).
 *
 * @example
 * ```ts
 * const next = seededUniform(3);
 * const size = Math.floor(next() * 10);
 * ```
 */
export function seededUniform(seed: number): () => number {
  const rng = new SeededRandom(seed);
  return () => rng.next();
}

/**
 * A seeded 32-bit key of a text: FNV-1a over its UTF-16 units, then {@link mix32}. Used to order
 * ids (the holdout split) so that the same ids and seed give the same choice whatever the row order.
 *
 * @example
 * ```ts
 * hashText("order-17", 1) === hashText("order-17", 1); // stable
 * ```
 */
// O(text length)
export function hashText(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/**
 * A seeded 32-bit key of a pair of integers (e.g. order × product: the down-sampling key of one
 * order line). Its constants are part of the published down-sampling rule: changing them changes
 * which lines a capped build keeps.
 *
 * @example
 * ```ts
 * const key = hashPair(seed, order, product);
 * ```
 */
// O(1)
export function hashPair(seed: number, a: number, b: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ a;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h ^= Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
