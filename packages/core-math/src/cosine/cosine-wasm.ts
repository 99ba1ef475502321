import { CoreMathError } from "../errors.js";
import { evenSteps, type PlannedProgress, scatterRowCosts, WorkMeter } from "../progress/estimated-work.js";
import { createTopKLists, mergeTopKLists } from "../top-k/top-k-lists.js";
import type { CsrMatrix, TopKLists, TopKResult } from "../types.js";
import { KERNEL_WASM_BASE64 } from "../wasm/kernel.wasm.js";
import { type WasmMemory, type WasmModule, wasm } from "../wasm/webassembly.js";
import { lookUp } from "./cosine-js.js";
import type { ResolvedCosine } from "./options.js";
import { runPool } from "./pool.js";

let compiled: WasmModule | undefined;

/** The kernel module, compiled once per process from the bytes shipped in the package. */
export function kernelModule(): WasmModule {
  compiled ??= new wasm.Module(Buffer.from(KERNEL_WASM_BASE64, "base64"));
  return compiled;
}

interface KernelExports {
  setup(...args: number[]): void;
  cosineRows(from: number, to: number): number;
}

const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE;
/** Low addresses are left to the module (it has no data, but keep the null page unused). */
const BASE = PAGE;

interface ThreadSlots {
  acc: number;
  /** i32[3 · pairs]: the row's packed pair weights, then the pairs in use. */
  pairW: number;
  /** f32[P]: Float32 copy of `thr` for the quick reject (see {@link float32Threshold}). */
  thr32: number;
  touched: number;
  cursor: number;
  len: number;
  ids: number;
  scores: number;
  support: number;
  thr: number;
}

interface Layout {
  memory: WasmMemory;
  rowPtr: number;
  colIdx: number;
  values: number;
  /** 2 when the counts are stored as Uint16, 4 as Float32 or Int32 (exact integers; less memory traffic), else 8. */
  valueBytes: 2 | 4 | 8;
  /** The counts are integers below 2^31 stored as Int32 (or Uint16, see valueBytes), so rows may accumulate in Int32. */
  intValues: boolean;
  /** u8[P]: rows whose every dot product is provably below 2^31 (see {@link narrowRowFlags}), or 0. */
  narrowRows: number;
  /** i32[P] hot index per product (-1: not hot) and the hot rows of C, dense (see {@link hotColumns}), or 0. */
  hotIndex: number;
  hotRows: number;
  /** Hot rows whose counts fit in Int16, two per dense row of interleaved pairs, and how many pairs. */
  hotPairs: number;
  pairCount: number;
  norms: number;
  /** f32[P]: the norms as Float32, for the quick reject. */
  norms32: number;
  eligible: number;
  threads: ThreadSlots[];
}

