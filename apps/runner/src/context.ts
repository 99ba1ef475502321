/**
 * The context every command receives: where things live (the embedded `.cobuy/` home), how to talk
 * to the user (logger, human output, progress bars, tables) and stage timing for summaries.
 * It is the only place besides src/main.ts that looks at the environment and the terminal.
 *
 * Output rules (keep them when you add a command):
 * - stdout: human output through `ctx.print` / `ctx.table` (both silent under `--json`); under
 *   `--json` the CLI prints exactly one JSON object there: what `run` returned.
 * - stderr: log lines (`ctx.log`, JSON lines under `--json` or `--log-format json`), progress bars
 *   (terminal only, never under `--json`).
 * - never pass secrets to the logger; URL credentials and secret-named fields are redacted anyway.
 */
import * as path from "node:path";
import { choiceSetting, intEnv } from "./flags/values.js";
import { createLogger, type LogFormat, type Logger, type LogLevel } from "./ui/logger.js";
import { createProgress, NO_PROGRESS, type Progress } from "./ui/progress.js";
import { renderTable, type TableSpec } from "./ui/table.js";

/** A writable text stream as the CLI sees it (process.stdout/stderr, or a buffer in tests). */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The process surroundings: injected so unit tests can run commands in-process. */
export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** The embedded defaults: a `.cobuy/` folder in the working directory, or `$COBUY_HOME`. */
export interface CobuyHome {
  /** Base folder: `$COBUY_HOME` (absolute, or relative to the cwd) or `<cwd>/.cobuy`. */
  root: string;
  /** Local bucket: runs are published under `<runs>/<runId>/` with `<runs>/latest.json`. */
  runs: string;
  /** Embedded PGlite database folder. */
  pglite: string;
  /** Generated data (the sample data set used by `cobuy pipeline` without --input). */
  data: string;
}

/**
 * @example
 * resolveHome({ COBUY_HOME: "/tmp/x" }, "/work").runs; // "/tmp/x/runs"
 */
export function resolveHome(env: Io["env"], cwd: string): CobuyHome {
  const root = env.COBUY_HOME ? path.resolve(cwd, env.COBUY_HOME) : path.join(cwd, ".cobuy");
  return {
    root,
    runs: path.join(root, "runs"),
    pglite: path.join(root, "pglite"),
    data: path.join(root, "data"),
  };
}

/** Wall-clock seconds of one stage, in the order stages ran. */
export interface StageTiming {
  name: string;
  seconds: number;
  /** Still running: `seconds` so far ({@link Context.stagesSoFar}). */
  running?: true;
}

export interface StageOptions {
  /** Unit of the stage's work ("rows", "bytes", "products", "multiply-adds", …): bar, rate and ETA follow it. */
  unit?: string;
  /** Total, when known before the stage starts. */
  total?: number;
}

export interface Context {
  /** The command being run (e.g. "build"). */
  readonly command: string;
  readonly cwd: string;
  /** The environment; read configuration here, never in libraries. */
  readonly env: Io["env"];
  readonly home: CobuyHome;
  /** True under `--json`: stdout is reserved for the one summary object. */
  readonly json: boolean;
  readonly log: Logger;
  /** Format of the log lines on stderr. */
  readonly logFormat: LogFormat;
  /** Stage timings recorded by {@link Context.stage}, in order. */
  readonly stages: StageTiming[];
  /** Resolves a user-supplied path against the working directory. */
  resolvePath(p: string): string;
  /** Prints human output on stdout (a newline is added); silent under `--json`. */
  print(text?: string): void;
  /** Prints a table on stdout; silent under `--json`. */
  table(spec: TableSpec): void;
  /** A progress bar on stderr; a no-op unless on a terminal without `--json`/`--no-progress`. */
  progress(label: string, opts?: StageOptions): Progress;
  /** Ends every bar still drawn (a stage that failed), so an error message starts on its own line. */
  endProgress(): void;
  /**
   * Runs one timed stage: records its seconds in `ctx.stages`, logs it, and hands `fn` a progress
   * bar labelled with the stage name (drawn only if the stage runs long enough to need one).
   */
  stage<T>(name: string, fn: (progress: Progress) => Promise<T> | T, opts?: StageOptions): Promise<T>;
  /** Records a stage timed elsewhere (e.g. reported by a library's `onStage` events). */
  recordStage(name: string, seconds: number): void;
  /**
   * The finished stages, then those still running with their seconds so far (outermost first):
   * what a report written inside a stage (e.g. "write") shows.
   */
  stagesSoFar(): StageTiming[];
  /** Peak resident memory of this process (and its worker threads) so far, in bytes. */
  peakRssBytes(): number;
}

