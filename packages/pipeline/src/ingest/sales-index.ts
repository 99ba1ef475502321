/**
 * The {@link SalesIndex} and what builds it: the id interning, category votes and line arrays
 * shared by the CSV and the Parquet readers (each reader only decodes its format into byte ranges).
 */
import type { BadRowExample, CategoryConflict, ProductCatalog } from "../catalog/product-catalog.js";
import { NO_CATEGORY } from "../catalog/product-catalog.js";
import { ByteInterner } from "./byte-interner.js";

/**
 * The sales rows as typed arrays. Products are numbered by the byte order of their ids (UTF-8
 * bytes), so "ties by product index" is "ties by product id"; orders are numbered by first
 * appearance. Line i is the pair (`lineOrder[i]`, `lineProduct[i]`).
 *
 * @example
 * ```ts
 * const ix = await readSales("sales.csv");
 * const firstLine = `${ix.lineOrder[0]} bought ${ix.productIds[ix.lineProduct[0]!]}`;
 * const category = ix.productCategory ? ix.categories[ix.productCategory[0]!] : undefined;
 * ```
 */
export interface SalesIndex extends ProductCatalog {
  /** Order index of each kept line. */
  readonly lineOrder: Uint32Array;
  /** Product index of each kept line. */
  readonly lineProduct: Uint32Array;
  /** Orders holding at least two different products (0 means nothing to recommend). */
  readonly ordersWithPairs: number;
  /** Bytes read from the source (compressed bytes for gzip). */
  readonly bytesRead: number;
  /** Whether the source was gzip. */
  readonly gzip: boolean;
  /** Order ids by order index, only with `keepOrderIds`. */
  readonly orderIds?: readonly string[];
}

const MAX_CONFLICT_EXAMPLES = 5;

/** What {@link SalesAccumulator.finish} records about the source. */
export interface SourceFacts {
  readonly source: string;
  readonly bytesRead: number;
  readonly gzip: boolean;
  /** Whether the input has a category column (else `productCategory` is null). */
  readonly hasCategory: boolean;
  readonly keepOrderIds: boolean;
}

/**
 * Collects sales lines given as byte ranges: interns order, product and category ids (bytes, never
 * strings on the hot path), counts category votes per product, keeps the line arrays and the
 * skipped-row report. Memory O(distinct ids + kept lines).
 */
export class SalesAccumulator {
  readonly orderIds = new ByteInterner(1 << 16);
  readonly productIds = new ByteInterner(1 << 12);
  readonly categoryIds = new ByteInterner(64);
  private prevOrder = -1;
  rows = 0;
  private lineOrder = new Uint32Array(1 << 16);
  private lineProduct = new Uint32Array(1 << 16);
  // Category votes: the first category seen per product and its count; other categories in `extra`.
  // -1 stands for "no category" (no column, or an empty field) and never wins a vote.
  private cat1 = new Int32Array(1 << 12);
  private cnt1 = new Uint32Array(1 << 12);
  private readonly extra = new Map<number, Map<number, number>>();
  rowsWithoutCategory = 0;
  badCount = 0;
  readonly badExamples: BadRowExample[] = [];

  constructor(private readonly maxExamples: number) {}

  /** Category id of `b[s..e)`, or -1 (counted in `rowsWithoutCategory`) when it is blank. */
  category(b: Uint8Array, s: number, e: number): number {
    // An empty category is unknown, not an error: the product takes its category from other rows.
    if (isBlank(b, s, e)) {
      this.rowsWithoutCategory++;
      return -1;
    }
    return this.categoryIds.intern(b, s, e);
  }

  /** Adds the line (order `ob[os..oe)`, product `pb[ps..pe)`, category id `c` or -1). */
  // O(id bytes) expected
  add(ob: Uint8Array, os: number, oe: number, pb: Uint8Array, ps: number, pe: number, c: number): void {
    const p = this.product(pb, ps, pe);
    this.addLine(ob, os, oe, p, c);
  }

