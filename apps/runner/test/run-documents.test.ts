// writeRunDocuments (steps/documents.ts) in-process: the report it writes shows the changes since
// the previous run, and the guard's verdict, only when they are given.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRecommendations, checkGuard, diffRuns, runListsFromRich } from "@cobuy/pipeline";
import { afterAll, describe, expect, it } from "vitest";
import { createContext, type Io } from "../src/context.js";
import { type RunDocumentsOptions, writeRunDocuments } from "../src/steps/documents.js";

const scratch = mkdtempSync(join(tmpdir(), "cobuy-run-documents-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const silentIo: Io = {
  stdout: { write: () => true, isTTY: false },
  stderr: { write: () => true, isTTY: false, columns: 120 },
  env: {},
  cwd: scratch,
};

/** `orders` orders of two or three products out of 12, in 3 categories; the same for every call. */
function salesCsv(orders: number): string {
  const lines = ["order_id,product_id,category"];
  for (let o = 0; o < orders; o++) {
    const first = (o * 7) % 12;
    for (const p of new Set([first, (first + 1 + (o % 3)) % 12, (first + 5) % 12].slice(0, 2 + (o % 2))))
      lines.push(`o${o},p${p},c${p % 3}`);
  }
  return `${lines.join("\n")}\n`;
}

async function writeDay(
  name: string,
  orders: number,
  extra: Pick<RunDocumentsOptions, "changes" | "guard"> = {},
) {
  const input = join(scratch, `${name}.csv`);
  writeFileSync(input, salesCsv(orders));
  const result = await buildRecommendations(input, { k: 3, threads: 1 });
  const dir = join(scratch, name);
  const ctx = createContext(silentIo, { command: "pipeline" });
  const { documents } = await writeRunDocuments(ctx, dir, {
    result,
    runId: `2026-01-0${name === "day-1" ? 1 : 2}_00-00-00`,
    params: { input: `${name}.csv`, k: 3 },
    title: name,
    ...extra,
  });
  const read = (file: string) => readFileSync(join(dir, file), "utf8");
  return {
    documents,
    dir,
    lists: () => runListsFromRich(JSON.parse(read("recs.rich.json"))),
    report: () => read("report.html"),
  };
}

describe("writeRunDocuments", () => {
  it("adds the changes since the previous run and the guard's verdict to report.html when given", async () => {
    const dayOne = await writeDay("day-1", 400);
    expect(dayOne.documents.map((d) => d.name)).toContain("report.html");
    expect(dayOne.report()).not.toContain('id="changes"');

    // Day two's export lost three quarters of the orders: the guard refuses it on the orders ratio.
    const plain = await writeDay("day-2", 100);
    const changes = diffRuns(dayOne.lists(), plain.lists());
    const guard = checkGuard(changes);
    expect(changes.ordersRatio).toBe(0.25);
    expect(guard.failures.map((f) => f.check)).toContain("min-orders-ratio");

    const dayTwo = await writeDay("day-2", 100, { changes, guard });
    const html = dayTwo.report();
    expect(html).toContain('<section id="changes"><h2>Changes since the previous run</h2>');
    expect(html).toContain('data-fact="previous-run">2026-01-01_00-00-00</b>');
    expect(html).toContain('id="changes-guard" class="guard refused" data-passed="false"');
    for (const f of guard.failures) expect(html).toContain(`data-check="${f.check}"`);
    expect(html).toContain('data-metric="orders" data-value="0.25"><div class="big">400 → 100</div>');
  });
});
