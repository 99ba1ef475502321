import * as fs from "node:fs/promises";
import * as path from "node:path";
import { makeRunId } from "@cobuy/contracts";
import { afterAll, describe, expect, it } from "vitest";
import {
  classicKeyFor,
  LocalFolderStore,
  publishRun,
  readLatest,
  readManifest,
  resolveRunId,
} from "../src/index.js";
import { allKeys, codeOf, tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function fresh(): Promise<LocalFolderStore> {
  const dir = await tempDir("run-metadata");
  dirs.push(dir);
  return new LocalFolderStore(path.join(dir, "bucket"));
}

describe("run ids (the rule of @cobuy/contracts)", () => {
  it("are refused as 'latest', path tricks, empty or not a start time, before anything is written", async () => {
    const store = await fresh();
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
    const store = await fresh();
    const at = new Date("2026-11-29T06:53:07.900Z");
    for (const id of [makeRunId(at), makeRunId(at, "b2"), makeRunId(at, "a_b.c-d")]) {
      expect(await resolveRunId(store, id)).toBe(id);
    }
  });
});

describe("reading run metadata", () => {
  it("reports a manifest or pointer that breaks format v1 as COBUY_STORE_INVALID_MANIFEST, naming the key and field", async () => {
    const store = await fresh();
    const runId = "2026-11-29_06-53-07";
    await publishRun(store, { runId, files: [{ name: "recs.json", body: "{}" }] });
    const m = await readManifest(store, runId);
    expect(m.files.map((f) => [f.name, f.size])).toEqual([["recs.json", 2]]);

    const manifestKey = `${runId}/manifest.json`;
    // `bytes` is an alias format v1 does not have (JSON.stringify drops the undefined `size`).
    const aliased = { ...m, files: [{ ...m.files[0]!, size: undefined, bytes: 2 }] };
    await store.put(manifestKey, JSON.stringify(aliased));
    const err = await readManifest(store, runId).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "COBUY_STORE_INVALID_MANIFEST", location: { key: manifestKey } });
    expect((err as Error).message).toContain(`key "${manifestKey}"`);
    expect((err as Error).message).toContain("files[0].size must be a non-negative integer");

    await store.put("latest.json", JSON.stringify({ format: "cobuy.latest.v1", runId: "latest" }));
    await expect(readLatest(store)).rejects.toMatchObject({
      code: "COBUY_STORE_INVALID_MANIFEST",
      message: expect.stringContaining('runId: invalid run id "latest"'),
    });
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
