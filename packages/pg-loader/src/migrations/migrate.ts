import { type Migration, type MigrationResult, Migrator } from "kysely/migration";
import { type DbInput, withDb } from "../db/open-database.js";
import { MigrationError } from "../errors.js";
import { cobuyMigrations } from "./migrations.js";

/** What `migrate` did: one entry per migration it ran, and the error that stopped it, if any. */
export interface MigrateReport {
  results: MigrationResult[];
  error?: MigrationError;
}

/**
 * Brings the schema up to the latest migration (creates the schema if needed). Idempotent; never
 * drops data. Returns a report instead of throwing, like Kysely's Migrator.
 * @example
 * const { results, error } = await migrate(db);
 * if (error) throw error;
 */
export async function migrate(input: DbInput): Promise<MigrateReport> {
  return withDb(input, async (db) => {
    const migrations = cobuyMigrations(db.schema);
    const migrator = new Migrator({
      db: db.kysely,
      provider: { getMigrations: async () => migrations as Record<string, Migration> },
      migrationTableSchema: db.schema,
      migrationTableName: "cobuy_migration",
      migrationLockTableName: "cobuy_migration_lock",
    });
    const { results = [], error } = await migrator.migrateToLatest();
    if (error === undefined) return { results };
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    return {
      results,
      error: new MigrationError(
        `migrating schema "${db.schema}" failed${failed ? ` at ${failed}` : ""}: ${(error as Error).message ?? String(error)}`,
        { cause: error },
      ),
    };
  });
}

/**
 * Names of the migrations this version of the package knows, oldest first.
 * @example
 * migrationNames(); // ["0001_initial", "0002_activations", "0003_product_names"]
 */
export function migrationNames(): string[] {
  return Object.keys(cobuyMigrations("cobuy")).sort();
}
