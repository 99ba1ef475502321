// Cosine top-k kernel over C in linear memory (AssemblyScript → WebAssembly).
// No allocation: every array lives at an address the host passes to `setup`; each instance
// (one per thread) keeps its own addresses in globals. Mirrors src/cosine/cosine-js.ts exactly.

let P: i32 = 0;
let rowPtr: usize = 0; // u32[P + 1]
let colIdx: usize = 0; // u32[nnz], ascending in each row
let values: usize = 0; // f64[nnz], f32[nnz] when valueBytes is 4 (integers ≤ 2^24: exact); with intValues i32[nnz], u16[nnz] when valueBytes is 2
let valueBytes: i32 = 8;
let intValues: bool = false; // values are i32 (integers below 2^31), so rows may accumulate in i32
// u8[P] or 0: 1 where every dot product of row p with a later row is provably below 2^31
// (|C_p|·max_{q>p}|C_q|, Cauchy–Schwarz), so row p accumulates exactly in i32 (half the bytes of f64)
let narrowRows: usize = 0;
// Hot columns (only with intValues): rows j of C nearly full (Zipf best sellers) are kept dense,
// i32[hotCount][P] at hotRows, and row p adds C[p][j]·C[j][q>p] with SIMD instead of scattering.
let hotIndex: usize = 0; // i32[P]: h ≥ 0 when j's dense row is hotRows[h], -2 - s for hotPairs slot s, else -1; 0: none
let hotRows: usize = 0;
// Hot rows whose counts all fit in i16, two per dense row as interleaved i16 pairs (slot s: pair
// s >> 1, lane s & 1), i32[pairCount][P]: one i32x4.dot_i16x8_s adds two rows' products for four
// columns (half the bytes and a third of the instructions of two i32 rows). Each product is at
// most 32767², so a pair's sum stays below 2^31.
let hotPairs: usize = 0;
let pairCount: i32 = 0;
let pairW: usize = 0;
// Float32 copies for the Int32 rows' quick reject, four columns per test (f64x2 takes two): thr32
// (this thread's thresholds, kept by `offer`; 0 for no copy) and norms32 (shared).
let thr32: usize = 0;
let norms32: usize = 0; // i32[pairCount] packed weights of the row being done, zero between rows; then u32[2 · pairCount] scratch
let norms: usize = 0; // f64[P]
let eligible: usize = 0; // u8[P]
let acc: usize = 0; // f64[P], zero between rows
let touched: usize = 0; // u32[P]
let cursor: usize = 0; // u32[P]: first entry of row j right of the last row done
let K: i32 = 0;
let len: usize = 0; // u16[P]
let ids: usize = 0; // u32[P * K]
let scores: usize = 0; // f64[P * K]
let support: usize = 0; // f64[P * K]
let thr: usize = 0; // f64[P]: score a candidate must reach to enter p's list (minScore, or the
// last score once full; +inf when p is not eligible)
let minScore: f64 = 0;
let scan: i32 = 0; // 0 auto, 1 full, 2 touched
let touchedRatio: f64 = 4;
let quickReject: bool = true;
// A pair enters a list only when C[p][q] ≥ this (the classic lists' minimum pair support; -inf: no
// filter). Filtering here keeps the lists exact at depth k: no deeper run to cut them from.
let minPairSupport: f64 = -Infinity;
let pairFilter: bool = false; // minPairSupport > 0: candidates are C_p's own entries
// d < thr · (n_p n_q) · SAFE proves d / (n_p n_q) < thr despite rounding (error ≤ a few 2^-53).
const SAFE: f64 = 1 - 9.094947017729282e-13; // 1 - 2^-40
// The same in Float32: d, thr, n_p·SAFE32 and n_q each round once (≤ 2^-24) and the two products
// once each, so d32 < lim32 gives d < thr · n_p n_q · (1 - 2^-20)(1 + 7 · 2^-24) < thr · n_p n_q.
const SAFE32: f64 = 1 - 9.5367431640625e-7; // 1 - 2^-20
// Thresholds below this get no Float32 copy (0: never rejects), so no subnormal rounds up.
const TINY32: f64 = 1e-30;

// @ts-expect-error: decorator
@inline function setThr(p: u32, t: f64): void {
  store<f64>(thr + ((<usize>p) << 3), t);
  if (thr32 != 0) store<f32>(thr32 + ((<usize>p) << 2), t > TINY32 ? <f32>t : 0);
}

export function setup(
  p: i32,
  rowPtr_: usize,
  colIdx_: usize,
  values_: usize,
  norms_: usize,
  eligible_: usize,
  acc_: usize,
  touched_: usize,
  cursor_: usize,
  k: i32,
  len_: usize,
  ids_: usize,
  scores_: usize,
  support_: usize,
  minScore_: f64,
  scan_: i32,
  touchedRatio_: f64,
  valueBytes_: i32,
  thr_: usize,
  quickReject_: i32,
  intValues_: i32,
  narrowRows_: usize,
  hotIndex_: usize,
  hotRows_: usize,
  minPairSupport_: f64,
  hotPairs_: usize,
  pairCount_: i32,
  pairW_: usize,
  thr32_: usize,
  norms32_: usize,
): void {
  thr32 = thr32_;
  norms32 = norms32_;
  hotPairs = hotPairs_;
  pairCount = hotIndex_ != 0 && intValues_ != 0 ? pairCount_ : 0;
  pairW = pairW_;
  minPairSupport = minPairSupport_;
  pairFilter = minPairSupport_ > 0;
  hotIndex = intValues_ != 0 ? hotIndex_ : 0;
  hotRows = hotRows_;
  valueBytes = valueBytes_;
  intValues = intValues_ != 0;
  narrowRows = intValues ? narrowRows_ : 0;
  thr = thr_;
  quickReject = quickReject_ != 0;
  P = p;
  rowPtr = rowPtr_;
  colIdx = colIdx_;
  values = values_;
  norms = norms_;
  eligible = eligible_;
  acc = acc_;
  touched = touched_;
  cursor = cursor_;
  K = k;
  len = len_;
  ids = ids_;
  scores = scores_;
  support = support_;
  minScore = minScore_;
  scan = scan_;
  touchedRatio = touchedRatio_;
}

