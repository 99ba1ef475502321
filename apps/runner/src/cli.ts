#!/usr/bin/env node
// Entry point of the `cobuy` binary: runs the CLI on process.argv and exits with its code.
import { commands } from "./commands/index.js";
import { CLI_ERROR_CODES } from "./errors.js";
import { main } from "./main.js";

// The AWS SDK warns on every start under Node 20 about its future Node 22 requirement; cobuy supports
// Node >= 20.19 on purpose and says so in its README, so the warning is noise in a CLI's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const argv = process.argv.slice(2);
let settled = false;
// If the event loop empties while a command is still awaiting (a library dropped a promise), say so
// and fail, instead of exiting silently with Node's code 13.
process.once("beforeExit", () => {
  if (settled) return;
  const message = "internal error: the command stopped before finishing (an operation never completed)";
  process.stderr.write(`cobuy: ${message}\n`);
  if (argv.includes("--json")) {
    const error = { code: CLI_ERROR_CODES.droppedPromise, message };
    process.stdout.write(`${JSON.stringify({ ok: false, command: argv[0], exitCode: 1, error })}\n`);
  }
  process.exit(1);
});

main(
  argv,
  { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
  commands,
).then(
  (code) => {
    settled = true;
    // Exit explicitly (worker pools or database handles must not keep the process alive), after stdout drains.
    process.stdout.write("", () => process.exit(code));
  },
  (err: unknown) => {
    settled = true;
    process.stderr.write(`cobuy: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
