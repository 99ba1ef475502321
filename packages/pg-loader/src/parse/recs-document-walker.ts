import { RICH_FORMAT } from "@cobuy/contracts";
import type { Json } from "../db/types.js";
import { FormatError } from "../errors.js";
import {
  decodeString,
  ESCAPED,
  JsonSyntaxError,
  JsonTokenizer,
  NON_ASCII,
  type TokenHandler,
} from "./json-tokenizer.js";

/** The small top-level fields of recs.rich.json. */
export interface RichHeader {
  format?: string;
  runId?: string;
  createdAt?: string;
  params?: Json;
  counts?: Json;
}

/** Per-product facts gathered while streaming `recs`. */
export interface RecStat {
  recCount: number;
  /** Largest pair support among the product's recommendations (0 when it has none). */
  maxSupport: number;
}

/** An entry of the optional `products` section. */
export interface DocProduct {
  category: string | null;
  support: number | null;
  /** The catalog name; undefined without a catalog row (the id is the name then). */
  name?: string;
  /** The catalog's other columns; undefined without a catalog row. */
  extra?: { [column: string]: Json };
}

/** The list being walked: its product and the rank of its latest item (1-based). */
export interface RecList {
  readonly pid: string;
  readonly rank: number;
}

/**
 * One validated recommendation, reused for every item (valid only during `RecsSink.row`). Fields
 * are the document's bytes `[0, len)`: `id` is raw UTF-8 without escapes, unless the JSON string
 * had escapes, in which case `idText` holds the decoded id instead.
 */
export interface RecItem {
  readonly id: Uint8Array;
  readonly idLen: number;
  readonly idText: string | undefined;
  /** A JSON number, as written. */
  readonly score: Uint8Array;
  readonly scoreLen: number;
  /** Decimal digits of an integer in 0..2^31-1. */
  readonly support: Uint8Array;
  readonly supportLen: number;
}

/** Receives the lists of `recs` as the walker validates them. */
export interface RecsSink {
  startList(list: RecList): void;
  row(list: RecList, item: RecItem): void;
}

// Contexts of open containers.
const TOP = 0;
const RECS = 1;
const REC_LIST = 2;
const REC_ITEM = 3;
const PRODUCTS = 4;
const PRODUCT = 5;
const CAPTURE = 6;
const SKIP = 7;
// Grammar states.
const VALUE = 0;
const KEY_OR_CLOSE = 1;
const KEY = 2;
const COLON = 3;
const COMMA_OR_CLOSE = 4;
const VALUE_OR_CLOSE = 5;
const END = 6;
// Keys of a recommendation object.
const K_OTHER = 0;
const K_ID = 1;
const K_SCORE = 2;
const K_SUPPORT = 3;

const INT4_MAX = 2147483647;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Walks a cobuy.recs.v1 document (recs.rich.json) chunk by chunk: checks its structure and values,
 * keeps the small parts (header, `products`, per-list stats) and hands each recommendation of
 * `recs` to a {@link RecsSink}. Violations are FormatErrors at `file:line:column`.
 * Memory: O(products) for the per-product stats, never the document.
 */
export class RecsDocumentWalker implements TokenHandler {
  readonly header: RichHeader = {};
  /** product id → stats, in document order; every key of `recs`. */
  readonly recStats = new Map<string, RecStat>();
  /** The `products` section, when the document has one. */
  readonly docProducts = new Map<string, DocProduct>();
  hasProducts = false;
  hasRecs = false;
  rows = 0;

