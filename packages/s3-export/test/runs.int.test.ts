import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fetchRun,
  listRuns,
  type ObjectStore,
  openRunFile,
  pruneRuns,
  publishRun,
  readLatest,
  readManifest,
} from "../src/index.js";
import { allKeys, codeOf, targets, tempDir, writeDocs } from "./helpers.js";

const RECS = `${JSON.stringify({ P1: "P2;P3", P2: "P1", P3: "P1" }, null, 2)}\n`;
const RICH = JSON.stringify({
  format: "cobuy.recs.v1",
  recs: { P1: [{ id: "P2", score: 0.9, support: 3 }], P2: [], P3: [] },
});
const VALIDATION = JSON.stringify({ overall: { products: 3, sameCategory: 2, share: 2 / 3 } });

for (const target of targets) {
  describe(`runs on ${target.name}`, () => {
    let started: Awaited<ReturnType<typeof target.start>>;
    let work: string;
    let docs: { name: string; path: string }[];
    beforeAll(async () => {
      started = await target.start();
      work = await tempDir("runs");
      docs = await writeDocs(path.join(work, "docs"), {
        "recs.json": RECS,
        "recs.rich.json": RICH,
        "validation.json": VALIDATION,
      });
    });
    afterAll(async () => {
      await started.stop();
      await fs.rm(work, { recursive: true, force: true });
    });

    it("publishes a refused run complete but leaves latest.json on the previous run", async () => {
      const store: ObjectStore = await started.fresh();
      await publishRun(store, { runId: "2026-03-01_00-00-00", files: docs });
      const res = await publishRun(store, {
        runId: "2026-03-02_00-00-00",
        files: docs,
        refusal: { check: "max-churn", value: 0.9, limit: 0.35 },
      });
      expect(res.refused).toBe(true);
      expect((await readLatest(store))?.runId).toBe("2026-03-01_00-00-00");
      expect((await readManifest(store, "2026-03-02_00-00-00")).runId).toBe("2026-03-02_00-00-00");
      const runs = await listRuns(store);
      const refused = runs.find((r) => r.runId === "2026-03-02_00-00-00");
      expect(refused).toMatchObject({ complete: true, refused: true, latest: false });
      expect(runs.find((r) => r.runId === "2026-03-01_00-00-00")).toMatchObject({
        latest: true,
        refused: false,
      });
    });

    const publish = (
      store: ObjectStore,
      runId: string,
      extra: Partial<Parameters<typeof publishRun>[1]> = {},
    ) =>
      publishRun(store, {
        runId,
        files: docs,
        params: { k: 5, input: "sample" },
        counts: { orders: 2, rows: 5, products: 3 },
        ...extra,
      });

    it("publishes documents, then manifest, then latest.json, in that order", async () => {
      const store = await started.fresh();
      const phases: string[] = [];
      const res = await publish(store, "2026-11-29_06-53-07", {
        onProgress: (e) => {
          if (e.phase !== "upload") phases.push(`${e.phase}:${"name" in e ? e.name : e.key}`);
        },
      });
      expect(phases).toEqual([
        "uploaded:recs.json",
        "uploaded:recs.rich.json",
        "uploaded:validation.json",
        "manifest:2026-11-29_06-53-07/manifest.json",
        "latest:latest.json",
      ]);
      expect(await allKeys(store)).toEqual([
        "2026-11-29_06-53-07/.claim",
        "2026-11-29_06-53-07/manifest.json",
        "2026-11-29_06-53-07/recs.json",
        "2026-11-29_06-53-07/recs.rich.json",
        "2026-11-29_06-53-07/validation.json",
        "latest.json",
      ]);
      const m = await readManifest(store, "latest");
      expect(m).toEqual(res.manifest);
      expect(m.counts).toEqual({ orders: 2, rows: 5, products: 3 });
      expect(m.params).toEqual({ k: 5, input: "sample" });
      const recs = m.files.find((f) => f.name === "recs.json");
      expect(recs?.size).toBe(Buffer.byteLength(RECS));
      expect(recs?.sha256).toMatch(/^[0-9a-f]{64}$/);
      const head = await store.head("2026-11-29_06-53-07/recs.rich.json");
      expect(head?.contentType).toBe("application/json");
      expect(head?.metadata["cobuy-run-id"]).toBe("2026-11-29_06-53-07");
      expect((await store.head("latest.json"))?.contentType).toBe("application/json");
      expect((await readLatest(store))?.runId).toBe("2026-11-29_06-53-07");
    });

    it("two publishers of the same run id: exactly one wins, the other writes and deletes nothing", async () => {
      const store = await started.fresh();
      // s3rver ignores If-None-Match on PutObject, so there the claim falls back to head-then-put,
      // which only a sequential second publisher is sure to hit; the folder store races truly.
      const same = () => publish(store, "2026-11-29_08-00-00");
      const outcomes =
        target.name === "local folder"
          ? await Promise.allSettled([same(), same(), same()])
          : [...(await Promise.allSettled([same()])), ...(await Promise.allSettled([same()]))];
      const won = outcomes.filter((o) => o.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === "rejected")
          expect((o.reason as { code?: string }).code).toBe("COBUY_STORE_RUN_EXISTS");
      }
      const fetched = await fetchRun(store, "latest", path.join(work, "fetched-same-id"));
      expect(fetched.runId).toBe("2026-11-29_08-00-00");
    });

    it("never moves latest.json back to an older run than the one it names", async () => {
      const store = await started.fresh();
      const newer = await publish(store, "2026-11-29_09-00-00_b", {
        createdAt: new Date("2026-11-29T09:00:00Z"),
      });
      expect(newer.latestMoved).toBe(true);
      const older = await publish(store, "2026-11-29_09-00-00_a", {
        createdAt: new Date("2026-11-29T09:00:00Z"),
      });
      expect(older.latestMoved).toBe(false);
      expect(older.latestRunId).toBe("2026-11-29_09-00-00_b");
      expect((await readLatest(store))?.runId).toBe("2026-11-29_09-00-00_b");
      // The older run is published and verifies all the same.
      expect((await fetchRun(store, older.runId, path.join(work, "fetched-older"))).runId).toBe(older.runId);
    });

    it("putIfAbsent creates once and then refuses, on this store", async () => {
      const store = await started.fresh();
      expect(await store.putIfAbsent?.("x/once.json", "1")).toBe(true);
      expect(await store.putIfAbsent?.("x/once.json", "2")).toBe(false);
      const got = await store.get("x/once.json");
      const chunks: Buffer[] = [];
      for await (const c of got.body) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe("1");
    });

    it("fetches a run verifying every sha256, byte-identical to the sources", async () => {
      const store = await started.fresh();
      await publish(store, "2026-11-29_07-00-00");
      const to = path.join(work, "fetched-1");
      const res = await fetchRun(store, "latest", to);
      expect(res.runId).toBe("2026-11-29_07-00-00");
      expect(await fs.readFile(path.join(to, "recs.json"), "utf8")).toBe(RECS);
      expect(await fs.readFile(path.join(to, "recs.rich.json"), "utf8")).toBe(RICH);
      expect(JSON.parse(await fs.readFile(path.join(to, "manifest.json"), "utf8")).runId).toBe(
        "2026-11-29_07-00-00",
      );
      expect((await fs.readdir(to)).sort()).toEqual([
        "manifest.json",
        "recs.json",
        "recs.rich.json",
        "validation.json",
      ]);
    });

    it("gzip: stored with Content-Encoding, checksums of the uncompressed bytes, fetch restores them", async () => {
      const store = await started.fresh();
      const big = JSON.stringify({
        recs: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`P${i}`, []])),
      });
      const files = [...docs, ...(await writeDocs(path.join(work, "gz"), { "big.json": big }))];
      const { manifest } = await publishRun(store, { runId: "2026-11-29_08-00-00", files, gzip: true });
      const bigEntry = manifest.files.find((f) => f.name === "big.json");
      expect(bigEntry?.contentEncoding).toBe("gzip");
      expect(bigEntry?.size).toBe(Buffer.byteLength(big));
      expect(bigEntry?.storedSize).toBeLessThan(Buffer.byteLength(big));
      const head = await store.head("2026-11-29_08-00-00/big.json");
      expect(head?.contentEncoding).toBe("gzip");
      expect(head?.size).toBe(bigEntry?.storedSize);
      const to = path.join(work, "fetched-gz");
      await fetchRun(store, "2026-11-29_08-00-00", to);
      expect(await fs.readFile(path.join(to, "big.json"), "utf8")).toBe(big);
      const { stream } = await openRunFile(store, "latest", "recs.json");
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe(RECS);
    });

    it("classic key: recs.json also lands under recs/key<minute ts>.json, not listed as a run", async () => {
      const store = await started.fresh();
      const res = await publish(store, "2026-11-29_06-53-41", {
        classicKey: "recs/key{ts}.json",
        gzip: true,
      });
      expect(res.classicKey).toBe("recs/key2026-11-29_06-53.json");
      const obj = await store.get("recs/key2026-11-29_06-53.json");
      const parts: Buffer[] = [];
      for await (const c of obj.body) parts.push(c as Buffer);
      expect(Buffer.concat(parts).toString()).toBe(RECS);
      expect(obj.contentType).toBe("application/json");
      expect(res.manifest.classicKey).toBe("recs/key2026-11-29_06-53.json");
      expect((await listRuns(store)).map((r) => r.runId)).toEqual(["2026-11-29_06-53-41"]);
    });

    it("a second run moves latest.json; the first stays readable; ids are immutable", async () => {
      const store = await started.fresh();
      await publish(store, "2026-11-29_09-00-00");
      await publish(store, "2026-11-29_10-00-00");
      expect((await readLatest(store))?.runId).toBe("2026-11-29_10-00-00");
      expect((await readManifest(store, "2026-11-29_09-00-00")).runId).toBe("2026-11-29_09-00-00");
      expect(await codeOf(publish(store, "2026-11-29_09-00-00"))).toBe("COBUY_STORE_RUN_EXISTS");
      const runs = await listRuns(store);
      expect(runs.map((r) => [r.runId, r.complete, r.latest])).toEqual([
        ["2026-11-29_10-00-00", true, true],
        ["2026-11-29_09-00-00", true, false],
      ]);
      expect(await codeOf(readManifest(store, "2026-01-01_00-00-00"))).toBe("COBUY_STORE_RUN_NOT_FOUND");
    });

    it("readManifest('latest') on an empty store says no run was published", async () => {
      const store = await started.fresh();
      await store.put("unrelated.txt", "x");
      expect(await codeOf(readManifest(store, "latest"))).toBe("COBUY_STORE_RUN_NOT_FOUND");
      expect(await listRuns(store)).toEqual([]);
    });

    it("prune keeps the newest N and always the run latest.json names", async () => {
      const store = await started.fresh();
      for (const id of ["2026-01-01_00-00-01", "2026-01-02_00-00-01", "2026-01-03_00-00-01"]) {
        await publish(store, id);
      }
      // latest → an older run (re-pointed by publishing an older id last).
      await publish(store, "2026-01-01_12-00-00");
      // A leftover of a failed publish (older than latest) and one newer (maybe in progress).
      await store.put("2025-12-31_00-00-00/recs.json", "{}");
      await store.put("2026-02-01_00-00-00/recs.json", "{}");
      const dry = await pruneRuns(store, { keep: 1, dryRun: true });
      expect(dry.deleted).toEqual(["2026-01-02_00-00-01", "2026-01-01_00-00-01", "2025-12-31_00-00-00"]);
      expect((await listRuns(store)).length).toBe(6);
      const res = await pruneRuns(store, { keep: 1 });
      expect(res.deleted).toEqual(dry.deleted);
      expect(res.kept).toEqual(["2026-02-01_00-00-00", "2026-01-03_00-00-01", "2026-01-01_12-00-00"]);
      expect((await listRuns(store)).map((r) => r.runId)).toEqual(res.kept);
      expect((await readManifest(store, "latest")).runId).toBe("2026-01-01_12-00-00");
      const zero = await pruneRuns(store, { keep: 0 });
      expect(zero.deleted).toEqual(["2026-01-03_00-00-01"]);
      expect((await readLatest(store))?.runId).toBe("2026-01-01_12-00-00");
      expect(await codeOf(pruneRuns(store, { keep: -1 }))).toBe("COBUY_STORE_INVALID_ARGUMENT");
    });

    it("a corrupted stored document: fetch refuses (COBUY_STORE_CHECKSUM_MISMATCH) and leaves nothing", async () => {
      const store = await started.fresh();
      await publish(store, "2026-03-01_00-00-00");
      const key = "2026-03-01_00-00-00/recs.rich.json";
      // Same size, different bytes: only the checksum can tell.
      await store.put(key, RICH.replace("0.9", "0.8"), { contentType: "application/json" });
      const to = path.join(work, "fetched-corrupt");
      const err = await fetchRun(store, "latest", to).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe("COBUY_STORE_CHECKSUM_MISMATCH");
      expect((err as Error).message).toContain(key);
      expect(await fs.readdir(to)).toEqual([]);
      const { stream } = await openRunFile(store, "latest", "recs.rich.json");
      expect(
        await codeOf(
          (async () => {
            for await (const _ of stream) {
              /* drain */
            }
          })(),
        ),
      ).toBe("COBUY_STORE_CHECKSUM_MISMATCH");
      // The untouched documents of the run still verify.
      await fetchRun(store, "latest", path.join(work, "fetched-partial"), { names: ["recs.json"] });
    });

    it("refuses bad input before writing anything", async () => {
      const store = await started.fresh();
      expect(await codeOf(publish(store, "latest"))).toBe("COBUY_STORE_INVALID_ARGUMENT");
      expect(await codeOf(publish(store, "../x"))).toBe("COBUY_STORE_INVALID_ARGUMENT");
      expect(
        await codeOf(
          publishRun(store, {
            runId: "2026-04-01_00-00-00",
            files: [{ name: "x.json", path: path.join(work, "nope.json") }],
          }),
        ),
      ).toBe("COBUY_STORE_INVALID_ARGUMENT");
      expect(
        await codeOf(
          publishRun(store, {
            runId: "2026-04-01_00-00-00",
            files: docs.slice(1),
            classicKey: "recs/key{ts}.json",
          }),
        ),
      ).toBe("COBUY_STORE_INVALID_ARGUMENT");
      expect(await allKeys(store)).toEqual([]);
    });
  });
}