  /** Whether the product of the last {@link product} call was new (its id not yet checked). */
  productIsNew = false;

  /**
   * Product id of `pb[ps..pe)`, interned now so a reader checks the id's bytes only the first time
   * it is seen (`productIsNew`); a row refused after this takes a new one back with
   * {@link dropNewProduct} before anything else is interned.
   */
  product(pb: Uint8Array, ps: number, pe: number): number {
    const known = this.productIds.size;
    const p = this.productIds.intern(pb, ps, pe);
    this.productIsNew = p === known;
    return p;
  }

  /** Takes back the product the last {@link product} call added. */
  dropNewProduct(): void {
    this.productIds.removeLast();
    this.productIsNew = false;
  }

  /**
   * The category id of `b[s..e)` when it is the first category product `p` was seen with (most
   * rows: already checked and interned, no hash needed), else -2.
   */
  knownCategory(p: number, b: Uint8Array, s: number, e: number): number {
    if (this.productIsNew) return -2;
    const c = this.cat1[p]!;
    return c >= 0 && this.categoryIds.equals(c, b, s, e) ? c : -2;
  }

  /** Adds the line of order `ob[os..oe)` and product id `p` (from {@link product}), category id `c` or -1. */
  // O(order id bytes) expected
  addLine(ob: Uint8Array, os: number, oe: number, p: number, c: number): void {
    let o = this.prevOrder;
    if (o < 0 || !this.orderIds.equals(o, ob, os, oe)) {
      o = this.orderIds.intern(ob, os, oe);
      this.prevOrder = o;
    }
    if (this.productIsNew) {
      this.productIsNew = false;
      if (p === this.cat1.length) this.growProducts();
      this.cat1[p] = c;
      this.cnt1[p] = 1;
    } else if (this.cat1[p] === c) {
      this.cnt1[p]!++;
    } else {
      let m = this.extra.get(p);
      if (m === undefined) {
        m = new Map();
        this.extra.set(p, m);
      }
      m.set(c, (m.get(c) ?? 0) + 1);
    }
    const r = this.rows;
    if (r === this.lineOrder.length) this.growLines();
    this.lineOrder[r] = o;
    this.lineProduct[r] = p;
    this.rows = r + 1;
  }

  /** Counts a skipped row and keeps it as an example while there is room. */
  skipped(example: BadRowExample): void {
    this.badCount++;
    if (this.badExamples.length < this.maxExamples) this.badExamples.push(example);
  }

  private growLines(): void {
    const n = this.lineOrder.length * 2;
    const o = new Uint32Array(n);
    o.set(this.lineOrder);
    this.lineOrder = o;
    const p = new Uint32Array(n);
    p.set(this.lineProduct);
    this.lineProduct = p;
  }

  private growProducts(): void {
    const n = this.cat1.length * 2;
    const c = new Int32Array(n);
    c.set(this.cat1);
    this.cat1 = c;
    const k = new Uint32Array(n);
    k.set(this.cnt1);
    this.cnt1 = k;
  }

