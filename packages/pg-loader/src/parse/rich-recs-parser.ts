import { RecsCopyEncoder } from "./copy-encoder.js";
import {
  type DocProduct,
  type RecStat,
  RecsDocumentWalker,
  type RichHeader,
} from "./recs-document-walker.js";

/**
 * Streams recs.rich.json (cobuy.recs.v1) chunk by chunk and turns `recs` into COPY text lines
 * `product_id \t rank \t recommended_id \t score \t support`: the JSON tokenizer feeds the
 * document walker (structure and values), which feeds the COPY encoder. Everything else is small
 * and kept. Memory: O(products) for the per-product stats, never the document.
 * @example
 * const p = new RichRecsParser("recs.rich.json");
 * for await (const chunk of stream) { p.write(chunk); for (const bytes of p.take()) copy.write(bytes); }
 * p.end();
 */
export class RichRecsParser {
  readonly #encoder = new RecsCopyEncoder();
  readonly #walker: RecsDocumentWalker;

  constructor(file: string, options: { expectedRunId?: string } = {}) {
    this.#walker = new RecsDocumentWalker(file, {
      sink: this.#encoder,
      expectedRunId: options.expectedRunId,
    });
  }

  /** The small top-level fields. */
  get header(): RichHeader {
    return this.#walker.header;
  }
  /** product id → stats, in document order; every key of `recs`. */
  get recStats(): ReadonlyMap<string, RecStat> {
    return this.#walker.recStats;
  }
  /** The `products` section, when the document has one. */
  get docProducts(): ReadonlyMap<string, DocProduct> {
    return this.#walker.docProducts;
  }
  get hasProducts(): boolean {
    return this.#walker.hasProducts;
  }
  /** Recommendations read so far. */
  get rows(): number {
    return this.#walker.rows;
  }

  write(chunk: Uint8Array): void {
    this.#walker.write(chunk);
  }

  /** Ends the input and checks the document is complete and of the right format. */
  end(): void {
    this.#walker.end();
  }

  /** Returns and forgets the COPY text (UTF-8 bytes, whole lines) produced so far. */
  take(): Uint8Array[] {
    return this.#encoder.take();
  }
}
