import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MANIFEST_FORMAT } from "@cobuy/contracts";
import { describe, expect, it } from "vitest";
import { validateSchemaName } from "../src/db/identifiers.js";
import { parseCopyLine } from "../src/dialect/kysely/backend.js";
import { checkRichDocument } from "../src/parse/check-rich-document.js";
import { copyEscape } from "../src/parse/copy-encoder.js";
import { RichRecsParser } from "../src/parse/rich-recs-parser.js";
import { readManifest } from "../src/source/manifest.js";
import { localRunSource } from "../src/source/run-source.js";
import { makeRun, richJson, tempRoot } from "./fixtures.js";

function parseAll(text: string, chunk = 1 << 20, opts: { expectedRunId?: string } = {}) {
  const p = new RichRecsParser("recs.rich.json", opts);
  const bytes = Buffer.from(text);
  let lines = "";
  for (let i = 0; i < bytes.length; i += chunk) {
    p.write(bytes.subarray(i, i + chunk));
    lines += Buffer.concat(p.take()).toString("utf8");
  }
  p.end();
  lines += Buffer.concat(p.take()).toString("utf8");
  return { p, lines };
}

function expectedLines(run: ReturnType<typeof makeRun>): string {
  let s = "";
  for (const [pid, list] of Object.entries(run.recs)) {
    list.forEach((r, i) => {
      s += `${copyEscape(pid)}\t${i + 1}\t${copyEscape(r.id)}\t${r.score}\t${r.support}\n`;
    });
  }
  return s;
}

describe("RichRecsParser", () => {
  const run = makeRun("2025-01-01_00-00-00", { products: 12, k: 4 });
  const text = richJson(run);

  it("turns recs into COPY lines and keeps the header, whatever the chunking", () => {
    const want = expectedLines(run);
    for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) {
      const { p, lines } = parseAll(text, chunk);
      expect(lines).toBe(want);
      expect(p.rows).toBe(48);
      expect(p.header.runId).toBe(run.runId);
      expect(p.header.params).toEqual({ k: 5, minScore: 0 });
      expect(p.header.counts).toMatchObject({ orders: 1000 });
      expect(p.docProducts.get("P03")).toEqual(run.products!.P03);
      expect(p.recStats.get("P00")).toEqual({
        recCount: 4,
        maxSupport: Math.max(...run.recs.P00!.map((r) => r.support)),
      });
    }
  });

  it("decodes escapes and non-ASCII ids and escapes them for COPY", () => {
    const doc = `{"format":"cobuy.recs.v1","runId":"r","recs":{"a\\tb\\u00e9":[{"id":"é\\\\x","score":1e-3,"support":2,"extra":{"k":[1,2]}}],"日本":[]},"unknown":[{"x":null}]}`;
    for (const chunk of [1, 5, 1000]) {
      const { p, lines } = parseAll(doc, chunk);
      expect(lines).toBe("a\\tbé\t1\té\\\\x\t1e-3\t2\n");
      expect([...p.recStats.keys()]).toEqual(["a\tbé", "日本"]);
      expect(p.hasProducts).toBe(false);
    }
  });

  it.each([
    [
      '{"format":"cobuy.recs.v1","runId":"r","recs":{"P1":[{"id":"P2","score":0.5,"support":1}',
      "unexpected end of document",
    ],
    [
      '{"format":"cobuy.recs.v1","recs":{"P1":[{"id":"P2","score":"0.5","support":1}]}}',
      '"score" must be a number',
    ],
    [
      '{"format":"cobuy.recs.v1","recs":{"P1":[{"id":"P2","score":0.5,"support":1.5}]}}',
      "support 1.5 is not an integer",
    ],
    ['{"format":"cobuy.recs.v1","recs":{"P1":[{"id":"P2","score":0.5}]}}', 'has no "support"'],
    ['{"format":"cobuy.recs.v2","recs":{}}', 'format is "cobuy.recs.v2"'],
    ['{"recs":{}}', 'missing "format"'],
    ['{"format":"cobuy.recs.v1"}', 'missing "recs"'],
    ['{"format":"cobuy.recs.v1","recs":{"P1":[],"P1":[]}}', "appears twice"],
    ['{"format":"cobuy.recs.v1","recs":{"P1":[]},}', "unexpected }"],
    ['{"format":"cobuy.recs.v1","recs":{"P1":[01]}}', "invalid JSON"],
    ['{"format":"cobuy.recs.v1","recs":{"P1":tru}}', 'unexpected word "tru"'],
    ['{"format":"cobuy.recs.v1","recs":{"P1":{}}}', "must be an array"],
    ["[1,2]", "must be a JSON object"],
    ['{"format":"cobuy.recs.v1","runId":"other","recs":{}}', 'runId is "other"'],
  ])("rejects %s", (doc, message) => {
    expect(() => parseAll(doc, 3, { expectedRunId: doc.includes("other") ? "r1" : undefined })).toThrow(
      message,
    );
    try {
      parseAll(doc, 3, { expectedRunId: doc.includes("other") ? "r1" : undefined });
    } catch (err) {
      expect((err as { code: string }).code).toBe("COBUY_PG_FORMAT");
    }
  });

  it("reports line and column of a format violation", () => {
    const doc =
      '{\n  "format": "cobuy.recs.v1",\n  "recs": {\n    "P1": [ {"id": "P2", "score": null, "support": 1} ]\n  }\n}';
    try {
      parseAll(doc, 4);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: "COBUY_PG_FORMAT", file: "recs.rich.json", line: 4, column: 35 });
      expect((err as Error).message).toMatch(/^recs\.rich\.json:4:35: "score" must not be null/);
    }
  });
});

