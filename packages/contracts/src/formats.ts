/** `format` of recs.rich.json: runId, createdAt, params, counts, products and the scored lists. */
export const RICH_FORMAT = "cobuy.recs.v1";
/** `format` of `<runId>/manifest.json`. */
export const MANIFEST_FORMAT = "cobuy.manifest.v1";
/** `format` of the store's `latest.json`. */
export const LATEST_FORMAT = "cobuy.latest.v1";
/** Key of the pointer to the newest complete run, relative to the store root. */
export const LATEST_KEY = "latest.json";
/** File name of a run's manifest inside `<runId>/`. */
export const MANIFEST_NAME = "manifest.json";
/** `format` of a run diff (`diff.json` of a run, `cobuy runs diff --json`, `GET /v1/runs/active/diff`). */
export const RUN_DIFF_FORMAT = "cobuy.run-diff.v1";
/** File name, inside `<runId>/`, of the record of a run the activation guard refused (latest.json never names it). */
export const REFUSED_NAME = "refused.json";
