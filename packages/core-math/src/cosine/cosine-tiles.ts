import { CoreMathError } from "../errors.js";
import { type PlannedProgress, WorkMeter } from "../progress/estimated-work.js";
import { createTopKLists, offerTopK } from "../top-k/top-k-lists.js";
import type { CsrMatrix, TopKLists } from "../types.js";
import { type WasmMemory, wasm } from "../wasm/webassembly.js";
import { kernelModule, kernelSetupArgs } from "./cosine-wasm.js";
import type { ResolvedLists } from "./options.js";
import { runPool } from "./pool.js";

/** Columns of S computed per pass of the tile kernel (`TILE` in assembly/kernel.ts). */
export const TILE = 16;

/**
 * What the tile kernel multiplies: S = Xᵀ G X, with X given by its columns (row p of `x` lists
 * product p's inner indices and weights, ascending).
 * - `"order-side"`: X = A (inner = orders), G = A Aᵀ built in wasm, norms from it, C'[p][q] merged
 *   from X for the diagonal correction and the listed support.
 * - `"dense"`: X = C (inner = products), G = identity, `norms` = rowNorms(C).
 */
export interface TileInput {
  readonly mode: "order-side" | "dense";
  readonly inner: number;
  readonly x: CsrMatrix;
  /** order-side: A as CSR (orders × products), to build G. */
  readonly a?: CsrMatrix;
  /** dense: the row norms of C. */
  readonly norms?: Float64Array;
}

export interface TileRun extends TopKLists {
  readonly multiplyAdds: number;
  /** Multiply-adds of building G (order-side; one thread) and its seconds. */
  readonly gramMultiplyAdds: number;
  readonly gramSeconds: number;
  /** Busy seconds of each thread in the tile pass. */
  readonly threadSeconds: number[];
}

interface KernelExports {
  setup(...args: number[]): void;
  setupTiles(block: number): void;
  tileCount(): number;
  tileRange(from: number, to: number): number;
  buildGram(aPtr: number, aIdx: number, aVal: number, n2: number, from: number, to: number): number;
  gramNorms(out: number): void;
  packGram(dst: number): number;
}

const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE;

interface Slot {
  len: number;
  ids: number;
  scores: number;
  support: number;
  thr: number;
  yt: number;
  ytile: number;
  accb: number;
  tPtr: number;
  tCol: number;
  tVal: number;
  cacc: number;
  gram32?: number;
  /** The 15 addresses setupTiles reads. */
  block: number;
}

