import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate, loadEvaluationData } from "../src/evaluation/index.js";

async function csv(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cobuy-eval-"));
  const file = join(dir, "sales.csv");
  await writeFile(file, text);
  return file;
}

describe("loadEvaluationData", () => {
  it("keeps rows with an empty category: the product counts and takes its most frequent category", async () => {
    const file = await csv(
      "order_id,product_id,category,ts\n" +
        "o1,A,x,2024-01-03\n" +
        "o1,B,,2024-01-03\n" +
        "o2,B,y,5\n" +
        "o2,A,x,5\n" +
        "o2,A,x,5\n" +
        "o3,C,,2024-01-01T10:00:00Z\n" +
        "o3,B,y,2024-01-01T10:00:00Z\n" +
        "o3,B,z,2024-01-01T10:00:00Z\n",
    );
    const data = await loadEvaluationData(file, { timeColumn: "ts" });
    expect(data.productIds).toEqual(["A", "B", "C"]);
    expect(data.categories).toEqual(["x", "y", null]);
    expect(data.rows).toBe(8);
    expect(data.rowsWithoutCategory).toBe(2);
    expect(data.orderIds).toEqual(["o1", "o2", "o3"]);
    // A twice in o2, B twice in o3: the classic count incidence keeps 2.
    expect([...data.a.values]).toEqual([1, 1, 2, 1, 2, 1]);
    expect(data.times![0]).toBe(Date.parse("2024-01-03"));
    expect(data.times![1]).toBe(5);
    expect(data.times![2]).toBe(Date.parse("2024-01-01T10:00:00Z"));
    const ev = await evaluate(data, {
      split: { method: "time", fraction: 0.34, column: "ts", times: data.times! },
      similarity: "cosine",
    });
    expect(ev.split.testOrders).toBe(1);
  });

  it("names the file and column when a time is not a time, and when an order has none", async () => {
    const bad = await csv("order_id,product_id,category,ts\no1,A,x,soon\n");
    await expect(loadEvaluationData(bad, { timeColumn: "ts" })).rejects.toMatchObject({
      code: "COBUY_PIPELINE_MISSING_DATA",
      message: expect.stringMatching(/sales\.csv: column "ts" holds "soon"/),
    });
    const missing = await csv("order_id,product_id,category,ts\no1,A,x,1\no2,B,x,\n");
    await expect(loadEvaluationData(missing, { timeColumn: "ts" })).rejects.toMatchObject({
      message: expect.stringMatching(/order "o2" has no value in column "ts"/),
    });
  });

  it("works without a category column", async () => {
    const data = await loadEvaluationData(await csv("order_id,product_id\n1,A\n1,B\n2,A\n"));
    expect(data.categories).toEqual([null, null]);
  });
});