// @ts-expect-error: decorator
@inline function accepts(p: u32, id: u32, s: f64): bool {
  const l = <i32>load<u16>(len + ((<usize>p) << 1));
  if (l < K) return true;
  const at = <usize>p * <usize>K + <usize>(K - 1);
  const w = load<f64>(scores + (at << 3));
  return s > w || (s == w && id < load<u32>(ids + (at << 2)));
}

// O(k) moves
function offer(p: u32, id: u32, s: f64, c: f64): void {
  const base = <usize>p * <usize>K;
  const lp = len + ((<usize>p) << 1);
  const l = <i32>load<u16>(lp);
  let at: usize;
  if (l < K) {
    at = base + <usize>l;
    store<u16>(lp, <u16>(l + 1));
  } else {
    at = base + <usize>(K - 1);
  }
  while (at > base) {
    const w = load<f64>(scores + ((at - 1) << 3));
    const wid = load<u32>(ids + ((at - 1) << 2));
    if (!(s > w || (s == w && id < wid))) break;
    store<f64>(scores + (at << 3), w);
    store<u32>(ids + (at << 2), wid);
    store<f64>(support + (at << 3), load<f64>(support + ((at - 1) << 3)));
    at--;
  }
  store<f64>(scores + (at << 3), s);
  store<u32>(ids + (at << 2), id);
  store<f64>(support + (at << 3), c);
  if (l + 1 >= K) setThr(p, load<f64>(scores + ((base + <usize>(K - 1)) << 3)));
}

// Exact score, then both lists. Only without a pair-support filter (filteredPairs serves that), so
// C[p][q] decides nothing here: the host looks it up for the final lists (P·k binary searches
// instead of one per accepted offer: 4-11 % less kernel time at gen-sales M, 1 thread).
function offerPair(p: u32, q: u32, d: f64, np: f64, nq: f64): void {
  if (!load<u8>(eligible + <usize>q)) return;
  const s = d / (np * nq);
  if (!(s > minScore)) return;
  if (accepts(p, q, s)) offer(p, q, s, 0);
  if (accepts(q, p, s)) offer(q, p, s, 0);
}

// O(1): skips the division and both lists when the pair provably enters neither.
// @ts-expect-error: decorator
@inline function consider<T>(p: u32, q: u32, d: f64, np: f64): void {
  const nq = load<f64>(norms + ((<usize>q) << 3));
  const tq = load<f64>(thr + ((<usize>q) << 3));
  const tp = load<f64>(thr + ((<usize>p) << 3));
  const t = tq < tp ? tq : tp;
  if (!quickReject || !(d < t * (np * nq) * SAFE)) offerPair(p, q, d, np, nq);
}

// O(Σ_{p in [from,to)} Σ_{j ∈ C_p} nnz(C_j right of p)) multiply-adds + O(P - p) per full-scan row; scratch O(P)
export function cosineRows(from: i32, to: i32): f64 {
  // u16 counts: 6 bytes per scattered entry instead of 8, and C's rows are read from memory (M, L).
  if (intValues) return valueBytes == 2 ? rows<u16>(from, to) : rows<i32>(from, to);
  return valueBytes == 4 ? rows<f32>(from, to) : rows<f64>(from, to);
}

function rows<T>(from: i32, to: i32): f64 {
  let work: f64 = 0;
  for (let p = <u32>from; p < <u32>to; p++) {
    if (!load<u8>(eligible + <usize>p)) continue;
    const start = load<u32>(rowPtr + ((<usize>p) << 2));
    const end = load<u32>(rowPtr + ((<usize>p + 1) << 2));
    let w: u64 = 0;
    for (let b = start; b < end; b++) {
      const j = load<u32>(colIdx + ((<usize>b) << 2));
      const je = load<u32>(rowPtr + ((<usize>j + 1) << 2));
      const cp = cursor + ((<usize>j) << 2);
      let e = load<u32>(cp);
      while (e < je && load<u32>(colIdx + ((<usize>e) << 2)) <= p) e++;
      store<u32>(cp, e);
      w += <u64>(je - e);
    }
    if (w == 0) continue;
    let useTouched = scan == 2 || (scan == 0 && <f64>w * touchedRatio < <f64>(<u32>P - p - 1));
    let hot: usize = 0; // hot neighbours in i32 rows
    let pairs: usize = 0; // pairs of i16 rows holding a hot neighbour
    if (isInteger<T>() && hotIndex != 0) {
      // Row p's hot neighbours: (h, C[p][j]) in `touched` (free: a full-scan row uses no touched
      // list), or C[p][j] into its pair's packed weights.
      let all: u64 = 0;
      for (let b = start; b < end; b++) {
        const j = load<u32>(colIdx + ((<usize>b) << 2));
        const h = load<i32>(hotIndex + ((<usize>j) << 2));
        if (h == -1) continue;
        const je = load<u32>(rowPtr + ((<usize>j + 1) << 2));
        w -= <u64>(je - load<u32>(cursor + ((<usize>j) << 2)));
        all++;
        const v = <i32>load<T>(values + ((<usize>b) << alignof<T>()));
        if (h >= 0) {
          store<i32>(touched + (hot << 3), h);
          store<i32>(touched + (hot << 3), v, 4);
          hot++;
        } else {
          const slot = -2 - h;
          const a = pairW + ((<usize>(slot >> 1)) << 2);
          store<i32>(a, load<i32>(a) | ((v & 0xffff) << ((slot & 1) << 4)));
        }
      }
      if (all > 0) {
        useTouched = false;
        w += all * <u64>(<u32>P - p - 1);
        // The pairs in use, (pair, packed weights), after the weights; the weights are cleared.
        const list = pairW + ((<usize>pairCount) << 2);
        for (let g = 0; g < pairCount; g++) {
          const a = pairW + ((<usize>g) << 2);
          const packed = load<i32>(a);
          if (packed == 0) continue;
          store<i32>(a, 0);
          store<i32>(list + (pairs << 3), g);
          store<i32>(list + (pairs << 3), packed, 4);
          pairs++;
        }
      }
    }
    work += <f64>w;
    const anyHot = hot > 0 || pairs > 0;
    if (isInteger<T>() && narrowRows != 0 && load<u8>(narrowRows + <usize>p)) {
      if (hot > 0) hotDense<i32>(p, hot);
      if (pairs > 0) pairDense<i32>(p, pairs);
      row<T, i32>(p, start, end, useTouched, anyHot);
    } else {
      if (hot > 0) hotDense<f64>(p, hot);
      if (pairs > 0) pairDense<f64>(p, pairs);
      row<T, f64>(p, start, end, useTouched, anyHot);
    }
  }
  return work;
}