// O(nnz(X) + nnz(A) + threads · P · k) bytes copied/reserved, + inner² for G
export async function cosineTopKTiles(
  input: TileInput,
  r: ResolvedLists,
  threads: number,
  progress: PlannedProgress | undefined,
): Promise<TileRun> {
  const onProgress = progress?.onProgress;
  const P = r.products;
  const { x, inner } = input;
  const orderSide = input.mode === "order-side";
  const a = input.a;
  if (orderSide && !a)
    throw new CoreMathError("COBUY_MATH_BAD_INPUT", "the order-side plan needs the incidence A");
  const nnzX = x.colIdx.length;
  // Tile index i holds product perm[i], cheapest rows first: a row pays for every tile right of
  // it, so the products with the most inner entries go last (ties in the lists still go by id).
  const perm = tileOrder(x, r.eligible);
  let tileEntries = 0;
  for (let t = 0; t < P; t += TILE) {
    let n = 0;
    for (let i = t; i < Math.min(P, t + TILE); i++)
      n += Number(x.rowPtr[perm[i]! + 1]) - Number(x.rowPtr[perm[i]!]);
    tileEntries = Math.max(tileEntries, n);
  }
  const nnzA = a ? a.colIdx.length : 0;
  const pad = (inner + 3) & ~3;
  let at = PAGE;
  const take = (bytes: number): number => {
    const start = at;
    at += Math.ceil(bytes / 16) * 16;
    return start;
  };
  const norms = take(8 * P);
  const eligible = take(P);
  const permAt = take(4 * P);
  const xPtr = take(4 * (P + 1));
  const xIdx = take(4 * nnzX);
  const xVal = take(8 * nnzX);
  const gram = orderSide ? take(8 * inner * pad) : 0;
  const gram32 = orderSide ? take(4 * inner * pad) : 0;
  const diag = orderSide ? take(8 * P) : 0;
  const aPtr = orderSide ? take(4 * (inner + 1)) : 0;
  const aIdx = orderSide ? take(4 * nnzA) : 0;
  const aVal = orderSide ? take(8 * nnzA) : 0;
  const slots: Slot[] = [];
  for (let t = 0; t < threads; t++) {
    slots.push({
      len: take(2 * P),
      ids: take(4 * P * r.k),
      scores: take(8 * P * r.k),
      support: take(8 * P * r.k),
      thr: take(8 * P),
      yt: orderSide ? take(8 * TILE * pad) : 0,
      ytile: take(8 * inner * TILE),
      accb: take(8 * TILE),
      tPtr: orderSide ? take(4 * (inner + 1)) : 0,
      tCol: orderSide ? take(tileEntries) : 0,
      tVal: orderSide ? take(8 * tileEntries) : 0,
      cacc: take(8 * TILE),
      block: take(4 * 15),
    });
  }
  if (at > MAX_BYTES || nnzX > 0xffffffff) {
    throw new CoreMathError(
      "COBUY_MATH_TOO_LARGE",
      `the ${input.mode} plan needs ${(at / 2 ** 30).toFixed(2)} GiB of WebAssembly memory (inner dimension ${inner}, ${threads} threads, k = ${r.k}) but it stops at 4 GiB: use plan "scatter", fewer threads or a smaller k`,
    );
  }
  let memory: WasmMemory;
  const pages = Math.max(1, Math.ceil(at / PAGE));
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch (e) {
    throw new CoreMathError(
      "COBUY_MATH_TOO_LARGE",
      `could not allocate ${(at / 2 ** 20).toFixed(0)} MiB of WebAssembly memory for the ${input.mode} plan: use plan "scatter" or fewer threads`,
      { cause: e },
    );
  }
  const buf = memory.buffer;
  const rank = new Uint32Array(P);
  for (let i = 0; i < P; i++) rank[perm[i]!] = i;
  new Uint32Array(buf, permAt, P).set(perm);
  const el = new Uint8Array(buf, eligible, P);
  const ptr = new Uint32Array(buf, xPtr, P + 1);
  const idx = new Uint32Array(buf, xIdx, nnzX);
  const val = new Float64Array(buf, xVal, nnzX);
  const nrm = new Float64Array(buf, norms, P);
  const dg = orderSide ? new Float64Array(buf, diag, P) : undefined;
  let at0 = 0;
  for (let i = 0; i < P; i++) {
    const p = perm[i]!;
    el[i] = r.eligible[p]!;
    const s = Number(x.rowPtr[p]);
    const e = Number(x.rowPtr[p + 1]);
    idx.set(x.colIdx.subarray(s, e), at0);
    val.set(x.values.subarray(s, e), at0);
    ptr[i] = at0;
    at0 += e - s;
    if (dg) {
      // d_p = C'[p][p] = Σ_o A[o][p]²
      let d = 0;
      for (let j = s; j < e; j++) d += x.values[j]! * x.values[j]!;
      dg[i] = d;
    } else if (input.norms) nrm[i] = input.norms[p]!;
  }
  ptr[P] = at0;
  const tiles = Math.ceil(P / TILE); // the kernel's tileCount()
  const gramUnits = orderSide ? Math.ceil(inner / GRAM_CHUNK) : 0;
  const meter =
    progress &&
    new WorkMeter(tileUnitCosts(ptr, el, tiles, orderSide ? a : undefined), progress.estimatedMultiplyAdds);
  if (orderSide && a) {
    new Uint32Array(buf, aPtr, inner + 1).set(a.rowPtr);
    const ai = new Uint32Array(buf, aIdx, nnzA);
    for (let j = 0; j < nnzA; j++) ai[j] = rank[a.colIdx[j]!]!;
    new Float64Array(buf, aVal, nnzA).set(a.values);
  }
  for (const s of slots) {
    const thr = new Float64Array(buf, s.thr, P);
    for (let i = 0; i < P; i++) thr[i] = el[i] ? r.minScore : Number.POSITIVE_INFINITY;
  }
  const setupArgs = (s: Slot): number[] =>
    kernelSetupArgs({
      products: P,
      norms,
      eligible,
      k: r.k,
      lists: s,
      minScore: r.minScore,
      minPairSupport: r.minPairSupport,
    });
  // setupTiles reads its 15 addresses from the thread's block (order of assembly/kernel.ts).
  const tileArgs = (s: Slot): number[] => {
    const fields = [inner, xPtr, xIdx, xVal, gram, diag, s.yt, s.ytile, s.accb, permAt];
    new Uint32Array(buf, s.block, 15).set([...fields, s.gram32 ?? 0, s.tPtr, s.tCol, s.tVal, s.cacc]);
    return [s.block];
  };
  const module = kernelModule();
  const main = new wasm.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  main.setup(...setupArgs(slots[0]!));
  main.setupTiles(tileArgs(slots[0]!)[0]!);
  let gramMultiplyAdds = 0;
  let gramSeconds = 0;
  let exactGram32 = false;
  if (orderSide) {
    const t0 = performance.now();
    // Chunks, not one call: V8 optimises a wasm function for its next call, not in the middle of one.
    for (let o = 0; o < inner; o += GRAM_CHUNK) {
      gramMultiplyAdds += 2 * main.buildGram(aPtr, aIdx, aVal, norms, o, Math.min(inner, o + GRAM_CHUNK));
      if (meter) onProgress?.(0, tiles, meter.work(o / GRAM_CHUNK + 1));
    }
    main.gramNorms(norms);
    if (main.packGram(gram32)) exactGram32 = true;
    gramSeconds = (performance.now() - t0) / 1000;
  }
  if (exactGram32) {
    // Float32 G from now on (the workers set up with the same arguments).
    for (const s of slots) s.gram32 = gram32;
    main.setupTiles(tileArgs(slots[0]!)[0]!);
  }
  const lists = (s: Slot): TopKLists => ({
    products: P,
    k: r.k,
    length: new Uint16Array(buf, s.len, P),
    ids: new Uint32Array(buf, s.ids, P * r.k),
    scores: new Float64Array(buf, s.scores, P * r.k),
    support: new Float64Array(buf, s.support, P * r.k),
  });
  const total = createTopKLists(P, r.k);
  let multiplyAdds = gramMultiplyAdds;
  const threadSeconds: number[] = [];
  if (threads === 1) {
    const t0 = performance.now();
    const step = Math.max(1, Math.ceil(tiles / 100));
    for (let done = 0; done < tiles; done += step) {
      const to = tiles - done;
      multiplyAdds += main.tileRange(Math.max(0, to - step), to);
      const finished = Math.min(tiles, done + step);
      if (meter) onProgress?.(finished, tiles, meter.work(gramUnits + finished));
    }
    threadSeconds.push((performance.now() - t0) / 1000);
    mergeRows(total, lists(slots[0]!), perm);
  } else {
    const works = await runPool({
      module,
      memory,
      setupArgs: slots.map(setupArgs),
      tileArgs: slots.map(tileArgs),
      units: tiles,
      chunk: 1,
      onProgress: meter && ((done) => onProgress?.(done, tiles, meter.work(gramUnits + done))),
    });
    for (const w of works) {
      multiplyAdds += w.work;
      threadSeconds.push(w.seconds);
    }
    for (const s of slots) mergeRows(total, lists(s), perm);
  }
  return { ...total, multiplyAdds, gramMultiplyAdds, gramSeconds, threadSeconds };
}

