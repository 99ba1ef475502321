import { CoreMathError } from "../errors.js";
import { createTopKLists } from "../top-k/top-k-lists.js";
import type { CsrMatrix, TopKOptions, TopKResult } from "../types.js";
import { cosineRowsJs, createCosineScratch } from "./cosine-js.js";
import { cosineTopKWasm, pickThreads } from "./cosine-wasm.js";
import { resolveCosine } from "./options.js";

/**
 * Exact cosine top-k over the rows of C with the plain TypeScript kernel, on the calling thread:
 * the reference the WebAssembly kernel is tested against. Same result as {@link cosineTopK}.
 *
 * @example
 * ```ts
 * const a = buildIncidence(lineOrder, lineProduct, orders, products, "count");
 * const top = cosineTopKSync(cooccurrence(a), productSupport(a), { k: 5 });
 * const recsOf0 = top.ids.subarray(0, top.length[0]);
 * ```
 */
// O(Σ_j nnz(C_j)² / 2) multiply-adds + O(P²/2) reads at most for full-scan rows; scratch O(P), output O(P·k)
export function cosineTopKSync(
  c: CsrMatrix,
  support: ArrayLike<number>,
  options: TopKOptions = {},
): TopKResult {
  const r = resolveCosine(c, support, options);
  const lists = createTopKLists(r.products, r.k);
  const scratch = createCosineScratch(c);
  const P = r.products;
  const step = Math.max(1, Math.ceil(P / 100));
  let multiplyAdds = 0;
  for (let p = 0; p < P; p += step) {
    const to = Math.min(P, p + step);
    multiplyAdds += cosineRowsJs(
      c,
      r.norms,
      r.eligible,
      p,
      to,
      lists,
      r.minScore,
      r.scan,
      scratch,
      r.touchedRatio,
    );
    options.onProgress?.(to, P);
  }
  return { ...lists, multiplyAdds };
}

/**
 * Exact cosine top-k per product over the rows of C (see README): score(p, q) =
 * (C_p · C_q) / (|C_p| |C_q|), lists best first, ties by product index ascending, only scores
 * above `minScore`, products with `support < minSupport` get no list and are never recommended.
 *
 * @example
 * ```ts
 * const a = buildIncidence(lineOrder, lineProduct, orders, products, "count");
 * const top = await cosineTopK(cooccurrence(a), productSupport(a), { k: 10 });
 * ```
 */
// O(Σ_j nnz(C_j)² / 2) multiply-adds over the threads + O(P²/2) reads at most for full-scan rows; memory O(nnz(C) + threads · P · k)
export async function cosineTopK(
  c: CsrMatrix,
  support: ArrayLike<number>,
  options: TopKOptions = {},
): Promise<TopKResult> {
  if (options.kernel !== undefined && options.kernel !== "wasm" && options.kernel !== "js") {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `kernel must be "wasm" or "js" (got "${options.kernel}")`,
    );
  }
  if (options.kernel === "js") return cosineTopKSync(c, support, options);
  const r = resolveCosine(c, support, options);
  const threads = Math.min(pickThreads(c, options.threads), Math.max(1, r.products));
  return cosineTopKWasm(c, r, threads, options.onProgress);
}
