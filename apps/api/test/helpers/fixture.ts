/**
 * Test runs made the real way: a sample sales CSV (pipeline's generator) → buildRecommendations →
 * writeDocuments into a run folder → pg-loader's loadRun into PostgreSQL or PGlite. The documents
 * are kept parsed, so tests compare what the API says with what the run says.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { activateRun, type CobuyDb, loadRun, openDatabase } from "@cobuy/pg-loader";
import {
  buildRecommendations,
  readCatalog,
  type SalesIndex,
  writeDocuments,
  writeSampleCsv,
} from "@cobuy/pipeline";
import { type PgBackend, startPgBackend } from "@cobuy/test-utils";

export interface RichRec {
  id: string;
  score: number;
  support: number;
}

export interface RunDocs {
  runId: string;
  dir: string;
  rich: {
    counts: Record<string, number>;
    recs: Record<string, RichRec[]>;
    products?: Record<
      string,
      { category: string | null; support: number | null; name?: string; extra?: Record<string, string> }
    >;
  };
  validation: {
    overall: { products: number; sameCategory: number; share: number };
    byCategory: Record<string, { products: number; sameCategory: number; share: number }>;
  };
  /** Category of every product of the run, as the run's documents give it. */
  categories: Map<string, string | null>;
  /** A product with the longest list (first by id). */
  richest: string;
  /** A product with an empty list and a category, if the run has one. */
  lonely: string | undefined;
  /** Three products whose lists overlap: the richest and its first two recommendations. */
  cart: string[];
  /** An id prefix shared by 4–30 products. */
  searchPrefix: string;
  /** Products of a category by popularity (orders) descending, then id. */
  popularIn(category: string): string[];
}

/** The list the API must answer for `id`, at most `k` items, with categories. */
export function expectedSimilar(run: RunDocs, id: string, k: number) {
  return (run.rich.recs[id] ?? [])
    .slice(0, k)
    .map((r) => ({ ...r, category: run.categories.get(r.id) ?? null }));
}

export interface Backend {
  kind: PgBackend["kind"];
  db: CobuyDb;
  /** PostgreSQL only: the test database's URL. */
  connectionString: string | undefined;
  /** Builds a run from sample data with `seed` and loads (and so activates) it. */
  loadRun(opts: {
    seed: number;
    runId: string;
    orders?: number;
    products?: number;
    catalog?: boolean;
  }): Promise<RunDocs>;
  /** Loads (and so activates) a run folder. */
  loadFolder(dir: string): Promise<void>;
  activate(runId: string): Promise<void>;
  /** PostgreSQL only: the server terminates every connection of the test database. */
  terminateConnections(): Promise<void>;
  stop(): Promise<void>;
}