export interface ContextOptions {
  command: string;
  json?: boolean;
  logFormat?: string;
  logLevel?: string;
  progress?: boolean;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * @example
 * const ctx = createContext({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
 *   { command: "build", json: false });
 * const rows = await ctx.stage("ingest", (p) => readAll(p), { unit: "rows" });
 */
export function createContext(io: Io, opts: ContextOptions): Context {
  const json = opts.json ?? false;
  const format =
    choiceSetting<LogFormat>(opts.logFormat, "--log-format", ["human", "json"]) ?? (json ? "json" : "human");
  const level =
    choiceSetting<LogLevel>(opts.logLevel ?? io.env.COBUY_LOG_LEVEL, "--log-level", LEVELS) ?? "info";
  const log = createLogger({ format, level, write: (l) => io.stderr.write(l) });
  const drawProgress = !json && opts.progress !== false && io.stderr.isTTY === true;
  const delayMs = intEnv(io.env.COBUY_PROGRESS_DELAY_MS, "COBUY_PROGRESS_DELAY_MS", { min: 0 }) ?? 500;
  const stages: StageTiming[] = [];
  const running: Array<{ name: string; t0: number }> = [];
  const home = resolveHome(io.env, io.cwd);

  const open = new Set<Progress>();
  const progress = (label: string, o?: StageOptions): Progress => {
    if (!drawProgress) return NO_PROGRESS;
    const bar = createProgress({ label, unit: o?.unit, total: o?.total, stream: io.stderr, delayMs });
    open.add(bar);
    return {
      report: bar.report,
      update: bar.update,
      done() {
        open.delete(bar);
        bar.done();
      },
    };
  };

  return {
    command: opts.command,
    cwd: io.cwd,
    env: io.env,
    home,
    json,
    log,
    logFormat: format,
    stages,
    resolvePath: (p) => path.resolve(io.cwd, p),
    print(text = "") {
      if (!json) io.stdout.write(`${text}\n`);
    },
    table(spec) {
      if (!json) io.stdout.write(renderTable(spec));
    },
    progress,
    endProgress() {
      for (const bar of open) bar.done();
      open.clear();
    },
    async stage(name, fn, o) {
      const bar = progress(name, o);
      const t0 = performance.now();
      const entry = { name, t0 };
      running.push(entry);
      log.debug(`stage ${name} started`);
      try {
        return await fn(bar);
      } finally {
        running.splice(running.indexOf(entry), 1);
        bar.done();
        const seconds = (performance.now() - t0) / 1000;
        stages.push({ name, seconds });
        log.debug(`stage ${name} finished`, { seconds: Number(seconds.toFixed(3)) });
      }
    },
    recordStage(name, seconds) {
      stages.push({ name, seconds });
      log.debug(`stage ${name} finished`, { seconds: Number(seconds.toFixed(3)) });
    },
    stagesSoFar() {
      const now = performance.now();
      return [
        ...stages,
        ...running.map((r) => ({ name: r.name, seconds: (now - r.t0) / 1000, running: true as const })),
      ];
    },
    peakRssBytes: () => process.resourceUsage().maxRSS * 1024,
  };
}