describe("manifest, identifiers, COPY text", () => {
  it("reads manifest.json strictly as format v1: no aliases, no base64 sha256", async () => {
    const dir = await tempRoot();
    const hex = "ab".repeat(32);
    const file = {
      name: "recs.rich.json",
      key: "x/recs.rich.json",
      size: 3,
      sha256: hex,
      contentType: "application/json",
      storedSize: 3,
    };
    const v1 = {
      format: MANIFEST_FORMAT,
      runId: "2025-01-31_12-00-00",
      createdAt: "2025-01-31T12:00:00Z",
      files: [file],
      params: {},
      counts: {},
    };
    const read = async (manifest: unknown) => {
      await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
      return readManifest(localRunSource(dir));
    };
    expect(await readManifest(localRunSource(dir))).toBeUndefined();
    expect((await read(v1))?.files).toEqual([file]);
    const aliases: [unknown, RegExp][] = [
      [
        { ...v1, files: [{ ...file, size: undefined, bytes: 3 }] },
        /files\[0\]\.size must be a non-negative integer/,
      ],
      [{ ...v1, files: [{ ...file, sha256: undefined, checksum: hex }] }, /files\[0\]\.sha256 must be/],
      [
        { ...v1, files: [{ ...file, sha256: Buffer.from(hex, "hex").toString("base64") }] },
        /64 lower-case hex/,
      ],
      [{ ...v1, runId: undefined, run_id: v1.runId }, /runId: invalid run id/],
      [{ ...v1, files: { "recs.rich.json": file } }, /files must be an array/],
      [[], /must be a JSON object/],
    ];
    for (const [manifest, message] of aliases) {
      const err = await read(manifest).catch((e: unknown) => e);
      expect(err, JSON.stringify(manifest)).toMatchObject({ code: "COBUY_PG_FORMAT", file: "manifest.json" });
      expect((err as Error).message).toMatch(message);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("validates schema names", () => {
    expect(validateSchemaName("cobuy_2")).toBe("cobuy_2");
    for (const bad of ["", "Cobuy", "a-b", 'x"; drop table y; --', "pg_catalog", "1abc", "a".repeat(64)]) {
      expect(() => validateSchemaName(bad)).toThrow(expect.objectContaining({ code: "COBUY_PG_CONFIG" }));
    }
  });

  it("round-trips COPY escaping", () => {
    for (const s of ["plain", "tab\there", "nl\nx\r", "back\\slash\\t"]) {
      expect(parseCopyLine(`${copyEscape(s)}\t\\N`)).toEqual([s, null]);
    }
  });
});

describe("checkRichDocument", () => {
  const run = makeRun("2025-01-01_00-00-00", { products: 12, k: 4 });
  async function* chunks(text: string, size: number) {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  it("returns the header and counts of a valid document, whatever the chunking", async () => {
    for (const size of [1, 7, 1 << 20]) {
      const facts = await checkRichDocument(chunks(richJson(run), size));
      expect(facts.header).toMatchObject({
        format: "cobuy.recs.v1",
        runId: run.runId,
        createdAt: run.createdAt,
      });
      expect(facts.products).toBe(12);
      expect(facts.recommendations).toBe(Object.values(run.recs).reduce((a, l) => a + l.length, 0));
    }
  });

  it("refuses what a load refuses, at file:line:column", async () => {
    const nul = richJson(run).replace(/("recs": \{\s*")/, "$1\\u0000");
    expect(nul).not.toBe(richJson(run));
    await expect(checkRichDocument(chunks(nul, 5), { file: "out/recs.rich.json" })).rejects.toMatchObject({
      code: "COBUY_PG_FORMAT",
      message: expect.stringMatching(/^out\/recs\.rich\.json:\d+:\d+: product id contains a NUL character$/),
    });
    const text = richJson(run);
    await expect(checkRichDocument(chunks(text.slice(0, text.length - 2), 64))).rejects.toMatchObject({
      code: "COBUY_PG_FORMAT",
    });
  });
});