// O(hot · (P - p)) SIMD multiply-adds: acc[q] += Σ_h C[p][j_h] · C[j_h][q] over q > p, four hot
// neighbours' dense rows at a time, so acc is read and written once per four of them
function hotDense<A>(p: u32, hot: usize): void {
  const rowBytes = (<usize>P) << 2;
  const q0 = <usize>p + 1;
  let i: usize = 0;
  for (; i + 4 <= hot; i += 4) {
    const t = touched + (i << 3);
    const r0 = hotRows + <usize>load<i32>(t) * rowBytes;
    const r1 = hotRows + <usize>load<i32>(t, 8) * rowBytes;
    const r2 = hotRows + <usize>load<i32>(t, 16) * rowBytes;
    const r3 = hotRows + <usize>load<i32>(t, 24) * rowBytes;
    hotBlock<A>(q0, r0, r1, r2, r3, load<i32>(t, 4), load<i32>(t, 12), load<i32>(t, 20), load<i32>(t, 28));
  }
  for (; i < hot; i++) {
    const t = touched + (i << 3);
    hotBlock<A>(q0, hotRows + <usize>load<i32>(t) * rowBytes, hotRows, hotRows, hotRows, load<i32>(t, 4), 0, 0, 0);
  }
}

// O(pairs · (P - p)) SIMD multiply-adds: acc[q] += Σ_g (C[p][j_g0] · C[j_g0][q] + C[p][j_g1] · C[j_g1][q])
// over q > p, four pairs (eight hot rows) per pass over acc; a missing row of a pair has weight 0
function pairDense<A>(p: u32, pairs: usize): void {
  const rowBytes = (<usize>P) << 2;
  const q0 = <usize>p + 1;
  const list = pairW + ((<usize>pairCount) << 2);
  let i: usize = 0;
  for (; i + 4 <= pairs; i += 4) {
    const t = list + (i << 3);
    pairBlock<A>(
      q0,
      hotPairs + <usize>load<i32>(t) * rowBytes,
      hotPairs + <usize>load<i32>(t, 8) * rowBytes,
      hotPairs + <usize>load<i32>(t, 16) * rowBytes,
      hotPairs + <usize>load<i32>(t, 24) * rowBytes,
      load<i32>(t, 4),
      load<i32>(t, 12),
      load<i32>(t, 20),
      load<i32>(t, 28),
    );
  }
  for (; i + 2 <= pairs; i += 2) {
    const t = list + (i << 3);
    const r0 = hotPairs + <usize>load<i32>(t) * rowBytes;
    const r1 = hotPairs + <usize>load<i32>(t, 8) * rowBytes;
    pairBlock<A>(q0, r0, r1, r0, r1, load<i32>(t, 4), load<i32>(t, 12), 0, 0);
  }
  if (i < pairs) {
    const t = list + (i << 3);
    const r0 = hotPairs + <usize>load<i32>(t) * rowBytes;
    pairBlock<A>(q0, r0, r0, r0, r0, load<i32>(t, 4), 0, 0, 0);
  }
}

// @ts-expect-error: decorator
@inline function pairAt(r: usize, o: usize, w: i32): i32 {
  const v = load<i32>(r + o);
  return (w << 16 >> 16) * (v << 16 >> 16) + (w >> 16) * (v >> 16);
}

// O(8 · (P - q0)) multiply-adds, 4 dot_i16x8 per 4 columns: acc[q] += Σ_i dot(w_i, r_i[q]) for q ≥ q0
// @ts-expect-error: decorator
@inline function pairBlock<A>(q0: usize, r0: usize, r1: usize, r2: usize, r3: usize, w0: i32, w1: i32, w2: i32, w3: i32): void {
  let q = q0;
  const v0 = i32x4.splat(w0);
  const v1 = i32x4.splat(w1);
  const v2 = i32x4.splat(w2);
  const v3 = i32x4.splat(w3);
  for (; q + 4 <= <usize>P; q += 4) {
    const o = q << 2;
    const d0 = i32x4.dot_i16x8_s(v0, v128.load(r0 + o));
    const d1 = i32x4.dot_i16x8_s(v1, v128.load(r1 + o));
    const d2 = i32x4.dot_i16x8_s(v2, v128.load(r2 + o));
    const d3 = i32x4.dot_i16x8_s(v3, v128.load(r3 + o));
    if (isInteger<A>()) {
      // The row's bound keeps every partial sum below 2^31 (all terms are positive).
      const a = acc + (q << 2);
      v128.store(a, i32x4.add(v128.load(a), i32x4.add(i32x4.add(d0, d1), i32x4.add(d2, d3))));
    } else {
      // Each dot is below 2^31 but their sum may not be: widen before adding.
      const a = acc + (q << 3);
      const lo = f64x2.add(
        f64x2.add(f64x2.convert_low_i32x4_s(d0), f64x2.convert_low_i32x4_s(d1)),
        f64x2.add(f64x2.convert_low_i32x4_s(d2), f64x2.convert_low_i32x4_s(d3)),
      );
      const h0 = v128.shuffle<u32>(d0, d0, 2, 3, 0, 1);
      const h1 = v128.shuffle<u32>(d1, d1, 2, 3, 0, 1);
      const h2 = v128.shuffle<u32>(d2, d2, 2, 3, 0, 1);
      const h3 = v128.shuffle<u32>(d3, d3, 2, 3, 0, 1);
      const hi = f64x2.add(
        f64x2.add(f64x2.convert_low_i32x4_s(h0), f64x2.convert_low_i32x4_s(h1)),
        f64x2.add(f64x2.convert_low_i32x4_s(h2), f64x2.convert_low_i32x4_s(h3)),
      );
      v128.store(a, f64x2.add(v128.load(a), lo));
      v128.store(a, f64x2.add(v128.load(a, 16), hi), 16);
    }
  }
  for (; q < <usize>P; q++) {
    const o = q << 2;
    const a = acc + (q << alignof<A>());
    store<A>(
      a,
      load<A>(a) +
        ((<A>pairAt(r0, o, w0) + <A>pairAt(r1, o, w1)) + (<A>pairAt(r2, o, w2) + <A>pairAt(r3, o, w3))),
    );
  }
}

