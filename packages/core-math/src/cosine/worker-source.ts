/**
 * Code of a cosine worker, run with `new Worker(WORKER_SOURCE, { eval: true, workerData })` so it
 * works the same from TypeScript sources (vitest) and from dist/. Self-contained on purpose: it
 * instantiates the kernel module on the shared memory, takes chunks of rows from an Atomics
 * counter until none are left, and posts the multiply-adds it did.
 */
export const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const { module, memory, control, setupArgs, products, chunk } = workerData;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports;
kernel.setup(...setupArgs);
const ctl = new Int32Array(control);
let work = 0;
for (;;) {
  const from = Atomics.add(ctl, 0, chunk);
  if (from >= products) break;
  const to = Math.min(products, from + chunk);
  work += kernel.cosineRows(from, to);
  Atomics.add(ctl, 1, to - from);
}
parentPort.postMessage({ work });
`;
