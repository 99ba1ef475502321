// The refusal line in-process: it names each failed check with its value and limit, and the
// override it suggests is one the same run then passes, also when a value sits on a tenth.
import { checkGuard, DEFAULT_GUARD_LIMITS, diffRuns, type RunLists } from "@cobuy/pipeline/diff";
import { describe, expect, it } from "vitest";
import { parseGuardFlags } from "../src/flags/guard.js";
import { type GuardOutcome, refusalMessage } from "../src/steps/guard.js";

/** `products` products P0…, each recommending the next `k` products; `moved` of them recommend others first. */
function run(runId: string, products: number, moved: number, orders: number): RunLists {
  const lists: Record<string, { id: string; score: number }[]> = {};
  for (let p = 0; p < products; p++) {
    const ids = [1, 2, 3].map((d) => `P${(p + d) % products}`);
    if (p < moved) ids.reverse();
    lists[`P${p}`] = ids.map((id, r) => ({ id, score: 1 - r / 10 }));
  }
  return { runId, lists, orders };
}

function outcome(before: RunLists, after: RunLists, limits = DEFAULT_GUARD_LIMITS): GuardOutcome {
  const diff = diffRuns(before, after);
  const verdict = checkGuard(diff, limits);
  return { diff, verdict, limits, refused: !verdict.passed, forced: false };
}

describe("refusal message", () => {
  it("names every failed check and suggests limits the run then passes", () => {
    const cases: [RunLists, RunLists, Partial<typeof DEFAULT_GUARD_LIMITS>][] = [
      // 3 of 10 top-1 changed (exactly 0.3) against a limit of 0.25; 7 of 10 products, 700 of 1000 orders.
      [run("a", 10, 0, 1000), run("b", 10, 3, 1000), { maxChurn: 0.25 }],
      [run("a", 10, 0, 1000), run("b", 7, 0, 690), {}],
      [run("a", 40, 0, 1000), run("b", 40, 31, 1000), {}],
    ];
    for (const [before, after, limits] of cases) {
      const o = outcome(before, after, { ...DEFAULT_GUARD_LIMITS, ...limits });
      expect(o.refused).toBe(true);
      const message = refusalMessage(o);
      expect(message.split("\n")).toHaveLength(1);
      for (const f of o.verdict.failures) expect(message).toContain(f.message);
      const flags = /\(rerun with (.+) or --force\)$/.exec(message)?.[1]?.split(" ") ?? [];
      const values: Record<string, string> = {};
      for (let i = 0; i < flags.length; i += 2)
        values[(flags[i] as string).slice(2)] = flags[i + 1] as string;
      expect(Object.keys(values).sort()).toEqual(o.verdict.failures.map((f) => f.check).sort());
      const suggested = parseGuardFlags({ ...limitFlags(limits), ...values });
      expect(checkGuard(o.diff, suggested.limits), message).toMatchObject({ passed: true });
    }
  });

  it("on a value on a tenth, suggests that tenth", () => {
    const o = outcome(run("a", 10, 0, 1000), run("b", 10, 3, 1000), {
      ...DEFAULT_GUARD_LIMITS,
      maxChurn: 0.25,
    });
    expect(refusalMessage(o)).toBe(
      "refused: top-1 churn 0.3 is above --max-churn 0.25 (rerun with --max-churn 0.3 or --force)",
    );
  });
});

function limitFlags(limits: Partial<typeof DEFAULT_GUARD_LIMITS>): Record<string, string> {
  return limits.maxChurn === undefined ? {} : { "max-churn": String(limits.maxChurn) };
}
