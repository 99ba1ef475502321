import { describe, expect, it } from "vitest";
import { assertRunId, classicKeyFor, makeRunId } from "../src/index.js";
import { codeOf } from "./helpers.js";

describe("run ids", () => {
  it("are the UTC start time to the second, optionally suffixed", () => {
    const d = new Date("2026-11-29T06:53:07.900Z");
    expect(makeRunId(d)).toBe("2026-11-29_06-53-07");
    expect(makeRunId(d, "b2")).toBe("2026-11-29_06-53-07_b2");
  });
  it("sort chronologically as strings", () => {
    const ids = ["2026-11-29_06-53-07", "2026-01-02_00-00-00", "2026-11-29_06-53-07_b"];
    expect([...ids].sort()).toEqual(["2026-01-02_00-00-00", "2026-11-29_06-53-07", "2026-11-29_06-53-07_b"]);
  });
  it("refuse 'latest', path tricks and empty ids", async () => {
    for (const bad of ["latest", "", "../x", "a/b", ".hidden", "x.json"]) {
      expect(await codeOf((async () => assertRunId(bad))()), bad).toBe("E_INVALID_ARGUMENT");
    }
  });
});

describe("classic keys", () => {
  it("expand {ts} to the tutorial's minute timestamp and {runId} to the id", () => {
    expect(classicKeyFor("recs/key{ts}.json", "2026-11-29_06-53-07")).toBe("recs/key2026-11-29_06-53.json");
    expect(classicKeyFor("recs/{runId}.json", "2026-11-29_06-53-07_x")).toBe(
      "recs/2026-11-29_06-53-07_x.json",
    );
  });
  it("fall back to createdAt when the run id is not a timestamp", () => {
    expect(classicKeyFor("key{ts}.json", "nightly", new Date("2026-02-03T04:05:06Z"))).toBe(
      "key2026-02-03_04-05.json",
    );
  });
});
