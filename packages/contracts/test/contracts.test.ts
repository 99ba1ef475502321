import { describe, expect, it } from "vitest";
import {
  checkK,
  checkRunId,
  DEFAULT_K,
  kProblem,
  MAX_K,
  makeRunId,
  makeUniqueRunId,
  RUN_ID_PATTERN,
  runIdProblem,
} from "../src/index.js";

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
  it("refuses an unsafe suffix, a too long one and an invalid date", () => {
    expect(() => makeRunId(new Date(0), "a/b")).toThrow(/may only hold/);
    expect(() => makeRunId(new Date(0), "x".repeat(109))).toThrow(/at most 128/);
    expect(makeRunId(new Date(0), "x".repeat(108))).toHaveLength(128);
    expect(() => makeRunId(new Date(Number.NaN))).toThrow(/valid date/);
  });
  it("makeUniqueRunId keeps the readable timestamp and differs per call", () => {
    const at = new Date("2025-03-04T05:06:07Z");
    const ids = new Set(Array.from({ length: 1000 }, () => makeUniqueRunId(at)));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^2025-03-04_05-06-07_000[0-9a-z]{5}$/);
      expect(runIdProblem(id)).toBeUndefined();
    }
  });
  // Two runs of one second (a retry, back-to-back pipelines) must list newest first by id.
  it("makeUniqueRunId sorts in creation order to the millisecond, across seconds too", () => {
    const base = Date.parse("2025-03-04T05:06:07Z");
    const times = [0, 1, 9, 10, 99, 100, 998, 999, 1000, 1001, 61_000, 3_600_000];
    for (let trial = 0; trial < 50; trial++) {
      const ids = times.map((dt) => makeUniqueRunId(new Date(base + dt)));
      expect([...ids].sort()).toEqual(ids);
    }
    expect(makeUniqueRunId(new Date(base + 42))).toMatch(/^2025-03-04_05-06-07_042[0-9a-z]{5}$/);
    expect(() => makeUniqueRunId(new Date(Number.NaN))).toThrow(/valid date/);
  });
  // The ids the pipeline's and the store's makeRunId used to make: one rule accepts them all.
  it.each([
    "2026-11-29_06-53-07",
    "2026-11-29_06-53-07_b2",
    "2026-11-29_06-53-07_a.b-c",
    "2026-11-29_06-53-07_a_b",
  ])("accepts %s", (id) => {
    expect(runIdProblem(id)).toBeUndefined();
    expect(checkRunId(id)).toBe(id);
    expect(makeRunId(new Date("2026-11-29T06:53:07Z"), id.slice(20) || undefined)).toBe(id);
  });
  it.each([
    "latest",
    "",
    "../x",
    "a/b",
    ".hidden",
    "x.json",
    "2026-11-29_06-53",
    "2026-11-29_06-53-07_",
    "2026-11-29_06-53-07/x",
    7,
  ])("refuses %s", (id) => {
    expect(runIdProblem(id)).toMatch(/^invalid run id .*YYYY-MM-DD_HH-MM-SS/);
    expect(() => checkRunId(id as string)).toThrow(
      expect.objectContaining({ code: "COBUY_CONTRACT_INVALID" }),
    );
  });
  it("sort chronologically as strings", () => {
    const ids = ["2026-11-29_06-53-07", "2026-01-02_00-00-00", "2026-11-29_06-53-07_b"];
    expect([...ids].sort()).toEqual(["2026-01-02_00-00-00", "2026-11-29_06-53-07", "2026-11-29_06-53-07_b"]);
  });
});

describe("product ids", () => {
  it("accepts printable UTF-8 up to MAX_ID_BYTES and names the first control character", async () => {
    const { idProblem, MAX_ID_BYTES } = await import("../src/index.js");
    const ok = Buffer.from("Pé-1 (large)");
    expect(idProblem(ok, 0, ok.length)).toBeUndefined();
    const nul = Buffer.from("P1\u0000x");
    expect(idProblem(nul, 0, nul.length)).toEqual({ reason: "contains a control character (0x00)", at: 2 });
    const bell = Buffer.from("ab\u0007c");
    expect(idProblem(bell, 0, bell.length)?.at).toBe(2);
    const quotedLines = Buffer.from("a\tb\r\nc"); // RFC 4180 quoting carries these; COPY escapes them
    expect(idProblem(quotedLines, 0, quotedLines.length)).toBeUndefined();
    const long = Buffer.alloc(MAX_ID_BYTES + 1, 0x41);
    expect(idProblem(long, 0, long.length)?.reason).toMatch(/at most 512 bytes/);
    expect(idProblem(long, 1, long.length)).toBeUndefined();
  });
});