// O(4 · (P - q0)) SIMD multiply-adds: acc[q] += w0 r0[q] + w1 r1[q] + w2 r2[q] + w3 r3[q] for q ≥ q0
// @ts-expect-error: decorator
@inline function hotBlock<A>(q0: usize, r0: usize, r1: usize, r2: usize, r3: usize, w0: i32, w1: i32, w2: i32, w3: i32): void {
  let q = q0;
  if (isInteger<A>()) {
    const v0 = i32x4.splat(w0);
    const v1 = i32x4.splat(w1);
    const v2 = i32x4.splat(w2);
    const v3 = i32x4.splat(w3);
    for (; q + 4 <= <usize>P; q += 4) {
      const a = acc + (q << 2);
      const o = q << 2;
      const s01 = i32x4.add(i32x4.mul(v0, v128.load(r0 + o)), i32x4.mul(v1, v128.load(r1 + o)));
      const s23 = i32x4.add(i32x4.mul(v2, v128.load(r2 + o)), i32x4.mul(v3, v128.load(r3 + o)));
      v128.store(a, i32x4.add(v128.load(a), i32x4.add(s01, s23)));
    }
  } else {
    // Float64 rows: each sum of four products is below 2^53, so the order of the additions is exact.
    const v0 = f64x2.splat(<f64>w0);
    const v1 = f64x2.splat(<f64>w1);
    const v2 = f64x2.splat(<f64>w2);
    const v3 = f64x2.splat(<f64>w3);
    for (; q + 2 <= <usize>P; q += 2) {
      const a = acc + (q << 3);
      const o = q << 2;
      const s01 = f64x2.add(
        f64x2.mul(v0, f64x2.convert_low_i32x4_s(v128.load64_zero(r0 + o))),
        f64x2.mul(v1, f64x2.convert_low_i32x4_s(v128.load64_zero(r1 + o))),
      );
      const s23 = f64x2.add(
        f64x2.mul(v2, f64x2.convert_low_i32x4_s(v128.load64_zero(r2 + o))),
        f64x2.mul(v3, f64x2.convert_low_i32x4_s(v128.load64_zero(r3 + o))),
      );
      v128.store(a, f64x2.add(v128.load(a), f64x2.add(s01, s23)));
    }
  }
  for (; q < <usize>P; q++) {
    const a = acc + (q << alignof<A>());
    const o = q << 2;
    store<A>(
      a,
      load<A>(a) +
        (<A>w0 * <A>load<i32>(r0 + o) + <A>w1 * <A>load<i32>(r1 + o)) +
        (<A>w2 * <A>load<i32>(r2 + o) + <A>w3 * <A>load<i32>(r3 + o)),
    );
  }
}

// O(nnz(C_p)): with a minimum pair support only q with C[p][q] ≥ it are candidates, and those are
// row p's own entries, so they are read from C_p (with C[p][q] beside them, no look-up) rather
// than from every column of acc; acc is cleared by the caller
function filteredPairs<T, A>(p: u32, start: u32, end: u32, np: f64): void {
  for (let b = start; b < end; b++) {
    const q = load<u32>(colIdx + ((<usize>b) << 2));
    if (q <= p) continue;
    const c = <f64>load<T>(values + ((<usize>b) << alignof<T>()));
    if (!(c >= minPairSupport)) continue;
    const d = <f64>load<A>(acc + ((<usize>q) << alignof<A>()));
    if (d == 0 || !load<u8>(eligible + <usize>q)) continue;
    const nq = load<f64>(norms + ((<usize>q) << 3));
    const tq = load<f64>(thr + ((<usize>q) << 3));
    const tp = load<f64>(thr + ((<usize>p) << 3));
    const t = tq < tp ? tq : tp;
    if (quickReject && d < t * (np * nq) * SAFE) continue;
    const s = d / (np * nq);
    if (!(s > minScore)) continue;
    const toP = accepts(p, q, s);
    const toQ = accepts(q, p, s);
    if (toP) offer(p, q, s, c);
    if (toQ) offer(q, p, s, c);
  }
}

