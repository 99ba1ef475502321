/**
 * Progress bars for long stages: label, bar (when the total is known), counts, rate and elapsed
 * time, redrawn in place on stderr at most every `intervalMs`. Disabled (every method a no-op)
 * unless the stream is a terminal and the output is not `--json`: the context decides.
 */
import { fmtCount, fmtRate } from "./format.js";

export interface Progress {
  /** Sets the absolute count (and the total, when it becomes known). */
  update(done: number, total?: number): void;
  /** Adds `n` (default 1) to the count. */
  tick(n?: number): void;
  /** Draws the final state and ends the line, if anything was drawn before. Idempotent. */
  done(): void;
}

export interface ProgressOptions {
  label: string;
  /** Unit shown after the counts, e.g. "rows", "products". */
  unit?: string;
  total?: number;
  /** Where to draw; `columns` caps the line width. */
  stream: { write(chunk: string): unknown; columns?: number };
  /** Minimum time between redraws (default 100 ms). */
  intervalMs?: number;
  /** Nothing is drawn before this much time has passed, so short stages stay quiet (default 500 ms). */
  delayMs?: number;
  /** Clock in ms for tests (default `performance.now`). */
  now?: () => number;
}

/** A progress bar that draws nothing. */
export const NO_PROGRESS: Progress = { update() {}, tick() {}, done() {} };

/**
 * @example
 * const p = createProgress({ label: "ingest", unit: "rows", stream: process.stderr });
 * for (const row of rows) p.tick();
 * p.done();
 */
export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 100;
  const delay = opts.delayMs ?? 500;
  const start = now();
  let count = 0;
  let total = opts.total;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let finished = false;

  const draw = (final: boolean): void => {
    const t = now();
    if (final ? lastDraw === Number.NEGATIVE_INFINITY : t - start < delay || t - lastDraw < interval) return;
    lastDraw = t;
    const secs = (t - start) / 1000;
    opts.stream.write(
      `\r\x1b[2K${renderProgressLine(opts.label, count, total, secs, opts.unit, opts.stream.columns)}${final ? "\n" : ""}`,
    );
  };
  return {
    update(done, newTotal) {
      if (finished) return;
      count = done;
      if (newTotal !== undefined) total = newTotal;
      draw(false);
    },
    tick(n = 1) {
      if (finished) return;
      count += n;
      draw(false);
    },
    done() {
      if (finished) return;
      finished = true;
      if (total !== undefined) count = Math.max(count, total);
      draw(true);
    },
  };
}

/** One progress line, e.g. `cosine [##########----------]  50% 1,000/2,000 products 812/s 1.2 s`. */
export function renderProgressLine(
  label: string,
  done: number,
  total: number | undefined,
  seconds: number,
  unit = "",
  columns = 100,
): string {
  const rate = seconds > 0 ? fmtRate(done / seconds) : "";
  const u = unit ? ` ${unit}` : "";
  const tail = `${rate} ${seconds.toFixed(1)} s`;
  let line: string;
  if (total !== undefined && total > 0) {
    const frac = Math.min(1, done / total);
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
    line = `${label} ${bar} ${`${Math.floor(frac * 100)}%`.padStart(4)} ${fmtCount(done)}/${fmtCount(total)}${u} ${tail}`;
  } else {
    line = `${label} ${fmtCount(done)}${u} ${tail}`;
  }
  const max = columns > 20 ? columns - 1 : 99; // terminals of unknown size report 0 columns
  return line.length > max ? line.slice(0, max) : line;
}
