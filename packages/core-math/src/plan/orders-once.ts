import { transpose } from "../sparse/cooccurrence.js";
import type { CsrMatrix } from "../types.js";
import { checkIncidence } from "./plan.js";

// A build plans from A first (planFromOrders) and again inside cosineTopK*: the A-side work
// (validation, Aᵀ) is done once per A. A is treated as immutable once handed to core-math, as the
// C built from it already is (cosineTopKFromOrders reuses that C per A).
const checkedFor = new WeakMap<CsrMatrix, number>();
const transposed = new WeakMap<CsrMatrix, CsrMatrix>();

/** {@link checkIncidence}, skipped when this A already passed it for the same product count. */
// O(orders + nnz(A)) the first time per A, O(1) after
export function checkIncidenceOnce(a: CsrMatrix, products: number): void {
  if (checkedFor.get(a) === products) return;
  checkIncidence(a, products);
  checkedFor.set(a, products);
}

/** Aᵀ (products × orders), built once per A. */
// O(products + nnz(A)) the first time per A, O(1) after
export function transposeOnce(a: CsrMatrix): CsrMatrix {
  let at = transposed.get(a);
  if (!at) {
    at = transpose(a);
    transposed.set(a, at);
  }
  return at;
}
