import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** Credentials s3rver accepts (it verifies SigV4 signatures against them). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** A running s3rver started by {@link startS3rver}. */
export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Data directory (deleted on stop). */
  directory: string;
  createBucket(name: string): Promise<void>;
  /** Path of the file holding an object's bytes. */
  objectPath(bucket: string, key: string): string;
  /** Flips one byte of a stored object in place (size unchanged): bit rot. */
  corruptObject(bucket: string, key: string, offset?: number): Promise<void>;
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
  store: {
    putBucket(name: string): Promise<void>;
    getResourcePath(bucket: string, key: string, resource: string): string;
  };
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * Starts s3rver on 127.0.0.1 with a free port and a fresh data directory.
 *
 * @example
 * ```ts
 * const s3 = await startS3rver({ buckets: ["cobuy"] });
 * const client = createS3Client({ endpoint: s3.endpoint, credentials: s3.credentials });
 * afterAll(() => s3.stop());
 * ```
 */
export async function startS3rver(options: { buckets?: string[] } = {}): Promise<S3rverHandle> {
  const require = createRequire(import.meta.url);
  const S3rver = require("s3rver") as S3rverCtor;
  const directory = await fs.mkdtemp(
    path.join(os.tmpdir(), `cobuy-s3rver-${randomBytes(3).toString("hex")}-`),
  );
  const instance = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const addr = await instance.run();
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const objectPath = (bucket: string, key: string) => instance.store.getResourcePath(bucket, key, "object");
  return {
    endpoint,
    port: addr.port,
    region: "us-east-1",
    credentials: { ...S3RVER_CREDENTIALS },
    directory,
    createBucket: (name) => instance.store.putBucket(name),
    objectPath,
    async corruptObject(bucket, key, offset = 0) {
      const p = objectPath(bucket, key);
      const h = await fs.open(p, "r+");
      try {
        const buf = Buffer.alloc(1);
        await h.read(buf, 0, 1, offset);
        buf[0] = (buf[0] ?? 0) ^ 0xff;
        await h.write(buf, 0, 1, offset);
      } finally {
        await h.close();
      }
    },
    async stop() {
      instance.httpServer?.closeAllConnections();
      await instance.close().catch(() => {});
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
