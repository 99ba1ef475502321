/**
 * Structured logger on pino (the logger Fastify, and so @cobuy/api, already ships): one line per
 * event on stderr. JSON lines (`{"level","time","msg",...fields}`) in `--json` / `--log-format json`
 * mode; `cobuy: msg key=value` otherwise (pino's JSON line rendered for people, as pino-pretty
 * does). Credentials in URLs and secret-named fields are redacted before pino serializes them.
 */
import pino from "pino";

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

const SECRET_KEY = /(secret|password|passwd|token|credential|authorization|api[-_]?key|access[-_]?key)/i;

/**
 * Hides credentials in URLs (`postgres://u:pw@h/db` → `postgres://u:***@h/db`) and secret-named
 * fields, also inside nested objects and arrays.
 * @example
 * redact("url", "postgres://app:hunter2@db/x"); // "postgres://app:***@db/x"
 */
export function redact(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key)) return "***";
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => redact("", v));
  if (value !== null && typeof value === "object" && !(value instanceof Error)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(k, v)]));
  }
  return value;
}

/**
 * `scheme://user:password@host` → `scheme://user:***@host`, also the bare `user:password@host` a
 * message may quote from such a URL; other strings unchanged.
 */
export function redactUrl(s: string): string {
  return s
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, "$1:***@")
    .replace(/(^|[\s"'(=])([^\s:/@"'()=]+):(?!\*\*\*@)[^\s:/@"']+@(?=[^\s@])/g, "$1$2:***@");
}

/** pino's own keys in a JSON line; the rest are the event's fields. */
const LINE_KEYS = new Set(["level", "time", "msg"]);

/**
 * One pino JSON line as people read it: `cobuy: [level: ]msg k=v …`. Not pino-pretty: another
 * dependency, and as a worker-thread transport its lines would land asynchronously between progress redraws.
 */
function humanLine(json: string): string {
  const o = JSON.parse(json) as LogFields & { level: LogLevel; msg: string };
  const tag = o.level === "info" ? "" : `${o.level}: `;
  const kv = Object.entries(o)
    .filter(([k]) => !LINE_KEYS.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(" ");
  return `cobuy: ${tag}${o.msg}${kv ? ` ${kv}` : ""}\n`;
}

/**
 * @example
 * const log = createLogger({ format: "human", write: (l) => process.stderr.write(l) });
 * log.info("wrote documents", { dir: "out" }); // cobuy: wrote documents dir=out
 */
export function createLogger(opts: LoggerOptions): Logger {
  const now = opts.now ?? (() => new Date());
  const human = opts.format === "human";
  // A plain object stream: pino writes each line synchronously, so log lines and progress bars
  // on stderr never interleave mid-line.
  const stream = { write: (line: string) => opts.write(human ? humanLine(line) : line) };
  const log = pino(
    {
      level: opts.level ?? "info",
      base: undefined,
      messageKey: "msg",
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redact("", fields) as LogFields,
      },
    },
    stream,
  );
  const emit =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      const clean: LogFields = {};
      for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined) clean[k] = v;
      log[level](clean, redactUrl(msg));
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
