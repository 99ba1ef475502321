/**
 * The one rule for tests that need a machine service (Chromium, a PostgreSQL server): on a
 * developer's machine a missing service skips those tests with one line saying what was skipped
 * and how to get the service; under `CI=true` the service is required and the suite fails.
 */

/** Thrown under CI when a test needs a service this machine lacks. */
export class TestServiceMissingError extends Error {
  readonly code = "COBUY_TEST_SERVICE_MISSING";
  constructor(message: string) {
    super(message);
    this.name = "TestServiceMissingError";
  }
}

/**
 * Whether the tests run under CI (`CI=true`, as GitHub Actions and `.ci/run` set it, or `CI=1`).
 * @example
 * if (isCi()) console.log("every service is required");
 */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(true|1)$/i.test(env.CI ?? "");
}

/** What a guard knows about one service a suite needs. */
export interface ServiceCheck {
  /** The suite (or tests) that needs the service, as the skip line names it. */
  what: string;
  /** Why the service is unusable here, or `undefined` when it is there. */
  problem: string | undefined;
  /** How to get it, e.g. `apt-get install chromium, or set CHROMIUM_PATH to a Chromium binary`. */
  remedy: string;
}

/**
 * `true` when the service is there. Otherwise, under CI throws {@link TestServiceMissingError};
 * on a developer's machine writes one line to stderr and returns `false` (the caller skips).
 * @example
 * describe.runIf(requireService({ what: "page", problem: undefined, remedy: "" }))("page", () => {});
 */
export function requireService({ what, problem, remedy }: ServiceCheck): boolean {
  if (problem === undefined) return true;
  if (isCi()) {
    throw new TestServiceMissingError(`${what}: ${problem}; CI=true requires it: ${remedy}`);
  }
  const pkg = process.env.npm_package_name ? ` (${process.env.npm_package_name})` : "";
  // Written straight to stderr, not console: vitest would wrap a console line in its own header.
  process.stderr.write(`cobuy tests: skipped "${what}"${pkg}: ${problem}; ${remedy}\n`);
  return false;
}
