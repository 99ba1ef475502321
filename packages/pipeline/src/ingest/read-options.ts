/** Names of the columns read from the header row. */
export interface SalesColumns {
  /** Default `"order_id"`. */
  order?: string;
  /** Default `"product_id"`. */
  product?: string;
  /** Default `"category"`. Optional in the file unless `requireCategory` is set. */
  category?: string;
}

/** Options of {@link readSales}. */
export interface ReadSalesOptions {
  /** Column names in the header row (defaults `order_id`, `product_id`, `category`). */
  columns?: SalesColumns;
  /** Fail when the header has no category column (validation needs it). Default false. */
  requireCategory?: boolean;
  /**
   * Skip rows with an empty order/product id, a wrong field count or a stray quote instead of
   * failing. Default false. (An empty category is never a bad row: the category is then unknown.)
   */
  skipBadRows?: boolean;
  /** How many skipped rows are kept as examples in the report. Default 10. */
  maxBadRowExamples?: number;
  /** Field delimiter, one ASCII character. Default `","`. */
  delimiter?: string;
  /**
   * Name used in messages and as `SalesIndex.source`, e.g. `s3://bucket/sales.csv` for a stream or a
   * downloaded copy. Default: the path, or `"<stream>"` for a stream.
   */
  name?: string;
  /** Keep every order id as a string in `orderIds` (costs memory per order). Default false. */
  keepOrderIds?: boolean;
  /** Longest record accepted, in bytes (a guard against a quote that is never closed). Default 16 MiB. */
  maxRecordBytes?: number;
  /** Called after each chunk with the bytes read from the source (compressed bytes for gzip) and rows so far. */
  onProgress?: (bytesRead: number, rows: number) => void;
}
