// node examples/quickstart.mjs [out-dir]   (after `pnpm turbo run build --filter @cobuy/pipeline...`)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRunId } from "@cobuy/contracts";
import { buildRecommendations, writeDocuments, writeSampleCsv } from "@cobuy/pipeline";

const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), "cobuy-quickstart-"));
const input = join(out, "sample.csv");
await writeSampleCsv(input, { seed: 1 }); // 20 000 orders, 2 000 products, 20 categories

const { index, topk, validation, productSupport, stats } = await buildRecommendations(input, {
  k: 5,
  onStage: (e) => {
    if (e.phase === "end") console.log(`${e.stage}: ${e.seconds.toFixed(3)} s`);
  },
});
const files = await writeDocuments(out, {
  index,
  topk,
  validation,
  productSupport,
  runId: makeRunId(),
  params: { k: 5 },
});
console.log(
  `${stats.rows} rows, ${stats.orders} orders, ${stats.products} products, share ${validation?.overall.share}`,
);
for (const f of files) console.log(`${f.path} (${f.bytes} bytes)`);
