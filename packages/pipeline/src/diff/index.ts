/**
 * `@cobuy/pipeline/diff`: how two runs' lists differ, and the guard that decides whether a new run
 * may replace the active one. Pure (no I/O), so the CLI, the report and the API share it.
 */
export {
  checkGuard,
  DEFAULT_GUARD_LIMITS,
  type GuardFailure,
  type GuardLimits,
  type GuardVerdict,
} from "./guard.js";
export { overlapAtK, rankBiasedOverlap } from "./list-overlap.js";
export {
  type DiffItem,
  type DiffOptions,
  diffRuns,
  distribution,
  type RunLists,
  runListsFromRich,
  runMetrics,
} from "./run-diff.js";
