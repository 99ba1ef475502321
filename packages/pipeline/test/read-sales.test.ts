import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { seededUniform } from "@cobuy/core-math";
import { describe, expect, it } from "vitest";
import { NO_CATEGORY, readSales, type SalesIndex } from "../src/index.js";
import { ByteInterner } from "../src/ingest/byte-interner.js";
import { chunked, rejection, tempDir } from "./helpers.js";

const dir = tempDir();

function file(name: string, data: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** Lines as [orderIndex, productId, category] for easy comparison. */
function lines(ix: SalesIndex): Array<[number, string, string]> {
  return Array.from(ix.lineOrder, (o, i) => {
    const p = ix.lineProduct[i]!;
    return [o, ix.productIds[p]!, ix.productCategory ? ix.categories[ix.productCategory[p]!]! : ""];
  });
}

const BASIC = "order_id,product_id,category\n10,P2,C1\n10,P1,C1\n11,P3,C2\n11,P2,C1\n11,P2,C1\n";

describe("readSales: the happy path", () => {
  it("indexes products in byte order and orders by first appearance", async () => {
    const ix = await readSales(file("basic.csv", BASIC));
    expect(ix.productIds).toEqual(["P1", "P2", "P3"]);
    expect(ix.categories).toEqual(["C1", "C2"]);
    expect([...ix.productCategory!]).toEqual([0, 0, 1]);
    expect(ix.orders).toBe(2);
    expect(ix.rows).toBe(5);
    expect([...ix.lineOrder]).toEqual([0, 0, 1, 1, 1]);
    expect([...ix.lineProduct]).toEqual([1, 0, 2, 1, 1]);
    expect(ix.ordersWithPairs).toBe(2);
    expect(ix.categoryConflicts).toBe(0);
    expect(ix.badRows).toEqual({ count: 0, examples: [] });
    expect(ix.gzip).toBe(false);
    expect(ix.bytesRead).toBe(Buffer.byteLength(BASIC));
    expect(ix.source).toBe(join(dir, "basic.csv"));
  });

  it("sorts ids by UTF-8 bytes, not by UTF-16 code units", async () => {
    // U+FF61 is EF BD A1 in UTF-8 and sorts before the emoji's F0 ...; in UTF-16 (D83D...) it sorts after.
    const ids = ["b", "B", "a", "P10", "P9", "é", "\uFF61", "😀", "z"];
    const csv = `order_id,product_id\n${ids.map((id) => `1,${id}`).join("\n")}\n`;
    const ix = await readSales(chunked(csv, 3));
    expect(ix.productIds).toEqual(["B", "P10", "P9", "a", "b", "z", "é", "\uFF61", "😀"]);
    const sortedByBytes = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(ix.productIds).toEqual(sortedByBytes);
    expect(ix.productCategory).toBeNull();
    expect(ix.categories).toEqual([]);
  });

  it("reads RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes", async () => {
    const csv =
      'order_id,product_id,category\n"1","P,1","Cat ""A"""\n1,"P\n2",B\n"2",P3,"multi\r\nline"\n2,"",x\n';
    const ix = await readSales(chunked(csv, 5), { skipBadRows: true });
    expect(lines(ix)).toEqual([
      [0, "P,1", 'Cat "A"'],
      [0, "P\n2", "B"],
      [1, "P3", "multi\r\nline"],
    ]);
    // The empty quoted product on the next line: line numbers count the quoted line breaks.
    expect(ix.badRows.examples).toEqual([
      { line: 7, column: 3, code: "COBUY_PIPELINE_CSV_EMPTY_FIELD", reason: 'column "product_id" is empty' },
    ]);
  });

  it("accepts CRLF, lone CR, a UTF-8 BOM, blank lines and no final line break", async () => {
    const body = "order_id,product_id,category\r\n1,P1,C\r\n\r\n1,P2,C\r2,P1,C\n\n2,P3,C";
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
    for (const size of [1, 2, 4, 7, 1 << 16]) {
      const ix = await readSales(chunked(bom, size));
      expect(lines(ix), `chunks of ${size}`).toEqual([
        [0, "P1", "C"],
        [0, "P2", "C"],
        [1, "P1", "C"],
        [1, "P3", "C"],
      ]);
    }
  });

  it("reads .csv.gz by extension and gzip streams by magic bytes", async () => {
    const gz = gzipSync(Buffer.from(BASIC));
    const byName = await readSales(file("basic.csv.gz", gz));
    expect(byName.gzip).toBe(true);
    expect(byName.bytesRead).toBe(gz.length);
    expect(lines(byName)).toEqual(lines(await readSales(file("plain.csv", BASIC))));
    const byMagic = await readSales(chunked(gz, 10), { name: "upload" });
    expect(byMagic.gzip).toBe(true);
    expect(byMagic.rows).toBe(5);
    // gzip written by a path without .gz is still recognised.
    expect((await readSales(file("hidden-gzip.csv", gz))).rows).toBe(5);
  });

  it("uses configured column names, ignores other columns, any column order, other delimiters", async () => {
    const csv = "when;dept;sku;basket\n2024;D1;S2;b1\n2024;D1;S1;b1\n2024;D2;S3;b2\n";
    const ix = await readSales(chunked(csv, 4), {
      delimiter: ";",
      columns: { order: "basket", product: "sku", category: "dept" },
    });
    expect(lines(ix)).toEqual([
      [0, "S2", "D1"],
      [0, "S1", "D1"],
      [1, "S3", "D2"],
    ]);
  });

  it("empty category: the row counts; the product takes its most frequent non-empty category, or none", async () => {
    const csv = [
      "order_id,product_id,category",
      "1,P1,", // P1: empty first, then A twice
      "1,P2,B",
      "2,P1,A",
      '2,P3,""', // P3: only empty (quoted and blank)
      "3,P1,A",
      "3,P3,  ",
      "3,P2,", // P2: B, then empty
      "4,P4,C", // P4: C and D once each, empty twice: a conflict of C and D
      "4,P2,B",
      "5,P4,",
      "5,P4,D",
      "6,P4,",
    ].join("\n");
    const ix = await readSales(chunked(csv, 7));
    expect(ix.rows).toBe(12);
    expect(ix.badRows.count).toBe(0);
    expect(ix.rowsWithoutCategory).toBe(6);
    expect(ix.productIds).toEqual(["P1", "P2", "P3", "P4"]);
    expect(ix.categories).toEqual(["A", "B", "C", "D"]);
    expect([...ix.productCategory!]).toEqual([0, 1, NO_CATEGORY, 2]);
    expect(ix.productCategory![2]).toBe(0xffff_ffff);
    // Only P4 was seen with two non-empty categories.
    expect(ix.categoryConflicts).toBe(1);
    expect(ix.conflictExamples).toEqual([
      {
        productId: "P4",
        chosen: "C",
        seen: [
          { category: "C", lines: 1 },
          { category: "D", lines: 1 },
        ],
      },
    ]);
    // Without a category column nothing is counted as empty.
    expect((await readSales(chunked("order_id,product_id\n1,P1\n"))).rowsWithoutCategory).toBe(0);
  });

  it("trims spaces around header names", async () => {
    const ix = await readSales(chunked(" order_id , product_id ,category\n1,P1,C\n"));
    expect(ix.rows).toBe(1);
  });

  it("gives each product its most frequent category, ties to the first in byte order, and counts conflicts", async () => {
    const csv = [
      "order_id,product_id,category",
      "1,P1,B",
      "1,P2,X",
      "2,P1,A",
      "2,P2,X",
      "3,P1,A",
      "3,P3,Z",
      "4,P3,Y",
    ].join("\n");
    const ix = await readSales(chunked(csv));
    expect(lines(ix).map(([, p, c]) => `${p}:${c}`)).toContain("P1:A");
    expect(ix.productIds).toEqual(["P1", "P2", "P3"]);
    expect(ix.productCategory && [...ix.productCategory].map((c) => ix.categories[c])).toEqual([
      "A",
      "X",
      "Y",
    ]);
    expect(ix.categoryConflicts).toBe(2);
    expect(ix.conflictExamples).toEqual([
      {
        productId: "P1",
        chosen: "A",
        seen: [
          { category: "A", lines: 2 },
          { category: "B", lines: 1 },
        ],
      },
      {
        productId: "P3",
        chosen: "Y",
        seen: [
          { category: "Y", lines: 1 },
          { category: "Z", lines: 1 },
        ],
      },
    ]);
  });

  it("groups a repeated order id that is not on adjacent lines", async () => {
    const ix = await readSales(chunked("order_id,product_id\na,P1\nb,P2\na,P3\n"), { keepOrderIds: true });
    expect([...ix.lineOrder]).toEqual([0, 1, 0]);
    expect(ix.orderIds).toEqual(["a", "b"]);
    expect(ix.ordersWithPairs).toBe(1);
  });

  it("reports progress with bytes read and rows", async () => {
    const csv = `order_id,product_id\n${Array.from({ length: 5000 }, (_, i) => `${i >> 2},P${i % 97}`).join("\n")}\n`;
    const calls: Array<[number, number]> = [];
    const ix = await readSales(chunked(csv, 4096), { onProgress: (b, r) => calls.push([b, r]) });
    expect(calls.length).toBeGreaterThan(5);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
      expect(calls[i]![1]).toBeGreaterThanOrEqual(calls[i - 1]![1]);
    }
    expect(calls.at(-1)).toEqual([Buffer.byteLength(csv), 5000]);
    expect(ix.rows).toBe(5000);
  });

  it("interns many distinct ids correctly (ids the same as a JS Map would give)", async () => {
    const n = 60_000;
    const rows: string[] = [];
    for (let i = 0; i < n * 2; i++) {
      const k = (i * 7919) % n;
      rows.push(`o${i >> 1},p${k.toString(36)},c${k % 13}`);
    }
    const ix = await readSales(chunked(`order_id,product_id,category\n${rows.join("\n")}\n`, 65_536));
    expect(ix.productIds.length).toBe(n);
    expect(new Set(ix.productIds).size).toBe(n);
    expect(ix.orders).toBe(n);
    for (let i = 0; i < n * 2; i += 997) {
      const k = (i * 7919) % n;
      expect(ix.productIds[ix.lineProduct[i]!]).toBe(`p${k.toString(36)}`);
      expect(ix.categories[ix.productCategory![ix.lineProduct[i]!]!]).toBe(`c${k % 13}`);
    }
  });
});

