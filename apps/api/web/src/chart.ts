import type { ValidationCell } from "./api.js";

const SVG = "http://www.w3.org/2000/svg";

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Horizontal bars, one per category: the share of its products whose best recommendation has the
 * same category, with the overall share as a dashed line. Scales to the container's width.
 */
export function validationChart(
  byCategory: Record<string, ValidationCell>,
  overall: ValidationCell,
  availableWidth: number,
): SVGSVGElement {
  const rows = Object.entries(byCategory).sort((a, b) => b[1].share - a[1].share || (a[0] < b[0] ? -1 : 1));
  // Drawn at the container's own width so text stays at its CSS size on a phone.
  const width = Math.round(Math.min(820, Math.max(280, availableWidth)));
  const label = Math.round(Math.min(150, Math.max(56, width * 0.2)));
  const value = 64;
  const bar = 20;
  const gap = 8;
  const top = 24;
  const plot = width - label - value;
  const barsEnd = top + rows.length * (bar + gap);
  const height = barsEnd + 22;
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": `Validation share per category; overall ${(overall.share * 100).toFixed(1)}%`,
    class: "bars",
  });
  svg.append(el("text", { x: label, y: 14, class: "axis" }, "0%"));
  svg.append(el("text", { x: label + plot, y: 14, class: "axis", "text-anchor": "end" }, "100%"));
  rows.forEach(([name, cell], i) => {
    const y = top + i * (bar + gap);
    const g = el("g", { "data-category": name });
    const title = el("title", {}, `${name}: ${cell.sameCategory} of ${cell.products} products`);
    g.append(title);
    const maxChars = Math.max(6, Math.floor(label / 7.5));
    const shown = name.length > maxChars ? `${name.slice(0, maxChars - 1)}…` : name;
    g.append(el("text", { x: label - 8, y: y + bar / 2 + 5, "text-anchor": "end", class: "label" }, shown));
    g.append(el("rect", { x: label, y, width: plot, height: bar, rx: 4, class: "track" }));
    g.append(
      el("rect", { x: label, y, width: Math.max(2, cell.share * plot), height: bar, rx: 4, class: "fill" }),
    );
    g.append(
      el(
        "text",
        { x: label + plot + 8, y: y + bar / 2 + 5, class: "value" },
        `${(cell.share * 100).toFixed(1)}%`,
      ),
    );
    svg.append(g);
  });
  const x = label + overall.share * plot;
  svg.append(el("line", { x1: x, x2: x, y1: top - 4, y2: barsEnd + 2, class: "overall" }));
  svg.append(
    el(
      "text",
      {
        x: Math.min(Math.max(x, label + 40), label + plot - 40),
        y: barsEnd + 16,
        class: "axis overall-label",
        "text-anchor": "middle",
      },
      `overall ${(overall.share * 100).toFixed(1)}%`,
    ),
  );
  return svg;
}
