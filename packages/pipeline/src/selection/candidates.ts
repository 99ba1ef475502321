import {
  CLASSIC_SIMILARITY,
  ClassicLists,
  type CsrMatrix,
  cooccurrence,
  countPairs,
  type DownsampleOptions,
  measureTopK,
  type PairCounts,
  productSupport,
  type SimilarityName,
  type TopKResult,
} from "@cobuy/core-math";

/** What evaluation reads from the ingest: orders × products A (line counts), ids, categories. */
export interface EvaluationData {
  /** Product ids; index = column of `a`. */
  readonly productIds: readonly string[];
  /** Category of each product, null when it has none. */
  readonly categories: readonly (string | null)[];
  /** Order ids; index = row of `a`. */
  readonly orderIds: readonly string[];
  /** Orders × products, values = order lines (the classic A). */
  readonly a: CsrMatrix;
}

const cooccurrences = new WeakMap<CsrMatrix, CsrMatrix>();

/** C = AᵀA of a training A, built once per A: the classic kernel's input, and the pair counts of a binary A. */
// O(Σ_o |o|²) the first time per A, O(1) after
function cooccurrenceOf(a: CsrMatrix): CsrMatrix {
  let c = cooccurrences.get(a);
  if (!c) cooccurrences.set(a, (c = cooccurrence(a)));
  return c;
}

/** Top-k lists of the classic method for training orders A (C = AᵀA, cosine of C's rows). */
export type ClassicKernel = (
  a: CsrMatrix,
  options: { k: number; minScore: number; minPairSupport: number },
) => Promise<TopKResult>;

/**
 * The classic kernel for evaluation: C = AᵀA (count incidence, diagonal 0) of the training orders,
 * exact cosine top-k of C's rows. A minimum pair support (C[p][q] ≥ s) filters candidates while
 * scores stay the classic cosine (core-math's `classicTopK`). C and the deepest lists computed are
 * kept per A, so every k and minimum pair support asked of one training set shares them.
 *
 * @example
 * ```ts
 * const ev = await evaluate(data, { split, classic: classicKernel() });
 * ```
 */
export function classicKernel(options: { threads?: number; kernel?: "wasm" | "js" } = {}): ClassicKernel {
  const kept = new WeakMap<CsrMatrix, Map<number, ClassicLists>>();
  return (a, { k, minScore, minPairSupport }) => {
    let byMinScore = kept.get(a);
    if (!byMinScore) kept.set(a, (byMinScore = new Map()));
    let lists = byMinScore.get(minScore);
    if (!lists) {
      lists = new ClassicLists(cooccurrenceOf(a), productSupport(a), {
        minScore,
        ...(options.threads !== undefined && { threads: options.threads }),
        ...(options.kernel !== undefined && { kernel: options.kernel }),
      });
      byMinScore.set(minScore, lists);
    }
    return lists.topK(k, minPairSupport);
  };
}

/**
 * Every candidate's lists on one training set, each count computed once: the pair counts behind
 * all first-order measures (one `countPairs`, taken from the classic C when A is binary and no cap
 * drops a line), and the classic kernel's C and lists (kept by the kernel per A).
 */
export class CandidateLists {
  private counts: PairCounts | undefined;
  private passes = 0;
  constructor(
    readonly train: CsrMatrix,
    private readonly options: {
      readonly k: number;
      readonly minScore: number;
      readonly caps?: DownsampleOptions | undefined;
      readonly classic?: ClassicKernel | undefined;
    },
  ) {}

  /** Top-k lists of `similarity` at `minPairSupport`. */
  lists(similarity: SimilarityName, minPairSupport: number): Promise<TopKResult> | TopKResult {
    const { k, minScore, classic } = this.options;
    if (similarity === CLASSIC_SIMILARITY) {
      if (!classic)
        throw new Error(`similarity "${CLASSIC_SIMILARITY}" needs the classic kernel (options.classic)`);
      return classic(this.train, { k, minScore, minPairSupport });
    }
    if (!this.counts) {
      this.passes++;
      this.counts = countPairs(this.train, {
        ...this.options.caps,
        // The classic candidate builds this C anyway; without it, counting is as cheap as building C.
        ...(classic !== undefined && { cooccurrence: cooccurrenceOf(this.train) }),
      });
    }
    return measureTopK(this.counts, similarity, { k, minScore, minPairSupport });
  }

  /** `countPairs` passes so far: one per training set, whatever the measures and supports asked. */
  get countPasses(): number {
    return this.passes;
  }

  /** True when the pair counts were taken from the classic C rather than counted (see `countPairs`). */
  get pairsReused(): boolean {
    return this.counts?.pairsReused ?? false;
  }
}