/** A small reference CSV parser over a whole string (RFC 4180), for the chunking property test. */
function referenceParse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"' && field === "") {
      quoted = true;
      i++;
    } else if (c === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (c === "\n" || c === "\r") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

describe("readSales: chunk boundaries never change the result", () => {
  it("matches a reference parser on random quoted CSV cut into random chunks", async () => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = ["a", "B", "é", ",", '"', "\n", "\r\n", " ", "P1", "😀"];
    const field = () => {
      let s = "";
      const n = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) s += pieces[Math.floor(rand() * pieces.length)];
      if (s.trim() === "") s += "x"; // a blank id is a bad row
      if (/[",\r\n]/.test(s) || rand() < 0.2) return `"${s.replace(/"/g, '""')}"`;
      return s;
    };
    for (let round = 0; round < 40; round++) {
      const rows = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => [
        String(Math.floor(rand() * 6)),
        field(),
        field(),
      ]);
      const eol = rand() < 0.5 ? "\n" : "\r\n";
      const text = `order_id,product_id,category${eol}${rows.map((r) => r.join(",")).join(eol)}${rand() < 0.5 ? eol : ""}`;
      const want = referenceParse(text).slice(1);
      const size = 1 + Math.floor(rand() * 20);
      const ix = await readSales(chunked(text, size));
      expect(ix.rows, `round ${round}`).toBe(want.length);
      const byOrder = new Map<string, number>();
      want.forEach(([o, p], i) => {
        if (!byOrder.has(o!)) byOrder.set(o!, byOrder.size);
        expect(ix.lineOrder[i], `round ${round} row ${i}`).toBe(byOrder.get(o!));
        expect(ix.productIds[ix.lineProduct[i]!], `round ${round} row ${i}`).toBe(p);
      });
    }
  });
});

describe("readSales: bad input fails with a typed error naming file, line and column", () => {
  it("missing column: names it and lists the header's columns", async () => {
    const path = file("nocol.csv", "order_id,sku,category\n1,P1,C\n");
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_MISSING_COLUMN");
    expect(e.name).toBe("PipelineError");
    expect(e.message).toBe(
      `${path}:1:1: the header has no column "product_id" (the product id); its columns are "order_id", "sku", "category". ` +
        `Rename the column to "product_id" or pass its name with --product-col (columns.product in the API); the first row must be the header`,
    );
    expect(e).toMatchObject({ file: path, line: 1, column: 1 });
  });

  it("missing category column only when required", async () => {
    const csv = "order_id,product_id\n1,P1\n1,P2\n";
    expect((await readSales(chunked(csv))).productCategory).toBeNull();
    const e = await rejection(readSales(chunked(csv), { requireCategory: true, name: "in.csv" }));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_MISSING_COLUMN");
    expect(e.message).toMatch(
      /^in\.csv:1:1: the header has no column "category" \(the category id\); its columns are "order_id", "product_id"\./,
    );
  });

  it("refuses at ingest the ids a load would refuse: a NUL byte, an escape character, an id over 512 bytes", async () => {
    const nul = file("nul-id.csv", "order_id,product_id,category\n1,P1,C\n2,P\u00002,C\n");
    const e = await rejection(readSales(nul));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_BAD_ID");
    expect(e.message).toBe(
      `${nul}:3:4: column "product_id" contains a control character (0x00) (fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true))`,
    );
    const long = file(
      "long-id.csv",
      `order_id,product_id,category\n1,P1,C\n1,${"x".repeat(2 * 1024 * 1024)},C\n`,
    );
    const e2 = await rejection(readSales(long));
    expect(e2.code).toBe("COBUY_PIPELINE_CSV_BAD_ID");
    expect(e2.message).toMatch(
      /long-id\.csv:3:3: column "product_id" is 2097152 bytes long; ids may have at most 512 bytes/,
    );
    const tabCategory = await rejection(
      readSales(chunked("order_id,product_id,category\n1,P1,C\u001b1\n"), { name: "s.csv" }),
    );
    expect(tabCategory.message).toMatch(
      /^s\.csv:2:7: column "category" contains a control character \(0x1b\)/,
    );
    const skipped = await readSales(nul, { skipBadRows: true });
    expect(skipped.productIds).toEqual(["P1"]);
    expect(skipped.badRows.count).toBe(1);
  });

  it("a refused row leaves no trace of its ids, whichever field refuses it and whether its product is new", async () => {
    // Bad fields: product ids and categories with control characters, in rows whose product is new,
    // already seen, or seen only in refused rows; every id of a refused row must stay unknown.
    const r = seededUniform(5);
    const rows: string[] = [];
    const kept: Array<[string, string, string]> = [];
    for (let i = 0; i < 3000; i++) {
      const order = `O${Math.floor(i / 3)}`;
      const product = `P${Math.floor(r() * 400)}`;
      const category = `C${Number(product.slice(1)) % 7}`;
      const roll = r();
      if (roll < 0.05) rows.push(`${order},${product}\u0001,${category}`);
      else if (roll < 0.1) rows.push(`${order},${product},${category}\u001b`);
      else if (roll < 0.12) rows.push(`${order},ONLY${i}\u0002,${category}`);
      else if (roll < 0.14) rows.push(`${order},NEW${i},${category}\u0003`);
      else {
        rows.push(`${order},${product},${category}`);
        kept.push([order, product, category]);
      }
    }
    const ix = await readSales(chunked(`order_id,product_id,category\n${rows.join("\n")}\n`, 97), {
      skipBadRows: true,
    });
    expect(ix.badRows.count).toBe(rows.length - kept.length);
    const orders = [...new Set(kept.map((k) => k[0]))];
    expect(ix.orders).toBe(orders.length);
    expect(ix.productIds).toEqual(
      [...new Set(kept.map((k) => k[1]))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    expect(ix.categories).toEqual([...new Set(kept.map((k) => k[2]))].sort());
    expect(lines(ix)).toEqual(kept.map(([o, p, c]) => [orders.indexOf(o), p, c]));
  });

  it("the interner takes back the key added last, through its growth, as a Map would", () => {
    const r = seededUniform(9);
    const interner = new ByteInterner(4);
    const model = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const key = `k${Math.floor(r() * 6000)}`;
      const bytes = Buffer.from(key);
      const id = interner.intern(bytes, 0, bytes.length);
      if (!model.has(key) && r() < 0.3) {
        expect(id).toBe(model.size);
        interner.removeLast();
        expect(() => interner.removeLast()).toThrow(/no key to take back/);
        continue;
      }
      if (!model.has(key)) model.set(key, model.size);
      expect(id).toBe(model.get(key));
    }
    expect(interner.size).toBe(model.size);
    for (const [key, id] of model) expect(interner.key(id)).toBe(key);
  });

  it("a semicolon-separated export gets a --delimiter hint, and --delimiter reads it", async () => {
    const text = "order_id;product_id;category\n1;P1;C\n1;P2;C\n";
    const e = await rejection(readSales(chunked(text), { name: "export.csv" }));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_MISSING_COLUMN");
    expect(e.message).toMatch(/The header looks ";"-separated: pass --delimiter ';'/);
    const ix = await readSales(chunked(text), { name: "export.csv", delimiter: ";" });
    expect(ix.productIds).toEqual(["P1", "P2"]);
  });

  it("empty id: line and column of the empty field", async () => {
    const path = file("empty-id.csv", "order_id,product_id,category\n1,P1,C\n22,,C\n");
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_EMPTY_FIELD");
    expect(e.message).toBe(
      `${path}:3:4: column "product_id" is empty (fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true))`,
    );
    expect(e).toMatchObject({ line: 3, column: 4 });
    const blank = await rejection(
      readSales(chunked("order_id,product_id,category\n  ,P1,C\n"), { name: "s" }),
    );
    expect(blank.message).toMatch(/^s:2:1: column "order_id" is empty/);
    // An empty category is not an error (see "empty category" below); empty ids stay errors.
    const ix = await readSales(chunked("order_id,product_id,category\n1,P1,\n"), { name: "s" });
    expect(ix.rows).toBe(1);
  });

  it("unterminated quote: where it started", async () => {
    const path = file("open-quote.csv", 'order_id,product_id,category\n1,P1,C\n1,"P2,C\n2,P3,C\n');
    const e = await rejection(readSales(path, { skipBadRows: true }));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_UNTERMINATED_QUOTE");
    expect(e.message).toBe(
      `${path}:3:3: the quoted field that starts here is never closed (the file ends inside it); add the closing quote, and write a quote inside a quoted field as ""`,
    );
    expect(e).toMatchObject({ line: 3, column: 3, byteOffset: 38 });
  });

  it("unterminated quote in a huge record is caught early (maxRecordBytes)", async () => {
    const big = `order_id,product_id\n1,"P1\n${"x,y\n".repeat(20_000)}`;
    const e = await rejection(readSales(chunked(big, 1000), { maxRecordBytes: 10_000, name: "big.csv" }));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_UNTERMINATED_QUOTE");
    expect(e.message).toMatch(
      /^big\.csv:2:3: the quoted field that starts here is still open after 10000 bytes/,
    );
  });

  it("not UTF-8: byte, offset, line and column", async () => {
    const bytes = Buffer.concat([
      Buffer.from("order_id,product_id,category\n1,P1,C\n1,Caf"),
      Buffer.from([0xe9]),
      Buffer.from(",C\n"),
    ]);
    const path = file("latin1.csv", bytes);
    const e = await rejection(readSales(path, { skipBadRows: true }));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_NOT_UTF8");
    expect(e.message).toBe(
      `${path}:3:6: byte 0xE9 at byte offset 41 is not valid UTF-8; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)`,
    );
    expect(e).toMatchObject({ line: 3, column: 6, byteOffset: 41 });
    // Overlong encodings and lone surrogates are rejected too; the column counts characters.
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8]]) {
      const b = Buffer.concat([Buffer.from("order_id,product_id\né,"), Buffer.from(bad), Buffer.from("\n")]);
      const err = await rejection(readSales(chunked(b, 2), { name: "b" }));
      expect(err.message).toMatch(/^b:2:3: byte 0x[0-9A-F]{2} at byte offset 23 is not valid UTF-8/);
    }
  });

  it("empty file, BOM-only file, header without rows", async () => {
    const path = file("empty.csv", "");
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_EMPTY");
    expect(e.message).toBe(
      `${path}: the file is empty; expected a header row (order_id,product_id,category) and one row per order line`,
    );
    expect((await rejection(readSales(chunked(Buffer.from([0xef, 0xbb, 0xbf]))))).code).toBe(
      "COBUY_PIPELINE_CSV_EMPTY",
    );
    expect((await rejection(readSales(chunked("\n\n")))).code).toBe("COBUY_PIPELINE_CSV_EMPTY");
    const header = await rejection(readSales(chunked("order_id,product_id,category\n"), { name: "h.csv" }));
    expect(header.code).toBe("COBUY_PIPELINE_CSV_EMPTY");
    expect(header.message).toBe(
      "h.csv: no sales rows: the header is followed by no data rows; add one row per order line",
    );
    const gzEmpty = await rejection(readSales(file("empty.csv.gz", gzipSync(Buffer.alloc(0)))));
    expect(gzEmpty.code).toBe("COBUY_PIPELINE_CSV_EMPTY");
  });

  it("wrong field count", async () => {
    const path = file("fields.csv", "order_id,product_id,category\n1,P1,C\n1,P2\n");
    const e = await rejection(readSales(path));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_FIELD_COUNT");
    expect(e.message).toBe(
      `${path}:3:1: the row has 2 fields but the header has 3 ("order_id", "product_id", "category"); quote fields that contain "," (fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true))`,
    );
    const more = await rejection(readSales(chunked("order_id,product_id\n1,P1,x\n"), { name: "m" }));
    expect(more.message).toMatch(/^m:2:1: the row has 3 fields but the header has 2/);
  });

  it("a stray character after a closing quote", async () => {
    const e = await rejection(readSales(chunked('order_id,product_id\n1,"P1"x\n'), { name: "q.csv" }));
    expect(e.code).toBe("COBUY_PIPELINE_CSV_BAD_QUOTE");
    expect(e.message).toBe(
      'q.csv:2:7: unexpected character after the closing quote of a quoted field (write a quote inside a quoted field as "") (fix the row, or skip such rows with --skip-bad-rows (skipBadRows: true))',
    );
  });

  it("a missing file, a .gz that is not gzip, corrupt gzip", async () => {
    const missing = join(dir, "nope.csv");
    const e = await rejection(readSales(missing));
    expect(e.code).toBe("COBUY_PIPELINE_INPUT_UNREADABLE");
    expect(e.message).toBe(`${missing}: cannot read the input: no such file (check the path)`);
    const notGz = file("fake.csv.gz", BASIC);
    const g = await rejection(readSales(notGz));
    expect(g.code).toBe("COBUY_PIPELINE_GZIP");
    expect(g.message).toBe(
      `${notGz}: the name ends in .gz but the file is not gzip data (rename it to .csv, or compress it with gzip)`,
    );
    const gz = gzipSync(Buffer.from(BASIC.repeat(50)));
    const cut = file("cut.csv.gz", gz.subarray(0, gz.length - 20));
    const c = await rejection(readSales(cut));
    expect(c.code).toBe("COBUY_PIPELINE_GZIP");
    expect(c.message).toMatch(
      new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot decompress the gzip data`),
    );
  });

  it("rejects a bad delimiter option", async () => {
    const e = await rejection(readSales(chunked(BASIC), { delimiter: ";;" }));
    expect(e.code).toBe("COBUY_PIPELINE_OPTION");
  });
});

describe("readSales: skipBadRows", () => {
  const messy = [
    "order_id,product_id,category",
    "1,P1,C", // 2
    "1,,C", // 3 empty product
    "2,P2", // 4 field count
    '2,"P3"x,C', // 5 stray quote
    ",P4,C", // 6 empty order
    "2,P5,C", // 7
    "3,P1,C,extra", // 8 field count
    "3,P2,C", // 9
  ].join("\n");

  it("skips bad rows and reports the count and the first examples with line, column and reason", async () => {
    const ix = await readSales(chunked(messy, 3), { skipBadRows: true });
    expect(ix.rows).toBe(3);
    expect(ix.productIds).toEqual(["P1", "P2", "P5"]);
    expect(ix.badRows.count).toBe(5);
    expect(ix.badRows.examples).toEqual([
      { line: 3, column: 3, code: "COBUY_PIPELINE_CSV_EMPTY_FIELD", reason: 'column "product_id" is empty' },
      {
        line: 4,
        column: 1,
        code: "COBUY_PIPELINE_CSV_FIELD_COUNT",
        reason:
          'the row has 2 fields but the header has 3 ("order_id", "product_id", "category"); quote fields that contain ","',
      },
      {
        line: 5,
        column: 7,
        code: "COBUY_PIPELINE_CSV_BAD_QUOTE",
        reason:
          'unexpected character after the closing quote of a quoted field (write a quote inside a quoted field as "")',
      },
      { line: 6, column: 1, code: "COBUY_PIPELINE_CSV_EMPTY_FIELD", reason: 'column "order_id" is empty' },
      {
        line: 8,
        column: 1,
        code: "COBUY_PIPELINE_CSV_FIELD_COUNT",
        reason:
          'the row has 4 fields but the header has 3 ("order_id", "product_id", "category"); quote fields that contain ","',
      },
    ]);
  });

  it("keeps at most maxBadRowExamples examples", async () => {
    const ix = await readSales(chunked(messy), { skipBadRows: true, maxBadRowExamples: 2 });
    expect(ix.badRows.count).toBe(5);
    expect(ix.badRows.examples.map((x) => x.line)).toEqual([3, 4]);
  });

  it("fails by default on the first bad row", async () => {
    const e = await rejection(readSales(chunked(messy), { name: "messy.csv" }));
    expect(e.message).toMatch(/^messy\.csv:3:3: column "product_id" is empty/);
  });

  it("still fails when every row is bad", async () => {
    const e = await rejection(
      readSales(chunked("order_id,product_id,category\n1,,C\n2,P1\n"), {
        skipBadRows: true,
        name: "all-bad.csv",
      }),
    );
    expect(e.code).toBe("COBUY_PIPELINE_CSV_EMPTY");
    expect(e.message).toBe(
      'all-bad.csv: no sales rows: all 2 data rows were bad and skipped (first: line 2: column "product_id" is empty); add one row per order line',
    );
  });

  it("does not skip structural errors", async () => {
    expect((await rejection(readSales(chunked("a,b\n1,2\n"), { skipBadRows: true }))).code).toBe(
      "COBUY_PIPELINE_CSV_MISSING_COLUMN",
    );
    expect((await rejection(readSales(chunked(""), { skipBadRows: true }))).code).toBe(
      "COBUY_PIPELINE_CSV_EMPTY",
    );
  });
});
