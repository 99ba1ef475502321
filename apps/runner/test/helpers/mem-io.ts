import type { Io } from "../../src/context.js";

/** An in-memory Io for in-process tests: what the CLI wrote to stdout and stderr, read back. */
export function memIo(
  env: Record<string, string> = {},
  tty = false,
): Io & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s), isTTY: tty },
    stderr: { write: (s: string) => (err += s), isTTY: tty, columns: 120 },
    env,
    cwd: "/tmp/cobuy-cwd",
    out: () => out,
    err: () => err,
  };
}
