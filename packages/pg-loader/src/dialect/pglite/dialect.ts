import type { PGlite } from "@electric-sql/pglite";
import { type DialectAdapter, PGliteAdapter, PGliteDialect } from "kysely";
import { BACKEND, type Backend } from "../../db/backend.js";

class CobuyPGliteAdapter extends PGliteAdapter {
  readonly [BACKEND]: Backend;
  constructor(backend: Backend) {
    super();
    this[BACKEND] = backend;
  }
}

/** Kysely's own PGliteDialect whose adapter also carries the loader's COPY-capable backend. */
export class CobuyPGliteDialect extends PGliteDialect {
  readonly #backend: Backend;
  constructor(pglite: PGlite, backend: Backend) {
    super({ pglite });
    this.#backend = backend;
  }
  override createAdapter(): DialectAdapter {
    return new CobuyPGliteAdapter(this.#backend);
  }
}
