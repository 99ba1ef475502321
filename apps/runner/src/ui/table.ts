/** Plain-text tables for summaries (no colours, no box drawing: they survive logs and pipes). */

export type Cell = string | number;

export interface TableSpec {
  /** Printed above the table when given. */
  title?: string;
  /** Column headers; omit for a key/value table. */
  columns?: string[];
  rows: Cell[][];
  /** Per column: "left" or "right"; columns whose cells are all numbers default to right, others to left. */
  align?: ("left" | "right")[];
}

/**
 * Renders a table to a string ending with a newline.
 * @example
 * renderTable({ columns: ["stage", "seconds"], rows: [["ingest", "0.41 s"]] });
 */
export function renderTable(spec: TableSpec): string {
  const all: Cell[][] = spec.columns ? [spec.columns, ...spec.rows] : spec.rows;
  const ncol = Math.max(0, ...all.map((r) => r.length));
  const widths = new Array<number>(ncol).fill(0);
  for (const row of all) {
    for (const [i, c] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, String(c).length);
  }
  const numeric = widths.map(
    (_, i) => spec.rows.length > 0 && spec.rows.every((r) => typeof r[i] === "number"),
  );
  const alignOf = (i: number, c: Cell): "left" | "right" =>
    spec.align?.[i] ?? (numeric[i] || typeof c === "number" ? "right" : "left");
  const line = (row: Cell[]): string =>
    row
      .map((c, i) => {
        const s = String(c);
        const w = widths[i] ?? 0;
        return alignOf(i, c) === "right" ? s.padStart(w) : s.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  const out: string[] = [];
  if (spec.title) out.push(spec.title);
  if (spec.columns) {
    out.push(line(spec.columns));
    out.push(widths.map((w) => "-".repeat(w)).join("  "));
  }
  for (const r of spec.rows) out.push(line(r));
  return `${out.join("\n")}\n`;
}
