#!/usr/bin/env node
// Kernel benchmark (not a test): times C = AᵀA and the cosine top-k on generated baskets, and
// prints multiply-adds per second per core for the TypeScript and WebAssembly kernels, the two
// scan modes, and the worker pool. Runs from dist/: `pnpm --filter @cobuy/core-math build` first.
//
//   node bench/kernel.bench.mjs [--orders N] [--products P] [--k K] [--json FILE]
//
// The two shapes: "dense" (Zipf popularity, baskets mostly in one category: the gen-sales
// shape, where most rows of C·C are dense and a full scan wins) and "sparse" (many products,
// few co-purchases each, where the touched list wins). Each figure is the median of 3 runs after
// a warm-up (the JS reference: 1 run). The per-row choice ("auto") uses
// TOUCHED_RATIO from src/cosine/options.ts; the sweep below is what justifies it.
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { cosineTopKWasm } from "../dist/cosine/cosine-wasm.js";
import { resolveCosine } from "../dist/cosine/options.js";
import {
  buildIncidence,
  cooccurrence,
  cosineTopK,
  cosineTopKFromOrders,
  cosineTopKSync,
  productSupport,
} from "../dist/index.js";

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "60000" },
    products: { type: "string", default: "6000" },
    k: { type: "string", default: "10" },
    json: { type: "string" },
  },
});

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Baskets: mean size `basket`, Zipf(`zipf`) popularity, share `main` drawn from one of `groups` groups. */
function baskets({ orders, products, basket, zipf, groups, main, seed }) {
  const r = rng(seed);
  const cdf = new Float64Array(products);
  let s = 0;
  for (let i = 0; i < products; i++) cdf[i] = s += 1 / (i + 1) ** zipf;
  const draw = (lo, hi) => {
    const x = cdf[lo] - (lo === 0 ? cdf[0] : cdf[lo]) + (lo === 0 ? 0 : cdf[lo - 1]);
    const target = x + r() * (cdf[hi - 1] - x);
    let a = lo;
    let b = hi - 1;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (cdf[m] < target) a = m + 1;
      else b = m;
    }
    return a;
  };
  const size = Math.ceil(products / groups);
  const lo = [];
  const lp = [];
  for (let o = 0; o < orders; o++) {
    const n = 1 + Math.floor(-Math.log(1 - r()) * (basket - 1));
    const g = Math.floor(r() * groups) * size;
    for (let i = 0; i < n; i++) {
      lo.push(o);
      lp.push(r() < main ? Math.min(products - 1, draw(g, Math.min(products, g + size))) : draw(0, products));
    }
  }
  return buildIncidence(Uint32Array.from(lo), Uint32Array.from(lp), orders, products, "count");
}

const cores = availableParallelism();
const results = [];
/** Prints wall and CPU time; the rate per core is multiply-adds per CPU-second (steadier than wall time on a shared machine). */
function report(name, [ms, cpuMs], work, threads) {
  const perCore = work / (cpuMs / 1000) / 1e9;
  results.push({
    name,
    ms: Math.round(ms),
    cpuMs: Math.round(cpuMs),
    multiplyAdds: work,
    threads,
    gPerSecPerCore: +perCore.toFixed(3),
  });
  console.log(
    `${name.padEnd(48)} ${ms.toFixed(0).padStart(6)} ms wall ${cpuMs.toFixed(0).padStart(6)} ms cpu ${(work / 1e6).toFixed(0).padStart(6)} M madds ${perCore.toFixed(3)} G/s/core`,
  );
}
/** [wall ms, cpu ms] of the run with the median CPU time among `runs`, after one warm-up (the wasm tiers up on the first). */
async function time(fn, runs = 3) {
  let out = await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    out = await fn();
    const u = process.cpuUsage(c);
    times.push([performance.now() - t, (u.user + u.system) / 1000]);
  }
  times.sort((x, y) => x[1] - y[1]);
  return [times[Math.floor(runs / 2)], out];
}