/** A fresh database of `kind` (dropped / removed by `stop`) with pg-loader's schema. */
export async function openBackend(kind: PgBackend["kind"]): Promise<Backend> {
  const started = await startPgBackend(kind);
  const b = started.backend;
  const db =
    b.kind === "postgres"
      ? await openDatabase({ connectionString: b.connectionString, poolSize: 4 })
      : await openDatabase({ kind: "pglite", dataDir: b.dataDir });
  const work = await mkdtemp(join(tmpdir(), "cobuy-api-runs-"));
  return {
    kind: b.kind,
    db,
    connectionString: b.kind === "postgres" ? b.connectionString : undefined,
    async loadRun({ seed, runId, orders = 700, products = 300, catalog = false }) {
      const dir = join(work, runId);
      const docs = await makeRunFolder(dir, { seed, runId, orders, products, catalog });
      const result = await loadRun(db, dir);
      if (result.runId !== runId) throw new Error(`loaded ${result.runId}, expected ${runId}`);
      return docs;
    },
    async loadFolder(dir) {
      await loadRun(db, dir);
    },
    async activate(runId) {
      await activateRun(db, runId);
    },
    async terminateConnections() {
      if (b.kind !== "postgres") throw new Error("terminateConnections needs PostgreSQL");
      await b.database.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [b.database.name],
      );
    },
    async stop() {
      await db.close().catch(() => {});
      await started.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

const NAME_WORDS = ["Organic", "Whole", "Milk", "Crème", "Oat", "Dark", "Chocolate", "Green", "Tea", "Bread"];

/**
 * A catalog CSV (`product_id,name,url`) naming every product of `index` but every fifth, with
 * names of two words of NAME_WORDS in mixed case (so searches match several products), and one
 * id no sale has.
 */
async function writeSampleCatalog(path: string, index: SalesIndex): Promise<string> {
  const rows = ["product_id,name,url"];
  index.productIds.forEach((id, p) => {
    if (p % 5 === 4) return;
    const a = NAME_WORDS[p % NAME_WORDS.length]!;
    const b = NAME_WORDS[(p * 3 + 1) % NAME_WORDS.length]!;
    const name = `${p % 2 === 0 ? a : a.toUpperCase()} ${b.toLowerCase()} ${p}`;
    rows.push(`${id},"${name}",https://shop.example/p/${encodeURIComponent(id)}`);
  });
  rows.push("not-sold,Never Sold,https://shop.example/p/none");
  await writeFile(path, `${rows.join("\n")}\n`);
  return path;
}

/**
 * Writes a run folder (recs.json, recs.rich.json, validation.json) from sample data; with
 * `catalog`, through `readCatalog` of a sample catalog CSV, so products carry names.
 */
export async function makeRunFolder(
  dir: string,
  opts: {
    seed: number;
    runId: string;
    orders: number;
    products: number;
    categories?: number;
    k?: number;
    catalog?: boolean;
  },
): Promise<RunDocs> {
  const csv = `${dir}.sales.csv`;
  await writeSampleCsv(csv, {
    orders: opts.orders,
    products: opts.products,
    categories: opts.categories ?? 5,
    seed: opts.seed,
  });
  try {
    return await buildRunFolder(dir, {
      sales: csv,
      runId: opts.runId,
      k: opts.k,
      catalog: opts.catalog ? (index) => writeSampleCatalog(`${dir}.catalog.csv`, index) : undefined,
    });
  } finally {
    await rm(csv, { force: true });
  }
}

/**
 * Builds a run folder from a sales CSV the way `cobuy build --catalog FILE` does (minSupport 2:
 * products bought once get no list, so every run has "lonely" products). `catalog` is a catalog
 * CSV, or a function writing one for the sales (the file is removed afterwards).
 */
export async function buildRunFolder(
  dir: string,
  opts: {
    sales: string;
    runId: string;
    k?: number | undefined;
    catalog?: string | ((index: SalesIndex) => Promise<string>) | undefined;
  },
): Promise<RunDocs> {
  const k = opts.k ?? 8;
  const { index, topk, validation, productSupport } = await buildRecommendations(opts.sales, {
    k,
    minSupport: 2,
    threads: 1,
  });
  let catalog = null;
  if (typeof opts.catalog === "string") catalog = await readCatalog(opts.catalog);
  else if (opts.catalog) {
    const written = await opts.catalog(index);
    catalog = await readCatalog(written);
    await rm(written, { force: true });
  }
  const createdAt = new Date(`${opts.runId.slice(0, 10)}T${opts.runId.slice(11, 19).replaceAll("-", ":")}Z`);
  await writeDocuments(dir, {
    index,
    topk,
    validation,
    ...(catalog ? { catalog, productSupport } : {}),
    runId: opts.runId,
    createdAt,
    params: { k },
  });
  const richPath = join(dir, "recs.rich.json");
  const rich = JSON.parse(await readFile(richPath, "utf8")) as RunDocs["rich"];
  if (!rich.products) {
    // pg-loader reads product categories and popularity from the optional `products` section of
    // recs.rich.json; until the pipeline writes it, add it here from the same sales index.
    rich.products = productsSection(index);
    await writeFile(richPath, JSON.stringify(rich, null, 2));
  }
  const validationDoc = JSON.parse(
    await readFile(join(dir, "validation.json"), "utf8"),
  ) as RunDocs["validation"];
  return describeRun(opts.runId, dir, rich, validationDoc);
}

function productsSection(index: SalesIndex): NonNullable<RunDocs["rich"]["products"]> {
  const P = index.productIds.length;
  const orders = new Uint32Array(P);
  const last = new Int32Array(P).fill(-1);
  for (let i = 0; i < index.lineProduct.length; i++) {
    const p = index.lineProduct[i]!;
    const o = index.lineOrder[i]!;
    if (last[p] !== o) {
      last[p] = o;
      orders[p]!++;
    }
  }
  const out: NonNullable<RunDocs["rich"]["products"]> = {};
  index.productIds.forEach((id, p) => {
    const c = index.productCategory?.[p];
    out[id] = { category: c === undefined ? null : (index.categories[c] ?? null), support: orders[p]! };
  });
  return out;
}

function describeRun(
  runId: string,
  dir: string,
  rich: RunDocs["rich"],
  validation: RunDocs["validation"],
): RunDocs {
  const ids = Object.keys(rich.recs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const categories = new Map<string, string | null>();
  for (const id of ids) categories.set(id, rich.products?.[id]?.category ?? null);
  let richest = ids[0]!;
  for (const id of ids) if (rich.recs[id]!.length > rich.recs[richest]!.length) richest = id;
  const lonely = ids.find((id) => rich.recs[id]!.length === 0 && categories.get(id) !== null);
  const cart = [richest, ...rich.recs[richest]!.slice(0, 2).map((r) => r.id)];
  let searchPrefix = richest;
  for (let n = richest.length; n > 0; n--) {
    const prefix = richest.slice(0, n);
    const count = ids.filter((id) => id.startsWith(prefix)).length;
    searchPrefix = prefix;
    if (count >= 4) break;
  }
  const popularIn = (category: string) =>
    ids
      .filter((id) => categories.get(id) === category)
      .sort((a, b) => {
        const sa = rich.products?.[a]?.support ?? -1;
        const sb = rich.products?.[b]?.support ?? -1;
        return sb - sa || (a < b ? -1 : a > b ? 1 : 0);
      });
  return { runId, dir, rich, validation, categories, richest, lonely, cart, searchPrefix, popularIn };
}
