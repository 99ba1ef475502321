// Shared by the runner's end-to-end tests: runs the built `cobuy` binary (dist/cli.js) as a child
// process the way users run it, reads its `--json` summary and sets up the environment around it.
// turbo builds the binary first (`@cobuy/runner#test` dependsOn `build`); nothing here builds.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { S3rverHandle } from "@cobuy/test-utils";
import { expect } from "vitest";

/** The built binary. */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** What one `cobuy` invocation gave back. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cobuy ...args` in `cwd` with `env` laid over `process.env`. Never rejects: a failing command
 * resolves with its exit code and output.
 *
 * @example
 * const r = await runCobuy(["runs", "list", "--json"], work, { COBUY_HOME: join(work, "home") });
 */
export function runCobuy(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Parses the JSON summary: the last line of stdout (`{}` when there is none). */
// biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON summaries
export function lastJson(stdout: string): Record<string, any> {
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
}

/** Keeps the CLI inside `work`: COBUY_HOME under it and no database taken from the caller's environment. */
export function isolatedEnv(work: string): Record<string, string> {
  return { COBUY_HOME: join(work, "home"), DATABASE_URL: "", PGHOST: "", PGDATABASE: "" };
}

/**
 * The standard AWS variables for `s3`'s credentials and region. With `endpoint: false` the endpoint
 * variables are emptied, so the endpoint comes from `--s3-endpoint` only.
 */
export function s3rverEnv(s3: S3rverHandle, { endpoint = true } = {}): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: s3.region,
    ...(endpoint ? { AWS_ENDPOINT_URL_S3: s3.endpoint } : { AWS_ENDPOINT_URL_S3: "", AWS_ENDPOINT_URL: "" }),
  };
}

/** Writes the sample the tests share (600 orders, 150 products, 5 categories) to `out` with `cobuy sample`. */
export async function writeSample(cobuy: (args: string[]) => Promise<CliRun>, out: string): Promise<void> {
  const r = await cobuy([
    "sample",
    "--out",
    out,
    "--orders",
    "600",
    "--products",
    "150",
    "--categories",
    "5",
  ]);
  expect(r.code, r.stderr).toBe(0);
}
