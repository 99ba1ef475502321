// Plain-text tables of the bench's results: columns padded to their widest cell, two spaces apart.

/** Aligns `[header, ...rows]` (cells as strings or numbers) into lines. */
export function alignColumns(all) {
  const widths = all[0].map((_, i) => Math.max(...all.map((row) => String(row[i]).length)));
  return all
    .map((row) =>
      row
        .map((c, i) => String(c).padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
