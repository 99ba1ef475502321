import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { type S3rverHandle, startS3rver } from "@cobuy/test-utils";
import { createS3Client, LocalFolderStore, type ObjectStore, S3Store } from "../src/index.js";

export async function tempDir(tag: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `cobuy-s3x-${tag}-`));
}

/** A backend for the loops over targets: a fresh empty store per call. */
export interface Target {
  name: string;
  start(): Promise<{
    fresh(): Promise<ObjectStore>;
    missing(): ObjectStore;
    stop(): Promise<void>;
    s3?: S3rverHandle;
  }>;
}

let n = 0;

export const localTarget: Target = {
  name: "local folder",
  async start() {
    const dir = await tempDir("local");
    return {
      async fresh() {
        n += 1;
        return new LocalFolderStore(path.join(dir, `store-${n}`), { fsync: false });
      },
      missing: () => new LocalFolderStore(path.join(dir, "does-not-exist"), { createRoot: false }),
      stop: () => fs.rm(dir, { recursive: true, force: true }),
    };
  },
};

/** Uses the same path users run: createS3Client with an endpoint, as the runner fills it. */
export const s3rverTarget: Target = {
  name: "s3 (s3rver)",
  async start() {
    const s3 = await startS3rver({ buckets: ["cobuy-test"] });
    const client = createS3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
    });
    return {
      s3,
      async fresh() {
        n += 1;
        return new S3Store({ client, bucket: "cobuy-test", prefix: `p${n}/runs` });
      },
      missing: () => new S3Store({ client, bucket: "no-such-bucket", prefix: "x" }),
      async stop() {
        client.destroy();
        await s3.stop();
      },
    };
  },
};

export const targets = [localTarget, s3rverTarget];

export async function writeDocs(
  dir: string,
  docs: Record<string, string | Buffer>,
): Promise<{ name: string; path: string }[]> {
  await fs.mkdir(dir, { recursive: true });
  const out: { name: string; path: string }[] = [];
  for (const [name, body] of Object.entries(docs)) {
    const p = path.join(dir, name);
    await fs.writeFile(p, body);
    out.push({ name, path: p });
  }
  return out;
}

export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${(e as Error).message}`;
  }
}

export async function allKeys(store: ObjectStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(prefix)) out.push(e.key);
  return out;
}