  /** The index of the lines added (the caller checks `rows > 0` first). */
  // O(rows + P log P + orders)
  finish(meta: SourceFacts): SalesIndex {
    const rows = this.rows;
    const P = this.productIds.size;
    const sorted = this.productIds.sortedIds();
    const rank = new Uint32Array(P);
    const productIds: string[] = new Array(P);
    for (let r = 0; r < P; r++) {
      rank[sorted[r]!] = r;
      productIds[r] = this.productIds.key(sorted[r]!);
    }
    const lineOrder =
      rows * 8 < this.lineOrder.length * 7 ? this.lineOrder.slice(0, rows) : this.lineOrder.subarray(0, rows);
    const lineProduct =
      rows * 8 < this.lineProduct.length * 7
        ? this.lineProduct.slice(0, rows)
        : this.lineProduct.subarray(0, rows);
    for (let i = 0; i < rows; i++) lineProduct[i] = rank[lineProduct[i]!]!;

    // Categories, sorted by bytes; each product takes its most frequent non-empty one (ties: first in
    // byte order), or NO_CATEGORY.
    let categories: string[] = [];
    let productCategory: Uint32Array | null = null;
    let conflicts = 0;
    const conflictExamples: CategoryConflict[] = [];
    if (meta.hasCategory) {
      const K = this.categoryIds.size;
      const cSorted = this.categoryIds.sortedIds();
      const cRank = new Uint32Array(K);
      categories = new Array(K);
      for (let r = 0; r < K; r++) {
        cRank[cSorted[r]!] = r;
        categories[r] = this.categoryIds.key(cSorted[r]!);
      }
      productCategory = new Uint32Array(P);
      for (let id = 0; id < P; id++) {
        const c = this.cat1[id]!;
        productCategory[rank[id]!] = c < 0 ? NO_CATEGORY : cRank[c]!;
      }
      const mixed = [...this.extra.keys()].sort((a, b) => rank[a]! - rank[b]!);
      for (const id of mixed) {
        // Votes of the non-empty categories only.
        const votes = new Map<number, number>();
        const c1 = this.cat1[id]!;
        if (c1 >= 0) votes.set(cRank[c1]!, this.cnt1[id]!);
        for (const [c, n] of this.extra.get(id)!) {
          if (c >= 0) votes.set(cRank[c]!, (votes.get(cRank[c]!) ?? 0) + n);
        }
        if (votes.size === 0) continue;
        const seen = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
        productCategory[rank[id]!] = seen[0]![0];
        if (seen.length < 2) continue;
        conflicts++;
        if (conflictExamples.length < MAX_CONFLICT_EXAMPLES) {
          conflictExamples.push({
            productId: productIds[rank[id]!]!,
            chosen: categories[seen[0]![0]]!,
            seen: seen.map(([c, lines]) => ({ category: categories[c]!, lines })),
          });
        }
      }
    }

    // Orders with two different products.
    const orders = this.orderIds.size;
    const firstProduct = new Int32Array(orders).fill(-1);
    let ordersWithPairs = 0;
    for (let i = 0; i < rows; i++) {
      const o = lineOrder[i]!;
      const p = lineProduct[i]!;
      const f = firstProduct[o]!;
      if (f === -1) firstProduct[o] = p;
      else if (f >= 0 && f !== p) {
        firstProduct[o] = -2;
        ordersWithPairs++;
      }
    }

    const index: SalesIndex = {
      source: meta.source,
      productIds,
      categories,
      productCategory,
      orders,
      rows,
      lineOrder,
      lineProduct,
      ordersWithPairs,
      categoryConflicts: conflicts,
      conflictExamples,
      rowsWithoutCategory: this.rowsWithoutCategory,
      badRows: { count: this.badCount, examples: this.badExamples },
      bytesRead: meta.bytesRead,
      gzip: meta.gzip,
    };
    if (meta.keepOrderIds) {
      const ids: string[] = new Array(orders);
      for (let o = 0; o < orders; o++) ids[o] = this.orderIds.key(o);
      return { ...index, orderIds: ids };
    }
    return index;
  }
}

/** True when `b[s..e)` is empty or only spaces and tabs. */
export function isBlank(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * True when `catalog` is a `SalesIndex` (it holds the order lines, so the stages that need them —
 * the core-math measures, "auto", evaluation — can run on it).
 *
 * @example
 * ```ts
 * if (isSalesIndex(result.index)) await evaluate(evaluationDataFromIndex(result.index), options);
 * ```
 */
export function isSalesIndex(catalog: ProductCatalog): catalog is SalesIndex {
  return (catalog as Partial<SalesIndex>).lineOrder instanceof Uint32Array;
}