// O(nnz(C) + threads · P · k) bytes copied/reserved
function layOut(c: CsrMatrix, r: ResolvedCosine, threads: number): Layout {
  const P = r.products;
  const nnz = c.colIdx.length;
  let at = BASE;
  const take = (bytes: number): number => {
    const start = at;
    at += Math.ceil(bytes / 8) * 8;
    return start;
  };
  const rowPtr = take(4 * (P + 1));
  const colIdx = take(4 * nnz);
  const narrow = r.valueBytes === undefined && r.accumulator !== "f64" ? narrowRowFlags(c) : undefined;
  const intValues = narrow !== undefined;
  const uint16 = intValues && r.uint16Values !== false && fitsUint16(c.values);
  const valueBytes = intValues ? (uint16 ? 2 : 4) : (r.valueBytes ?? (fitsFloat32(c.values) ? 4 : 8));
  const values = take(valueBytes * nnz);
  const norms = take(8 * P);
  const norms32 = take(4 * P);
  const eligible = take(P);
  const narrowRows = narrow ? take(P) : 0;
  const hot = narrow ? hotColumns(c, r.hotShare ?? (P >= HOT_MIN_PRODUCTS ? HOT_SHARE : 1)) : [];
  const { wide, paired } = splitByInt16(c, hot, r.hotPairs !== false);
  const pairCount = Math.ceil(paired.length / 2);
  const hotIndex = hot.length > 0 ? take(4 * P) : 0;
  const hotRows = wide.length > 0 ? take(4 * P * wide.length) : 0;
  const hotPairs = pairCount > 0 ? take(4 * P * pairCount) : 0;
  const slots: ThreadSlots[] = [];
  for (let t = 0; t < threads; t++) {
    slots.push({
      acc: take(8 * P),
      pairW: take(12 * pairCount),
      thr32: take(4 * P),
      touched: take(4 * P),
      cursor: take(4 * P),
      len: take(2 * P),
      ids: take(4 * P * r.k),
      scores: take(8 * P * r.k),
      support: take(8 * P * r.k),
      thr: take(8 * P),
    });
  }
  if (at > MAX_BYTES || nnz > 0xffffffff) {
    throw new CoreMathError(
      "COBUY_MATH_TOO_LARGE",
      `the wasm kernel needs ${(at / 2 ** 30).toFixed(2)} GiB (C has ${nnz} non-zeros, k = ${r.k}, ${threads} threads) but WebAssembly memory stops at 4 GiB: use fewer threads, a smaller k, or kernel "js"`,
    );
  }
  const pages = Math.max(1, Math.ceil(at / PAGE));
  let memory: WasmMemory;
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch (e) {
    throw new CoreMathError(
      "COBUY_MATH_TOO_LARGE",
      `could not allocate ${(at / 2 ** 20).toFixed(0)} MiB of WebAssembly memory for C (${nnz} non-zeros) and ${threads} threads: use fewer threads, a smaller k, or kernel "js"`,
      { cause: e },
    );
  }
  const buf = memory.buffer;
  new Uint32Array(buf, rowPtr, P + 1).set(c.rowPtr);
  new Uint32Array(buf, colIdx, nnz).set(c.colIdx);
  if (uint16) new Uint16Array(buf, values, nnz).set(c.values);
  else if (intValues) new Int32Array(buf, values, nnz).set(c.values);
  else if (valueBytes === 4) new Float32Array(buf, values, nnz).set(c.values);
  else new Float64Array(buf, values, nnz).set(c.values);
  if (narrow) new Uint8Array(buf, narrowRows, P).set(narrow);
  if (hot.length > 0) {
    const index = new Int32Array(buf, hotIndex, P).fill(-1);
    const dense = new Int32Array(buf, hotRows, P * wide.length);
    wide.forEach((j: number, h: number) => {
      index[j] = h;
      spreadRow(c, j, dense, h * P, 1);
    });
    // Pair g holds slot 2g in the low Int16 of each Int32 and slot 2g + 1 in the high one.
    const halves = new Int16Array(buf, hotPairs, 2 * P * pairCount);
    paired.forEach((j: number, slot: number) => {
      index[j] = -2 - slot;
      spreadRow(c, j, halves, (slot >> 1) * 2 * P + (slot & 1), 2);
    });
  }
  new Float64Array(buf, norms, P).set(r.norms);
  new Float32Array(buf, norms32, P).set(r.norms);
  new Uint8Array(buf, eligible, P).set(r.eligible);
  for (const s of slots) {
    new Uint32Array(buf, s.cursor, P).set(c.rowPtr.subarray(0, P));
    const thr = new Float64Array(buf, s.thr, P);
    const thr32 = new Float32Array(buf, s.thr32, P);
    for (let p = 0; p < P; p++) {
      thr[p] = r.eligible[p] ? r.minScore : Number.POSITIVE_INFINITY;
      thr32[p] = float32Threshold(thr[p]!);
    }
  }
  return {
    memory,
    rowPtr,
    colIdx,
    values,
    valueBytes,
    intValues,
    narrowRows,
    hotIndex,
    hotRows,
    hotPairs,
    pairCount,
    norms,
    norms32,
    eligible,
    threads: slots,
  };
}

/**
 * A row j of C holding at least this share of the products is "hot": every row p that has j as a
 * neighbour adds C[p][j]·C[j][q] for all q > p with SIMD over j's dense copy (4 columns per
 * instruction, no column indices) instead of scattering nnz(C_j) entries. Zipf best sellers:
 * at gen-sales L, 30 such rows (share 0.25) carry 57% of Σ_j nnz(C_j)².
 */
