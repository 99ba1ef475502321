import type { RunDiff } from "@cobuy/contracts";
import type {
  ProductRecord,
  ProductWithRecs,
  RecommendationSource,
} from "../source/recommendation-source.js";
import { LruCache } from "./lru-cache.js";

/** Options of {@link RunState}. */
export interface RunStateOptions {
  /** Re-read the active run id at most this often (ms); 0 = on every request. */
  runCheckIntervalMs: number;
  /** Entries kept per cache (products, categories). */
  cacheEntries: number;
  /** Called when the active run changes (after the cache was dropped). */
  onRunChange?: (from: string | null, to: string | null) => void;
}

/**
 * Tracks the active run cheaply and owns the in-process caches, which are keyed by product (and
 * category) within one run and dropped as a whole when the active run changes.
 */
export class RunState {
  readonly products: LruCache<string, ProductWithRecs | null>;
  readonly popular: LruCache<string, ProductRecord[]>;
  /** Diffs of the active run against another, by that run, k and list length. */
  readonly diffs: LruCache<string, RunDiff>;
  #runId: string | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<string | null> | null = null;

  constructor(
    private readonly source: RecommendationSource,
    private readonly options: RunStateOptions,
  ) {
    this.products = new LruCache(options.cacheEntries);
    this.popular = new LruCache(Math.max(1, Math.ceil(options.cacheEntries / 100)));
    // A diff holds no lists, only summaries: a few per run cover every dashboard's query.
    this.diffs = new LruCache(Math.min(options.cacheEntries, 32));
  }

  /** The last known active run id without touching the database. */
  get knownRunId(): string | null {
    return this.#runId;
  }

  /**
   * The active run id, re-read from the database when the last read is older than the interval
   * (or always with `force`). Concurrent callers share one query.
   */
  activeRunId(force = false): Promise<string | null> {
    const now = performance.now();
    if (!force && now - this.#checkedAt < this.options.runCheckIntervalMs) {
      return Promise.resolve(this.#runId);
    }
    if (this.#pending) return this.#pending;
    const pending = this.source
      .activeRunId()
      .then((runId) => {
        this.#checkedAt = performance.now();
        this.#set(runId);
        return runId;
      })
      .finally(() => {
        this.#pending = null;
      });
    this.#pending = pending;
    return pending;
  }

  #set(runId: string | null): void {
    if (runId === this.#runId) return;
    const from = this.#runId;
    this.#runId = runId;
    this.products.clear();
    this.popular.clear();
    this.diffs.clear();
    this.options.onRunChange?.(from, runId);
  }
}
