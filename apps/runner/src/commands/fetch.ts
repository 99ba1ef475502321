/** `cobuy fetch [RUN|latest] --to DIR`: download a published run, verifying every sha256. */
import { fetchRun } from "@cobuy/s3-export";
import { defineCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { STORE_OPTIONS } from "../flags/store.js";
import { requireString } from "../flags/values.js";
import { openStoreFromFlags } from "../steps/object-store.js";
import { fmtBytes } from "../ui/format.js";

export const fetchCommand = defineCommand({
  name: "fetch",
  summary: "download a run (default: latest) into a folder, verifying every checksum",
  usage: "cobuy fetch [RUN|latest] --to DIR [--store URL] [--name FILE]...",
  description:
    "Reads the run's manifest.json, downloads each document (decompressing gzip), and checks its\n" +
    "size and sha256 against the manifest. Documents are renamed into DIR only once all of them\n" +
    "verified: a corrupted object fails the command (COBUY_STORE_CHECKSUM_MISMATCH) and leaves DIR as it was.",
  options: {
    ...STORE_OPTIONS,
    to: {
      type: "string",
      short: "o",
      valueName: "DIR",
      description: "folder to write the documents and manifest.json into",
    },
    name: {
      type: "string",
      multiple: true,
      valueName: "FILE",
      description: "only this document (repeatable)",
    },
  },
  positionals: true,
  examples: [
    "cobuy fetch --to ./latest-run",
    "cobuy fetch 2026-11-29_06-53-07 --store s3://my-bucket/cobuy --to ./run --name recs.json",
  ],
  async run(ctx, { values, positionals }) {
    if (positionals.length > 1)
      throw new UsageError(`unexpected argument "${positionals[1]}" for "cobuy fetch"`);
    const run = positionals[0] ?? "latest";
    const to = ctx.resolvePath(requireString(values.to, "to"));
    const opened = openStoreFromFlags(ctx, values, { forRead: true });
    try {
      const res = await ctx.stage("fetch", () =>
        fetchRun(opened.store, run, to, {
          ...(values.name !== undefined ? { names: values.name } : {}),
          onProgress: (e) => ctx.log.debug(`verified ${e.name}`, { bytes: e.size }),
        }),
      );
      ctx.print(`fetched run ${res.runId} from ${opened.label} into ${res.dir} (every sha256 verified)`);
      ctx.table({
        columns: ["file", "size", "sha256"],
        rows: res.files.map((f) => [f.name, fmtBytes(f.size), f.sha256]),
      });
      return { store: opened.label, runId: res.runId, dir: res.dir, files: res.files };
    } finally {
      opened.close();
    }
  },
});
