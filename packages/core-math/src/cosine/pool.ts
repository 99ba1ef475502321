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

/** Workers started ahead of their job by {@link prestartCosineWorkers}, waiting for it. */
const waiting: Worker[] = [];
let idleTimer: ReturnType<typeof setTimeout> | undefined;
/** Prestarted workers no job took within this long are stopped. */
const IDLE_MS = 30_000;

/**
 * Starts `threads` cosine workers now, so the next multi-threaded cosine run finds them booted:
 * a worker takes 45-70 ms to start on this 2-core machine, time a caller can overlap with work of
 * its own that leaves a core idle (building C). They hold no memory of the job yet, do not keep
 * the process alive, and stop after 30 s unused.
 *
 * @example
 * ```ts
 * prestartCosineWorkers(2);
 * const c = cooccurrence(a); // the workers boot meanwhile on the other core
 * const top = await cosineTopK(c, productSupport(a), { k: 10, incidence: a, threads: 2 });
 * ```
 */
// O(threads) worker starts, off the calling thread
export function prestartCosineWorkers(threads: number): void {
  checkThreads(threads);
  while (waiting.length < threads) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    // A worker that fails before its job is dropped; runPool then starts a fresh one.
    worker.once("error", () => drop(worker));
    worker.once("exit", () => drop(worker));
    waiting.push(worker);
  }
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    for (const w of waiting.splice(0)) void w.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

/** Throws `COBUY_MATH_BAD_OPTION` unless `threads` is an integer ≥ 1 (every caller that takes a thread count). */
export function checkThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", `threads must be an integer ≥ 1 (got ${threads})`);
  }
}

/** Prestarted workers waiting for a job (for tests). */
export function prestartedWorkers(): number {
  return waiting.length;
}

function drop(worker: Worker): void {
  const i = waiting.indexOf(worker);
  if (i >= 0) waiting.splice(i, 1);
}

/** A prestarted worker (its idle listeners removed), or a new one. */
function takeWorker(): Worker {
  const worker = waiting.pop();
  if (!worker) return new Worker(WORKER_SOURCE, { eval: true });
  worker.removeAllListeners("error");
  worker.removeAllListeners("exit");
  worker.ref();
  return worker;
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
            const worker = takeWorker();
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
            worker.postMessage({
              module: job.module,
              memory: job.memory,
              control,
              setupArgs,
              tileArgs: job.tileArgs?.[t],
              units,
              chunk: job.chunk,
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