  readonly #file: string;
  readonly #expectedRunId: string | undefined;
  readonly #tok: JsonTokenizer;
  #expect = VALUE;
  // Open containers: ctx * 2 + (1 if array).
  readonly #frames: number[] = [];
  readonly #keys: (string | number)[] = [];
  readonly #captures: Json[] = [];
  #key: string | number = "";
  readonly #sink: RecsSink;
  // The current list and recommendation (`#item` is what the sink sees).
  readonly #list = { pid: "", rank: 0 };
  #maxSupport = 0;
  readonly #item: { -readonly [K in keyof RecItem]: RecItem[K] } = {
    id: new Uint8Array(256),
    idLen: -1,
    idText: undefined,
    score: new Uint8Array(64),
    scoreLen: -1,
    support: new Uint8Array(16),
    supportLen: -1,
  };
  #supportValue = 0;
  #prodCategory: string | null | undefined;
  #prodSupport: number | null | undefined;
  #prodName: string | undefined;
  #prodExtra: { [column: string]: Json } | undefined;

  constructor(file: string, options: { sink: RecsSink; expectedRunId?: string }) {
    this.#file = file;
    this.#sink = options.sink;
    this.#expectedRunId = options.expectedRunId;
    this.#tok = new JsonTokenizer(this);
  }

  write(chunk: Uint8Array): void {
    try {
      this.#tok.write(chunk);
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  /** Ends the input and checks the document is complete and of the right format. */
  end(): void {
    try {
      this.#tok.end();
    } catch (err) {
      throw this.#wrap(err);
    }
    if (this.#expect !== END)
      throw new FormatError(this.#file, "unexpected end of document (truncated file?)");
    if (this.header.format === undefined) {
      throw new FormatError(this.#file, `missing "format" (expected "${RICH_FORMAT}")`);
    }
    if (!this.hasRecs) throw new FormatError(this.#file, 'missing "recs" object');
  }

  // ---- TokenHandler ----

  punct(code: number): void {
    switch (code) {
      case 0x7b: // {
        if (this.#expect !== VALUE && this.#expect !== VALUE_OR_CLOSE) this.#unexpected("{");
        this.#open(false);
        this.#expect = KEY_OR_CLOSE;
        return;
      case 0x5b: // [
        if (this.#expect !== VALUE && this.#expect !== VALUE_OR_CLOSE) this.#unexpected("[");
        this.#open(true);
        this.#expect = VALUE_OR_CLOSE;
        return;
      case 0x7d: {
        // }
        const f = this.#frames[this.#frames.length - 1];
        if (
          (this.#expect !== KEY_OR_CLOSE && this.#expect !== COMMA_OR_CLOSE) ||
          f === undefined ||
          (f & 1) === 1
        ) {
          this.#unexpected("}");
        }
        this.#close();
        return;
      }
      case 0x5d: {
        // ]
        const f = this.#frames[this.#frames.length - 1];
        if (
          (this.#expect !== VALUE_OR_CLOSE && this.#expect !== COMMA_OR_CLOSE) ||
          f === undefined ||
          (f & 1) === 0
        ) {
          this.#unexpected("]");
        }
        this.#close();
        return;
      }
      case 0x3a: // :
        if (this.#expect !== COLON) this.#unexpected(":");
        this.#expect = VALUE;
        return;
      default: {
        // ,
        if (this.#expect !== COMMA_OR_CLOSE) this.#unexpected(",");
        const f = this.#frames[this.#frames.length - 1]!;
        this.#expect = (f & 1) === 1 ? VALUE : KEY;
      }
    }
  }

  string(buf: Buffer, start: number, end: number, flags: number): void {
    const e = this.#expect;
    if (e === KEY || e === KEY_OR_CLOSE) {
      const ctx = this.#frames[this.#frames.length - 1]! >> 1;
      if (ctx === REC_ITEM && flags === 0) {
        const len = end - start;
        this.#key =
          len === 2 && buf[start] === 0x69 && buf[start + 1] === 0x64
            ? K_ID
            : len === 5 && buf[start] === 0x73 && buf[start + 1] === 0x63 && buf[start + 4] === 0x65
              ? K_SCORE
              : len === 7 && buf[start] === 0x73 && buf[start + 1] === 0x75 && buf[start + 6] === 0x74
                ? K_SUPPORT
                : K_OTHER;
      } else {
        const k = decodeString(buf, start, end, flags);
        this.#key =
          ctx === REC_ITEM
            ? k === "id"
              ? K_ID
              : k === "score"
                ? K_SCORE
                : k === "support"
                  ? K_SUPPORT
                  : K_OTHER
            : k;
      }
      this.#expect = COLON;
      return;
    }
    if (e !== VALUE && e !== VALUE_OR_CLOSE) this.#unexpected("string");
    const ctx = this.#parentCtx();
    if (ctx === REC_ITEM) {
      if (this.#key === K_ID) this.#setId(buf, start, end, flags);
      else if (this.#key !== K_OTHER) this.#fail(`"${this.#keyName()}" must be a number`);
    } else if (ctx !== SKIP) {
      this.#scalar(decodeString(buf, start, end, flags));
    }
    this.#afterValue();
  }

  number(buf: Buffer, start: number, end: number): void {
    if (this.#expect !== VALUE && this.#expect !== VALUE_OR_CLOSE) this.#unexpected("number");
    const ctx = this.#parentCtx();
    if (ctx === REC_ITEM) {
      if (this.#key === K_SCORE) this.#setScore(buf, start, end);
      else if (this.#key === K_SUPPORT) this.#setSupport(buf, start, end);
      else if (this.#key === K_ID) this.#fail('"id" must be a string');
    } else if (ctx !== SKIP) {
      const text = buf.toString("latin1", start, end);
      this.#scalar(Number(text), text);
    }
    this.#afterValue();
  }

  #setId(buf: Buffer, start: number, end: number, flags: number): void {
    const item = this.#item;
    if ((flags & ESCAPED) !== 0) {
      const id = decodeString(buf, start, end, flags);
      if (id.includes("\u0000")) this.#fail(`recs["${this.#list.pid}"][${this.#list.rank}].id contains NUL`);
      item.idText = id;
      item.idLen = Buffer.byteLength(id);
      return;
    }
    if ((flags & NON_ASCII) !== 0) utf8.decode(buf.subarray(start, end)); // throws on invalid UTF-8
    const len = end - start;
    const id = (item.id = grow(item.id, len));
    // Byte loops, not set(subarray()): a typed-array view per field costs more than the copy.
    for (let i = 0; i < len; i++) id[i] = buf[start + i]!;
    item.idLen = len;
    item.idText = undefined;
  }

  #setScore(buf: Buffer, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c === 0x65 || c === 0x45) {
        const text = buf.toString("latin1", start, end);
        if (!Number.isFinite(Number(text))) this.#fail(`score ${text} is not a finite number`);
        break;
      }
    }
    const len = end - start;
    const item = this.#item;
    const score = (item.score = grow(item.score, len));
    for (let i = 0; i < len; i++) score[i] = buf[start + i]!;
    item.scoreLen = len;
  }

  #setSupport(buf: Buffer, start: number, end: number): void {
    let v = 0;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c < 0x30 || c > 0x39 || v > INT4_MAX) {
        this.#fail(
          `support ${buf.toString("latin1", start, Math.min(end, start + 40))} is not an integer in 0..${INT4_MAX}`,
        );
      }
      v = v * 10 + (c - 0x30);
    }
    if (v > INT4_MAX)
      this.#fail(`support ${buf.toString("latin1", start, end)} is not an integer in 0..${INT4_MAX}`);
    const len = end - start;
    const item = this.#item;
    const support = (item.support = grow(item.support, len));
    for (let i = 0; i < len; i++) support[i] = buf[start + i]!;
    item.supportLen = len;
    this.#supportValue = v;
  }

  literal(value: boolean | null): void {
    if (this.#expect !== VALUE && this.#expect !== VALUE_OR_CLOSE) this.#unexpected(String(value));
    const ctx = this.#parentCtx();
    if (ctx === REC_ITEM) {
      if (this.#key !== K_OTHER) this.#fail(`"${this.#keyName()}" must not be ${String(value)}`);
    } else if (ctx !== SKIP) {
      this.#scalar(value);
    }
    this.#afterValue();
  }

  // ---- structure ----

  #parentCtx(): number {
    const f = this.#frames[this.#frames.length - 1];
    return f === undefined ? -1 : f >> 1;
  }

  #open(isArray: boolean): void {
    const parent = this.#parentCtx();
    const key = this.#key;
    let ctx: number;
    switch (parent) {
      case -1:
        if (isArray) this.#fail("the document must be a JSON object");
        ctx = TOP;
        break;
      case TOP:
        if (key === "recs") {
          if (isArray) this.#fail('"recs" must be an object of product id → list');
          if (this.hasRecs) this.#fail('duplicate "recs"');
          this.hasRecs = true;
          ctx = RECS;
        } else if (key === "products") {
          if (isArray) this.#fail('"products" must be an object of product id → {category, support}');
          this.hasProducts = true;
          ctx = PRODUCTS;
        } else if (key === "params" || key === "counts") {
          ctx = CAPTURE;
          this.#captures.push(isArray ? [] : {});
        } else if (key === "format" || key === "runId" || key === "createdAt") {
          this.#fail(`"${key}" must be a string`);
        } else {
          ctx = SKIP;
        }
        break;
      case RECS:
        if (!isArray) this.#fail(`recs["${this.#pidFrom(key)}"] must be an array`);
        this.#startProduct(key as string);
        ctx = REC_LIST;
        break;
      case REC_LIST:
        if (isArray)
          this.#fail(`recs["${this.#list.pid}"][${this.#list.rank}] must be an object {id, score, support}`);
        this.#item.idLen = -1;
        this.#item.scoreLen = -1;
        this.#item.supportLen = -1;
        ctx = REC_ITEM;
        break;
      case PRODUCTS:
        if (isArray) this.#fail(`products["${String(key)}"] must be an object {category, support}`);
        this.#prodCategory = undefined;
        this.#prodSupport = undefined;
        this.#prodName = undefined;
        this.#prodExtra = undefined;
        ctx = PRODUCT;
        break;
      case REC_ITEM:
        if (key !== K_OTHER) this.#fail(`"${this.#keyName()}" must be a scalar`);
        ctx = SKIP;
        break;
      case PRODUCT:
        if (key === "category" || key === "support" || key === "name")
          this.#fail(`"${key}" must be a scalar`);
        if (key === "extra") {
          if (isArray) this.#fail('"extra" must be an object of column → value');
          ctx = CAPTURE;
          this.#captures.push({});
        } else {
          ctx = SKIP;
        }
        break;
      case CAPTURE: {
        const v: Json = isArray ? [] : {};
        this.#put(v);
        this.#captures.push(v);
        ctx = CAPTURE;
        break;
      }
      default:
        ctx = SKIP;
    }
    this.#frames.push(ctx * 2 + (isArray ? 1 : 0));
    this.#keys.push(key);
    this.#key = "";
  }

  #close(): void {
    const f = this.#frames.pop()!;
    this.#key = this.#keys.pop()!;
    const ctx = f >> 1;
    switch (ctx) {
      case REC_ITEM:
        this.#endItem();
        break;
      case REC_LIST:
        this.recStats.set(this.#list.pid, { recCount: this.#list.rank, maxSupport: this.#maxSupport });
        break;
      case PRODUCT:
        this.#endProduct();
        break;
      case CAPTURE: {
        const v = this.#captures.pop()!;
        if (this.#parentCtx() === PRODUCT) this.#prodExtra = v as { [column: string]: Json };
        else if (this.#parentCtx() === TOP) {
          if (this.#key === "params") this.header.params = v;
          else this.header.counts = v;
        }
        break;
      }
    }
    this.#afterValue();
  }

  #afterValue(): void {
    if (this.#frames.length === 0) {
      this.#expect = END;
      return;
    }
    this.#expect = COMMA_OR_CLOSE;
    if (this.#frames[this.#frames.length - 1]! >> 1 === REC_LIST) this.#key = "";
  }

  /** A scalar in a TOP, PRODUCT or CAPTURE context. */
  #scalar(value: string | number | boolean | null, text?: string): void {
    const ctx = this.#parentCtx();
    const key = this.#key;
    if (ctx === TOP) {
      if (key === "format" || key === "runId" || key === "createdAt") {
        if (typeof value !== "string") this.#fail(`"${key}" must be a string`);
        this.#headerString(key, value);
      } else if (key === "recs" || key === "products") {
        this.#fail(`"${key}" must be an object`);
      } else if (key === "params" || key === "counts") {
        this.header[key] = value;
      }
    } else if (ctx === PRODUCT) {
      if (key === "category") {
        if (value !== null && typeof value !== "string") this.#fail('"category" must be a string or null');
        this.#prodCategory = value;
      } else if (key === "support") {
        if (value !== null && typeof value !== "number") this.#fail('"support" must be an integer or null');
        this.#prodSupport = value === null ? null : this.#int4(text ?? String(value), "support");
      } else if (key === "name") {
        if (value !== null && typeof value !== "string") this.#fail('"name" must be a string or null');
        if (value?.includes("\u0000")) this.#fail('"name" contains a NUL character');
        this.#prodName = value ?? undefined;
      } else if (key === "extra") {
        if (value !== null) this.#fail('"extra" must be an object of column → value');
      }
    } else if (ctx === CAPTURE) {
      this.#put(value);
    } else if (ctx === RECS) {
      this.#fail(`recs["${this.#pidFrom(key)}"] must be an array`);
    } else if (ctx === REC_LIST) {
      this.#fail(`recs["${this.#list.pid}"][${this.#list.rank}] must be an object {id, score, support}`);
    } else if (ctx === PRODUCTS) {
      this.#fail(`products["${String(key)}"] must be an object {category, support}`);
    } else if (ctx === -1) {
      this.#fail("the document must be a JSON object");
    }
  }

  #put(value: Json): void {
    const target = this.#captures[this.#captures.length - 1]!;
    if (Array.isArray(target)) target.push(value);
    else (target as Record<string, Json>)[this.#key as string] = value;
  }

  #headerString(key: "format" | "runId" | "createdAt", value: string): void {
    if (key === "format" && value !== RICH_FORMAT) {
      this.#fail(`format is "${value}" but this loader reads "${RICH_FORMAT}"`);
    }
    if (key === "runId") {
      if (value === "") this.#fail('"runId" is empty');
      if (this.#expectedRunId !== undefined && value !== this.#expectedRunId) {
        this.#fail(`runId is "${value}" but the run being loaded is "${this.#expectedRunId}"`);
      }
    }
    if (key === "createdAt" && Number.isNaN(Date.parse(value))) {
      this.#fail(`createdAt "${value}" is not an ISO-8601 date`);
    }
    this.header[key] = value;
  }

  #startProduct(pid: string): void {
    if (this.recStats.has(pid)) this.#fail(`product "${pid}" appears twice in recs`);
    if (pid === "") this.#fail("empty product id in recs");
    if (pid.includes("\u0000")) this.#fail("product id contains a NUL character");
    this.#list.pid = pid;
    this.#list.rank = 0;
    this.#maxSupport = 0;
    this.#sink.startList(this.#list);
  }

  #endItem(): void {
    const item = this.#item;
    if (item.idLen <= 0 || item.scoreLen < 0 || item.supportLen < 0) {
      const where = `recs["${this.#list.pid}"][${this.#list.rank}]`;
      this.#fail(
        item.idLen === 0
          ? `${where}.id is empty`
          : `${where} has no "${item.idLen < 0 ? "id" : item.scoreLen < 0 ? "score" : "support"}"`,
      );
    }
    this.#list.rank++;
    if (this.#supportValue > this.#maxSupport) this.#maxSupport = this.#supportValue;
    this.#sink.row(this.#list, item);
    this.rows++;
  }

  #endProduct(): void {
    const pid = this.#key as string;
    if (this.docProducts.has(pid)) this.#fail(`product "${pid}" appears twice in products`);
    if (pid === "" || pid.includes("\u0000")) this.#fail("empty product id (or NUL) in products");
    const product: DocProduct = { category: this.#prodCategory ?? null, support: this.#prodSupport ?? null };
    if (this.#prodName !== undefined) product.name = this.#prodName;
    if (this.#prodExtra !== undefined) {
      // jsonb cannot hold U+0000: refuse it here, at the product, not in the middle of the COPY.
      if (JSON.stringify(this.#prodExtra).includes("\\u0000"))
        this.#fail(`products["${pid}"].extra contains a NUL character`);
      product.extra = this.#prodExtra;
    }
    this.docProducts.set(pid, product);
  }

  #int4(text: string, what: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > INT4_MAX)
      this.#fail(`${what} ${text} is not an integer in 0..${INT4_MAX}`);
    return n;
  }

  #pidFrom(key: string | number): string {
    return String(key);
  }

  #keyName(): string {
    return this.#key === K_ID
      ? "id"
      : this.#key === K_SCORE
        ? "score"
        : this.#key === K_SUPPORT
          ? "support"
          : "?";
  }

  #unexpected(what: string): never {
    const expected = [
      "a value",
      "a key or }",
      "a key",
      ":",
      ", or a closing bracket",
      "a value or ]",
      "end of document",
    ][this.#expect];
    this.#fail(`unexpected ${what}, expected ${expected}`);
  }

  #fail(message: string): never {
    throw new FormatError(this.#file, message, { line: this.#tok.line, column: this.#tok.column });
  }

  #wrap(err: unknown): unknown {
    if (err instanceof JsonSyntaxError) {
      return new FormatError(this.#file, `invalid JSON: ${err.message}`, {
        line: err.line,
        column: err.column,
      });
    }
    return err;
  }
}

function grow(a: Uint8Array, n: number): Uint8Array {
  return a.length >= n ? a : new Uint8Array(Math.max(n, a.length * 2));
}
