/** The four bytes a Parquet file starts and ends with. */
export const PARQUET_MAGIC = Buffer.from("PAR1", "latin1");
