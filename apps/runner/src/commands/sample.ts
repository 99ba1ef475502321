/** `cobuy sample`: writes a deterministic synthetic sales CSV. */
import { writeSampleCsv } from "@cobuy/pipeline";
import { defineCommand } from "../command.js";
import { intOption, requireString } from "../flags/values.js";
import { fmtBytes, fmtCount } from "../ui/format.js";

export const sample = defineCommand({
  name: "sample",
  summary: "write a synthetic sales CSV (deterministic for a seed)",
  usage: "cobuy sample --out FILE [--orders N] [--products N] [--categories N] [--seed S]",
  description:
    "Orders with skewed product popularity and baskets that mostly stay in one category; the same\n" +
    "options always give the same bytes. A FILE ending in .gz is gzip-compressed.",
  options: {
    out: {
      type: "string",
      short: "o",
      valueName: "FILE",
      description: "where to write the CSV (.csv or .csv.gz)",
    },
    orders: { type: "string", valueName: "N", description: "number of orders (default 20000)" },
    products: { type: "string", valueName: "N", description: "catalogue size (default 2000)" },
    categories: { type: "string", valueName: "N", description: "number of categories (default 20)" },
    seed: { type: "string", valueName: "S", description: "integer seed (default 1)" },
  },
  examples: ["cobuy sample --out sales.csv --orders 1000 --seed 7"],
  async run(ctx, { values }) {
    const file = ctx.resolvePath(requireString(values.out, "out"));
    const options = {
      orders: intOption(values.orders, "orders", 20_000, { min: 1 }),
      products: intOption(values.products, "products", 2_000, { min: 1 }),
      categories: intOption(values.categories, "categories", 20, { min: 1 }),
      seed: intOption(values.seed, "seed", 1),
    };
    const s = await ctx.stage("sample", () => writeSampleCsv(file, options));
    ctx.print(
      `wrote ${file}: ${fmtCount(s.rows)} rows, ${fmtCount(s.orders)} orders, ${fmtCount(s.products)} products, ` +
        `${fmtCount(s.categories)} categories (${fmtBytes(s.bytes)})`,
    );
    return { out: file, options, ...s };
  },
});
