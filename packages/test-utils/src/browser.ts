/**
 * Debian's Chromium driven by playwright-core (no downloaded browser), for tests that render pages.
 */
import { accessSync, constants } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { describe } from "vitest";
import { requireService } from "./services.js";

/**
 * The Chromium binary: CHROMIUM_PATH, else Debian's `/usr/bin/chromium`.
 * @example
 * const browser = await launchChromium(chromiumPath());
 */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

/**
 * Launches headless Chromium from {@link chromiumPath} (or `executablePath`) with no sandbox, GPU,
 * background networking, component updates, sync or QUIC. Close it when done.
 * @example
 * const browser = await launchChromium();
 * afterAll(() => browser.close());
 */
export function launchChromium(executablePath: string = chromiumPath()): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/**
 * Whether Chromium can run the tests `what` names: `true` when {@link chromiumPath} is an
 * executable; else one skip line (developer's machine) or {@link TestServiceMissingError} (CI).
 * @example
 * it.runIf(requireBrowser("the screenshot"))("draws the page", async () => {});
 */
export function requireBrowser(what: string): boolean {
  const path = chromiumPath();
  let problem: string | undefined;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    problem = `no Chromium executable at ${path}${process.env.CHROMIUM_PATH ? " (CHROMIUM_PATH)" : ""}`;
  }
  return requireService({
    what,
    problem,
    remedy: "install it with `apt-get install chromium`, or set CHROMIUM_PATH to a Chromium binary",
  });
}

/**
 * `describe` for a suite that launches Chromium: skipped with one line when there is none, a
 * failure under CI (see {@link requireBrowser}).
 * @example
 * describeWithBrowser("report.html in Chromium", () => { it("renders", async () => {}) });
 */
export function describeWithBrowser(name: string, fn: () => void): void {
  describe.runIf(requireBrowser(name))(name, fn);
}
