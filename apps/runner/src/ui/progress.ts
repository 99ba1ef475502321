/**
 * Progress bars for long stages, drawn on stderr by cli-progress (in place, throttled to 10 redraws
 * a second, cursor and line wrapping restored at the end). Disabled (every method a no-op) unless
 * the stream is a terminal and the output is not `--json`: the context decides.
 *
 * A stage reports its work as `{ done, total }` in any unit — rows, bytes, products, multiply-adds —
 * and the bar, the rate and the ETA follow that work: a stage whose items cost unequal work reports
 * the work (e.g. estimated multiply-adds), not the items, and its percentage and ETA stay honest.
 */
import cliProgress from "cli-progress";
import { fmtAmount, fmtDuration, fmtWorkRate } from "./format.js";
import { WorkRate } from "./work-rate.js";

/** How far a stage is, in one unit of work. */
export interface Work {
  /** Units done so far. */
  readonly done: number;
  /** All units of the stage, when known (a bar, a percentage and an ETA need it). */
  readonly total?: number | undefined;
  /** The unit ("rows", "bytes", "products", "multiply-adds"); default: the bar's. A change restarts the rate. */
  readonly unit?: string;
  /** A short note after the counts, e.g. `1,204 rows` while the bar counts bytes. */
  readonly detail?: string;
}

export interface Progress {
  /** Reports the work done (and the total, once known). */
  report(work: Work): void;
  /** Shorthand for `report({ done, total })` in the bar's unit. */
  update(done: number, total?: number): void;
  /** Draws the final state and ends the line, if anything was drawn before. Idempotent. */
  done(): void;
}

export interface ProgressOptions {
  label: string;
  /** Unit of the work, e.g. "rows", "bytes", "products". */
  unit?: string;
  total?: number;
  /** Where to draw; `columns` caps the line width. */
  stream: { write(chunk: string): unknown; columns?: number; isTTY?: boolean };
  /** Nothing is drawn before this much time has passed, so short stages stay quiet (default 500 ms). */
  delayMs?: number;
  /** Clock in ms for tests (default `performance.now`). */
  now?: () => number;
}

/** A progress bar that draws nothing. */
export const NO_PROGRESS: Progress = { report() {}, update() {}, done() {} };

/**
 * @example
 * const p = createProgress({ label: "ingest", unit: "bytes", total: size, stream: process.stderr });
 * p.report({ done: bytesRead, detail: `${rows} rows` });
 * p.done();
 */
export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? (() => performance.now());
  const delay = opts.delayMs ?? 500;
  const start = now();
  const rate = new WorkRate();
  let unit = opts.unit ?? "";
  let done = 0;
  let total = opts.total;
  let detail: string | undefined;
  let finished = false;
  let bar: cliProgress.SingleBar | undefined;

  // The line is rendered when cli-progress draws (also on its own timer), so the elapsed time and
  // the ETA move between reports.
  const line = (): string => {
    const seconds = (now() - start) / 1000;
    return renderProgressLine(
      {
        label: opts.label,
        done,
        total,
        unit,
        seconds,
        rate: rate.rate,
        eta: finished ? undefined : rate.eta(done, total, seconds),
        ...(detail !== undefined ? { detail } : {}),
      },
      opts.stream.columns,
    );
  };
  const report = (w: Work): void => {
    if (finished) return;
    const seconds = (now() - start) / 1000;
    if (w.unit !== undefined && w.unit !== unit) {
      unit = w.unit;
      rate.restart(w.done, seconds);
    } else {
      rate.observe(w.done, seconds);
    }
    done = w.done;
    if (w.total !== undefined) total = w.total;
    if (w.detail !== undefined) detail = w.detail;
    if (bar === undefined) {
      if (seconds * 1000 < delay) return;
      bar = new cliProgress.SingleBar({
        stream: opts.stream as NodeJS.WritableStream,
        format: line,
        fps: 10,
        gracefulExit: false, // its SIGINT handler would keep Ctrl-C from ending the process
        linewrap: true,
      });
      bar.start(total ?? 0, done);
    } else {
      bar.update(done);
    }
  };
  return {
    report,
    update: (d, t) => report({ done: d, total: t }),
    done() {
      if (finished) return;
      finished = true;
      if (bar === undefined) return;
      if (total !== undefined) done = Math.max(done, total);
      bar.update(done);
      bar.stop();
    },
  };
}

/** What one progress line shows. */
export interface ProgressLine {
  label: string;
  done: number;
  total?: number | undefined;
  unit?: string;
  /** Since the stage started. */
  seconds: number;
  /** Smoothed work per second. */
  rate?: number | undefined;
  /** Seconds left. */
  eta?: number | undefined;
  detail?: string;
}

/**
 * One progress line, e.g.
 * `topk [##########----------]  50% 1,000/2,000 products 812/s 1.2 s ETA 1.2 s` or
 * `ingest [####----------------]  20% 1.0 MiB/5.0 MiB 4.2 MiB/s 0.2 s ETA 1.0 s, 55,186 rows`.
 */
export function renderProgressLine(p: ProgressLine, columns = 0): string {
  const u = p.unit && p.unit !== "bytes" ? ` ${p.unit}` : ""; // bytes show their own units (MiB)
  const rate = p.rate !== undefined ? ` ${fmtWorkRate(p.rate, p.unit)}` : "";
  const eta = p.eta !== undefined ? ` ETA ${fmtDuration(p.eta)}` : "";
  const note = p.detail ? `, ${p.detail}` : ""; // last: a narrow terminal cuts the note, not the ETA
  const tail = `${rate} ${fmtDuration(p.seconds)}${eta}`;
  let line: string;
  if (p.total !== undefined && p.total > 0) {
    const frac = Math.min(1, p.done / p.total);
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    line = `${p.label} ${bar} ${pct} ${fmtAmount(p.done, p.unit)}/${fmtAmount(p.total, p.unit)}${u}${tail}${note}`;
  } else {
    line = `${p.label} ${fmtAmount(p.done, p.unit)}${u}${tail}${note}`;
  }
  const max = columns > 20 ? columns - 1 : 79; // terminals of unknown size report 0 columns: 80 wide, as cli-progress assumes
  return line.length > max ? line.slice(0, max) : line;
}
