import { type DialectAdapter, PostgresAdapter, PostgresDialect } from "kysely";
import type pg from "pg";
import { BACKEND, type Backend } from "../../db/backend.js";

class CobuyPostgresAdapter extends PostgresAdapter {
  readonly [BACKEND]: Backend;
  constructor(backend: Backend) {
    super();
    this[BACKEND] = backend;
  }
}

/** Kysely's PostgresDialect whose adapter also carries the loader's COPY-capable backend. */
export class CobuyPostgresDialect extends PostgresDialect {
  readonly #backend: Backend;
  constructor(pool: pg.Pool, backend: Backend) {
    super({ pool });
    this.#backend = backend;
  }
  override createAdapter(): DialectAdapter {
    return new CobuyPostgresAdapter(this.#backend);
  }
}
