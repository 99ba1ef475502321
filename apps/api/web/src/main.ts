import "./style.css";
import { validationChart } from "@cobuy/pipeline/chart";
import { ApiFailure, api, type ProductRecord, type RunSummary, type SimilarResponse } from "./api.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const runBox = $<HTMLDivElement>("run");
const form = $<HTMLFormElement>("search-form");
const input = $<HTMLInputElement>("search");
const results = $<HTMLUListElement>("results");
const more = $<HTMLButtonElement>("more");
const searchStatus = $<HTMLParagraphElement>("search-status");
const similarTitle = $<HTMLHeadingElement>("similar-title");
const similarStatus = $<HTMLParagraphElement>("similar-status");
const similarList = $<HTMLOListElement>("similar");
const kSelect = $<HTMLSelectElement>("k");
const backfillBox = $<HTMLInputElement>("backfill");
const chart = $<HTMLDivElement>("chart");

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const fmt = new Intl.NumberFormat("en");
const message = (err: unknown) => (err instanceof ApiFailure ? err.message : "the server did not answer");

// ── active run + chart ────────────────────────────────────────────────────────
function showRun(run: RunSummary): void {
  const counts = run.counts ?? {};
  const bits = [h("strong", {}, run.runId)];
  const facts: string[] = [];
  if (counts.products !== undefined) facts.push(`${fmt.format(counts.products)} products`);
  if (counts.orders !== undefined) facts.push(`${fmt.format(counts.orders)} orders`);
  if (run.validation) facts.push(`${(run.validation.overall.share * 100).toFixed(1)}% same-category`);
  runBox.replaceChildren(
    h("span", { class: "muted" }, "active run "),
    ...bits,
    h("span", { class: "facts" }, facts.join(" · ")),
  );
  runBox.dataset.runId = run.runId;
  shownRun = run;
  drawChart();
}

let shownRun: RunSummary | null = null;
function drawChart(): void {
  const v = shownRun?.validation;
  if (v && Object.keys(v.byCategory).length > 0) {
    chart.replaceChildren(
      validationChart(document, v.byCategory, { width: chart.clientWidth, overall: v.overall }),
    );
  } else if (shownRun) {
    chart.replaceChildren(h("p", { class: "muted" }, "This run has no validation metric."));
  }
}
let lastWidth = 0;
new ResizeObserver(() => {
  if (Math.abs(chart.clientWidth - lastWidth) < 8) return;
  lastWidth = chart.clientWidth;
  drawChart();
}).observe(chart);

// ── search ────────────────────────────────────────────────────────────────────
let searchAbort: AbortController | null = null;
let nextOffset: number | null = null;
let lastQuery = "";

async function search(query: string, offset = 0): Promise<void> {
  searchAbort?.abort();
  const ctrl = new AbortController();
  searchAbort = ctrl;
  lastQuery = query;
  if (offset === 0) searchStatus.textContent = "searching…";
  try {
    const page = await api.search(query, offset, ctrl.signal);
    if (ctrl.signal.aborted) return;
    if (offset === 0) results.replaceChildren();
    results.append(...page.items.map(resultItem));
    nextOffset = page.nextOffset;
    more.hidden = nextOffset === null;
    searchStatus.textContent =
      results.childElementCount === 0 ? `No product name or id matches “${query}”.` : "";
  } catch (err) {
    if (ctrl.signal.aborted) return;
    searchStatus.textContent = `Search failed: ${message(err)}`;
  }
}

const plural = (n: number, one: string, many: string) => `${fmt.format(n)} ${n === 1 ? one : many}`;
const chip = (category: string | null) => (category === null ? "" : h("span", { class: "chip" }, category));
/** The product's name, and its id small beside it (just the id when it has no catalog name). */
const label = (p: { id: string; name: string }): (Node | string)[] =>
  p.name === p.id
    ? [h("span", { class: "pid" }, p.id)]
    : [h("span", { class: "pname" }, p.name), " ", h("span", { class: "pid small muted" }, p.id)];

function resultItem(p: ProductRecord): HTMLLIElement {
  // Order counts are real only when the run carries product statistics.
  const orders = shownRun?.productStats === "document" && p.support !== null;
  const button = h(
    "button",
    { type: "button", class: "result", "data-product-id": p.id },
    h(
      "span",
      { class: "label", title: p.name },
      h("span", { class: p.name === p.id ? "pid" : "pname" }, p.name),
    ),
    chip(p.category),
    // A long name is cut with an ellipsis: the id stays visible on the line below.
    h(
      "span",
      { class: "muted small" },
      p.name === p.id ? "" : h("span", { class: "pid" }, p.id),
      p.name !== p.id && orders ? " · " : "",
      orders ? plural(p.support ?? 0, "order", "orders") : "",
    ),
  );
  button.addEventListener("click", () => {
    location.hash = `#/p/${encodeURIComponent(p.id)}`;
  });
  return h("li", {}, button);
}

