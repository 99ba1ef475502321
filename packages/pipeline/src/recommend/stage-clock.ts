import type { RecommendOptions, Stage } from "./options.js";

export const now = () => performance.now() / 1000;

/** A build's stage timings: `stage(name, run)` times `run` and reports it through `onStage`. */
export interface StageClock {
  /** Seconds per stage (0 for a stage that did not run) and their total. */
  readonly seconds: Record<Stage | "total", number>;
  stage<T>(name: Stage, run: () => T | Promise<T>): Promise<T>;
}

/**
 * The clock of a build's stages: `stage(name, run)` reports the start and end of `run` through
 * `options.onStage` and records its seconds in `seconds[name]` and `seconds.total`.
 */
export function stageClock(options: Pick<RecommendOptions, "onStage">): StageClock {
  const seconds: Record<Stage | "total", number> = {
    ingest: 0,
    incidence: 0,
    auto: 0,
    cooccurrence: 0,
    topk: 0,
    validation: 0,
    total: 0,
  };
  const stage = async <T>(name: Stage, run: () => T | Promise<T>): Promise<T> => {
    options.onStage?.({ stage: name, phase: "start" });
    const t = now();
    const out = await run();
    seconds[name] = now() - t;
    seconds.total += seconds[name];
    options.onStage?.({ stage: name, phase: "end", seconds: seconds[name] });
    return out;
  };
  return { seconds, stage };
}
