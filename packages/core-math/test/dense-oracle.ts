import { Matrix } from "ml-matrix";
import type { CsrMatrix } from "../src/index.js";
import { seededUniform as rng } from "../src/random/seeded.js";

export { rng };

export interface Lines {
  orders: number;
  products: number;
  lineOrder: Uint32Array;
  lineProduct: Uint32Array;
}

/** Random order lines: skewed popularity, some repeats, some products never sold. */
export function randomLines(seed: number, maxOrders = 40, maxProducts = 25): Lines {
  const r = rng(seed);
  const orders = Math.floor(r() * maxOrders);
  const products = 1 + Math.floor(r() * maxProducts);
  const skew = 0.5 + r() * 2;
  const lo: number[] = [];
  const lp: number[] = [];
  for (let o = 0; o < orders; o++) {
    const size = Math.floor(r() * 5);
    for (let i = 0; i < size; i++) {
      lo.push(o);
      lp.push(Math.min(products - 1, Math.floor(products * r() ** skew)));
    }
  }
  // Shuffle so lines are not grouped by order.
  for (let i = lo.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [lo[i], lo[j]] = [lo[j]!, lo[i]!];
    [lp[i], lp[j]] = [lp[j]!, lp[i]!];
  }
  return { orders, products, lineOrder: Uint32Array.from(lo), lineProduct: Uint32Array.from(lp) };
}

export function denseA(l: Lines, binary: boolean): Matrix {
  const a = Matrix.zeros(l.orders, l.products);
  for (let i = 0; i < l.lineOrder.length; i++) {
    const o = l.lineOrder[i]!;
    const p = l.lineProduct[i]!;
    a.set(o, p, binary ? 1 : a.get(o, p) + 1);
  }
  return a;
}

export function denseC(a: Matrix): Matrix {
  const c = a.transpose().mmul(a);
  for (let p = 0; p < c.rows; p++) c.set(p, p, 0);
  return c;
}

export function toDense(m: CsrMatrix): Matrix {
  const d = Matrix.zeros(m.rows, m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let i = Number(m.rowPtr[r]); i < Number(m.rowPtr[r + 1]); i++) d.set(r, m.colIdx[i]!, m.values[i]!);
  }
  return d;
}

export interface DenseRec {
  id: number;
  score: number;
  support: number;
}

/**
 * The classic method, dense: cosine of C's rows, then each product's list sorted by (score desc,
 * id asc); with `minPairSupport` > 1 only pairs with C[p][q] ≥ it are candidates.
 */
export function denseTopK(
  c: Matrix,
  support: ArrayLike<number>,
  k: number,
  minScore = 0,
  minSupport = 1,
  minPairSupport = 1,
): DenseRec[][] {
  const P = c.rows;
  const g = c.mmul(c.transpose());
  const norms = Array.from({ length: P }, (_, p) => Math.sqrt(g.get(p, p)));
  const out: DenseRec[][] = [];
  for (let p = 0; p < P; p++) {
    const list: DenseRec[] = [];
    if (support[p]! >= minSupport) {
      for (let q = 0; q < P; q++) {
        if (q === p || support[q]! < minSupport) continue;
        if (minPairSupport > 1 && c.get(p, q) < minPairSupport) continue;
        const d = g.get(p, q);
        const s = d === 0 ? 0 : d / (norms[p]! * norms[q]!);
        if (s > minScore) list.push({ id: q, score: s, support: c.get(p, q) });
      }
    }
    list.sort((x, y) => y.score - x.score || x.id - y.id);
    out.push(list.slice(0, k));
  }
  return out;
}
