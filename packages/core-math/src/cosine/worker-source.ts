/**
 * Code of a cosine worker, run with `new Worker(WORKER_SOURCE, { eval: true })` so it works the
 * same from TypeScript sources (vitest) and from dist/. Self-contained on purpose. It waits for
 * one job message (so it can be started before the job exists, see `prestartCosineWorkers`),
 * instantiates the kernel module on the job's shared memory, takes chunks of units (rows of the
 * scatter kernel, or tiles of the tile kernel when `tileArgs` is set: the last tiles, which cover
 * the most rows, first) from an Atomics counter until none are left, and posts the multiply-adds
 * it did and the seconds it was busy.
 */
export const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.once("message", ({ module, memory, control, setupArgs, tileArgs, units, chunk }) => {
  const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const t0 = performance.now();
  kernel.setup(...setupArgs);
  if (tileArgs) kernel.setupTiles(...tileArgs);
  const ctl = new Int32Array(control);
  let work = 0;
  for (;;) {
    const from = Atomics.add(ctl, 0, chunk);
    if (from >= units) break;
    const to = Math.min(units, from + chunk);
    work += tileArgs ? kernel.tileRange(units - to, units - from) : kernel.cosineRows(from, to);
    Atomics.add(ctl, 1, to - from);
  }
  parentPort.postMessage({ work, seconds: (performance.now() - t0) / 1000 });
});
`;
