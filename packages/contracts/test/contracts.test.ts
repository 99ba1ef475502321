import { describe, expect, it } from "vitest";
import { checkK, DEFAULT_K, kProblem, MAX_K, makeRunId, RUN_ID_PATTERN } from "../src/index.js";

describe("k", () => {
  it("defaults to 5 and accepts 1..MAX_K", () => {
    expect(checkK(undefined)).toBe(DEFAULT_K);
    expect(checkK(1)).toBe(1);
    expect(checkK(MAX_K)).toBe(MAX_K);
  });
  it.each([0, -1, 1.5, MAX_K + 1, Number.NaN])("refuses %s", (k) => {
    expect(kProblem(k)).toMatch(/^k must be an integer from 1 to 1000/);
    expect(() => checkK(k)).toThrow(expect.objectContaining({ code: "COBUY_CONTRACT_INVALID" }));
  });
});

describe("run ids", () => {
  it("formats the UTC time and an optional suffix, and the pattern matches both", () => {
    const at = new Date("2025-03-04T05:06:07Z");
    expect(makeRunId(at)).toBe("2025-03-04_05-06-07");
    expect(makeRunId(at, "b1")).toBe("2025-03-04_05-06-07_b1");
    expect(RUN_ID_PATTERN.test(makeRunId(at, "b1"))).toBe(true);
    expect(RUN_ID_PATTERN.test("latest")).toBe(false);
  });
  it("refuses an unsafe suffix and an invalid date", () => {
    expect(() => makeRunId(new Date(0), "a/b")).toThrow(/may only hold/);
    expect(() => makeRunId(new Date(Number.NaN))).toThrow(/valid date/);
  });
});
