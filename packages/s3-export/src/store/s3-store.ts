import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { type ErrorLocation, StoreNotFoundError } from "../errors.js";
import type { GetResult, ListEntry, ObjectInfo, ObjectStore, PutBody, PutOptions } from "./object-store.js";
import { assertValidKey, joinKey } from "./object-store.js";
import { normalizeS3Error, redactEndpoint } from "./s3-errors.js";

/** Options of {@link S3Store}. */
export interface S3StoreOptions {
  /** A configured client (see `createS3Client`). */
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket, without leading/trailing slashes (`""` for the bucket root). */
  prefix?: string;
  /** Multipart part size in bytes (min 5 MiB). Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded in parallel; memory ≈ queueSize × partSize. Default 4. */
  queueSize?: number;
}

const MIB = 1024 * 1024;

/**
 * An {@link ObjectStore} over an S3 bucket + prefix (AWS or any S3-compatible server). Stream
 * bodies go through `@aws-sdk/lib-storage` multipart uploads (bounded memory); a failed
 * multipart upload is aborted, so no partial object ever becomes visible.
 *
 * @example
 * ```ts
 * const client = createS3Client({ region: "eu-west-1" });
 * const store = new S3Store({ client, bucket: "my-bucket", prefix: "cobuy" });
 * await store.put("hello.json", "{}", { contentType: "application/json" });
 * ```
 */
