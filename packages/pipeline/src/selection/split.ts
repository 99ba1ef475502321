import { hashText } from "@cobuy/core-math";

/** Which orders train the model and which are held out. Indices into the input's orders, ascending. */
export interface Split {
  readonly train: Uint32Array;
  readonly test: Uint32Array;
}

function checkFraction(fraction: number): void {
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`holdout fraction must be between 0 and 1, exclusive (got ${fraction})`);
  }
}

function fromOrder(ranked: number[], testCount: number): Split {
  const test = Uint32Array.from(ranked.slice(0, testCount)).sort();
  const train = Uint32Array.from(ranked.slice(testCount)).sort();
  return { train, test };
}

/**
 * Holds out `round(fraction × orders)` orders chosen by a seeded hash of their ids: the same ids and
 * seed give the same split whatever the row order of the file. `among` restricts the split to those
 * order indices (to carve a validation split out of the training orders).
 *
 * @example
 * ```ts
 * const { train, test } = holdoutSplit(orderIds, { fraction: 0.2, seed: 1 });
 * ```
 */
export function holdoutSplit(
  orderIds: readonly string[],
  options: { fraction: number; seed: number; among?: Uint32Array },
): Split {
  checkFraction(options.fraction);
  const pool = options.among ? [...options.among] : orderIds.map((_, i) => i);
  const key = new Map<number, number>();
  for (const o of pool) key.set(o, hashText(orderIds[o]!, options.seed));
  pool.sort(
    (x, y) =>
      key.get(x)! - key.get(y)! || (orderIds[x]! < orderIds[y]! ? -1 : orderIds[x]! > orderIds[y]! ? 1 : 0),
  );
  return fromOrder(pool, Math.round(options.fraction * pool.length));
}

/**
 * Holds out the latest `round(fraction × orders)` orders by time (ties: the larger order id is
 * later). `times[o]` is order o's time as a number (epoch ms or any increasing number).
 *
 * @example
 * ```ts
 * const { train, test } = timeSplit(orderIds, times, { fraction: 0.2 });
 * ```
 */
export function timeSplit(
  orderIds: readonly string[],
  times: ArrayLike<number>,
  options: { fraction: number; among?: Uint32Array },
): Split {
  checkFraction(options.fraction);
  const pool = options.among ? [...options.among] : orderIds.map((_, i) => i);
  pool.sort(
    (x, y) =>
      times[y]! - times[x]! || (orderIds[x]! < orderIds[y]! ? 1 : orderIds[x]! > orderIds[y]! ? -1 : 0),
  );
  return fromOrder(pool, Math.round(options.fraction * pool.length));
}
