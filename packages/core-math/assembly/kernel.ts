// Cosine top-k kernel over C in linear memory (AssemblyScript → WebAssembly).
// No allocation: every array lives at an address the host passes to `setup`; each instance
// (one per thread) keeps its own addresses in globals. Mirrors src/cosine/cosine-js.ts exactly.

let P: i32 = 0;
let rowPtr: usize = 0; // u32[P + 1]
let colIdx: usize = 0; // u32[nnz], ascending in each row
let values: usize = 0; // f64[nnz], or f32[nnz] when valueBytes is 4 (integers below 2^24: exact)
let valueBytes: i32 = 8;
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
// d < thr · (n_p n_q) · SAFE proves d / (n_p n_q) < thr despite rounding (error ≤ a few 2^-53).
const SAFE: f64 = 1 - 9.094947017729282e-13; // 1 - 2^-40

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
): void {
  valueBytes = valueBytes_;
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
  if (l + 1 >= K) store<f64>(thr + ((<usize>p) << 3), load<f64>(scores + ((base + <usize>(K - 1)) << 3)));
}

// O(log nnz(C_p))
function lookUp<T>(p: u32, q: u32): f64 {
  let lo = load<u32>(rowPtr + ((<usize>p) << 2));
  const end = load<u32>(rowPtr + ((<usize>p + 1) << 2));
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<u32>(colIdx + ((<usize>mid) << 2)) < q) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && load<u32>(colIdx + ((<usize>lo) << 2)) == q
    ? <f64>load<T>(values + ((<usize>lo) << alignof<T>()))
    : 0;
}

// Exact score, then both lists.
function offerPair<T>(p: u32, q: u32, d: f64, np: f64, nq: f64): void {
  if (!load<u8>(eligible + <usize>q)) return;
  const s = d / (np * nq);
  if (!(s > minScore)) return;
  const toP = accepts(p, q, s);
  const toQ = accepts(q, p, s);
  if (!toP && !toQ) return;
  const c = lookUp<T>(p, q);
  if (toP) offer(p, q, s, c);
  if (toQ) offer(q, p, s, c);
}

// O(1): skips the division and both lists when the pair provably enters neither.
// @ts-expect-error: decorator
@inline function consider<T>(p: u32, q: u32, d: f64, np: f64): void {
  const nq = load<f64>(norms + ((<usize>q) << 3));
  const tq = load<f64>(thr + ((<usize>q) << 3));
  const tp = load<f64>(thr + ((<usize>p) << 3));
  const t = tq < tp ? tq : tp;
  if (!quickReject || !(d < t * (np * nq) * SAFE)) offerPair<T>(p, q, d, np, nq);
}

// O(Σ_{p in [from,to)} Σ_{j ∈ C_p} nnz(C_j right of p)) multiply-adds + O(P - p) per full-scan row; scratch O(P)
export function cosineRows(from: i32, to: i32): f64 {
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
    work += <f64>w;
    const np = load<f64>(norms + ((<usize>p) << 3));
    const useTouched = scan == 2 || (scan == 0 && <f64>w * touchedRatio < <f64>(<u32>P - p - 1));
    if (useTouched) {
      let nt: usize = 0;
      for (let b = start; b < end; b++) {
        const j = load<u32>(colIdx + ((<usize>b) << 2));
        const wv = <f64>load<T>(values + ((<usize>b) << alignof<T>()));
        const je = load<u32>(rowPtr + ((<usize>j + 1) << 2));
        let pc = colIdx + ((<usize>load<u32>(cursor + ((<usize>j) << 2))) << 2);
        let pv = values + ((<usize>load<u32>(cursor + ((<usize>j) << 2))) << alignof<T>());
        const pe = colIdx + ((<usize>je) << 2);
        while (pc < pe) {
          const q = load<u32>(pc);
          const a = acc + ((<usize>q) << 3);
          const old = load<f64>(a);
          // Branch-free: always write q, keep it only when the slot was empty.
          store<u32>(touched + (nt << 2), q);
          nt += <usize>(old == 0);
          store<f64>(a, old + wv * <f64>load<T>(pv));
          pc += 4;
          pv += sizeof<T>();
        }
      }
      for (let t: usize = 0; t < nt; t++) {
        const q = load<u32>(touched + (t << 2));
        const a = acc + ((<usize>q) << 3);
        const d = load<f64>(a);
        if (d == 0) continue;
        store<f64>(a, 0);
        consider<T>(p, q, d, np);
      }
    } else {
      for (let b = start; b < end; b++) {
        const j = load<u32>(colIdx + ((<usize>b) << 2));
        const wv = <f64>load<T>(values + ((<usize>b) << alignof<T>()));
        const je = load<u32>(rowPtr + ((<usize>j + 1) << 2));
        const e0 = <usize>load<u32>(cursor + ((<usize>j) << 2));
        let pc = colIdx + (e0 << 2);
        let pv = values + (e0 << alignof<T>());
        const pe = colIdx + ((<usize>je) << 2);
        while (pc < pe) {
          const a = acc + ((<usize>load<u32>(pc)) << 3);
          store<f64>(a, load<f64>(a) + wv * <f64>load<T>(pv));
          pc += 4;
          pv += sizeof<T>();
        }
      }
      const last = acc + ((<usize>P) << 3);
      let q = p + 1;
      for (let a = acc + ((<usize>q) << 3); a < last; a += 8) {
        const d = load<f64>(a);
        if (d != 0) {
          store<f64>(a, 0);
          consider<T>(p, q, d, np);
        }
        q++;
      }
    }
  }
  return work;
}
