/**
 * Interns byte strings: each distinct key gets the next id 0, 1, 2, ... A Map keyed by bytes
 * (open addressing, linear probing), so ids never become JS strings on the hot path: the keys live
 * once in one growable byte arena. Memory O(distinct keys + their bytes).
 */
export class ByteInterner {
  /** Key bytes of every id, back to back; key i is `arena[offsets[i] .. offsets[i+1])`. */
  arena: Uint8Array;
  offsets: Uint32Array;
  size = 0;
  private used = 0;
  private hashes: Uint32Array;
  private slots: Int32Array; // id + 1, 0 = empty
  private mask: number;
  /** Slot of the key added last (-1: none, or removed), for {@link removeLast}. */
  private lastSlot = -1;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.hashes = new Uint32Array(Math.max(16, expected));
    this.offsets = new Uint32Array(Math.max(17, expected + 1));
    this.arena = new Uint8Array(Math.max(64, expected * 8));
  }

  /** Id of `bytes[start..end)`, adding it if new. */
  // O(end - start) expected
  intern(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h >>>= 0;
    const len = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    for (;;) {
      const v = slots[s]!;
      if (v === 0) break;
      const id = v - 1;
      if (this.hashes[id] === h) {
        const o = this.offsets[id]!;
        if (this.offsets[id + 1]! - o === len) {
          const arena = this.arena;
          let j = 0;
          while (j < len && arena[o + j] === bytes[start + j]) j++;
          if (j === len) return id;
        }
      }
      s = (s + 1) & mask;
    }
    return this.add(bytes, start, end, h, s);
  }

  /**
   * Takes back the key added last, when nothing was added since (a row refused after its id was
   * interned). Safe under linear probing: no later key probed past its slot.
   */
  removeLast(): void {
    if (this.lastSlot < 0) throw new Error("ByteInterner.removeLast: no key to take back");
    const id = --this.size;
    this.slots[this.lastSlot] = 0;
    this.used = this.offsets[id]!;
    this.lastSlot = -1;
  }

  /** True when key `id` equals `bytes[start..end)`. */
  equals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const o = this.offsets[id]!;
    const len = end - start;
    if (this.offsets[id + 1]! - o !== len) return false;
    const arena = this.arena;
    for (let j = 0; j < len; j++) if (arena[o + j] !== bytes[start + j]) return false;
    return true;
  }

  /** Key `id` decoded as UTF-8. */
  key(id: number): string {
    return Buffer.from(this.arena.buffer, this.arena.byteOffset, this.used).toString(
      "utf8",
      this.offsets[id],
      this.offsets[id + 1],
    );
  }

  /** Compares keys `a` and `b` by their bytes (unsigned), like `Buffer.compare`. */
  compare(a: number, b: number): number {
    const arena = this.arena;
    let i = this.offsets[a]!;
    const ie = this.offsets[a + 1]!;
    let j = this.offsets[b]!;
    const je = this.offsets[b + 1]!;
    while (i < ie && j < je) {
      const d = arena[i++]! - arena[j++]!;
      if (d !== 0) return d;
    }
    return ie - i - (je - j);
  }

  /** Ids in byte order of their keys. */
  // O(n log n) compares
  sortedIds(): Uint32Array {
    const ids = new Uint32Array(this.size);
    for (let i = 0; i < ids.length; i++) ids[i] = i;
    const arr = Array.from(ids).sort((a, b) => this.compare(a, b));
    return Uint32Array.from(arr);
  }

  private add(bytes: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const id = this.size++;
    const len = end - start;
    if (id + 2 > this.offsets.length) {
      const n = new Uint32Array(this.offsets.length * 2);
      n.set(this.offsets);
      this.offsets = n;
    }
    if (id + 1 > this.hashes.length) {
      const hs = new Uint32Array(this.hashes.length * 2);
      hs.set(this.hashes);
      this.hashes = hs;
    }
    if (this.used + len > this.arena.length) {
      const n = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      n.set(this.arena.subarray(0, this.used));
      this.arena = n;
    }
    this.arena.set(bytes.subarray(start, end), this.used);
    this.used += len;
    this.offsets[id + 1] = this.used;
    this.hashes[id] = h;
    this.slots[slot] = id + 1;
    this.lastSlot = slot;
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let id = 0; id < this.size; id++) {
      let s = this.hashes[id]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
      if (id === this.size - 1) this.lastSlot = s;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
