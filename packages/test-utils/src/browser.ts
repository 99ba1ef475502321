/**
 * Debian's Chromium driven by playwright-core (no downloaded browser), for tests that render pages.
 */
import { type Browser, chromium } from "playwright-core";

/**
 * The Chromium binary: CHROMIUM_PATH, else Debian's `/usr/bin/chromium`.
 * @example
 * describe.skipIf(!existsSync(chromiumPath()))("page in Chromium", () => {});
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
