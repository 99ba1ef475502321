export { ContractError, type ContractErrorCode } from "./errors.js";
export { LATEST_FORMAT, LATEST_KEY, MANIFEST_FORMAT, MANIFEST_NAME, RICH_FORMAT } from "./formats.js";
export { makeRunId, RUN_ID_PATTERN } from "./run-id.js";
export { checkK, DEFAULT_K, kProblem, MAX_K } from "./top-k.js";
