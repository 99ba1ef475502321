import * as fs from "node:fs/promises";
import * as path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { fetchRun, LocalFolderStore, publishRun, readManifest } from "../src/index.js";
import { allKeys, codeOf, tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function fresh(): Promise<{ dir: string; store: LocalFolderStore }> {
  const dir = await tempDir("lfs");
  dirs.push(dir);
  return { dir, store: new LocalFolderStore(path.join(dir, "bucket")) };
}

describe("LocalFolderStore", () => {
  it("writes plain files a human can open, with metadata kept out of the listing", async () => {
    const { dir, store } = await fresh();
    await store.put("run/recs.json", "{}", { contentType: "application/json", metadata: { a: "1" } });
    expect(await fs.readFile(path.join(dir, "bucket", "run", "recs.json"), "utf8")).toBe("{}");
    expect(await allKeys(store)).toEqual(["run/recs.json"]);
    expect((await store.head("run/recs.json"))?.metadata).toEqual({ a: "1" });
    expect(await codeOf(store.put(".cobuy-store/x", "x"))).toBe("COBUY_STORE_REQUEST_FAILED");
  });

  it("never exposes a half-written file: the target appears only after the whole body", async () => {
    const { dir, store } = await fresh();
    const target = path.join(dir, "bucket", "slow.bin");
    let sawTarget = false;
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < 5; i++) {
          yield Buffer.alloc(1024, i);
          sawTarget ||= await fs.stat(target).then(
            () => true,
            () => false,
          );
        }
      })(),
    );
    await store.put("slow.bin", body);
    expect(sawTarget).toBe(false);
    expect((await fs.stat(target)).size).toBe(5 * 1024);
    expect(await fs.readdir(path.join(dir, "bucket", ".cobuy-store", "tmp"))).toEqual([]);
  });

  it("a missing root reads as empty unless createRoot is false", async () => {
    const { dir } = await fresh();
    expect(await allKeys(new LocalFolderStore(path.join(dir, "none")))).toEqual([]);
    expect(await codeOf(allKeys(new LocalFolderStore(path.join(dir, "none"), { createRoot: false })))).toBe(
      "COBUY_STORE_NOT_FOUND",
    );
  });

  it("deleting the last object of a folder removes the empty folder", async () => {
    const { dir, store } = await fresh();
    await store.put("r1/a.json", "1");
    await store.delete("r1/a.json");
    expect(await fs.readdir(path.join(dir, "bucket"))).toEqual([".cobuy-store"]);
  });

  it("publishes from in-memory bodies and fetches them back (embedded default path)", async () => {
    const { dir, store } = await fresh();
    await publishRun(store, {
      runId: "2026-06-01_00-00-00",
      files: [{ name: "recs.json", body: '{"P1":"P2"}' }],
      counts: { products: 2 },
    });
    expect((await readManifest(store, "latest")).counts).toEqual({ products: 2 });
    const out = await fetchRun(store, "latest", path.join(dir, "out"));
    expect(await fs.readFile(out.files[0]?.path ?? "", "utf8")).toBe('{"P1":"P2"}');
  });

  it("a truncated stored object fails fetch with COBUY_STORE_CHECKSUM_MISMATCH", async () => {
    const { dir, store } = await fresh();
    await publishRun(store, {
      runId: "2026-06-02_00-00-00",
      files: [{ name: "recs.json", body: '{"P1":"P2;P3"}' }],
    });
    await fs.truncate(path.join(dir, "bucket", "2026-06-02_00-00-00", "recs.json"), 5);
    expect(await codeOf(fetchRun(store, "latest", path.join(dir, "out")))).toBe(
      "COBUY_STORE_CHECKSUM_MISMATCH",
    );
  });

  it("a corrupted gzip object is a checksum mismatch, not a zlib error", async () => {
    const { dir, store } = await fresh();
    const body = JSON.stringify({ recs: Array.from({ length: 500 }, (_, i) => `P${i}`) });
    await publishRun(store, {
      runId: "2026-06-03_00-00-00",
      files: [{ name: "recs.json", body }],
      gzip: true,
    });
    const file = path.join(dir, "bucket", "2026-06-03_00-00-00", "recs.json");
    const bytes = await fs.readFile(file);
    bytes[20] = (bytes[20] ?? 0) ^ 0xff;
    await fs.writeFile(file, bytes);
    expect(await codeOf(fetchRun(store, "latest", path.join(dir, "out")))).toBe(
      "COBUY_STORE_CHECKSUM_MISMATCH",
    );
  });
});
