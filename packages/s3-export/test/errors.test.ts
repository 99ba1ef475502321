import { describe, expect, it } from "vitest";
import { ChecksumMismatchError, isS3ExportError, normalizeS3Error } from "../src/index.js";

// Shapes as the SDK and Node deliver them (name/Code/$metadata, nested causes).
const sdk = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status }, ...extra });
const sys = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
const loc = { bucket: "b", key: "runs/x.json", endpoint: "http://127.0.0.1:9" };

describe("normalizeS3Error", () => {
  const cases: [string, unknown, boolean, string][] = [
    ["NoSuchBucket by name", sdk("NoSuchBucket", 404), false, "COBUY_STORE_NOT_FOUND"],
    [
      "NoSuchBucket only under Code",
      Object.assign(sdk("Error", 404), { Code: "NoSuchBucket" }),
      false,
      "COBUY_STORE_NOT_FOUND",
    ],
    ["NoSuchKey", sdk("NoSuchKey", 404), false, "COBUY_STORE_OBJECT_NOT_FOUND"],
    ["HEAD 404 NotFound on an object", sdk("NotFound", 404), true, "COBUY_STORE_OBJECT_NOT_FOUND"],
    ["AccessDenied", sdk("AccessDenied", 403), false, "COBUY_STORE_ACCESS_DENIED"],
    ["bare 403", sdk("Forbidden", 403), true, "COBUY_STORE_ACCESS_DENIED"],
    ["InvalidAccessKeyId", sdk("InvalidAccessKeyId", 403), false, "COBUY_STORE_BAD_CREDENTIALS"],
    ["SignatureDoesNotMatch", sdk("SignatureDoesNotMatch", 403), false, "COBUY_STORE_BAD_CREDENTIALS"],
    ["ExpiredToken", sdk("ExpiredToken", 400), false, "COBUY_STORE_BAD_CREDENTIALS"],
    [
      "no credentials",
      Object.assign(new Error("Could not load credentials"), { name: "CredentialsProviderError" }),
      false,
      "COBUY_STORE_BAD_CREDENTIALS",
    ],
    ["PermanentRedirect", sdk("PermanentRedirect", 301), false, "COBUY_STORE_WRONG_REGION"],
    ["ECONNREFUSED", sys("ECONNREFUSED"), false, "COBUY_STORE_ENDPOINT_UNREACHABLE"],
    [
      "ENOTFOUND nested in AggregateError",
      new AggregateError([sys("ENOTFOUND")], "x"),
      false,
      "COBUY_STORE_ENDPOINT_UNREACHABLE",
    ],
    [
      "ECONNRESET as cause",
      Object.assign(new Error("outer"), { cause: sys("ECONNRESET") }),
      false,
      "COBUY_STORE_NETWORK",
    ],
    ["socket hang up", new Error("socket hang up"), false, "COBUY_STORE_NETWORK"],
    [
      "TimeoutError",
      Object.assign(new Error("timed"), { name: "TimeoutError" }),
      false,
      "COBUY_STORE_NETWORK",
    ],
    ["InternalError after retries", sdk("InternalError", 500), false, "COBUY_STORE_REQUEST_FAILED"],
  ];
  for (const [what, err, objectOp, code] of cases) {
    it(`${what} → ${code}`, () => {
      const e = normalizeS3Error(err, "upload", loc, objectOp);
      expect(e.code).toBe(code);
      expect(e.cause).toBe(err);
      expect(isS3ExportError(e, code as never)).toBe(true);
    });
  }
  it("messages name bucket, key and endpoint", () => {
    const e = normalizeS3Error(sdk("NoSuchBucket", 404), "upload", loc, false);
    expect(e.message).toContain('bucket "b"');
    expect(e.message).toContain("http://127.0.0.1:9");
    const d = normalizeS3Error(sdk("AccessDenied", 403), "upload", loc, false);
    expect(d.message).toContain('key "runs/x.json"');
  });
  it("passes typed errors through unchanged", () => {
    const c = new ChecksumMismatchError(loc, "a", "b");
    expect(normalizeS3Error(c, "x", loc, false)).toBe(c);
  });
  it("isS3ExportError checks shape and code, not the class", () => {
    expect(isS3ExportError({ code: "COBUY_STORE_NETWORK", location: {} }, "COBUY_STORE_NETWORK")).toBe(true);
    expect(isS3ExportError(sys("ECONNRESET"))).toBe(false);
    expect(isS3ExportError(null)).toBe(false);
  });
});
