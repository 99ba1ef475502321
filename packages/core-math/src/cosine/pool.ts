import { Worker } from "node:worker_threads";
import { CoreMathError } from "../errors.js";
import type { WasmMemory, WasmModule } from "../wasm/webassembly.js";
import { WORKER_SOURCE } from "./worker-source.js";

/** What one worker runs: rows of the scatter kernel or tiles of the tile kernel. */
export interface PoolJob {
  module: WasmModule;
  memory: WasmMemory;
  /** `setup` arguments of each thread (one entry per worker). */
  setupArgs: number[][];
  /** `setupTiles` arguments of each thread, for the tile kernel. */
  tileArgs?: number[][];
  /** Units of work: rows (scatter) or tiles. */
  units: number;
  /** Units taken at once from the shared counter. */
  chunk: number;
  /** Called every 250 ms and at the end with the units finished (taken in order, so nearly a prefix). */
  onProgress?: ((unitsDone: number) => void) | undefined;
}

/**
 * Runs one worker per thread on the shared memory; the workers take `chunk` units at a time from
 * an `Atomics` counter until none is left, so each thread's share follows the work, not the unit
 * count. Resolves the multiply-adds and busy seconds each worker reports.
 */
// O(threads) workers; the work is the kernel's
export async function runPool(job: PoolJob): Promise<Array<{ work: number; seconds: number }>> {
  const control = new SharedArrayBuffer(8);
  const ctl = new Int32Array(control);
  const { units, onProgress } = job;
  const workers: Worker[] = [];
  const timer = onProgress
    ? setInterval(() => onProgress(Math.min(units, Atomics.load(ctl, 1))), 250)
    : undefined;
  try {
    const out = await Promise.all(
      job.setupArgs.map(
        (setupArgs, t) =>
          new Promise<{ work: number; seconds: number }>((resolve, reject) => {
            const worker = new Worker(WORKER_SOURCE, {
              eval: true,
              workerData: {
                module: job.module,
                memory: job.memory,
                control,
                setupArgs,
                tileArgs: job.tileArgs?.[t],
                units,
                chunk: job.chunk,
              },
            });
            workers.push(worker);
            let done = false;
            worker.once("message", (m: { work: number; seconds: number }) => {
              done = true;
              resolve(m);
            });
            worker.once("error", (e) =>
              reject(
                new CoreMathError("COBUY_MATH_WORKER", `cosine worker ${t} failed: ${e.message}`, {
                  cause: e,
                }),
              ),
            );
            worker.once("exit", (code) => {
              if (!done)
                reject(new CoreMathError("COBUY_MATH_WORKER", `cosine worker ${t} exited with code ${code}`));
            });
          }),
      ),
    );
    onProgress?.(units);
    return out;
  } finally {
    if (timer) clearInterval(timer);
    for (const w of workers) void w.terminate();
  }
}