export const HOT_SHARE = 0.25;
/** Below this many products the dense copies are not worth their setup. */
const HOT_MIN_PRODUCTS = 2048;
/** Dense copies of hot rows: at most this many bytes. */
const HOT_MAX_BYTES = 64 * 2 ** 20;

/** Hot rows of C (nnz ≥ share · P), most entries first, within HOT_MAX_BYTES and at most P/2 (their pairs live in `touched`). */
// O(P log P)
export function hotColumns(c: CsrMatrix, share: number): number[] {
  const P = c.rows;
  const size = (j: number) => Number(c.rowPtr[j + 1]) - Number(c.rowPtr[j]);
  const hot: number[] = [];
  for (let j = 0; j < P; j++) if (size(j) >= Math.max(1, share * P)) hot.push(j);
  hot.sort((x, y) => size(y) - size(x) || x - y);
  return hot.slice(0, Math.min(Math.floor(P / 2), Math.floor(HOT_MAX_BYTES / (4 * Math.max(1, P)))));
}

/** Row j of C into a dense row: `dst[base + stride · q] = C[j][q]`. */
// O(nnz(C_j))
function spreadRow(
  c: CsrMatrix,
  j: number,
  dst: Int32Array | Int16Array,
  base: number,
  stride: number,
): void {
  for (let i = Number(c.rowPtr[j]); i < Number(c.rowPtr[j + 1]); i++)
    dst[base + stride * c.colIdx[i]!] = c.values[i]!;
}

/**
 * A threshold's Float32 copy as the kernel's `setThr` keeps it (the same rule as its TINY32):
 * thresholds below 1e-30 get 0 (never rejects), so no subnormal rounds up past the test's margin.
 */
function float32Threshold(t: number): number {
  return t > 1e-30 ? t : 0;
}

/** Largest count of a hot row kept as Int16 (see {@link splitByInt16}). */
const INT16_MAX = 32767;

/**
 * Hot rows whose counts all fit in Int16 (`paired`, kept two to a dense row for the pair kernel)
 * and the rest (`wide`, Int32 rows), each in the order of `hot`. `pairs: false` keeps all wide.
 */
// O(Σ_{j hot} nnz(C_j))
export function splitByInt16(
  c: CsrMatrix,
  hot: number[],
  pairs: boolean,
): { wide: number[]; paired: number[] } {
  const wide: number[] = [];
  const paired: number[] = [];
  for (const j of hot) {
    let fits = pairs;
    for (let i = Number(c.rowPtr[j]); fits && i < Number(c.rowPtr[j + 1]); i++)
      fits = c.values[i]! <= INT16_MAX;
    (fits ? paired : wide).push(j);
  }
  return { wide, paired };
}

/** Largest |dot product| an Int32 accumulator holds. */
const INT32_LIMIT = 2 ** 31;

/**
 * 1 for rows p whose dot products with every later column are provably below 2^31 in magnitude,
 * so the kernel accumulates them exactly in Int32: each partial sum of Σ_j C[p][j] C[j][q] is at
 * most Σ_j |C[p][j]||C[j][q]| ≤ |row p|·|column q| (Cauchy–Schwarz), tested as
 * |row p|²·max_{q>p}|column q|² < 2^62 on the exact integer squared norms (with a margin for
 * rounding). Undefined when some count is not an integer below 2^31 (Float64 throughout then).
 */
// O(nnz(C) + P)
export function narrowRowFlags(c: CsrMatrix): Uint8Array | undefined {
  const { values, colIdx, rowPtr } = c;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) < INT32_LIMIT) || Math.trunc(v) !== v) return undefined;
  }
  const P = c.rows;
  const row2 = new Float64Array(P);
  const col2 = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    const end = Number(rowPtr[p + 1]);
    for (let i = Number(rowPtr[p]); i < end; i++) {
      const v2 = values[i]! * values[i]!;
      const q = colIdx[i]!;
      row2[p] = row2[p]! + v2;
      col2[q] = col2[q]! + v2;
    }
  }
  const flags = new Uint8Array(P);
  const limit = INT32_LIMIT * INT32_LIMIT * (1 - 2 ** -30);
  let later = 0; // max |column q|² over q > p
  for (let p = P - 1; p >= 0; p--) {
    flags[p] = row2[p]! * later < limit ? 1 : 0;
    if (col2[p]! > later) later = col2[p]!;
  }
  return flags;
}

