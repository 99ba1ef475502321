import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalFolderStore, publishRun, readLatest, readManifest } from "../src/index.js";
import { tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe("reading run metadata", () => {
  it("reports a manifest or pointer that breaks format v1 as COBUY_STORE_INVALID_MANIFEST, naming the key and field", async () => {
    const dir = await tempDir("read-manifest");
    dirs.push(dir);
    const store = new LocalFolderStore(path.join(dir, "bucket"));
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
