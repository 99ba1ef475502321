/**
 * Compressed sparse rows: row r holds columns `colIdx[rowPtr[r] .. rowPtr[r+1])`, sorted ascending,
 * with `values` beside them.
 */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Uint32Array | Float64Array; // length rows + 1; Float64Array when nnz >= 2^32
  readonly colIdx: Uint32Array;
  readonly values: Float64Array;
}

/** How each order line counts in A. */
export type Incidence = "count" | "binary";

export interface TopKOptions {
  /** Recommendations kept per product (default 5). */
  k?: number;
  /** Keep only scores strictly above this (default 0: every positive score). */
  minScore?: number;
  /** Products in fewer orders get no list and are never recommended (default 1: no filter). */
  minSupport?: number;
  /** Worker threads; default: available cores. 1 runs on the calling thread. */
  threads?: number;
  /** "wasm" (default) or the plain TypeScript reference "js". */
  kernel?: "wasm" | "js";
  /** Called now and then with the products done so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Top-k lists of every product, flat: product p's list is at `[p*k, p*k + length[p])`,
 * best first (score descending, then product index ascending).
 */
export interface TopKResult {
  readonly products: number;
  readonly k: number;
  readonly length: Uint16Array;
  readonly ids: Uint32Array;
  readonly scores: Float64Array;
  /** C[p][q] of each listed pair: the co-occurrence count behind it. */
  readonly support: Float64Array;
  /** Multiply-adds performed (for rates in benchmarks). */
  readonly multiplyAdds: number;
}
