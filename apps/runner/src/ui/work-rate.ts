/**
 * The rate of a stage's work and its ETA, in whatever unit the stage reports (rows, bytes, products,
 * multiply-adds): the rate is exponentially smoothed over time, so one slow or fast stretch moves it
 * gradually, and ETA = remaining work / rate.
 */

// Not cli-progress's ETA: it averages over the last N updates, not over time, and exposes no rate to show beside it.

export class WorkRate {
  readonly #halfLife: number;
  readonly #minInterval: number;
  #lastDone = 0;
  #lastSeconds = 0;
  #rate: number | undefined;

  /**
   * @param halfLifeSeconds weight of a past rate halves after this long (default 3 s)
   * @param minIntervalSeconds reports closer than this are merged into one interval (default 0.2 s)
   */
  constructor(halfLifeSeconds = 3, minIntervalSeconds = 0.2) {
    this.#halfLife = halfLifeSeconds;
    this.#minInterval = minIntervalSeconds;
  }

  /** Work per second, once enough time has passed to tell (else undefined). */
  get rate(): number | undefined {
    return this.#rate;
  }

  /** Seconds (since the start) of the last observation that moved the rate. */
  get lastSeconds(): number {
    return this.#lastSeconds;
  }

  /**
   * Records that `done` units were done `seconds` after the start (or the last {@link restart}).
   * @example
   * const r = new WorkRate(); r.observe(500, 1); r.observe(1000, 2); r.rate; // 500
   */
  observe(done: number, seconds: number): void {
    const dt = seconds - this.#lastSeconds;
    if (dt < this.#minInterval) return;
    const instant = Math.max(0, done - this.#lastDone) / dt;
    this.#rate =
      this.#rate === undefined
        ? instant
        : this.#rate + (1 - 2 ** (-dt / this.#halfLife)) * (instant - this.#rate);
    this.#lastDone = done;
    this.#lastSeconds = seconds;
  }

  /** Forgets the rate and measures from `done` at `seconds` on (the stage changed its unit). */
  restart(done: number, seconds: number): void {
    this.#rate = undefined;
    this.#lastDone = done;
    this.#lastSeconds = seconds;
  }

  /**
   * Seconds left at the smoothed rate for `total − done` units, counted down from the last
   * observation to `seconds`; undefined without a total or a rate.
   * @example
   * r.eta(1000, 4000, 2); // 6 at 500 units/s
   */
  eta(done: number, total: number | undefined, seconds: number): number | undefined {
    if (total === undefined || this.#rate === undefined || this.#rate <= 0) return undefined;
    return Math.max(0, (total - done) / this.#rate - Math.max(0, seconds - this.#lastSeconds));
  }
}
