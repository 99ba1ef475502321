import { CoreMathError } from "../errors.js";
import type { CsrMatrix, Incidence } from "../types.js";

/**
 * The order × product incidence matrix A as CSR: `A[o][p]` is the number of lines of product `p`
 * in order `o` (`"count"`, the classic method) or 1 (`"binary"`). Columns are ascending in every
 * row and no stored value is zero. Line `i` is the pair `(lineOrder[i], lineProduct[i])`.
 *
 * @example
 * ```ts
 * // order 0: products 2, 0, 2; order 1: product 1
 * const a = buildIncidence(Uint32Array.of(0, 0, 0, 1), Uint32Array.of(2, 0, 2, 1), 2, 3, "count");
 * // a.rowPtr = [0, 2, 3], a.colIdx = [0, 2, 1], a.values = [1, 2, 1]
 * ```
 */
// O(lines + orders + products): one pass per order when lines come grouped by order, else two counting sorts; scratch O(lines + products)
export function buildIncidence(
  lineOrder: Uint32Array,
  lineProduct: Uint32Array,
  orders: number,
  products: number,
  incidence: Incidence = "count",
): CsrMatrix {
  const n = lineOrder.length;
  if (lineProduct.length !== n) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      `lineOrder has ${n} lines but lineProduct has ${lineProduct.length}: pass one entry per order line to both`,
    );
  }
  checkCount("orders", orders);
  checkCount("products", products);
  if (incidence !== "count" && incidence !== "binary") {
    throw new CoreMathError(
      "COBUY_MATH_BAD_OPTION",
      `incidence must be "count" or "binary" (got "${incidence}")`,
    );
  }
  const grouped = checkLines(lineOrder, lineProduct, orders, products);
  const oPtr = orderStarts(lineOrder, orders);
  const cols = grouped
    ? sortedWithinOrders(lineProduct, oPtr)
    : byCountingSorts(lineOrder, lineProduct, oPtr, products);

  // Merge repeated lines in place.
  const rowPtr = new Uint32Array(orders + 1);
  const values = new Float64Array(n);
  const binary = incidence === "binary";
  let nnz = 0;
  for (let o = 0; o < orders; o++) {
    const end = oPtr[o + 1]!;
    let last = -1;
    for (let j = oPtr[o]!; j < end; j++) {
      const p = cols[j]!;
      if (p === last) {
        if (!binary) values[nnz - 1]! += 1;
      } else {
        cols[nnz] = p;
        values[nnz++] = 1;
        last = p;
      }
    }
    rowPtr[o + 1] = nnz;
  }
  return {
    rows: orders,
    cols: products,
    rowPtr,
    colIdx: nnz === n ? cols : cols.slice(0, nnz),
    values: nnz === n ? values : values.slice(0, nnz),
  };
}

/** Checks every line's indices; true when lineOrder never decreases (lines grouped by order). */
// O(lines)
function checkLines(
  lineOrder: Uint32Array,
  lineProduct: Uint32Array,
  orders: number,
  products: number,
): boolean {
  let grouped = true;
  let last = 0;
  for (let i = 0; i < lineOrder.length; i++) {
    const p = lineProduct[i]!;
    if (p >= products) {
      throw new CoreMathError(
        "COBUY_MATH_BAD_INPUT",
        `lineProduct[${i}] = ${p} is out of range: products = ${products} (indices must be 0..${products - 1})`,
      );
    }
    const o = lineOrder[i]!;
    if (o >= orders) {
      throw new CoreMathError(
        "COBUY_MATH_BAD_INPUT",
        `lineOrder[${i}] = ${o} is out of range: orders = ${orders} (indices must be 0..${orders - 1})`,
      );
    }
    if (o < last) grouped = false;
    last = o;
  }
  return grouped;
}

/** Where each order's lines start once the lines are grouped by order: `oPtr[o] .. oPtr[o + 1]`. */
// O(lines + orders)
function orderStarts(lineOrder: Uint32Array, orders: number): Uint32Array {
  const oPtr = new Uint32Array(orders + 1);
  for (let i = 0; i < lineOrder.length; i++) oPtr[lineOrder[i]! + 1]!++;
  for (let o = 0; o < orders; o++) oPtr[o + 1]! += oPtr[o]!;
  return oPtr;
}

/** Products of lines already grouped by order, ascending inside each order. */
// Lines grouped by order, as files usually are (the readers number orders as first seen): each
// order's lines are already its slice, so only its few products are sorted, reading and writing
// in line order. The counting sorts scatter every line twice over all lines instead (measured at
// gen-sales M, 1 M lines, interleaved runs: the incidence in about a fifth of the time).
// O(lines) + O(|o| log |o|) per order (insertion sort up to 16 lines); scratch O(lines)
function sortedWithinOrders(lineProduct: Uint32Array, oPtr: Uint32Array): Uint32Array {
  const cols = lineProduct.slice();
  for (let o = 0; o + 1 < oPtr.length; o++) {
    const start = oPtr[o]!;
    const end = oPtr[o + 1]!;
    if (end - start > 16) {
      cols.subarray(start, end).sort();
      continue;
    }
    for (let j = start + 1; j < end; j++) {
      const p = cols[j]!;
      let at = j;
      while (at > start && cols[at - 1]! > p) {
        cols[at] = cols[at - 1]!;
        at--;
      }
      cols[at] = p;
    }
  }
  return cols;
}

// Counting sort by product, then a stable counting sort by order: products end up ascending
// inside each order without comparing anything.
// O(lines + orders + products); scratch O(lines + orders + products)
function byCountingSorts(
  lineOrder: Uint32Array,
  lineProduct: Uint32Array,
  oPtr: Uint32Array,
  products: number,
): Uint32Array {
  const n = lineOrder.length;
  const pPtr = new Uint32Array(products + 1);
  for (let i = 0; i < n; i++) pPtr[lineProduct[i]! + 1]!++;
  for (let p = 0; p < products; p++) pPtr[p + 1]! += pPtr[p]!;
  const byProduct = new Uint32Array(n); // line indices, grouped by product
  const fillP = pPtr.slice(0, products);
  for (let i = 0; i < n; i++) byProduct[fillP[lineProduct[i]!]!++] = i;
  const cols = new Uint32Array(n);
  const fillO = oPtr.slice(0, oPtr.length - 1);
  for (let j = 0; j < n; j++) {
    const i = byProduct[j]!;
    cols[fillO[lineOrder[i]!]!++] = lineProduct[i]!;
  }
  return cols;
}

/**
 * Orders containing each product: the number of non-zero entries in each column of A.
 *
 * @example
 * ```ts
 * const support = productSupport(a); // support[p] = orders holding product p
 * ```
 */
// O(nnz(A)); no scratch
export function productSupport(a: CsrMatrix): Uint32Array {
  const out = new Uint32Array(a.cols);
  const { colIdx, values } = a;
  for (let i = 0; i < colIdx.length; i++) if (values[i] !== 0) out[colIdx[i]!]!++;
  return out;
}

function checkCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new CoreMathError("COBUY_MATH_BAD_INPUT", `${name} must be an integer from 0 to 2^32-1 (got ${v})`);
  }
}
