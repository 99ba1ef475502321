import { createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  type FaultProxy,
  generatedStream,
  type S3rverHandle,
  startFaultProxy,
  startS3rver,
} from "@cobuy/test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createS3Client,
  fetchRun,
  listRuns,
  publishRun,
  readLatest,
  readManifest,
  S3Store,
} from "../src/index.js";
import { allKeys, codeOf, tempDir, writeDocs } from "./helpers.js";

const BUCKET = "faults";

describe("faults against s3rver behind a fault proxy", () => {
  let s3: S3rverHandle;
  let proxy: FaultProxy;
  let client: S3Client;
  let store: S3Store;
  let work: string;
  let docs: { name: string; path: string }[];
  let bigDoc: { name: string; path: string };

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    proxy = await startFaultProxy(s3.endpoint);
    client = createS3Client({
      endpoint: proxy.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      maxAttempts: 4,
    });
    store = new S3Store({ client, bucket: BUCKET, prefix: "cobuy", partSize: 5 * 1024 * 1024 });
    work = await tempDir("faults");
    docs = await writeDocs(path.join(work, "docs"), {
      "recs.json": '{\n  "P1": "P2"\n}\n',
      "validation.json": '{"overall":{"products":1,"sameCategory":0,"share":0}}',
    });
    bigDoc = { name: "recs.rich.json", path: path.join(work, "docs", "recs.rich.json") };
    await pipeline(generatedStream(16 * 1024 * 1024 + 5), createWriteStream(bigDoc.path));
    // The previous complete run every fault must leave in place.
    await publishRun(store, { runId: "2026-05-01_00-00-00", files: docs });
  });
  afterAll(async () => {
    client?.destroy();
    await proxy?.stop();
    await s3?.stop();
    await fs.rm(work, { recursive: true, force: true });
  });
  beforeEach(() => proxy.clear());

  async function assertPreviousRunIntact(failedRunId: string, previous = "2026-05-01_00-00-00") {
    proxy.clear();
    expect((await readLatest(store))?.runId).toBe(previous);
    expect((await readManifest(store, "latest")).runId).toBe(previous);
    expect(await codeOf(readManifest(store, failedRunId))).toBe("COBUY_STORE_RUN_NOT_FOUND");
    expect(await allKeys(store, `${failedRunId}/`)).toEqual([]);
    const runs = await listRuns(store);
    expect(runs.find((r) => r.runId === failedRunId)).toBeUndefined();
  }

  it("500/503 a few times, then recovery: the SDK retries and the run succeeds", async () => {
    const isPut = (r: { method: string }) => r.method === "PUT";
    // At most 3 failures in a row: within maxAttempts (4) for any one request.
    proxy.failNext(2, 503, isPut);
    proxy.failNext(1, 500, isPut);
    proxy.failNext(1, 503, (r) => r.method === "HEAD");
    proxy.failNext(2, 500, (r) => r.url.includes("partNumber=2"));
    const res = await publishRun(store, { runId: "2026-05-02_00-00-00", files: [...docs, bigDoc] });
    expect(proxy.log.filter((e) => e.fault === "status").length).toBe(6);
    expect((await readLatest(store))?.runId).toBe("2026-05-02_00-00-00");
    const out = await fetchRun(store, "latest", path.join(work, "fetched-recovered"));
    expect(out.files.find((f) => f.name === "recs.rich.json")?.size).toBe(16 * 1024 * 1024 + 5);
    expect(res.manifest.files.length).toBe(3);
    // Clean the big run so later assertions compare with the small one.
    await publishRun(store, { runId: "2026-05-03_00-00-00", files: docs });
  });

  it("503 on every attempt: bounded retries, typed error, previous run intact", async () => {
    proxy.failNext(1000, 503, (r) => r.method === "PUT" && r.url.includes("validation.json"));
    const err = await publishRun(store, { runId: "2026-05-04_00-00-00", files: docs }).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe("COBUY_STORE_REQUEST_FAILED");
    expect((err as Error).message).toContain("validation.json");
    expect(proxy.log.filter((e) => e.fault === "status").length).toBe(4); // maxAttempts
    await assertPreviousRunIntact("2026-05-04_00-00-00", "2026-05-03_00-00-00");
  });

  it("connection dropped mid-upload of a large document: fails cleanly, nothing visible", async () => {
    proxy.dropAfter(1024 * 1024, (r) => r.url.includes("partNumber="));
    const err = await publishRun(store, {
      runId: "2026-05-05_00-00-00",
      files: [...docs, bigDoc],
    }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("COBUY_STORE_NETWORK");
    expect((err as Error).message).toContain(`cobuy/2026-05-05_00-00-00/recs.rich.json`);
    expect((err as Error).message).toContain(proxy.endpoint);
    expect(proxy.log.some((e) => e.fault === "drop")).toBe(true);
    await assertPreviousRunIntact("2026-05-05_00-00-00", "2026-05-03_00-00-00");
  });

  it("latest.json cannot be written: the complete run stays, latest.json still names the previous", async () => {
    proxy.failNext(
      1000,
      500,
      (r) => r.method === "PUT" && r.url.split("?")[0]?.endsWith("/latest.json") === true,
    );
    expect(await codeOf(publishRun(store, { runId: "2026-05-06_00-00-00", files: docs }))).toBe(
      "COBUY_STORE_REQUEST_FAILED",
    );
    proxy.clear();
    expect((await readLatest(store))?.runId).toBe("2026-05-03_00-00-00");
    const run = (await listRuns(store)).find((r) => r.runId === "2026-05-06_00-00-00");
    expect(run).toMatchObject({ complete: true, latest: false });
  });

  it("missing bucket: COBUY_STORE_NOT_FOUND naming bucket and endpoint; nothing written", async () => {
    const missing = new S3Store({ client, bucket: "no-such-bucket", prefix: "cobuy" });
    const err = await publishRun(missing, { runId: "2026-05-07_00-00-00", files: docs }).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe("COBUY_STORE_NOT_FOUND");
    expect((err as Error).message).toContain('bucket "no-such-bucket"');
    expect((err as Error).message).toContain(proxy.endpoint);
    expect(await codeOf(listRuns(missing))).toBe("COBUY_STORE_NOT_FOUND");
    expect((await readLatest(store))?.runId).toBe("2026-05-03_00-00-00");
  });

  it("a stored object corrupted on the server (bit flip): fetch refuses with COBUY_STORE_CHECKSUM_MISMATCH", async () => {
    await publishRun(store, { runId: "2026-05-08_00-00-00", files: docs });
    await s3.corruptObject(BUCKET, "cobuy/2026-05-08_00-00-00/validation.json", 3);
    const to = path.join(work, "fetched-corrupt");
    const err = await fetchRun(store, "latest", to).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("COBUY_STORE_CHECKSUM_MISMATCH");
    expect((err as Error).message).toContain("2026-05-08_00-00-00/validation.json");
    expect(await fs.readdir(to)).toEqual([]);
  });

  it("bad credentials: an unknown key id is COBUY_STORE_BAD_CREDENTIALS (s3rver checks key ids)", async () => {
    const bad = createS3Client({
      endpoint: s3.endpoint,
      credentials: { accessKeyId: "NOT-A-KEY", secretAccessKey: "sup3r-s3cret-value" },
      maxAttempts: 1,
    });
    const badStore = new S3Store({ client: bad, bucket: BUCKET, prefix: "cobuy" });
    const err = await publishRun(badStore, { runId: "2026-05-09_00-00-00", files: docs }).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe("COBUY_STORE_BAD_CREDENTIALS");
    expect((err as Error).message).toContain("access key id is unknown");
    expect((err as Error).message).not.toContain("sup3r-s3cret-value");
    expect(await codeOf(listRuns(badStore))).toBe("COBUY_STORE_BAD_CREDENTIALS");
    bad.destroy();
  });

  it("bad credentials: a wrong secret (SignatureDoesNotMatch, injected: s3rver skips SigV4 checks)", async () => {
    proxy.addRule({ kind: "status", status: 403, code: "SignatureDoesNotMatch" });
    const err = await listRuns(store).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("COBUY_STORE_BAD_CREDENTIALS");
    expect((err as Error).message).toContain("secret access key does not match");
    expect(await codeOf(readLatest(store))).toBe("COBUY_STORE_BAD_CREDENTIALS");
    // HEAD carries no error body: the store asks again with a 1-byte GET to tell why.
    expect(await codeOf(store.head("latest.json"))).toBe("COBUY_STORE_BAD_CREDENTIALS");
  });

  it("access denied (403 AccessDenied) is COBUY_STORE_ACCESS_DENIED and not retried", async () => {
    proxy.failNext(1000, 403);
    const err = await listRuns(store).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("COBUY_STORE_ACCESS_DENIED");
    expect(proxy.log.filter((e) => e.fault === "status").length).toBe(1);
  });

  it("unreachable endpoint: COBUY_STORE_ENDPOINT_UNREACHABLE naming the endpoint", async () => {
    const dead = await startFaultProxy(s3.endpoint);
    const deadEndpoint = dead.endpoint;
    await dead.stop();
    const c = createS3Client({ endpoint: deadEndpoint, credentials: s3.credentials, maxAttempts: 2 });
    const err = await listRuns(new S3Store({ client: c, bucket: BUCKET })).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("COBUY_STORE_ENDPOINT_UNREACHABLE");
    expect((err as Error).message).toContain(deadEndpoint);
    c.destroy();
  });
});
