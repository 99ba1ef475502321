import { LRUCache } from "lru-cache";

/** lru-cache refuses null values; a cached "no such product" is stored as this marker. */
const NULL_VALUE: object = Object.freeze({});

/**
 * A bounded map that forgets the least recently used entry first (lru-cache underneath), counting
 * hits and misses for /metrics, and able to cache `null` (a known-absent product).
 */
export class LruCache<K extends {}, V> {
  readonly #cache: LRUCache<K, object | (V & {})> | null;
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries: number) {
    this.#cache = maxEntries > 0 ? new LRUCache({ max: maxEntries }) : null;
  }

  get size(): number {
    return this.#cache?.size ?? 0;
  }

  get(key: K): V | undefined {
    const value = this.#cache?.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return (value === NULL_VALUE ? null : value) as V;
  }

  set(key: K, value: V): void {
    this.#cache?.set(key, value === null || value === undefined ? NULL_VALUE : (value as V & {}));
  }

  clear(): void {
    this.#cache?.clear();
  }
}
