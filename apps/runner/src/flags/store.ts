/**
 * The store family: `--store` / `--s3-endpoint` (runs, fetch, load, pipeline; `--s3-endpoint` alone
 * for an `s3://` input) and the publishing flags of `pipeline` (`--gzip`, `--sse`,
 * `--sse-kms-key-id`, `--classic-key`), declared once, with their parsing.
 */
import type { ServerSideEncryption } from "@cobuy/s3-export";
import { type OptionSpecs, type OptionValues, pickOptions } from "../command.js";
import { UsageError } from "../errors.js";
import { choiceOption } from "./values.js";

export const STORE_OPTIONS = {
  store: {
    type: "string",
    valueName: "URL",
    description: "where runs live: a folder, file:///… or s3://bucket/prefix (default: .cobuy/runs)",
  },
  "s3-endpoint": {
    type: "string",
    valueName: "URL",
    description:
      "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, else AWS)",
  },
} as const satisfies OptionSpecs;

export type StoreFlagValues = OptionValues<typeof STORE_OPTIONS>;

/** `--s3-endpoint` for commands that have no `--store` (build, evaluate, sweep). */
export const INPUT_S3_OPTIONS = pickOptions(STORE_OPTIONS, ["s3-endpoint"] as const);

export const PUBLISH_OPTIONS = {
  gzip: {
    type: "boolean",
    description: "store the documents gzip-compressed (Content-Encoding: gzip; readers decompress)",
  },
  sse: {
    type: "string",
    valueName: "AES256|aws:kms",
    description: "server-side encryption of every object written (S3 stores; SSE-S3 or SSE-KMS)",
  },
  "sse-kms-key-id": {
    type: "string",
    valueName: "KEY",
    description: "with --sse aws:kms: the KMS key id, ARN or alias (default: the bucket's AWS-managed key)",
  },
  "classic-key": {
    type: "string",
    valueName: "PATTERN",
    description: "also write recs.json under this key of the store, e.g. recs/key{ts}.json",
  },
} as const satisfies OptionSpecs;

/** How a run is published, beyond where. */
export interface PublishFlags {
  /** Store the documents gzip-compressed. */
  readonly gzip: boolean;
  /** Server-side encryption of every object. */
  readonly sse?: ServerSideEncryption;
  /** Also write recs.json under this key pattern. */
  readonly classicKey?: string;
}

/**
 * @example
 * parsePublishFlags({ gzip: true, sse: "AES256" }); // { gzip: true, sse: { type: "AES256" } }
 */
export function parsePublishFlags(v: OptionValues<typeof PUBLISH_OPTIONS>): PublishFlags {
  const sse = parseSse(v.sse, v["sse-kms-key-id"]);
  return {
    gzip: v.gzip === true,
    ...(sse !== undefined ? { sse } : {}),
    ...(v["classic-key"] ? { classicKey: v["classic-key"] } : {}),
  };
}

/** `--sse` / `--sse-kms-key-id` as publishRun's option (undefined when not asked for). */
function parseSse(sse: string | undefined, kmsKeyId: string | undefined): ServerSideEncryption | undefined {
  if (sse === undefined) {
    if (kmsKeyId !== undefined) throw new UsageError("--sse-kms-key-id needs --sse aws:kms");
    return undefined;
  }
  const type = choiceOption(sse, "sse", ["AES256", "aws:kms"] as const, "AES256");
  if (type === "AES256") {
    if (kmsKeyId !== undefined) throw new UsageError("--sse-kms-key-id needs --sse aws:kms (not AES256)");
    return { type };
  }
  return kmsKeyId === undefined ? { type } : { type, kmsKeyId };
}