/** Orders of G = A Aᵀ built per call of `buildGram`. */
const GRAM_CHUNK = 64;

/**
 * Estimated cost of each unit of a tile run in the order it is handed out, on the planner's scale
 * (plan.ts `estimatePlans`): with A, first the chunks of G (|A_o| · orders each), then the tiles,
 * last first. Tile t pays TILE multiply-adds per inner entry of every row in tiles ≤ t, and with A
 * the diagonal correction |X_p|² of its own rows.
 */
// O(orders + P)
function tileUnitCosts(
  ptr: Uint32Array,
  eligible: Uint8Array,
  tiles: number,
  a: CsrMatrix | undefined,
): Float64Array {
  const P = ptr.length - 1;
  const gramUnits = a ? Math.ceil(a.rows / GRAM_CHUNK) : 0;
  const cost = new Float64Array(gramUnits + tiles);
  if (a) {
    const pad = (a.rows + 1) & ~1;
    for (let o = 0; o < a.rows; o++) {
      const g = Math.floor(o / GRAM_CHUNK);
      cost[g] = cost[g]! + (Number(a.rowPtr[o + 1]) - Number(a.rowPtr[o])) * pad;
    }
  }
  let rowsBefore = 0; // inner entries of the eligible rows in tiles ≤ t
  for (let t = 0; t < tiles; t++) {
    let own = 0;
    for (let i = t * TILE; i < Math.min(P, (t + 1) * TILE); i++) {
      const n = ptr[i + 1]! - ptr[i]!;
      if (eligible[i]) rowsBefore += n;
      if (a) own += n * n;
    }
    cost[gramUnits + tiles - 1 - t] = TILE * rowsBefore + own;
  }
  return cost;
}

/** Products by the cost of their row (inner entries), ascending, then by id; not eligible first. */
// O(P log P)
function tileOrder(x: CsrMatrix, eligible: Uint8Array): Uint32Array {
  const P = x.rows;
  const cost = new Float64Array(P);
  for (let p = 0; p < P; p++) cost[p] = eligible[p] ? Number(x.rowPtr[p + 1]) - Number(x.rowPtr[p]) + 1 : 0;
  const perm = new Uint32Array(P);
  for (let p = 0; p < P; p++) perm[p] = p;
  return perm.sort((p, q) => cost[p]! - cost[q]! || p - q);
}

/** Offers row i of `source` (tile order) to product perm[i]'s list in `target`. */
// O(P · k²) worst case
function mergeRows(target: TopKLists, source: TopKLists, perm: Uint32Array): void {
  const k = source.k;
  for (let i = 0; i < source.products; i++) {
    const p = perm[i]!;
    for (let j = i * k; j < i * k + source.length[i]!; j++) {
      if (!offerTopK(target, p, source.ids[j]!, source.scores[j]!, source.support[j]!)) break;
    }
  }
}