// O(Σ_{j ∈ C_p} nnz(C_j right of p)) multiply-adds into acc as A (f64, or i32 when the row's bound
// allows: exact, half the bytes) + O(touched) or O(P - p) reads back
function row<T, A>(p: u32, start: u32, end: u32, useTouched: bool, skipHot: bool): void {
  const np = load<f64>(norms + ((<usize>p) << 3));
  if (useTouched) {
    let nt: usize = 0;
    for (let b = start; b < end; b++) {
      const j = load<u32>(colIdx + ((<usize>b) << 2));
      const wv = <A>load<T>(values + ((<usize>b) << alignof<T>()));
      const je = load<u32>(rowPtr + ((<usize>j + 1) << 2));
      let pc = colIdx + ((<usize>load<u32>(cursor + ((<usize>j) << 2))) << 2);
      let pv = values + ((<usize>load<u32>(cursor + ((<usize>j) << 2))) << alignof<T>());
      const pe = colIdx + ((<usize>je) << 2);
      while (pc < pe) {
        const q = load<u32>(pc);
        const a = acc + ((<usize>q) << alignof<A>());
        const old = load<A>(a);
        // Branch-free: always write q, keep it only when the slot was empty.
        store<u32>(touched + (nt << 2), q);
        nt += <usize>(old == 0);
        store<A>(a, old + wv * <A>load<T>(pv));
        pc += 4;
        pv += sizeof<T>();
      }
    }
    if (pairFilter) {
      filteredPairs<T, A>(p, start, end, np);
      for (let t: usize = 0; t < nt; t++) store<A>(acc + ((<usize>load<u32>(touched + (t << 2))) << alignof<A>()), 0);
      return;
    }
    for (let t: usize = 0; t < nt; t++) {
      const q = load<u32>(touched + (t << 2));
      const a = acc + ((<usize>q) << alignof<A>());
      const d = <f64>load<A>(a);
      if (d == 0) continue;
      store<A>(a, 0);
      consider<T>(p, q, d, np);
    }
    return;
  }
  for (let b = start; b < end; b++) {
    const j = load<u32>(colIdx + ((<usize>b) << 2));
    if (skipHot && load<i32>(hotIndex + ((<usize>j) << 2)) != -1) continue; // added by hotDense / pairDense
    const wv = <A>load<T>(values + ((<usize>b) << alignof<T>()));
    const je = load<u32>(rowPtr + ((<usize>j + 1) << 2));
    const e0 = <usize>load<u32>(cursor + ((<usize>j) << 2));
    let pc = colIdx + (e0 << 2);
    let pv = values + (e0 << alignof<T>());
    const pe = colIdx + ((<usize>je) << 2);
    while (pc < pe) {
      const a = acc + ((<usize>load<u32>(pc)) << alignof<A>());
      store<A>(a, load<A>(a) + wv * <A>load<T>(pv));
      pc += 4;
      pv += sizeof<T>();
    }
  }
  if (pairFilter) {
    filteredPairs<T, A>(p, start, end, np);
    const from = acc + ((<usize>p + 1) << alignof<A>());
    memory.fill(from, 0, acc + ((<usize>P) << alignof<A>()) - from);
    return;
  }
  // Full scan of q > p, 16 bytes at a time: a block of zeros (most of a sparse row) costs one test.
  const last = acc + ((<usize>P) << alignof<A>());
  let q = p + 1;
  let a = acc + ((<usize>q) << alignof<A>());
  const npS = f64x2.splat(np * SAFE);
  if (isInteger<A>() && quickReject && thr32 != 0) {
    // Four columns per test in Float32 (see SAFE32); a block that may enter a list falls through
    // to the Float64 tests below. Addresses in locals: globals are reloaded on every use.
    const np32 = f32x4.splat(<f32>(np * SAFE32));
    const t32 = thr32;
    const n32 = norms32;
    const tpAt = thr32 + ((<usize>p) << 2);
    for (; a + 16 <= last; a += 16) {
      const v = v128.load(a);
      if (!v128.any_true(v)) {
        q += 4;
        continue;
      }
      const o = (<usize>q) << 2;
      const lim = f32x4.mul(
        f32x4.min(v128.load(t32 + o), v128.load32_splat(tpAt)),
        f32x4.mul(np32, v128.load(n32 + o)),
      );
      if (v128.all_true<i32>(f32x4.lt(f32x4.convert_i32x4_s(v), lim))) {
        v128.store(a, i64x2.splat(0));
        q += 4;
        continue;
      }
      for (let e = a; e < a + 16; e += 4) {
        const d = <f64>load<i32>(e);
        if (d != 0) {
          store<i32>(e, 0);
          consider<T>(p, q, d, np);
        }
        q++;
      }
    }
  }
  for (; a + 16 <= last; a += 16) {
    const v = v128.load(a);
    if (!v128.any_true(v)) {
      q += <u32>(16 / sizeof<A>());
      continue;
    }
    // Quick reject of the whole block (as `consider`, two pairs per test): d < min(t_p, t_q) · n_p n_q.
    if (quickReject) {
      const at = (<usize>q) << 3;
      const tp2 = f64x2.splat(load<f64>(thr + ((<usize>p) << 3))); // rises as p's list fills
      const lim0 = f64x2.mul(f64x2.min(v128.load(thr + at), tp2), f64x2.mul(npS, v128.load(norms + at)));
      let out = false;
      if (isInteger<A>()) {
        const lim1 = f64x2.mul(f64x2.min(v128.load(thr + at, 16), tp2), f64x2.mul(npS, v128.load(norms + at, 16)));
        const hi = f64x2.convert_low_i32x4_s(v128.shuffle<u32>(v, v, 2, 3, 0, 1));
        out =
          v128.all_true<i64>(f64x2.lt(f64x2.convert_low_i32x4_s(v), lim0)) && v128.all_true<i64>(f64x2.lt(hi, lim1));
      } else {
        out = v128.all_true<i64>(f64x2.lt(v, lim0));
      }
      if (out) {
        v128.store(a, i64x2.splat(0));
        q += <u32>(16 / sizeof<A>());
        continue;
      }
    }
    for (let e = a; e < a + 16; e += sizeof<A>()) {
      const d = <f64>load<A>(e);
      if (d != 0) {
        store<A>(e, 0);
        consider<T>(p, q, d, np);
      }
      q++;
    }
  }
  for (; a < last; a += sizeof<A>()) {
    const d = <f64>load<A>(a);
    if (d != 0) {
      store<A>(a, 0);
      consider<T>(p, q, d, np);
    }
    q++;
  }
}

// ---------------------------------------------------------------------------------------------
// Tile kernel: S = Xᵀ G X one tile of TILE columns at a time, with a WebAssembly SIMD (f64x2)
// multiply-add micro-kernel. X is "inner × P" given by its columns (xPtr/xIdx/xVal: product p →
// (inner index, weight), ascending), G is a dense symmetric inner × inner matrix (0: identity).
//   order-side: X = A (inner = orders), G = A Aᵀ, so S = C'C' with C' = AᵀA; the diagonal d
//               (diag) gives C·C = S − C'·(d_p + d_q) off the diagonal, C'[p][q] by a merge.
//   dense:      X = C (inner = products), G = identity, so S = C·C directly.
// Shares the lists, norms, eligibility and thresholds of `setup` above (same instance).

