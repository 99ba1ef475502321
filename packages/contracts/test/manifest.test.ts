import { describe, expect, it } from "vitest";
import {
  findManifestFile,
  LATEST_FORMAT,
  MANIFEST_FORMAT,
  parseLatest,
  parseManifest,
  type RunManifest,
} from "../src/index.js";

const hex = "ab".repeat(32);

function manifest(): Record<string, unknown> {
  return {
    format: MANIFEST_FORMAT,
    runId: "2026-11-29_06-53-07",
    createdAt: "2026-11-29T06:53:07.000Z",
    files: [
      {
        name: "recs.rich.json",
        key: "2026-11-29_06-53-07/recs.rich.json",
        size: 10,
        sha256: hex,
        contentType: "application/json",
        contentEncoding: "gzip",
        storedSize: 7,
      },
      {
        name: "validation.json",
        key: "2026-11-29_06-53-07/validation.json",
        size: 2,
        sha256: "cd".repeat(32),
        contentType: "application/json",
        storedSize: 2,
      },
    ],
    params: { k: 5 },
    counts: { orders: 3, rows: 9 },
  };
}

/** The manifest with one change made by `edit`. */
type Editable = Record<string, unknown> & { files: Record<string, unknown>[] };
function edited(edit: (m: Editable) => void): unknown {
  const m = structuredClone(manifest()) as Editable;
  edit(m);
  return m;
}

describe("parseManifest", () => {
  it("returns a valid v1 manifest as it is, unknown fields kept", () => {
    const json = { ...manifest(), extra: { later: true } };
    const m: RunManifest = parseManifest(json);
    expect(m).toBe(json);
    expect(findManifestFile(m, "validation.json")?.size).toBe(2);
    expect(findManifestFile(m, "recs.json")).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    ["not an object", [], /must be a JSON object/],
    [
      "another format",
      edited((m) => {
        m.format = "cobuy.manifest.v2";
      }),
      /format is "cobuy\.manifest\.v2", expected "cobuy\.manifest\.v1"/,
    ],
    [
      "no runId",
      edited((m) => {
        delete m.runId;
      }),
      /^runId: invalid run id/,
    ],
    [
      "an alias of runId",
      edited((m) => {
        m.run_id = m.runId;
        delete m.runId;
      }),
      /^runId: invalid run id/,
    ],
    [
      "a run id that is not one",
      edited((m) => {
        m.runId = "../x";
      }),
      /^runId: invalid run id "\.\.\/x"/,
    ],
    [
      "a createdAt that is no time",
      edited((m) => {
        m.createdAt = "yesterday";
      }),
      /createdAt is not an ISO-8601 time/,
    ],
    [
      "no files",
      edited((m) => {
        Reflect.deleteProperty(m, "files");
      }),
      /files must be an array/,
    ],
    [
      "a file that is no object",
      edited((m) => {
        m.files[1] = "x" as never;
      }),
      /files\[1\] is not an object/,
    ],
    [
      "bytes instead of size",
      edited((m) => {
        m.files[0]!.bytes = m.files[0]!.size;
        delete m.files[0]!.size;
      }),
      /files\[0\]\.size must be a non-negative integer/,
    ],
    [
      "a fractional size",
      edited((m) => {
        m.files[0]!.size = 1.5;
      }),
      /files\[0\]\.size must be a non-negative integer \(got 1\.5\)/,
    ],
    [
      "checksum instead of sha256",
      edited((m) => {
        m.files[1]!.checksum = hex;
        delete m.files[1]!.sha256;
      }),
      /files\[1\]\.sha256 must be a non-empty string/,
    ],
    [
      "an upper-case sha256",
      edited((m) => {
        m.files[0]!.sha256 = hex.toUpperCase();
      }),
      /files\[0\]\.sha256 must be 64 lower-case hex/,
    ],
    [
      "a base64 sha256",
      edited((m) => {
        m.files[0]!.sha256 = Buffer.from(hex, "hex").toString("base64");
      }),
      /64 lower-case hex/,
    ],
    [
      "no storedSize",
      edited((m) => {
        delete m.files[0]!.storedSize;
      }),
      /files\[0\]\.storedSize must be/,
    ],
    [
      "no key",
      edited((m) => {
        delete m.files[0]!.key;
      }),
      /files\[0\]\.key must be a non-empty string/,
    ],
    [
      "a numeric contentEncoding",
      edited((m) => {
        m.files[0]!.contentEncoding = 1;
      }),
      /contentEncoding must be a string/,
    ],
    [
      "a name listed twice",
      edited((m) => {
        m.files[1]!.name = "recs.rich.json";
      }),
      /files\[1\]\.name "recs\.rich\.json" is listed twice/,
    ],
    [
      "no params",
      edited((m) => {
        delete m.params;
      }),
      /params must be an object/,
    ],
    [
      "a count that is no number",
      edited((m) => {
        (m.counts as Record<string, unknown>).rows = "9";
      }),
      /counts\.rows must be a finite number/,
    ],
    [
      "a numeric classicKey",
      edited((m) => {
        m.classicKey = 3;
      }),
      /classicKey must be a string/,
    ],
  ])("refuses %s with a message naming the field", (_, json, message) => {
    expect(() => parseManifest(json)).toThrow(message);
    expect(() => parseManifest(json)).toThrow(expect.objectContaining({ code: "COBUY_CONTRACT_INVALID" }));
  });
});

describe("parseLatest", () => {
  const latest = {
    format: LATEST_FORMAT,
    runId: "2026-11-29_06-53-07",
    manifest: "2026-11-29_06-53-07/manifest.json",
    createdAt: "2026-11-29T06:53:07.000Z",
    updatedAt: "2026-11-29T06:54:00.000Z",
  };
  it("returns a valid pointer", () => {
    expect(parseLatest(latest)).toBe(latest);
  });
  it.each<[string, unknown, RegExp]>([
    ["not an object", "latest", /must be a JSON object/],
    ["a manifest format", { ...latest, format: MANIFEST_FORMAT }, /expected "cobuy\.latest\.v1"/],
    ["the run id latest", { ...latest, runId: "latest" }, /^runId: invalid run id "latest"/],
    ["no manifest key", { ...latest, manifest: "" }, /manifest must be a non-empty string/],
    ["no updatedAt", { ...latest, updatedAt: undefined }, /updatedAt must be a non-empty string/],
  ])("refuses %s", (_, json, message) => {
    expect(() => parseLatest(json)).toThrow(message);
  });
});
