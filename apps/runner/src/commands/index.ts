/**
 * The command registry: one line per command, in the order `cobuy --help` lists them.
 *
 * To add a command: create `src/commands/<name>.ts` exporting `defineCommand({...})`, then add
 *   { name: "<name>", load: async () => (await import("./<name>.js")).<export> },
 * Commands load lazily so that `cobuy build` never pays for the AWS SDK, PGlite or an HTTP server
 * that only other commands import (the S benchmark times the whole process).
 */
import type { CommandEntry } from "../command.js";

export const commands: readonly CommandEntry[] = [
  { name: "pipeline", load: async () => (await import("./pipeline.js")).pipeline },
  { name: "build", load: async () => (await import("./build.js")).build },
  { name: "sample", load: async () => (await import("./sample.js")).sample },
  { name: "evaluate", load: async () => (await import("./evaluate.js")).evaluateCommand },
  { name: "sweep", load: async () => (await import("./sweep.js")).sweepCommand },
  { name: "serve", load: async () => (await import("./serve.js")).serve },
  { name: "publish", load: async () => (await import("./publish.js")).publishCommand },
  { name: "runs", load: async () => (await import("./runs.js")).runsCommand },
  { name: "fetch", load: async () => (await import("./fetch.js")).fetchCommand },
  { name: "load", load: async () => (await import("./load.js")).loadCommand },
  { name: "db", load: async () => (await import("./db.js")).dbCommand },
];
