import { describe, expect, it } from "vitest";
import { RunState } from "../src/app/run-state.js";
import type { RecommendationSource } from "../src/source/recommendation-source.js";

// Only activeRunId matters to RunState; the other methods are never called here.
function countingSource(runs: (string | null)[]) {
  let calls = 0;
  const source = {
    activeRunId: async () => {
      const run = runs[Math.min(calls, runs.length - 1)] ?? null;
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return run;
    },
  } as RecommendationSource;
  return { source, calls: () => calls };
}

describe("RunState", () => {
  it("re-reads the active run at most once per interval and shares one query among concurrent callers", async () => {
    const { source, calls } = countingSource(["r1"]);
    const state = new RunState(source, { runCheckIntervalMs: 60_000, cacheEntries: 10 });
    const ids = await Promise.all([state.activeRunId(), state.activeRunId(), state.activeRunId()]);
    expect(ids).toEqual(["r1", "r1", "r1"]);
    expect(calls()).toBe(1);
    expect(await state.activeRunId()).toBe("r1");
    expect(calls()).toBe(1);
    await state.activeRunId(true);
    expect(calls()).toBe(2);
  });

  it("drops both caches when the run changes, and only then", async () => {
    const { source } = countingSource(["r1", "r1", "r2"]);
    const changes: [string | null, string | null][] = [];
    const state = new RunState(source, {
      runCheckIntervalMs: 0,
      cacheEntries: 10,
      onRunChange: (from, to) => changes.push([from, to]),
    });
    await state.activeRunId();
    state.products.set("P1", null);
    state.popular.set("C1", []);
    await state.activeRunId();
    expect(state.products.size).toBe(1);
    expect(await state.activeRunId()).toBe("r2");
    expect(state.products.size).toBe(0);
    expect(state.popular.size).toBe(0);
    expect(changes).toEqual([
      [null, "r1"],
      ["r1", "r2"],
    ]);
  });
});
