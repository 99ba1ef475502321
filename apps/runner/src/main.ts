/**
 * The CLI driver: picks the command, parses its flags (strict), prints help, runs it with a
 * {@link Context} and turns the outcome into stdout/stderr output and an exit code:
 * 0 success · 1 failure (`cobuy: <reason>`) · 2 usage error (unknown command/flag, bad value).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  COMMON_OPTIONS,
  type Command,
  type CommandEntry,
  type CommandResult,
  type OptionSpecs,
  renderCommandHelp,
} from "./command.js";
import { type Context, createContext, type Io } from "./context.js";
import { describeError, UsageError } from "./errors.js";
import { createLogger, redactUrl } from "./ui/logger.js";

/** Top-level help: every registered command with its summary (loads every command module). */
export async function renderTopHelp(entries: readonly CommandEntry[]): Promise<string> {
  const list: Command<OptionSpecs>[] = await Promise.all(entries.map((e) => e.load()));
  const w = Math.max(...list.map((c) => c.name.length)) + 2;
  return [
    "usage: cobuy <command> [options]",
    "",
    "cobuy turns order history into similar-product lists (co-occurrence, exact cosine top-k).",
    "",
    "commands:",
    ...list.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    "",
    "Run `cobuy <command> --help` for a command's options. Every command takes --json (one JSON",
    "summary object on stdout), --log-format human|json, --log-level LEVEL, --no-progress.",
    "Environment: COBUY_HOME (default ./.cobuy) holds runs/, pglite/ and data/.",
    "Exit codes: 0 ok, 1 failure, 2 usage error.",
    "",
  ].join("\n");
}

/**
 * Runs the CLI for `argv` (without node and script) over the command list and resolves to the exit code.
 * @example
 * const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
 * const code = await main(["build", "--help"], io, commands);
 */
export async function main(argv: string[], io: Io, list: readonly CommandEntry[]): Promise<number> {
  const [first, ...rest] = argv;
  const jsonWanted = argv.includes("--json");
  if (first === undefined) {
    io.stderr.write(await renderTopHelp(list));
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const target = first === "help" ? rest[0] : undefined;
    const entry = target === undefined ? undefined : list.find((c) => c.name === target);
    if (target !== undefined && !entry)
      return fail(io, target, new UsageError(unknownCommand(target)), jsonWanted);
    io.stdout.write(entry ? renderCommandHelp(await entry.load()) : await renderTopHelp(list));
    return 0;
  }
  if (first === "--version" || first === "-V") {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = list.find((c) => c.name === first);
  if (!entry) return fail(io, first, new UsageError(unknownCommand(first)), jsonWanted);
  let cmd: Command<OptionSpecs>;
  try {
    cmd = await entry.load();
  } catch (err) {
    return fail(io, first, err, jsonWanted);
  }

  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(cmd, rest);
  } catch (err) {
    return fail(io, cmd.name, err, jsonWanted);
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help === true) {
    io.stdout.write(renderCommandHelp(cmd));
    return 0;
  }
  const json = values.json === true;
  let ctx: Context;
  try {
    ctx = createContext(io, {
      command: cmd.name,
      json,
      logFormat: values["log-format"] as string | undefined,
      logLevel: values["log-level"] as string | undefined,
      progress: values.progress as boolean | undefined,
    });
  } catch (err) {
    return fail(io, cmd.name, err, json);
  }
  let result: CommandResult;
  try {
    result = await cmd.run(ctx, parsed as Parameters<typeof cmd.run>[1]);
  } catch (err) {
    return fail(io, cmd.name, err, json, ctx);
  }
  const exitCode = typeof result === "number" ? result : 0;
  if (json) {
    const body = typeof result === "object" && result !== null ? result : { exitCode };
    io.stdout.write(`${JSON.stringify({ ok: exitCode === 0, command: cmd.name, ...body })}\n`);
  }
  return exitCode;
}

/** Strict parse of a command's flags plus the common ones; Node's errors become one-line usage errors. */
function parseCommandArgs(cmd: Command<OptionSpecs>, args: string[]) {
  try {
    return parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...cmd.options },
      strict: true,
      allowPositionals: cmd.positionals === true,
      allowNegative: true,
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const hint = `(see cobuy ${cmd.name} --help)`;
    const m = /'([^']+)'/.exec(e.message ?? "");
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new UsageError(`unknown option ${m?.[1] ?? ""} for "cobuy ${cmd.name}" ${hint}`, {
          cause: err,
        });
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new UsageError(`unexpected argument ${m ? `"${m[1]}"` : ""} for "cobuy ${cmd.name}" ${hint}`, {
          cause: err,
        });
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
        throw new UsageError(`${(e.message ?? "invalid option value").split("\n")[0]} ${hint}`, {
          cause: err,
        });
      default:
        throw err;
    }
  }
}

function unknownCommand(name: string): string {
  return `unknown command "${name}" (see cobuy --help)`;
}

/**
 * Reports a failure: `cobuy: <message>` on stderr (a JSON log line when logs are JSON) and, under
 * --json, `{"ok":false,"command",...,"error":{"code","message"}}` on stdout (with the error's
 * `details` beside them). `COBUY_DEBUG=1` adds the stack.
 */
function fail(io: Io, command: string, err: unknown, json: boolean, ctx?: Context): number {
  const described = describeError(err);
  // Messages may quote what the user typed, e.g. a store URL with credentials in it.
  const r = { ...described, message: redactUrl(described.message) };
  ctx?.endProgress();
  if (ctx ? ctx.logFormat === "json" : json) {
    (ctx?.log ?? createLogger({ format: "json", write: (l) => io.stderr.write(l) })).error(r.message, {
      code: r.code,
    });
  } else {
    io.stderr.write(`cobuy: ${r.message}\n`);
  }
  if (json) {
    const body = {
      ...r.details,
      ok: false,
      command,
      exitCode: r.exitCode,
      error: { code: r.code, message: r.message },
    };
    io.stdout.write(`${JSON.stringify(body)}\n`);
  }
  if (io.env.COBUY_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return r.exitCode;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