export class S3Store implements ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly description: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private endpointLabel: string | undefined;

  constructor(options: S3StoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = joinKey(options.prefix ?? "");
    this.description = `s3://${this.bucket}${this.prefix === "" ? "" : `/${this.prefix}`}`;
    this.partSize = Math.max(5 * MIB, options.partSize ?? 8 * MIB);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
  }

  private fullKey(key: string): string {
    assertValidKey(key);
    return this.prefix === "" ? key : `${this.prefix}/${key}`;
  }

  /** Endpoint for messages, e.g. `http://127.0.0.1:4568` or `https://s3.eu-west-1.amazonaws.com`. */
  async endpoint(): Promise<string> {
    if (this.endpointLabel !== undefined) return this.endpointLabel;
    let label = "AWS S3";
    try {
      const ep = await this.client.config.endpoint?.();
      if (ep !== undefined) {
        const port = ep.port !== undefined ? `:${ep.port}` : "";
        label = redactEndpoint(`${ep.protocol}//${ep.hostname}${port}${ep.path ?? ""}`);
      } else {
        const region = await this.client.config.region();
        label = `https://s3.${region}.amazonaws.com`;
      }
    } catch {
      // Region missing etc.: the request error itself will say so.
    }
    this.endpointLabel = label;
    return label;
  }

  private async fail(err: unknown, operation: string, key: string | undefined, objectOp: boolean) {
    const loc: ErrorLocation = {
      store: this.description,
      bucket: this.bucket,
      ...(key !== undefined ? { key: this.fullKey(key) } : {}),
      endpoint: await this.endpoint(),
    };
    return normalizeS3Error(err, operation, loc, objectOp);
  }

  private putParams(key: string, body: PutBody, options: PutOptions): PutObjectCommandInput {
    const Key = this.fullKey(key);
    return {
      Bucket: this.bucket,
      Key,
      Body: typeof body === "string" ? Buffer.from(body) : body,
      ...(options.contentType !== undefined ? { ContentType: options.contentType } : {}),
      ...(options.contentEncoding !== undefined ? { ContentEncoding: options.contentEncoding } : {}),
      ...(options.metadata !== undefined ? { Metadata: options.metadata } : {}),
      ...(options.sse?.type === "AES256" ? { ServerSideEncryption: "AES256" } : {}),
      ...(options.sse?.type === "aws:kms"
        ? {
            ServerSideEncryption: "aws:kms",
            ...(options.sse.kmsKeyId !== undefined ? { SSEKMSKeyId: options.sse.kmsKeyId } : {}),
          }
        : {}),
    };
  }

  /** Whether the server honours `If-None-Match: *` on PutObject; probed once (s3rver 3 ignores it). */
  private conditionalWrites: Promise<boolean> | undefined;

  // The probe carries the caller's options (SSE, metadata) so a bucket policy sees the same writes.
  private probeConditionalWrites(options: PutOptions): Promise<boolean> {
    this.conditionalWrites ??= (async () => {
      const probe = `.cobuy/probe-${Math.random().toString(36).slice(2, 10)}`;
      const first = await this.sendConditional(probe, "1", options);
      const second = await this.sendConditional(probe, "2", options);
      await this.delete(probe).catch(() => {});
      return first && !second;
    })();
    return this.conditionalWrites;
  }

  /** One PutObject with `If-None-Match: *`: false on 412 Precondition Failed (or 409 conflict). */
  private async sendConditional(
    key: string,
    body: Uint8Array | string,
    options: PutOptions,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({ ...this.putParams(key, body, options), IfNoneMatch: "*" }),
      );
      return true;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return false;
      throw await this.fail(err, "upload", key, false);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<boolean> {
    if (await this.probeConditionalWrites(options)) return this.sendConditional(key, body, options);
    // Fallback for servers that ignore the condition: head then put (a race window remains).
    if ((await this.head(key)) !== undefined) return false;
    await this.put(key, body, options);
    return true;
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    const Key = this.fullKey(key);
    const params = this.putParams(key, body, options);
    // lib-storage sends small bodies as one PutObject and large ones as a multipart upload;
    // parts are Buffers, so the SDK can retry each request.
    const upload = new Upload({
      client: this.client,
      params,
      partSize: this.partSize,
      queueSize: this.queueSize,
      // We abort ourselves so the original error is not replaced by the abort's own failure.
      leavePartsOnError: true,
    });
    if (options.onProgress !== undefined) {
      const cb = options.onProgress;
      upload.on("httpUploadProgress", (p) => {
        if (p.loaded !== undefined) cb(p.loaded);
      });
    }
    try {
      await upload.done();
    } catch (err) {
      if (body instanceof Readable && !body.destroyed) body.destroy();
      if (upload.uploadId !== undefined) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: upload.uploadId }))
          .catch(() => {
            // Best effort: a lifecycle rule should expire leftover parts (see README).
          });
      }
      throw await this.fail(err, "upload", key, false);
    }
  }

  async get(key: string): Promise<GetResult> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      const body = out.Body as Readable | undefined;
      return { ...objectInfo(key, out), body: body ?? Readable.from([]) };
    } catch (err) {
      const e = await this.fail(err, "download", key, false);
      if (e.code === "COBUY_STORE_OBJECT_NOT_FOUND") await this.assertBucket(key);
      throw e;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      return objectInfo(key, out);
    } catch (err) {
      const e = await this.fail(err, "head", key, true);
      if (e.code === "COBUY_STORE_ACCESS_DENIED" && e.location.providerCode !== "AccessDenied") {
        // HEAD responses carry no error code: a 403 may be bad credentials as well as a policy
        // denial. A one-byte GET (same permission) returns the server's real error code.
        throw await this.diagnose403(key, e);
      }
      if (e.code !== "COBUY_STORE_OBJECT_NOT_FOUND") throw e;
      // HEAD has no error body: a 404 may mean "no such bucket" as well as "no such key".
      await this.assertBucket(key);
      return undefined;
    }
  }

  private async diagnose403(key: string, original: Error): Promise<Error> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Range: "bytes=0-0" }),
      );
      (out.Body as Readable | undefined)?.destroy();
      return original;
    } catch (err) {
      const e = await this.fail(err, "head", key, true);
      return e.code === "COBUY_STORE_OBJECT_NOT_FOUND" ? original : e;
    }
  }

  private bucketChecked = false;
  private async assertBucket(key?: string): Promise<void> {
    if (this.bucketChecked) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      this.bucketChecked = true;
    } catch (err) {
      const e = await this.fail(err, "head bucket", key, false);
      const status = e.location.httpStatus;
      if (e.code === "COBUY_STORE_REQUEST_FAILED" && status === 404) {
        throw new StoreNotFoundError(e.location, err);
      }
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    const full = this.prefix === "" ? prefix : `${this.prefix}/${prefix}`;
    const strip = this.prefix === "" ? 0 : this.prefix.length + 1;
    let token: string | undefined;
    do {
      let out: ListObjectsV2CommandOutput;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: full,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw await this.fail(err, "list", undefined, false);
      }
      for (const o of out.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield {
          key: o.Key.slice(strip),
          size: o.Size ?? 0,
          ...(o.LastModified !== undefined ? { lastModified: o.LastModified } : {}),
        };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (err) {
      const e = await this.fail(err, "delete", key, true);
      if (e.code !== "COBUY_STORE_OBJECT_NOT_FOUND") throw e;
    }
  }
}

/** What a GET or HEAD response says of an object (both carry the same headers). */
function objectInfo(
  key: string,
  out: {
    ContentLength?: number | undefined;
    LastModified?: Date | undefined;
    ContentType?: string | undefined;
    ContentEncoding?: string | undefined;
    Metadata?: Record<string, string> | undefined;
  },
): ObjectInfo {
  return {
    key,
    size: out.ContentLength ?? 0,
    ...(out.LastModified !== undefined ? { lastModified: out.LastModified } : {}),
    ...(out.ContentType !== undefined ? { contentType: out.ContentType } : {}),
    ...(out.ContentEncoding !== undefined ? { contentEncoding: out.ContentEncoding } : {}),
    metadata: out.Metadata ?? {},
  };
}
