// Benchmark (not a test): publish a run whose generated recs.rich.json is ≥ 200 MB to s3rver by
// multipart streaming, and report throughput and peak RSS growth of this process (target < 300 MB).
// s3rver runs in a child process so its memory is not counted. Build first: pnpm build.
//   node bench/large-upload.mjs [sizeMB=210] [--gzip]
import { fork } from "node:child_process";
import { createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createS3Client, publishRun, S3Store } from "../dist/index.js";

const args = process.argv.slice(2);
const targetMB = Number(args.find((a) => /^\d+$/.test(a)) ?? 210);
const gzip = args.includes("--gzip");
const MB = 1024 * 1024;

if (process.env.COBUY_BENCH_S3RVER_CHILD) {
  const { createRequire } = await import("node:module");
  const S3rver = createRequire(import.meta.url)("s3rver");
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: process.env.COBUY_BENCH_S3RVER_CHILD,
    configureBuckets: [{ name: "bench" }],
  });
  const addr = await server.run();
  process.send?.({ port: addr.port });
} else {
  await main();
}

/** A rich document streamed as JSON text: products with top-k lists (no giant string in memory). */
function richDocument(bytesWanted) {
  let written = 0;
  let p = 0;
  let state = 0;
  return Readable.from(
    (function* () {
      const head =
        '{"format":"cobuy.recs.v1","runId":"bench","createdAt":"2026-01-01T00:00:00Z","params":{"k":10},"counts":{"orders":0,"rows":0,"products":0},"recs":{';
      written += head.length;
      yield head;
      while (written < bytesWanted) {
        const parts = [];
        for (let i = 0; i < 500; i++, p++) {
          const recs = [];
          for (let r = 0; r < 10; r++) {
            state = (state * 1103515245 + 12345) >>> 0;
            recs.push(
              `{"id":"P${(state % 1_000_000).toString().padStart(7, "0")}","score":${(1 - r / 20 - (state % 997) / 1e6).toFixed(6)},"support":${(state % 50) + 1}}`,
            );
          }
          parts.push(`${p === 0 ? "" : ","}"P${p.toString().padStart(7, "0")}":[${recs.join(",")}]`);
        }
        const chunk = parts.join("");
        written += chunk.length;
        yield chunk;
      }
      yield "}}\n";
    })(),
  );
}

async function main() {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "cobuy-bench-"));
  const child = fork(new URL(import.meta.url).pathname, [], {
    env: { ...process.env, COBUY_BENCH_S3RVER_CHILD: path.join(work, "s3rver") },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  try {
    const { port } = await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (c) => reject(new Error(`s3rver exited ${c}`)));
    });
    const docPath = path.join(work, "recs.rich.json");
    await pipeline(richDocument(targetMB * MB), createWriteStream(docPath));
    const size = (await fs.stat(docPath)).size;

    const client = createS3Client({
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    const store = new S3Store({ client, bucket: "bench", prefix: "runs" });
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const t0 = performance.now();
    const res = await publishRun(store, {
      runId: "2026-01-01_00-00-00",
      files: [{ name: "recs.rich.json", path: docPath }],
      gzip,
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    client.destroy();
    const f = res.manifest.files[0];
    const report = {
      document: "recs.rich.json",
      sizeMB: +(size / MB).toFixed(1),
      storedMB: +(f.storedSize / MB).toFixed(1),
      gzip,
      seconds: +seconds.toFixed(2),
      throughputMBps: +(size / MB / seconds).toFixed(1),
      rssBaselineMB: +(baseline / MB).toFixed(1),
      rssPeakMB: +(peak / MB).toFixed(1),
      rssGrowthMB: +((peak - baseline) / MB).toFixed(1),
      targetGrowthMB: 300,
      ok: peak - baseline < 300 * MB,
    };
    console.log(JSON.stringify(report, null, 2));
    if (!report.ok) process.exitCode = 1;
  } finally {
    child.kill();
    await fs.rm(work, { recursive: true, force: true });
  }
}
