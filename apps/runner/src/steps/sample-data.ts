/** The sample data set `pipeline` uses when no input is given: generated once into `<home>/data/`. */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import * as path from "node:path";
import { writeSampleCsv } from "@cobuy/pipeline";
import type { Context } from "../context.js";

/** Its size and seed (deterministic: the same file every time). */
export const SAMPLE_DEFAULTS = { orders: 20_000, products: 2_000, categories: 20, seed: 1 } as const;

/**
 * Stage "sample" (only the first time): the sample data set's path, generating it when missing.
 * @example
 * const input = await sampleDataSet(ctx); // "<home>/data/sample-20000x2000x20-seed1.csv"
 */
export async function sampleDataSet(ctx: Context): Promise<string> {
  const s = SAMPLE_DEFAULTS;
  const file = path.join(ctx.home.data, `sample-${s.orders}x${s.products}x${s.categories}-seed${s.seed}.csv`);
  if (!existsSync(file)) {
    await mkdir(ctx.home.data, { recursive: true });
    await ctx.stage("sample", () => writeSampleCsv(file, s));
    ctx.log.info("generated the sample data set", { path: file });
  }
  return file;
}
