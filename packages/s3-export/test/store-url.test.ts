import { describe, expect, it } from "vitest";
import { createS3Client, LocalFolderStore, openStore, parseStoreUrl, S3Store } from "../src/index.js";
import { codeOf } from "./helpers.js";

describe("parseStoreUrl", () => {
  it("parses s3://bucket/prefix, trimming slashes", () => {
    expect(parseStoreUrl("s3://my-bucket/cobuy/runs/")).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "cobuy/runs",
    });
    expect(parseStoreUrl("s3://my-bucket")).toEqual({ kind: "s3", bucket: "my-bucket", prefix: "" });
    expect(parseStoreUrl("s3://my.bucket.1//a//b")).toEqual({
      kind: "s3",
      bucket: "my.bucket.1",
      prefix: "a/b",
    });
  });
  it("parses file:// URLs and plain paths as folders", () => {
    expect(parseStoreUrl("file:///data/bucket")).toEqual({ kind: "folder", path: "/data/bucket" });
    expect(parseStoreUrl("./out/bucket")).toEqual({ kind: "folder", path: "./out/bucket" });
    expect(parseStoreUrl("C-drive-like/path")).toEqual({ kind: "folder", path: "C-drive-like/path" });
  });
  it("refuses bad buckets, schemes and prefixes with COBUY_STORE_INVALID_URL", async () => {
    for (const bad of [
      "",
      "s3://",
      "s3://Upper",
      "s3://ab",
      "gs://bucket/x",
      "s3://bucket/../x",
      "file://host/share",
    ]) {
      expect(await codeOf((async () => parseStoreUrl(bad))()), bad).toBe("COBUY_STORE_INVALID_URL");
    }
  });
  it("openStore builds the matching store", () => {
    expect(openStore("./x")).toBeInstanceOf(LocalFolderStore);
    const s3 = openStore("s3://bucket-a/p", { s3: { region: "eu-west-1" } });
    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.description).toBe("s3://bucket-a/p");
    const client = createS3Client({ endpoint: "http://127.0.0.1:1" });
    expect((openStore("s3://bucket-b", { s3: client }) as S3Store).client).toBe(client);
  });
});

describe("createS3Client", () => {
  it("defaults path-style and a region when an endpoint is set", async () => {
    const c = createS3Client({ endpoint: "http://127.0.0.1:9000" });
    expect(c.config.forcePathStyle).toBe(true);
    expect(await c.config.region()).toBe("us-east-1");
    expect(await c.config.maxAttempts()).toBe(5);
    expect(await c.config.requestChecksumCalculation()).toBe("WHEN_REQUIRED");
  });
  it("keeps virtual-host style and the SDK checksum default on AWS", async () => {
    const c = createS3Client({ region: "eu-west-1", maxAttempts: 2 });
    expect(c.config.forcePathStyle).toBe(false);
    expect(await c.config.maxAttempts()).toBe(2);
    expect(await c.config.requestChecksumCalculation()).toBe("WHEN_SUPPORTED");
  });
});
