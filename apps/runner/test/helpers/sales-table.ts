import { readFileSync } from "node:fs";
import pg from "pg";

/** A sales CSV (three plain columns, no quoting) as the table `sales` of the database at `url`. */
export async function loadSalesTable(url: string, csv: string): Promise<void> {
  const [, ...lines] = readFileSync(csv, "utf8").trim().split("\n");
  const cols = lines.map((l) => l.split(","));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("CREATE TABLE sales (order_id text, product_id text, category text)");
    await client.query("INSERT INTO sales SELECT * FROM unnest($1::text[], $2::text[], $3::text[])", [
      cols.map((c) => c[0]),
      cols.map((c) => c[1]),
      cols.map((c) => c[2]),
    ]);
  } finally {
    await client.end();
  }
}
