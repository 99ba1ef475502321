/**
 * The command-module contract. Every `cobuy <name>` is one file `src/commands/<name>.ts` that
 * default-exports nothing and exports one `defineCommand({...})` object, listed once in
 * `src/commands/index.ts`. The CLI (src/main.ts) parses flags with `node:util` `parseArgs`
 * (strict: unknown flags are usage errors, exit 2), prints `--help` from `usage`/`options`, builds a
 * {@link Context} and calls `run`.
 */
import type { Context } from "./context.js";

/** A `node:util` `parseArgs` option (type, short, multiple, default) plus the text `--help` shows. */
export interface OptionSpec {
  type: "string" | "boolean";
  /** One-letter alias, e.g. "o" for `-o`. */
  short?: string;
  /** Repeatable: the value is an array. */
  multiple?: boolean;
  /** parseArgs applies it when the flag is absent (booleans with `default: true` get `--no-<name>`). */
  default?: string | boolean | string[] | boolean[];
  /** One line for `--help`. Mention the default here when there is one. */
  description: string;
  /** Placeholder shown in help for string options, e.g. "FILE" (default "VALUE"). */
  valueName?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Parsed values, typed from the option specs (`string` / `boolean` / arrays with `multiple`). */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]["type"] extends "boolean"
    ? O[K]["multiple"] extends true
      ? boolean[]
      : boolean
    : O[K]["multiple"] extends true
      ? string[]
      : string;
};

export interface CommandArgs<O extends OptionSpecs> {
  values: OptionValues<O> & CommonValues;
  positionals: string[];
}

/**
 * What `run` returns:
 * - a plain object: the command's summary. With `--json` the CLI prints it on stdout as the one JSON
 *   object (plus `ok: true` and `command`); without `--json` it is not printed (the command showed
 *   humans what it wanted through `ctx.print` / `ctx.table`). Exit code 0.
 * - a number: the exit code (`{ok, command, exitCode}` is printed under `--json`).
 * - nothing: exit code 0.
 * Failures are thrown (see src/errors.ts); the CLI turns them into `cobuy: <message>` and exit 1.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: lets `async run() { … }` without a return type-check
export type CommandResult = number | void | Record<string, unknown>;

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** The word after `cobuy`. */
  name: string;
  /** One line for the top-level `cobuy --help`. */
  summary: string;
  /** Synopsis line(s) without the leading "usage: ", e.g. "cobuy build --input FILE --out DIR [options]". */
  usage: string;
  /** Optional paragraph(s) shown in `cobuy <name> --help` after the synopsis. */
  description?: string;
  /** Command-specific options; the common ones (--json, --log-format, --help, …) are added for you. */
  options: O;
  /** Accept positional arguments (default: no; any positional is a usage error). */
  positionals?: boolean;
  /** Example invocations for `--help`. */
  examples?: string[];
  run(ctx: Context, args: CommandArgs<O>): Promise<CommandResult>;
}

/**
 * A registry line: the command's name and how to load its module. Loading is lazy so a command
 * only pays for the libraries it imports itself.
 */
export interface CommandEntry {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own option types
  load(): Promise<Command<any>>;
}

/** Flags every command understands; the CLI handles them before `run` is called. */
export const COMMON_OPTIONS = {
  json: { type: "boolean", description: "print one JSON summary object on stdout (logs become JSON lines)" },
  "log-format": {
    type: "string",
    valueName: "human|json",
    description: "format of the log lines on stderr (default: json with --json, else human)",
  },
  "log-level": {
    type: "string",
    valueName: "debug|info|warn|error",
    description: "lowest log level shown (default info)",
  },
  progress: {
    type: "boolean",
    default: true,
    description: "progress bars on a terminal (--no-progress turns them off)",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const satisfies OptionSpecs;

export type CommonValues = OptionValues<typeof COMMON_OPTIONS>;

/**
 * Declares a command with its option types inferred (no `as const` needed).
 * @example
 * export const hello = defineCommand({
 *   name: "hello", summary: "say hello", usage: "cobuy hello [--name NAME]",
 *   options: { name: { type: "string", valueName: "NAME", description: "who to greet" } },
 *   async run(ctx, { values }) { ctx.print(`hello ${values.name ?? "world"}`); return { greeted: values.name ?? "world" }; },
 * });
 */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/**
 * Some flags of a family, in the order given (the order `--help` lists them).
 * @example
 * const options = { ...pickOptions(BUILD_OPTIONS, ["k", "threads"]) };
 */
export function pickOptions<O extends OptionSpecs, const N extends readonly (keyof O & string)[]>(
  family: O,
  names: N,
): Pick<O, N[number]> {
  return Object.fromEntries(names.map((n) => [n, family[n]])) as Pick<O, N[number]>;
}

/** Help text of one command: synopsis, description, options, examples. */
export function renderCommandHelp(cmd: Command<OptionSpecs>): string {
  const lines: string[] = [`usage: ${cmd.usage}`, "", cmd.summary];
  if (cmd.description) lines.push("", cmd.description);
  lines.push(
    "",
    "options:",
    ...renderOptions(cmd.options),
    "",
    "common options:",
    ...renderOptions(COMMON_OPTIONS),
  );
  if (cmd.examples?.length) lines.push("", "examples:", ...cmd.examples.map((e) => `  ${e}`));
  return `${lines.join("\n")}\n`;
}

function renderOptions(options: OptionSpecs): string[] {
  const entries = Object.entries(options);
  if (entries.length === 0) return ["  (none)"];
  const heads = entries.map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : "";
    const flag = o.type === "boolean" && o.default === true ? `--[no-]${name}` : `--${name}`;
    return `  ${short}${flag}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`;
  });
  const w = Math.max(...heads.map((h) => h.length)) + 2;
  return entries.map(([, o], i) => `${(heads[i] ?? "").padEnd(w)}${o.description}`);
}