const TILE: i32 = 16; // columns per tile: 8 v128 accumulators stay in registers
let inner: i32 = 0;
let innerPad: i32 = 0; // gram row stride (a multiple of 4, for f64x2 and f32x4)
let xPtr: usize = 0; // u32[P + 1]
let xIdx: usize = 0; // u32[nnz(X)]
let xVal: usize = 0; // f64[nnz(X)]
let gram: usize = 0; // f64[inner * innerPad], or 0 for the identity
let diag: usize = 0; // f64[P]: C'[p][p] (order-side), or 0 (dense: no correction)
let yt: usize = 0; // f64[TILE * innerPad]: columns of G·X of this tile, one per row
let ytile: usize = 0; // f64[inner * TILE]: the same, transposed (row-major inner × TILE)
let accb: usize = 0; // f64[TILE]
let perm: usize = 0; // u32[P]: the product id of tile index i (tiles run over products sorted by cost)
let gram32: usize = 0; // f32[inner * innerPad]: G as Float32 when every entry is an integer ≤ 2^24, else 0
let tPtr: usize = 0; // u32[inner + 1]: the tile's columns of X by inner index (order-side) ...
let tCol: usize = 0; // u8[TILE · max|X_q|]: ... their column in the tile ...
let tVal: usize = 0; // f64[...]: ... and weight, to get C'[p][q] of the whole tile exactly
let cacc: usize = 0; // f64[TILE]

// The tile kernel's addresses, read from a block of 15 u32 the host writes (see cosine-tiles.ts):
// inner, xPtr, xIdx, xVal, gram, diag, yt, ytile, accb, perm, gram32, tPtr, tCol, tVal, cacc.
export function setupTiles(block: usize): void {
  inner = load<i32>(block);
  innerPad = (inner + 3) & ~3;
  xPtr = load<u32>(block, 4);
  xIdx = load<u32>(block, 8);
  xVal = load<u32>(block, 12);
  gram = load<u32>(block, 16);
  diag = load<u32>(block, 20);
  yt = load<u32>(block, 24);
  ytile = load<u32>(block, 28);
  accb = load<u32>(block, 32);
  perm = load<u32>(block, 36);
  gram32 = load<u32>(block, 40);
  tPtr = load<u32>(block, 44);
  tCol = load<u32>(block, 48);
  tVal = load<u32>(block, 52);
  cacc = load<u32>(block, 56);
}

/** Number of tiles of TILE columns over P products. */
export function tileCount(): i32 {
  return (P + TILE - 1) / TILE;
}

// O(Σ_o Σ_{p∈o} |X_p|) multiply-adds, twice: G = X Xᵀ row by row (A as CSR, columns already in
// tile order), and, while row o is hot, n2[p] += A[o][p] · (G X_p)[o], so n2[p] = (Xᵀ G X)[p][p]
export function buildGram(aPtr: usize, aIdx: usize, aVal: usize, n2: usize, from: i32, to: i32): f64 {
  let work: f64 = 0;
  for (let o = from; o < to; o++) {
    const row = gram + ((<usize>o * <usize>innerPad) << 3);
    const s = load<u32>(aPtr + ((<usize>o) << 2));
    const e = load<u32>(aPtr + ((<usize>o + 1) << 2));
    for (let b = s; b < e; b++) {
      const p = load<u32>(aIdx + ((<usize>b) << 2));
      const w = load<f64>(aVal + ((<usize>b) << 3));
      const xs = load<u32>(xPtr + ((<usize>p) << 2));
      const xe = load<u32>(xPtr + ((<usize>p + 1) << 2));
      for (let c = xs; c < xe; c++) {
        const a = row + ((<usize>load<u32>(xIdx + ((<usize>c) << 2))) << 3);
        store<f64>(a, load<f64>(a) + w * load<f64>(xVal + ((<usize>c) << 3)));
      }
      work += <f64>(xe - xs);
    }
    for (let b = s; b < e; b++) {
      const p = load<u32>(aIdx + ((<usize>b) << 2));
      const xs = load<u32>(xPtr + ((<usize>p) << 2));
      const xe = load<u32>(xPtr + ((<usize>p + 1) << 2));
      let t: f64 = 0;
      for (let c = xs; c < xe; c++) {
        t += load<f64>(xVal + ((<usize>c) << 3)) * load<f64>(row + ((<usize>load<u32>(xIdx + ((<usize>c) << 2))) << 3));
      }
      const np = n2 + ((<usize>p) << 3);
      store<f64>(np, load<f64>(np) + load<f64>(aVal + ((<usize>b) << 3)) * t);
    }
  }
  return work;
}

// O(inner²): G as Float32 into gram32; 0 when some entry is not an integer ≤ 2^24 (then keep Float64)
export function packGram(dst: usize): i32 {
  const n = <usize>inner * <usize>innerPad;
  for (let i: usize = 0; i < n; i++) {
    const v = load<f64>(gram + (i << 3));
    if (!(v <= 16777216)) return 0;
    store<f32>(dst + (i << 2), <f32>v);
  }
  return 1;
}

// O(P): norms[p] = sqrt(n2[p] − diag[p]²) = |C_p| (C = C' − D), in place
export function gramNorms(n2: usize): void {
  for (let p = 0; p < P; p++) {
    const d = load<f64>(diag + ((<usize>p) << 3));
    const v = load<f64>(n2 + ((<usize>p) << 3)) - d * d;
    store<f64>(n2 + ((<usize>p) << 3), v > 0 ? Math.sqrt(v) : 0);
  }
}

