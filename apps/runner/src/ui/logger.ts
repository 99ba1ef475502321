/**
 * Structured logger: one line per event on stderr. JSON lines (`{"time","level","msg",...fields}`)
 * in `--json` / `--log-format json` mode, `cobuy: msg key=value` otherwise. Field values that look
 * like secrets are redacted before they are written.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "human" | "json";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format: LogFormat;
  /** Lowest level written (default "info"). */
  level?: LogLevel;
  write: (line: string) => void;
  /** Clock for tests. */
  now?: () => Date;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /(secret|password|passwd|token|credential|authorization|api[-_]?key|access[-_]?key)/i;

/** Hides credentials in a URL (`postgres://u:pw@h/db` → `postgres://u:***@h/db`) and secret-named fields. */
export function redact(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key)) return "***";
  if (typeof value === "string") return redactUrl(value);
  return value;
}

/** `scheme://user:password@host` → `scheme://user:***@host`; other strings unchanged. */
export function redactUrl(s: string): string {
  return s.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, "$1:***@");
}

/**
 * @example
 * const log = createLogger({ format: "human", write: (l) => process.stderr.write(l) });
 * log.info("wrote documents", { dir: "out" }); // cobuy: wrote documents dir=out
 */
export function createLogger(opts: LoggerOptions): Logger {
  const min = ORDER[opts.level ?? "info"];
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (ORDER[level] < min) return;
    const clean: LogFields = {};
    for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined) clean[k] = redact(k, v);
    if (opts.format === "json") {
      opts.write(`${JSON.stringify({ time: now().toISOString(), level, msg: redactUrl(msg), ...clean })}\n`);
      return;
    }
    const tag = level === "info" ? "" : `${level}: `;
    const kv = Object.entries(clean)
      .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
      .join(" ");
    opts.write(`cobuy: ${tag}${redactUrl(msg)}${kv ? ` ${kv}` : ""}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