const orders = Number(args.orders);
const products = Number(args.products);
const k = Number(args.k);
console.log(`cores: ${cores}, k: ${k}`);
for (const shape of [
  { name: "dense", orders, products, basket: 4, zipf: 1.05, groups: 20, main: 0.75, seed: 1 },
  { name: "sparse", orders, products: products * 4, basket: 3, zipf: 0.3, groups: 1000, main: 0.95, seed: 2 },
]) {
  const [[tA], a] = await time(() => baskets(shape), 1);
  const [tC, c] = await time(() => cooccurrence(a));
  const support = productSupport(a);
  let pairs = 0;
  for (let i = 0; i < a.rows; i++) pairs += (a.rowPtr[i + 1] - a.rowPtr[i]) ** 2 / 2;
  console.log(
    `\n${shape.name}: A ${a.rows}×${a.cols}, nnz ${a.colIdx.length} (${tA.toFixed(0)} ms to generate); ` +
      `C nnz ${c.colIdx.length}, density ${(c.colIdx.length / c.rows / c.rows).toExponential(2)}`,
  );
  report(`${shape.name} cooccurrence (js)`, tC, pairs, 1);
  for (const scan of ["full", "touched"]) {
    const [ms, top] = await time(() => cosineTopKSync(c, support, { k, scan }), 1);
    report(`${shape.name} cosine js, ${scan}`, ms, top.multiplyAdds, 1);
  }
  for (const scan of ["full", "touched", "auto"]) {
    const [ms, top] = await time(() => cosineTopK(c, support, { k, kernel: "wasm", threads: 1, scan }));
    report(`${shape.name} cosine wasm, ${scan}, 1 thread`, ms, top.multiplyAdds, 1);
  }
  const base = resolveCosine(c, support, { k });
  for (const [valueBytes, quickReject] of [
    [8, false],
    [4, false],
    [8, true],
    [4, true],
  ]) {
    const [ms, top] = await time(() => cosineTopKWasm(c, { ...base, valueBytes, quickReject }, 1, undefined));
    const name = `${shape.name} wasm, Float${valueBytes * 8} C, quick reject ${quickReject ? "on" : "off"}`;
    report(name, ms, top.multiplyAdds, 1);
  }
  {
    // Default: Int32 counts, and Int32 accumulators for every row whose dot products stay below 2^31.
    const [ms, top] = await time(() => cosineTopKWasm(c, base, 1, undefined));
    report(
      `${shape.name} wasm, integer C (Uint16 where it fits) and Int32 accumulators (default)`,
      ms,
      top.multiplyAdds,
      1,
    );
    // The same with every hot row Int32 (no Int16 pair rows): what dot_i16x8 saves.
    const [msI32, topI32] = await time(() => cosineTopKWasm(c, { ...base, hotPairs: false }, 1, undefined));
    report(`${shape.name} wasm, default but hot rows Int32 only`, msI32, topI32.multiplyAdds, 1);
  }
  for (const ratio of [1, 4, 16]) {
    const [ms, top] = await time(() => cosineTopKWasm(c, { ...base, touchedRatio: ratio }, 1, undefined));
    report(`${shape.name} cosine wasm, auto ratio ${ratio}, 1 thread`, ms, top.multiplyAdds, 1);
  }
  if (cores > 1) {
    const [ms, top] = await time(() => cosineTopK(c, support, { k, kernel: "wasm", threads: cores }));
    report(`${shape.name} cosine wasm, auto, ${cores} threads`, ms, top.multiplyAdds, cores);
  }
}
// The plans on wide baskets (few orders, ~60 lines each): C is nearly full, so the scatter pays
// Σ nnz(C_j)² while order-side pays nnz(A)·P/2 SIMD multiply-adds and dense nnz(C)·P/2.
{
  const shape = {
    name: "wide",
    orders: Math.round(orders / 100),
    products: Math.round(products / 2),
    basket: 60,
    zipf: 1.05,
    groups: 10,
    main: 0.75,
    seed: 3,
  };
  const [[tA], a] = await time(() => baskets(shape), 1);
  const c = cooccurrence(a);
  console.log(
    `\nwide: A ${a.rows}×${a.cols}, nnz ${a.colIdx.length} (${tA.toFixed(0)} ms to generate); C nnz ${c.colIdx.length}, density ${(c.colIdx.length / c.rows / c.rows).toExponential(2)}`,
  );
  for (const plan of ["scatter", "order-side", "dense"]) {
    for (const threads of cores > 1 ? [1, cores] : [1]) {
      const [ms, top] = await time(
        () => cosineTopK(c, productSupport(a), { k, plan, threads, incidence: a }),
        plan === "scatter" ? 1 : 3,
      );
      report(
        `wide cosine plan ${plan}, ${threads} thread${threads > 1 ? "s" : ""}`,
        ms,
        top.multiplyAdds,
        threads,
      );
    }
  }
  const [ms, top] = await time(() => cosineTopKFromOrders(a, { k }));
  report(
    `wide cosineTopKFromOrders auto (${top.plan.strategy}), no C`,
    ms,
    top.multiplyAdds,
    top.plan.threads,
  );
}
if (args.json)
  writeFileSync(args.json, `${JSON.stringify({ cores, k, orders, products, results }, null, 2)}\n`);