// O(Σ_{q in tile} |X_q| · inner) SIMD multiply-adds (order-side) or O(inner · TILE) stores (dense)
function fillTile(q0: i32, q1: i32): f64 {
  const w = q1 - q0;
  memory.fill(ytile, 0, (<usize>inner * <usize>TILE) << 3);
  let work: f64 = 0;
  if (gram == 0) {
    for (let q = q0; q < q1; q++) {
      const xs = load<u32>(xPtr + ((<usize>q) << 2));
      const xe = load<u32>(xPtr + ((<usize>q + 1) << 2));
      for (let b = xs; b < xe; b++) {
        const i = load<u32>(xIdx + ((<usize>b) << 2));
        store<f64>(ytile + ((<usize>i * <usize>TILE + <usize>(q - q0)) << 3), load<f64>(xVal + ((<usize>b) << 3)));
      }
    }
    return 0;
  }
  const rowBytes = (<usize>innerPad) << 3;
  memory.fill(yt, 0, <usize>w * rowBytes);
  for (let q = q0; q < q1; q++) {
    const dst = yt + <usize>(q - q0) * rowBytes;
    const xs = load<u32>(xPtr + ((<usize>q) << 2));
    const xe = load<u32>(xPtr + ((<usize>q + 1) << 2));
    let b = xs;
    if (gram32 != 0) {
      // Float32 G (exact integers): half the bytes streamed, the sums stay exact in f64; two rows
      // of G per pass over the destination row.
      for (; b + 1 < xe; b += 2) {
        const s1 = gram32 + ((<usize>load<u32>(xIdx + ((<usize>b) << 2)) * <usize>innerPad) << 2);
        const s2 = gram32 + ((<usize>load<u32>(xIdx + ((<usize>b + 1) << 2)) * <usize>innerPad) << 2);
        const v1 = f64x2.splat(load<f64>(xVal + ((<usize>b) << 3)));
        const v2 = f64x2.splat(load<f64>(xVal + ((<usize>b + 1) << 3)));
        for (let off: usize = 0; off < <usize>innerPad; off += 4) {
          const g1 = v128.load(s1 + (off << 2));
          const g2 = v128.load(s2 + (off << 2));
          const d = dst + (off << 3);
          const lo = f64x2.add(
            f64x2.mul(v1, f64x2.promote_low_f32x4(g1)),
            f64x2.mul(v2, f64x2.promote_low_f32x4(g2)),
          );
          const hi = f64x2.add(
            f64x2.mul(v1, f64x2.promote_low_f32x4(v128.shuffle<u32>(g1, g1, 2, 3, 0, 1))),
            f64x2.mul(v2, f64x2.promote_low_f32x4(v128.shuffle<u32>(g2, g2, 2, 3, 0, 1))),
          );
          v128.store(d, f64x2.add(v128.load(d), lo));
          v128.store(d, f64x2.add(v128.load(d, 16), hi), 16);
        }
      }
    }
    for (; b < xe; b++) {
      const i = <usize>load<u32>(xIdx + ((<usize>b) << 2));
      const v = f64x2.splat(load<f64>(xVal + ((<usize>b) << 3)));
      if (gram32 != 0) {
        const src = gram32 + ((i * <usize>innerPad) << 2);
        for (let off: usize = 0; off < <usize>innerPad; off += 4) {
          const g = v128.load(src + (off << 2));
          const d = dst + (off << 3);
          v128.store(d, f64x2.add(v128.load(d), f64x2.mul(v, f64x2.promote_low_f32x4(g))));
          const hi = f64x2.promote_low_f32x4(v128.shuffle<u32>(g, g, 2, 3, 0, 1));
          v128.store(d, f64x2.add(v128.load(d, 16), f64x2.mul(v, hi)), 16);
        }
      } else {
        const src = gram + i * rowBytes;
        for (let off: usize = 0; off < rowBytes; off += 16) {
          v128.store(dst + off, f64x2.add(v128.load(dst + off), f64x2.mul(v, v128.load(src + off))));
        }
      }
    }
    work += <f64>(xe - xs) * <f64>innerPad;
  }
  // The tile's entries of X grouped by inner index (a counting sort), for C'[p][q0..q1) exactly.
  memory.fill(tPtr, 0, (<usize>inner + 1) << 2);
  for (let q = q0; q < q1; q++) {
    const xe = load<u32>(xPtr + ((<usize>q + 1) << 2));
    for (let b = load<u32>(xPtr + ((<usize>q) << 2)); b < xe; b++) {
      const a = tPtr + ((<usize>load<u32>(xIdx + ((<usize>b) << 2)) + 1) << 2);
      store<u32>(a, load<u32>(a) + 1);
    }
  }
  for (let i = 0; i < inner; i++) {
    const a = tPtr + ((<usize>i + 1) << 2);
    store<u32>(a, load<u32>(a) + load<u32>(a - 4));
  }
  for (let q = q0; q < q1; q++) {
    const xe = load<u32>(xPtr + ((<usize>q + 1) << 2));
    for (let b = load<u32>(xPtr + ((<usize>q) << 2)); b < xe; b++) {
      const a = tPtr + ((<usize>load<u32>(xIdx + ((<usize>b) << 2))) << 2);
      const at = load<u32>(a);
      store<u32>(a, at + 1);
      store<u8>(tCol + <usize>at, <u8>(q - q0));
      store<f64>(tVal + ((<usize>at) << 3), load<f64>(xVal + ((<usize>b) << 3)));
    }
  }
  // tPtr[i] now holds the end of inner index i's group (= the start of i + 1's); shift back.
  for (let i = inner; i > 0; i--) store<u32>(tPtr + ((<usize>i) << 2), load<u32>(tPtr + ((<usize>i - 1) << 2)));
  store<u32>(tPtr, 0);
  for (let i = 0; i < inner; i++) {
    const to = ytile + ((<usize>i * <usize>TILE) << 3);
    let from = yt + ((<usize>i) << 3);
    for (let c = 0; c < w; c++) {
      store<f64>(to + ((<usize>c) << 3), load<f64>(from));
      from += rowBytes;
    }
  }
  return work;
}

// O(1) amortised: p and q both accept or reject (p < q, d > 0 exact)
// @ts-expect-error: decorator
@inline function offerTilePair(p: u32, q: u32, d: f64, np: f64, nq: f64, c: f64): void {
  if (!(c >= minPairSupport)) return;
  const s = d / (np * nq);
  if (!(s > minScore)) return;
  const idP = load<u32>(perm + ((<usize>p) << 2));
  const idQ = load<u32>(perm + ((<usize>q) << 2));
  const toP = accepts(p, idQ, s);
  const toQ = accepts(q, idP, s);
  if (toP) offer(p, idQ, s, c);
  if (toQ) offer(q, idP, s, c);
}

