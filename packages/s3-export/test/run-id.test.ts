import * as fs from "node:fs/promises";
import * as path from "node:path";
import { makeRunId } from "@cobuy/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { classicKeyFor, LocalFolderStore, publishRun, resolveRunId } from "../src/index.js";
import { allKeys, codeOf, tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe("run ids (the rule of @cobuy/contracts)", () => {
  it("are refused as 'latest', path tricks, empty or not a start time, before anything is written", async () => {
    const dir = await tempDir("run-id");
    dirs.push(dir);
    const store = new LocalFolderStore(path.join(dir, "bucket"));
    for (const bad of ["", "../x", "a/b", ".hidden", "x.json", "nightly", "2026-11-29_06-53"]) {
      expect(await codeOf(resolveRunId(store, bad)), bad).toBe("COBUY_STORE_INVALID_ARGUMENT");
      expect(
        await codeOf(publishRun(store, { runId: bad, files: [{ name: "a.json", body: "{}" }] })),
        bad,
      ).toBe("COBUY_STORE_INVALID_ARGUMENT");
    }
    expect(await allKeys(store)).toEqual([]);
  });
  it("made by makeRunId, suffixed or not, are accepted", async () => {
    const dir = await tempDir("run-id");
    dirs.push(dir);
    const store = new LocalFolderStore(path.join(dir, "bucket"));
    const at = new Date("2026-11-29T06:53:07.900Z");
    for (const id of [makeRunId(at), makeRunId(at, "b2"), makeRunId(at, "a_b.c-d")]) {
      expect(await resolveRunId(store, id)).toBe(id);
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