/** True when every value is an integer in [0, 65535] (callers check integrality first), so Uint16 holds it. */
// O(nnz)
function fitsUint16(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 65535)) return false;
  }
  return true;
}

/** True when every value is an integer of magnitude ≤ 2^24, so Float32 holds it exactly. */
// O(nnz)
function fitsFloat32(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) <= 16777216) || Math.trunc(v) !== v) return false;
  }
  return true;
}

function setupArgs(l: Layout, s: ThreadSlots, r: ResolvedCosine): number[] {
  return kernelSetupArgs({
    products: r.products,
    rowPtr: l.rowPtr,
    colIdx: l.colIdx,
    values: l.values,
    norms: l.norms,
    eligible: l.eligible,
    acc: s.acc,
    touched: s.touched,
    cursor: s.cursor,
    k: r.k,
    lists: s,
    minScore: r.minScore,
    scan: r.scan,
    touchedRatio: r.touchedRatio,
    valueBytes: l.valueBytes,
    quickReject: r.quickReject === false ? 0 : 1,
    intValues: l.intValues ? 1 : 0,
    narrowRows: l.narrowRows,
    hotIndex: l.hotIndex,
    hotRows: l.hotRows,
    minPairSupport: r.minPairSupport,
    hotPairs: l.hotPairs,
    pairCount: l.pairCount,
    pairW: s.pairW,
    thr32: s.thr32,
    norms32: l.norms32,
  });
}

/** Arguments of the kernel's `setup`, by name (0 for what a kernel does not use). */
export interface KernelSetup {
  products: number;
  rowPtr?: number;
  colIdx?: number;
  values?: number;
  norms: number;
  eligible: number;
  acc?: number;
  touched?: number;
  cursor?: number;
  k: number;
  /** The thread's lists and thresholds. */
  lists: { len: number; ids: number; scores: number; support: number; thr: number };
  minScore: number;
  scan?: number;
  touchedRatio?: number;
  valueBytes?: number;
  quickReject?: number;
  /** 1 when the values are Int32. */
  intValues?: number;
  /** Address of the u8[P] Int32-accumulator flags, or 0. */
  narrowRows?: number;
  hotIndex?: number;
  hotRows?: number;
  /** Pairs with C[p][q] below this enter no list (default: no filter). */
  minPairSupport?: number;
  /** Int16 pair rows of hot columns, their count, and the thread's i32[3 · pairCount] scratch. */
  hotPairs?: number;
  pairCount?: number;
  pairW?: number;
  /** The thread's f32[P] threshold copy and the shared f32[P] norms (0: Float64 tests only). */
  thr32?: number;
  norms32?: number;
}

/** `setup`'s positional arguments, in the order of assembly/kernel.ts. */
export function kernelSetupArgs(a: KernelSetup): number[] {
  return [
    a.products,
    a.rowPtr ?? 0,
    a.colIdx ?? 0,
    a.values ?? 0,
    a.norms,
    a.eligible,
    a.acc ?? 0,
    a.touched ?? 0,
    a.cursor ?? 0,
    a.k,
    a.lists.len,
    a.lists.ids,
    a.lists.scores,
    a.lists.support,
    a.minScore,
    a.scan ?? 0,
    a.touchedRatio ?? 4,
    a.valueBytes ?? 8,
    a.lists.thr,
    a.quickReject ?? 1,
    a.intValues ?? 0,
    a.narrowRows ?? 0,
    a.hotIndex ?? 0,
    a.hotRows ?? 0,
    a.minPairSupport ?? Number.NEGATIVE_INFINITY,
    a.hotPairs ?? 0,
    a.pairCount ?? 0,
    a.pairW ?? 0,
    a.thr32 ?? 0,
    a.norms32 ?? 0,
  ];
}

