import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MANIFEST_FORMAT } from "@cobuy/contracts";
import { type PgBackend, startPgBackend } from "@cobuy/test-utils";
import { type CobuyDb, openDatabase } from "../src/index.js";

export interface FixtureRec {
  id: string;
  score: number;
  support: number;
}

export interface FixtureRun {
  runId: string;
  createdAt: string;
  recs: Record<string, FixtureRec[]>;
  products?: Record<string, { category: string | null; support: number | null }>;
}

/** A deterministic run: `products` products P000…, `k` recs each, categories C0…C(cats-1). */
export function makeRun(
  runId: string,
  options: { products?: number; k?: number; cats?: number; seed?: number; withProducts?: boolean } = {},
): FixtureRun {
  const n = options.products ?? 30;
  const k = Math.min(options.k ?? 5, n - 1);
  const cats = options.cats ?? 3;
  const seed = options.seed ?? 1;
  const width = String(n - 1).length;
  const id = (i: number) => `P${String(i).padStart(width, "0")}`;
  const recs: Record<string, FixtureRec[]> = {};
  const products: Record<string, { category: string | null; support: number | null }> = {};
  for (let i = 0; i < n; i++) {
    const list: FixtureRec[] = [];
    for (let r = 0; r < k; r++) {
      const j = (i + 1 + ((r * 7 + seed) % (n - 1))) % n;
      if (j === i || list.some((x) => x.id === id(j))) continue;
      list.push({
        id: id(j),
        score: Number((0.99 - r * 0.01 - ((i * seed) % 7) / 1000).toFixed(6)),
        support: k - r + (i % 3),
      });
    }
    recs[id(i)] = list;
    products[id(i)] = { category: `C${i % cats}`, support: 10 + ((i * 13 + seed) % 50) };
  }
  return {
    runId,
    createdAt: new Date(Date.UTC(2025, 0, 1) + seed * 3_600_000).toISOString(),
    recs,
    products: options.withProducts === false ? undefined : products,
  };
}

export function richJson(run: FixtureRun, extra: Record<string, unknown> = {}): string {
  const count = Object.values(run.recs).reduce((a, l) => a + l.length, 0);
  const doc: Record<string, unknown> = {
    format: "cobuy.recs.v1",
    runId: run.runId,
    createdAt: run.createdAt,
    params: { k: 5, minScore: 0 },
    counts: { orders: 1000, rows: 5000, products: Object.keys(run.recs).length, recommendations: count },
    ...extra,
    recs: run.recs,
  };
  if (run.products) doc.products = run.products;
  return JSON.stringify(doc, null, 1);
}

export const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

/** Writes a run folder: recs.rich.json, validation.json and (unless disabled) manifest.json. */
export async function writeRunDir(
  root: string,
  run: FixtureRun,
  options: { manifest?: boolean; rich?: string } = {},
): Promise<string> {
  const dir = join(root, run.runId);
  await mkdir(dir, { recursive: true });
  const rich = options.rich ?? richJson(run);
  const validation = JSON.stringify({
    overall: { products: 3, sameCategory: 1, share: 1 / 3 },
    byCategory: {},
  });
  await writeFile(join(dir, "recs.rich.json"), rich);
  await writeFile(join(dir, "validation.json"), validation);
  if (options.manifest !== false) {
    // As s3-export publishes it (format v1, see @cobuy/contracts).
    const files = Object.entries({ "recs.rich.json": rich, "validation.json": validation }).map(
      ([name, body]) => {
        const size = Buffer.byteLength(body);
        const key = `${run.runId}/${name}`;
        return { name, key, size, sha256: sha256(body), contentType: "application/json", storedSize: size };
      },
    );
    const manifest = {
      format: MANIFEST_FORMAT,
      runId: run.runId,
      createdAt: run.createdAt,
      files,
      params: {},
      counts: {},
    };
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  }
  return dir;
}

export async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), "cobuy-pgl-runs-"));
}

export async function readText(path: string): Promise<string> {
  return readFile(path, "utf8");
}

/** A fresh database of `kind` opened by pg-loader (`poolSize` connections on PostgreSQL); `stop` closes and drops it. */
export async function openTestDatabase(
  kind: PgBackend["kind"],
  poolSize: number,
): Promise<{ db: CobuyDb; stop(): Promise<void> }> {
  const started = await startPgBackend(kind);
  const b = started.backend;
  const db = await openDatabase(
    b.kind === "postgres"
      ? { connectionString: b.connectionString, poolSize }
      : { kind: "pglite", dataDir: b.dataDir },
  );
  return {
    db,
    async stop() {
      await db.close();
      await started.stop();
    },
  };
}