let debounce = 0;
input.addEventListener("input", () => {
  clearTimeout(debounce);
  debounce = window.setTimeout(() => void search(input.value.trim()), 150);
});
form.addEventListener("submit", (e) => {
  e.preventDefault();
  clearTimeout(debounce);
  void search(input.value.trim());
});
more.addEventListener("click", () => {
  if (nextOffset !== null) void search(lastQuery, nextOffset);
});

// ── similar products ──────────────────────────────────────────────────────────
let similarAbort: AbortController | null = null;

async function showSimilar(id: string): Promise<void> {
  similarAbort?.abort();
  const ctrl = new AbortController();
  similarAbort = ctrl;
  for (const b of results.querySelectorAll<HTMLButtonElement>("button.result")) {
    b.setAttribute("aria-current", String(b.dataset.productId === id));
  }
  similarTitle.replaceChildren("Similar to ", h("span", { class: "pid" }, id));
  similarStatus.textContent = "loading…";
  similarList.setAttribute("aria-busy", "true");
  try {
    const res = await api.similar(id, Number(kSelect.value), backfillBox.checked, ctrl.signal);
    if (ctrl.signal.aborted) return;
    renderSimilar(res);
  } catch (err) {
    if (ctrl.signal.aborted) return;
    similarList.replaceChildren();
    similarStatus.textContent =
      err instanceof ApiFailure && err.status === 404
        ? `Product “${id}” is not in the active run.`
        : `Failed: ${message(err)}`;
  } finally {
    similarList.removeAttribute("aria-busy");
  }
}

// Set through CSSOM: the page's Content-Security-Policy forbids inline style attributes.
function barFill(percent: number): HTMLSpanElement {
  const fill = h("span", { class: "bar-fill" });
  fill.style.width = `${percent.toFixed(1)}%`;
  return fill;
}

function renderSimilar(res: SimilarResponse): void {
  similarTitle.replaceChildren(
    "Similar to ",
    ...label({ id: res.productId, name: res.name }),
    " ",
    chip(res.category),
  );
  // Filling from the category needs one.
  backfillBox.disabled = res.category === null;
  backfillBox.parentElement?.setAttribute("title", res.category === null ? "this run has no categories" : "");
  const top = Math.max(...res.items.map((i) => i.score), 1e-12);
  similarList.replaceChildren(
    ...res.items.map((item) => {
      const filler = item.reason === "backfill";
      const link = h(
        "a",
        { href: `#/p/${encodeURIComponent(item.id)}`, class: item.name === item.id ? "pid" : "pname" },
        item.name,
      );
      const bar = h("span", { class: "bar" }, barFill((item.score / top) * 100));
      return h(
        "li",
        {
          class: filler ? "item filler" : "item",
          "data-id": item.id,
          "data-name": item.name,
          "data-score": String(item.score),
          "data-category": item.category ?? "",
          ...(filler ? { "data-reason": "backfill" } : {}),
        },
        h(
          "div",
          { class: "row1" },
          link,
          item.name === item.id ? "" : h("span", { class: "pid small muted" }, item.id),
          h(
            "span",
            { class: "muted small support" },
            filler ? "popular in category" : `${plural(item.support, "order", "orders")} together`,
          ),
          chip(item.category),
        ),
        filler ? "" : h("div", { class: "row2" }, bar, h("span", { class: "score" }, item.score.toFixed(3))),
      );
    }),
  );
  similarStatus.textContent =
    res.items.length === 0
      ? "No product was bought with this one often enough. Try “fill from category”."
      : "";
}

function route(): void {
  const m = /^#\/p\/(.+)$/.exec(location.hash);
  if (m?.[1]) void showSimilar(decodeURIComponent(m[1]));
}
window.addEventListener("hashchange", route);
kSelect.addEventListener("change", route);
backfillBox.addEventListener("change", route);

// ── start ─────────────────────────────────────────────────────────────────────
api
  .activeRun()
  .then(showRun)
  .catch((err: unknown) => {
    runBox.textContent = `No active run: ${message(err)}`;
    chart.replaceChildren();
  })
  // The first page of products waits for the run: it says whether order counts are real.
  .finally(() => void search(input.value.trim()));
route();
