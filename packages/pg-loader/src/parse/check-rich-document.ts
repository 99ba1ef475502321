import { RecsDocumentWalker, type RecsSink, type RichHeader } from "./recs-document-walker.js";

/** What {@link checkRichDocument} found in a valid document. */
export interface RichDocumentFacts {
  /** The small top-level fields: format, runId, createdAt, params, counts. */
  readonly header: RichHeader;
  /** Products in `recs`. */
  readonly products: number;
  /** Recommendations in all lists. */
  readonly recommendations: number;
}

const NO_SINK: RecsSink = { startList() {}, row() {} };

/**
 * Checks a whole recs.rich.json exactly as {@link loadRun} does while it streams one (structure,
 * format, runId, createdAt, ids, scores, supports, the `products` section), without a database:
 * for a caller that must refuse a document before publishing it. Throws `FormatError`
 * (`COBUY_PG_FORMAT`) at `file:line:column`. Memory: O(products), never the document.
 * @example
 * const { header, products } = await checkRichDocument(createReadStream("out/recs.rich.json"));
 */
export async function checkRichDocument(
  chunks: AsyncIterable<Uint8Array>,
  options: { file?: string } = {},
): Promise<RichDocumentFacts> {
  const walker = new RecsDocumentWalker(options.file ?? "recs.rich.json", { sink: NO_SINK });
  for await (const chunk of chunks) walker.write(chunk);
  walker.end();
  return { header: walker.header, products: walker.recStats.size, recommendations: walker.rows };
}
