import { quoteIdent, type Session } from "../db/backend.js";

/** The two tables holding one run's rows, attached as the run key's partitions once loaded. */
export interface RunPartitions {
  recommendations: string;
  products: string;
}

/**
 * Names of run `key`'s partitions (the key is an int4 from the runs table, never user text).
 * @example
 * partitionsOf(3); // { recommendations: "recommendations_r3", products: "products_r3" }
 */
export function partitionsOf(key: number): RunPartitions {
  if (!Number.isInteger(key) || key <= 0) throw new Error(`unexpected run key ${key}`);
  return { recommendations: `recommendations_r${key}`, products: `products_r${key}` };
}

/**
 * Creates the run's two standalone tables shaped like their parents, each checked to hold only
 * `key`'s rows (so ATTACH skips its validation scan).
 */
export async function createPartitions(options: {
  session: Session;
  schema: string;
  key: number;
}): Promise<RunPartitions> {
  const { session, key } = options;
  const s = quoteIdent(options.schema);
  const tables = partitionsOf(key);
  for (const [parent, table] of Object.entries(tables)) {
    await session.execute(
      `CREATE TABLE ${s}.${quoteIdent(table)} (LIKE ${s}.${quoteIdent(parent)}, CONSTRAINT ${quoteIdent(`${table}_run_key`)} CHECK (run_key = ${key}))`,
    );
    await session.execute(`ALTER TABLE ${s}.${quoteIdent(table)} ALTER COLUMN run_key SET DEFAULT ${key}`);
  }
  return tables;
}

/**
 * Attaches the loaded tables as `key`'s partitions (PostgreSQL builds their indexes by one sort
 * each) and analyses them, so the first queries plan index scans on the new partitions.
 */
export async function attachPartitions(options: {
  session: Session;
  schema: string;
  key: number;
  /** `maintenance_work_mem` for the index sorts, so they do not spill (transaction-local). */
  sortMemoryMb?: number;
}): Promise<void> {
  const { session, key } = options;
  const s = quoteIdent(options.schema);
  const tables = partitionsOf(key);
  const mb = options.sortMemoryMb;
  if (mb !== undefined) {
    if (!Number.isInteger(mb) || mb <= 0)
      throw new RangeError(`sortMemoryMb must be a positive integer, got ${mb}`);
    await session.execute(`SET LOCAL maintenance_work_mem = '${mb}MB'`);
  }
  for (const [parent, table] of Object.entries(tables)) {
    await session.execute(
      `ALTER TABLE ${s}.${quoteIdent(parent)} ATTACH PARTITION ${s}.${quoteIdent(table)} FOR VALUES IN (${key})`,
    );
  }
  await session.execute(
    `ANALYZE ${s}.${quoteIdent(tables.recommendations)}, ${s}.${quoteIdent(tables.products)}`,
  );
}

/** Drops run `key`'s partitions (pruning: its metadata row stays). */
export async function dropPartitions(options: {
  session: Session;
  schema: string;
  key: number;
}): Promise<void> {
  const s = quoteIdent(options.schema);
  for (const table of Object.values(partitionsOf(options.key))) {
    await options.session.execute(`DROP TABLE IF EXISTS ${s}.${quoteIdent(table)}`);
  }
}
