/** The catalog document both readers (CSV, Parquet) build. */

/** One catalog row: the display name and every extra column (url, image…) by header name. */
export interface CatalogEntry {
  readonly name: string;
  readonly extra: Readonly<Record<string, string>>;
}

/** A shop's product catalog: names (and extra columns) by product id. */
export interface ShopCatalog {
  readonly source: string;
  /** Header names of the extra columns, in file order. */
  readonly extraColumns: readonly string[];
  readonly entries: ReadonlyMap<string, CatalogEntry>;
}

/** Header names accepted for the id column, first match wins. */
export const ID_COLUMNS: readonly string[] = ["id", "product_id"];

/** Collects the rows of a catalog, whatever its format. */
export class CatalogBuilder {
  readonly #entries = new Map<string, CatalogEntry>();
  constructor(
    readonly source: string,
    readonly extraColumns: readonly string[],
  ) {}

  /**
   * Adds one row (an empty name is the id; a later row of the same id replaces it). Returns the
   * column that holds a NUL character instead — 0 the name, e + 1 extra column e — for the
   * caller's positioned error: PostgreSQL cannot store NUL in text or jsonb.
   */
  add(id: string, name: string, extra: Record<string, string>): number | undefined {
    if (name.includes("\u0000")) return 0;
    for (let e = 0; e < this.extraColumns.length; e++) {
      if (extra[this.extraColumns[e]!]?.includes("\u0000")) return e + 1;
    }
    this.#entries.set(id, { name: name === "" ? id : name, extra });
    return undefined;
  }

  finish(): ShopCatalog {
    return { source: this.source, extraColumns: this.extraColumns, entries: this.#entries };
  }
}