// O(1): the exact pair (p, q) of the tile (d = (C·C)[p][q], c = C[p][q]), offered when it may enter a list
// @ts-expect-error: decorator
@inline function checkPair(p: u32, q: u32, d: f64, np: f64, c: f64): void {
  if (d == 0) return;
  if (!load<u8>(eligible + <usize>q)) return;
  const nq = load<f64>(norms + ((<usize>q) << 3));
  const tq = load<f64>(thr + ((<usize>q) << 3));
  const tp = load<f64>(thr + ((<usize>p) << 3));
  if (d < (tq < tp ? tq : tp) * (np * nq) * SAFE) return;
  offerTilePair(p, q, d, np, nq, c);
}

// O(1): C[p][q] of tile column i (order-side: from cacc; dense: row p of the tile)
// @ts-expect-error: decorator
@inline function pairSupport(p: u32, i: i32, orderSide: bool): f64 {
  return orderSide
    ? load<f64>(cacc + ((<usize>i) << 3))
    : load<f64>(ytile + ((<usize>load<u32>(perm + ((<usize>p) << 2)) * <usize>TILE + <usize>i) << 3));
}

// O(Σ_{p < q1} |X_p| · TILE) SIMD multiply-adds + O(q1 · TILE) checks for one tile
function tileAt(t: i32): f64 {
  const q0 = t * TILE;
  const q1 = min(q0 + TILE, P);
  let work = fillTile(q0, q1);
  const orderSide = diag != 0;
  for (let p = 0; p < q1; p++) {
    if (!load<u8>(eligible + <usize>p)) continue;
    const xs = load<u32>(xPtr + ((<usize>p) << 2));
    const xe = load<u32>(xPtr + ((<usize>p + 1) << 2));
    if (xs == xe) continue;
    let a0 = f64x2.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let a4 = a0;
    let a5 = a0;
    let a6 = a0;
    let a7 = a0;
    let shared = false; // some order of p holds a product of this tile: C'[p][q] > 0 for some q
    for (let b = xs; b < xe; b++) {
      const i = <usize>load<u32>(xIdx + ((<usize>b) << 2));
      const row = ytile + ((i * <usize>TILE) << 3);
      const wb = load<f64>(xVal + ((<usize>b) << 3));
      const v = f64x2.splat(wb);
      if (orderSide) {
        // C'[p][q] += A[i][p] A[i][q] for the tile's q in order i (rarely more than one)
        const te = load<u32>(tPtr + ((i + 1) << 2));
        let e = load<u32>(tPtr + (i << 2));
        if (e < te && !shared) {
          memory.fill(cacc, 0, <usize>TILE << 3);
          shared = true;
        }
        for (; e < te; e++) {
          const ca = cacc + ((<usize>load<u8>(tCol + <usize>e)) << 3);
          store<f64>(ca, load<f64>(ca) + wb * load<f64>(tVal + ((<usize>e) << 3)));
        }
      }
      a0 = f64x2.add(a0, f64x2.mul(v, v128.load(row, 0)));
      a1 = f64x2.add(a1, f64x2.mul(v, v128.load(row, 16)));
      a2 = f64x2.add(a2, f64x2.mul(v, v128.load(row, 32)));
      a3 = f64x2.add(a3, f64x2.mul(v, v128.load(row, 48)));
      a4 = f64x2.add(a4, f64x2.mul(v, v128.load(row, 64)));
      a5 = f64x2.add(a5, f64x2.mul(v, v128.load(row, 80)));
      a6 = f64x2.add(a6, f64x2.mul(v, v128.load(row, 96)));
      a7 = f64x2.add(a7, f64x2.mul(v, v128.load(row, 112)));
    }
    work += <f64>(xe - xs) * <f64>TILE;
    v128.store(accb, a0, 0);
    v128.store(accb, a1, 16);
    v128.store(accb, a2, 32);
    v128.store(accb, a3, 48);
    v128.store(accb, a4, 64);
    v128.store(accb, a5, 80);
    v128.store(accb, a6, 96);
    v128.store(accb, a7, 112);
    const np = load<f64>(norms + ((<usize>p) << 3));
    if (orderSide && !shared) memory.fill(cacc, 0, <usize>TILE << 3);
    if (shared) {
      // (C·C)[p][q] = (C'C')[p][q] − C'[p][q] (d_p + d_q), exact in integers
      const dp = f64x2.splat(load<f64>(diag + ((<usize>p) << 3)));
      for (let i = 0; i < TILE; i += 2) {
        const c2 = v128.load(cacc + ((<usize>i) << 3));
        const d2 = f64x2.add(dp, v128.load(diag + ((<usize>(q0 + i)) << 3)));
        const u2 = v128.load(accb + ((<usize>i) << 3));
        v128.store(accb + ((<usize>i) << 3), f64x2.sub(u2, f64x2.mul(c2, d2)));
      }
    }
    if (p < q0 && q1 - q0 == TILE) {
      // Two pairs at a time: both rejected when d < min(t_p, t_q) · n_p n_q; not eligible: t = +inf.
      const npS = f64x2.splat(np * SAFE);
      for (let i = 0; i < TILE; i += 2) {
        const q = <u32>(q0 + i);
        const d2 = v128.load(accb + ((<usize>i) << 3));
        const tp2 = f64x2.splat(load<f64>(thr + ((<usize>p) << 3)));
        const lim2 = f64x2.mul(
          f64x2.min(v128.load(thr + ((<usize>q) << 3)), tp2),
          f64x2.mul(npS, v128.load(norms + ((<usize>q) << 3))),
        );
        if (v128.all_true<i64>(f64x2.lt(d2, lim2))) continue;
        checkPair(<u32>p, q, load<f64>(accb + ((<usize>i) << 3)), np, pairSupport(<u32>p, i, orderSide));
        checkPair(<u32>p, q + 1, load<f64>(accb + ((<usize>i + 1) << 3)), np, pairSupport(<u32>p, i + 1, orderSide));
      }
    } else {
      for (let q = max(q0, p + 1); q < q1; q++) {
        checkPair(<u32>p, <u32>q, load<f64>(accb + ((<usize>(q - q0)) << 3)), np, pairSupport(<u32>p, q - q0, orderSide));
      }
    }
  }
  return work;
}

// Tiles [from, to) in decreasing order (the last tiles cover the most rows).
export function tileRange(from: i32, to: i32): f64 {
  let work: f64 = 0;
  for (let t = to - 1; t >= from; t--) work += tileAt(t);
  return work;
}
