/** One category's (or the overall) validation figure, as in `validation.json`. */
export interface ChartCell {
  readonly products: number;
  readonly sameCategory: number;
  readonly share: number;
}

/** The few DOM calls the chart makes (a browser `document` fits). */
export interface ChartDocument {
  createElementNS(namespace: string, name: string): ChartNode;
}

/** An SVG element as the chart uses it. */
export interface ChartNode {
  setAttribute(name: string, value: string): void;
  append(...nodes: ChartNode[]): void;
  textContent: string | null;
}

/** Options of {@link validationChart}. */
export interface ValidationChartOptions {
  /** Width available, in px (clamped to 280–820; the bars get what the labels leave). */
  readonly width: number;
  /** The overall share, drawn as a dashed line. */
  readonly overall?: ChartCell;
  /** The svg element's id. */
  readonly id?: string;
}

/**
 * The validation chart, one implementation for the API's page and the report: horizontal bars, one
 * per category (share descending, then name), the share of its products whose best recommendation
 * has the same category, with the overall share as a dashed line. Each category is a
 * `g[data-category]`; its bar is `rect.fill` with `data-label` (the category), `data-series`
 * ("share") and `data-value` (the share), its figure `text.value`. Self-contained on purpose (no
 * imports, no module state): the report embeds its source text in the page.
 *
 * @example
 * ```ts
 * import { validationChart } from "@cobuy/pipeline/chart";
 * box.replaceChildren(validationChart(document, validation.byCategory, { width: box.clientWidth, overall: validation.overall }));
 * ```
 */
export function validationChart<D extends ChartDocument>(
  doc: D,
  byCategory: Readonly<Record<string, ChartCell>>,
  options: ValidationChartOptions,
): ReturnType<D["createElementNS"]> {
  const el = (name: string, attrs: Record<string, string | number>, text?: string): ChartNode => {
    const node = doc.createElementNS("http://www.w3.org/2000/svg", name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  const rows = Object.entries(byCategory).sort((a, b) => b[1].share - a[1].share || (a[0] < b[0] ? -1 : 1));
  // Drawn at the container's own width so text stays at its CSS size on a phone.
  const width = Math.round(Math.min(820, Math.max(280, options.width)));
  const label = Math.round(Math.min(150, Math.max(56, width * 0.2)));
  const value = 64;
  const bar = 20;
  const gap = 8;
  const top = 24;
  const plot = width - label - value;
  const barsEnd = top + rows.length * (bar + gap);
  const height = barsEnd + 22;
  const overall = options.overall;
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": `Validation share per category${overall ? `; overall ${percent(overall.share)}` : ""}`,
    class: "bars",
    ...(options.id !== undefined && { id: options.id }),
  });
  svg.append(el("text", { x: label, y: 14, class: "axis" }, "0%"));
  svg.append(el("text", { x: label + plot, y: 14, class: "axis", "text-anchor": "end" }, "100%"));
  rows.forEach(([name, cell], i) => {
    const y = top + i * (bar + gap);
    const g = el("g", { "data-category": name });
    g.append(el("title", {}, `${name}: ${cell.sameCategory} of ${cell.products} products`));
    const maxChars = Math.max(6, Math.floor(label / 7.5));
    const shown = name.length > maxChars ? `${name.slice(0, maxChars - 1)}…` : name;
    g.append(el("text", { x: label - 8, y: y + bar / 2 + 5, "text-anchor": "end", class: "label" }, shown));
    g.append(el("rect", { x: label, y, width: plot, height: bar, rx: 4, class: "track" }));
    g.append(
      el("rect", {
        x: label,
        y,
        width: cell.share * plot,
        height: bar,
        rx: 4,
        class: "fill",
        "data-label": name,
        "data-series": "share",
        "data-value": cell.share,
      }),
    );
    g.append(
      el(
        "text",
        { x: label + plot + 8, y: y + bar / 2 + 5, class: "value", "data-label": name },
        percent(cell.share),
      ),
    );
    svg.append(g);
  });
  if (overall) {
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
        `overall ${percent(overall.share)}`,
      ),
    );
  }
  return svg as ReturnType<D["createElementNS"]>;
}