// O(1): views, no copy
function listsAt(l: Layout, s: ThreadSlots, r: ResolvedCosine): TopKLists {
  const buf = l.memory.buffer;
  const slots = r.products * r.k;
  return {
    products: r.products,
    k: r.k,
    length: new Uint16Array(buf, s.len, r.products),
    ids: new Uint32Array(buf, s.ids, slots),
    scores: new Float64Array(buf, s.scores, slots),
    support: new Float64Array(buf, s.support, slots),
  };
}

/**
 * Multiply-adds per thread below which another worker costs more than it saves: starting the
 * pool and merging the lists takes 20-40 ms on an idle machine (more under load), ~3e7
 * multiply-adds of one core at ~0.8 G/s.
 */
export const MIN_WORK_PER_THREAD = 5e7;

// O(Σ_j nnz(C_j)² / 2) multiply-adds over `threads` threads + O(threads · P · k) merge; memory O(nnz(C) + threads · P · k)
export async function cosineTopKWasm(
  c: CsrMatrix,
  r: ResolvedCosine,
  threads: number,
  progress: PlannedProgress | undefined,
): Promise<TopKResult & { threadSeconds: number[] }> {
  const P = r.products;
  const onProgress = progress?.onProgress;
  const meter =
    progress &&
    new WorkMeter(scatterRowCosts(c.rowPtr, c.colIdx, r.eligible), progress.estimatedMultiplyAdds);
  const layout = layOut(c, r, threads);
  const module = kernelModule();
  if (threads === 1) {
    const slot = layout.threads[0]!;
    const kernel = new wasm.Instance(module, { env: { memory: layout.memory } })
      .exports as unknown as KernelExports;
    kernel.setup(...setupArgs(layout, slot, r));
    // Steps of ~1% of the estimated work (not of the rows): one costly row still moves the bar. Steps
    // even without progress: V8 optimises a wasm function for its next call, not in the middle of one.
    const steps = meter ? meter.steps(100) : evenSteps(P, 100);
    let work = 0;
    const t0 = performance.now();
    for (let s = 1; s < steps.length; s++) {
      const to = steps[s]!;
      work += kernel.cosineRows(steps[s - 1]!, to);
      if (meter) onProgress?.(to, P, meter.work(to));
    }
    const lists = copyOut(listsAt(layout, slot, r), work);
    fillSupport(c, lists, r);
    return { ...lists, threadSeconds: [(performance.now() - t0) / 1000] };
  }

  // Rows get cheaper as p grows (only q > p is computed): small chunks keep the threads even.
  const chunk = Math.max(1, Math.min(64, Math.floor(P / (threads * 64))));
  const works = await runPool({
    module,
    memory: layout.memory,
    setupArgs: layout.threads.map((slot) => setupArgs(layout, slot, r)),
    units: P,
    chunk,
    onProgress: meter && ((done) => onProgress?.(done, P, meter.work(done))),
  });
  const total = createTopKLists(P, r.k);
  for (const slot of layout.threads) mergeTopKLists(total, listsAt(layout, slot, r));
  fillSupport(c, total, r);
  let work = 0;
  for (const w of works) work += w.work;
  return { ...total, multiplyAdds: work, threadSeconds: works.map((w) => w.seconds) };
}

/**
 * C[p][q] of every listed pair, where the scatter kernel left it 0: without a pair-support filter
 * it decides nothing inside the kernel, so it is looked up once per final entry, not per offer.
 */
// O(P · k · log nnz(C_p))
function fillSupport(c: CsrMatrix, lists: TopKLists, r: ResolvedCosine): void {
  if (r.minPairSupport > 0) return;
  const { k, length, ids, support } = lists;
  for (let p = 0; p < lists.products; p++) {
    for (let i = 0; i < length[p]!; i++) support[p * k + i] = lookUp(c, p, ids[p * k + i]!);
  }
}

// O(P · k)
function copyOut(l: TopKLists, multiplyAdds: number): TopKResult {
  return {
    products: l.products,
    k: l.k,
    length: l.length.slice(),
    ids: l.ids.slice(),
    scores: l.scores.slice(),
    support: l.support.slice(),
    multiplyAdds,
  };
}
