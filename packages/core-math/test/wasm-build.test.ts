import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("shipped wasm kernel", () => {
  it("src/wasm/kernel.wasm.ts is what assembly/kernel.ts compiles to (run `node scripts/build-wasm.mjs`)", async () => {
    // @ts-expect-error: plain .mjs build script without types
    const { compileKernel, render } = await import("../scripts/build-wasm.mjs");
    const expected = render(await compileKernel());
    const committed = await readFile(new URL("../src/wasm/kernel.wasm.ts", import.meta.url), "utf8");
    expect(committed === expected, "kernel.wasm.ts is stale: run `node scripts/build-wasm.mjs`").toBe(true);
  });
});
