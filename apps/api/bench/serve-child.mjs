// The API as `cobuy serve` runs it (request logs on, written to /dev/null), in its own process so
// the benchmark driver does not share its event loop. Prints the URL on stdout once listening.
import { openDatabase } from "@cobuy/pg-loader";
import { createApp } from "../dist/index.js";

const db = await openDatabase({
  connectionString: process.env.DATABASE_URL,
  poolSize: Number(process.env.BENCH_POOL ?? 16),
  applicationName: "cobuy-bench-api",
});
const app = await createApp({
  db,
  cacheEntries: Number(process.env.BENCH_CACHE_ENTRIES ?? 100_000),
  logger: process.env.BENCH_LOG === "0" ? false : { level: "info", file: "/dev/null" },
  publicDir: false,
});
const url = await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`${url}\n`);
const stop = async () => {
  await app.close();
  await db.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
