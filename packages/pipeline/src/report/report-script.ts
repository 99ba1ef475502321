import { validationChart } from "./validation-chart.js";

// The report's in-page script: plain browser JavaScript kept as a string (the page has no network
// and no build step). It reads the embedded JSON and draws every chart as inline SVG; each bar and
// point carries data-label / data-series / data-value so tests can check what was drawn.
export const REPORT_SCRIPT = `
(function () {
  "use strict";
  // The same chart the API's page draws (its source text, compiled). Some compilers wrap inner
  // functions in __name(fn, "name") to keep their names; here that must be a no-op.
  var __name = function (f) { return f; };
  var validationChart = ${validationChart.toString()};
  // Bars 420 px wide, as the report's other charts.
  var CHART_WIDTH = 605;
  var data = JSON.parse(document.getElementById("cobuy-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563", "#65a30d"];
  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function h(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (typeof v !== "number" || !isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    var a = Math.abs(v);
    if (a > 0 && a < 0.01) return v.toPrecision(2);
    return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  }
  function section(id, title, note) {
    var s = h("section", { id: id }, document.getElementById("charts"));
    h("h2", {}, s, title);
    if (note) h("p", { class: "note" }, s, note);
    return s;
  }
  function tooltip(node, text) { el("title", {}, node, text); }

  // Horizontal bars: items [{label, value}], one series.
  function hbars(parent, id, items, series, max) {
    var rowH = 18, labelW = 210, barW = 420, pad = 4;
    var svg = el("svg", { id: id, width: labelW + barW + 70, height: items.length * rowH + 2 * pad, role: "img" }, parent);
    max = max || Math.max.apply(null, items.map(function (d) { return d.value; }).concat([1e-12]));
    items.forEach(function (d, i) {
      var y = pad + i * rowH;
      el("text", { x: labelW - 6, y: y + rowH * 0.7, "text-anchor": "end", class: "label" }, svg, d.label);
      var w = Math.max(0, (d.value / max) * barW);
      var r = el("rect", { x: labelW, y: y + 2, width: w, height: rowH - 4, fill: d.color || COLORS[0],
        "data-label": d.label, "data-series": series, "data-value": d.value, class: "bar" }, svg);
      tooltip(r, d.label + ": " + fmt(d.value) + (d.extra ? " (" + d.extra + ")" : ""));
      el("text", { x: labelW + w + 4, y: y + rowH * 0.7, class: "value", "data-label": d.label, "data-series": series }, svg, fmt(d.value));
    });
    return svg;
  }

  // Grouped vertical bars: groups = metric names, series = configurations.
  function groupedBars(parent, id, groups, series, valueOf) {
    var W = 860, H = 300, left = 40, bottom = 40, top = 16;
    var svg = el("svg", { id: id, width: W, height: H, role: "img" }, parent);
    var gw = (W - left - 10) / groups.length;
    var bw = Math.max(4, (gw - 16) / series.length);
    el("line", { x1: left, y1: H - bottom, x2: W - 5, y2: H - bottom, class: "axis" }, svg);
    for (var t = 0; t <= 4; t++) {
      var yy = H - bottom - (t / 4) * (H - bottom - top);
      el("line", { x1: left, y1: yy, x2: W - 5, y2: yy, class: "grid" }, svg);
      el("text", { x: left - 4, y: yy + 4, "text-anchor": "end", class: "tick" }, svg, (t / 4).toFixed(2));
    }
    groups.forEach(function (g, gi) {
      var x0 = left + gi * gw + 8;
      el("text", { x: x0 + (bw * series.length) / 2, y: H - bottom + 16, "text-anchor": "middle", class: "label" }, svg, g);
      series.forEach(function (s, si) {
        var v = valueOf(s, g);
        if (typeof v !== "number") return;
        var bh = Math.min(1, Math.max(0, v)) * (H - bottom - top);
        var r = el("rect", { x: x0 + si * bw, y: H - bottom - bh, width: bw - 2, height: bh, fill: COLORS[si % COLORS.length],
          "data-label": s, "data-series": g, "data-value": v, class: "bar" }, svg);
        tooltip(r, s + " · " + g + ": " + fmt(v));
      });
    });
    var legend = h("div", { class: "legend" }, parent);
    series.forEach(function (s, si) {
      var item = h("span", {}, legend);
      h("i", { style: "background:" + COLORS[si % COLORS.length] }, item);
      item.appendChild(document.createTextNode(s));
    });
    return svg;
  }

  // Curves: x values, one line per series [{name, points:[{x, y}]}].
  function curves(parent, id, title, series, xLabel) {
    var W = 280, H = 220, left = 40, bottom = 34, top = 22, right = 10;
    var svg = el("svg", { id: id, width: W, height: H, role: "img", class: "panel" }, parent);
    el("text", { x: W / 2, y: 14, "text-anchor": "middle", class: "title" }, svg, title);
    var xs = [], ys = [];
    series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p.x); ys.push(p.y); }); });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y1 = Math.max(1e-9, Math.max.apply(null, ys));
    if (x1 === x0) x1 = x0 + 1;
    function X(v) { return left + ((v - x0) / (x1 - x0)) * (W - left - right); }
    function Y(v) { return H - bottom - (v / y1) * (H - bottom - top); }
    el("line", { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: "axis" }, svg);
    el("line", { x1: left, y1: top, x2: left, y2: H - bottom, class: "axis" }, svg);
    el("text", { x: left - 4, y: top + 4, "text-anchor": "end", class: "tick" }, svg, fmt(y1));
    el("text", { x: left - 4, y: H - bottom, "text-anchor": "end", class: "tick" }, svg, "0");
    el("text", { x: left, y: H - bottom + 14, class: "tick" }, svg, fmt(x0));
    el("text", { x: W - right, y: H - bottom + 14, "text-anchor": "end", class: "tick" }, svg, fmt(x1));
    el("text", { x: (W + left) / 2, y: H - 4, "text-anchor": "middle", class: "tick" }, svg, xLabel);
    series.forEach(function (s, si) {
      var color = COLORS[si % COLORS.length];
      var d = s.points.map(function (p, i) { return (i ? "L" : "M") + X(p.x).toFixed(1) + "," + Y(p.y).toFixed(1); }).join("");
      el("path", { d: d, fill: "none", stroke: color, "stroke-width": 2, "data-series": s.name }, svg);
      s.points.forEach(function (p) {
        var c = el("circle", { cx: X(p.x), cy: Y(p.y), r: 3, fill: color, "data-label": s.name, "data-series": title,
          "data-x": p.x, "data-value": p.y, class: "point" }, svg);
        tooltip(c, s.name + ", min score " + fmt(p.x) + ": " + fmt(p.y));
      });
    });
    return svg;
  }

  function table(parent, id, head, rows) {
    var t = h("table", { id: id }, parent);
    var tr = h("tr", {}, h("thead", {}, t));
    head.forEach(function (c) { h("th", {}, tr, c); });
    var tb = h("tbody", {}, t);
    rows.forEach(function (r) {
      var row = h("tr", {}, tb);
      r.forEach(function (c) { h("td", typeof c === "number" ? { class: "num" } : {}, row, typeof c === "number" ? fmt(c) : c); });
    });
    return t;
  }

  var ev = data.evaluation;
  var run = data.run;
  var k = ev ? ev.k : run && typeof run.params.k === "number" ? run.params.k : 5;
  var summary = document.getElementById("summary");
  function count(v) { return v === null ? "not built" : typeof v === "number" ? v.toLocaleString("en-US") : String(v); }
  function factList(parent, id, title, rows) {
    var box = h("div", { class: "facts", id: id }, parent);
    h("h3", {}, box, title);
    var dl = h("dl", {}, box);
    rows.forEach(function (f) { h("dt", {}, dl, f[0]); h("dd", { "data-fact": f[2] || f[0] }, dl, String(f[1])); });
    return box;
  }
  function headlineCard(parent, metric, value, text, small) {
    var c = h("div", { class: "card", "data-metric": metric, "data-value": value }, parent);
    h("div", { class: "big" }, c, text);
    h("div", {}, c, metric);
    if (small) h("div", { class: "small" }, c, small);
    return c;
  }
  var overall = data.validation && data.validation.overall;
  if (run) {
    var p = run.params, sim = p.similarity || {};
    if (overall) {
      var vcards = h("div", { class: "cards", id: "validation-headline" }, summary);
      headlineCard(vcards, "classic metric", overall.share, (overall.share * 100).toFixed(1) + "%",
        count(overall.sameCategory) + " of " + count(overall.products) + " products: best recommendation in the same category");
    }
    var cols = h("div", { class: "row" }, summary);
    var COUNT_LABELS = { orders: "orders", rows: "order lines", products: "products", nonzerosC: "nonzeros of C",
      pairs: "pairs", skippedRows: "skipped rows", catalogUnknownIds: "catalog ids without sales" };
    var countRows = Object.keys(run.counts).map(function (c) { return [COUNT_LABELS[c] || c, count(run.counts[c]), c]; });
    if (run.createdAt) countRows.unshift(["created", run.createdAt.replace("T", " ").replace(/\\.\\d+Z$/, " UTC"), "createdAt"]);
    if (run.runId) countRows.unshift(["run", run.runId, "run"]);
    factList(cols, "run-counts", "Counts", countRows);
    var caps = sim.caps ? Object.keys(sim.caps).map(function (c) { return c + " " + sim.caps[c]; }).join(", ") : "none";
    var paramRows = [["measure", (sim.measure || "cosine") + (sim.chosen === "auto" ? " (chosen by auto)" : ""), "measure"], ["k", k, "k"]];
    if (p.minScore !== undefined) paramRows.push(["min score", p.minScore, "minScore"]);
    paramRows.push(["min pair support", sim.minPairSupport !== undefined ? sim.minPairSupport : p.minSupport, "minPairSupport"]);
    paramRows.push(["caps", caps, "caps"]);
    if (p.blend) paramRows.push(["blend", Object.keys(p.blend).map(function (b) { return b + " " + p.blend[b]; }).join(", "), "blend"]);
    if (p.incidence !== undefined) paramRows.push(["incidence", p.incidence, "incidence"]);
    if (run.plan) paramRows.push(["plan", run.plan.strategy + ", " + run.plan.threads + " thread" + (run.plan.threads === 1 ? "" : "s"), "plan"]);
    if (p.input !== undefined) paramRows.push(["input", p.input, "input"]);
    factList(cols, "run-params", "Parameters", paramRows);
    if (run.stages && run.stages.length) {
      var st = h("div", { class: "facts", id: "run-stages" }, cols);
      h("h3", {}, st, "Stage times");
      var total = run.stages.reduce(function (a, x) { return a + x.seconds; }, 0);
      table(st, "table-stages", ["stage", "seconds"], run.stages.map(function (x) { return [x.running ? x.name + " (so far)" : x.name, x.seconds]; }).concat([["total", total]]));
    }
  }
  if (ev) {
    var eb = ev.evidenceBlend && ev.evidenceBlend.chosen;
    var chosen = ev.similarity.chosen + (ev.blend ? " + popular:" + ev.blend.popular : "") + (eb ? "+evidence:" + eb.prior + "/keep:" + eb.keepSimilar + (eb.minCoverage ? "/cover:" + eb.minCoverage : "") : "");
    var facts = [["measure", chosen + (ev.similarity.requested === "auto" ? " (chosen by auto)" : "")],
      ["min pair support", ev.similarity.minPairSupport], ["k", k],
      ["split", ev.split.method === "holdout" ? "holdout " + ev.split.fraction + ", seed " + ev.split.seed : "by time (" + ev.split.column + "), latest " + ev.split.fraction],
      ["orders (train / test)", ev.split.trainOrders + " / " + ev.split.testOrders], ["products", ev.counts.products]];
    var dl = h("dl", {}, summary);
    facts.forEach(function (f) { h("dt", {}, dl, f[0]); h("dd", {}, dl, String(f[1])); });
    var cards = h("div", { class: "cards", id: "headline" }, summary);
    ["hitRate@" + k, "ndcg@" + k, "coverage", "sameCategory"].forEach(function (m) {
      var c = h("div", { class: "card", "data-metric": m, "data-value": ev.metrics[m] }, cards);
      h("div", { class: "big" }, c, fmt(ev.metrics[m]));
      h("div", {}, c, m);
      h("div", { class: "small" }, c, "popular baseline: " + fmt(ev.baseline.popular[m]));
    });
  }

  var byCategory = ev ? ev.byCategory : data.validation ? data.validation.byCategory : null;
  if (byCategory) {
    var s1 = section("by-category", "Classic metric per category",
      "Share of a category's products whose best recommendation is in the same category" + (ev ? " (" + chosen + ", training orders)." : "."));
    s1.appendChild(validationChart(document, byCategory, {
      width: CHART_WIDTH, id: "chart-by-category", overall: !ev && data.validation.overall ? data.validation.overall : undefined }));
  }

  if (ev) {
    var s2 = section("by-measure", "Evaluation metrics by measure",
      "Every measure built on the same training orders and scored on the same held-out orders. The popular baseline is the same top-" + k + " list for everyone: read HitRate beside coverage.");
    var names = Object.keys(ev.measures).concat(["popular (baseline)"]);
    function metricsOf(n) { return n === "popular (baseline)" ? ev.baseline.popular : ev.measures[n]; }
    var groups = ["hitRate@" + k, "precision@" + k, "recall@" + k, "mrr", "ndcg@" + k, "coverage", "fullLists", "sameCategory"];
    groupedBars(s2, "chart-measures", groups, names, function (s, g) { return metricsOf(s)[g]; });
    table(s2, "table-measures", ["measure"].concat(groups, ["popularityBias"]),
      names.map(function (n) { var m = metricsOf(n); return [n].concat(groups.concat(["popularityBias"]).map(function (g) { return m[g]; })); }));
    var sel = ev.similarity.selection;
    if (sel) {
      var s2b = section("auto", "How auto chose",
        "Candidates built on " + sel.trainOrders + " training orders, scored on " + sel.validationOrders + " validation orders carved from the training orders (never the test orders). Rule: " + sel.rule + ".");
      table(s2b, "table-auto", ["measure", "min pair support", "hitRate@" + k, "coverage", "eligible"],
        sel.candidates.map(function (c) { return [c.similarity, String(c.minPairSupport), c.hitRate, c.coverage, c.eligible ? "yes" : "no"]; }));
    }
  }

  // The random holdout beside the split by time (section "splits"), when the input has a time column.
  if (ev && ev.splits && ev.splits.length) {
    var sp = section("splits", "Random holdout and split by time",
      "The same evaluation on each split, each choosing on its own training orders. The split by time trains on the past and tests on the latest orders, as the lists will live.");
    var splitName = function (x) { return x.split.method === "time" ? "by time (" + x.split.column + ")" : "random (seed " + x.split.seed + ")"; };
    var splitGroups = ["hitRate@" + k, "coverage", "sameCategory"];
    groupedBars(sp, "chart-splits", splitGroups, ev.splits.map(splitName).concat(ev.splits.map(function (x) { return "best sellers, " + splitName(x); })),
      function (n, g) {
        var i = ev.splits.map(splitName).indexOf(n);
        if (i >= 0) return ev.splits[i].metrics[g];
        var j = ev.splits.map(function (x) { return "best sellers, " + splitName(x); }).indexOf(n);
        return ev.splits[j].baseline.popular[g];
      });
    table(sp, "table-splits", ["split", "train / test orders", "served", "hitRate@" + k, "coverage", "sameCategory", "best sellers hitRate@" + k],
      ev.splits.map(function (x) { return [splitName(x), x.split.trainOrders + " / " + x.split.testOrders, x.served, x.metrics["hitRate@" + k], x.metrics.coverage, x.metrics.sameCategory, x.baseline.popular["hitRate@" + k]]; }));
  }

  // The evidence blend's choice and HitRate by popularity decile (sections "blend-auto", "slices").
  var bsel = ev && ev.evidenceBlend && ev.evidenceBlend.selection;
  if (bsel) {
    var sb = section("blend-auto", "How the blend was tuned",
      "Best sellers take the slots of similar items with weak evidence (prior in orders; the first similar items always kept; uncovered similar items swapped in where they cost least until the lists cover the share asked). Scored on " + bsel.validationOrders + " validation orders. Rule: " + bsel.rule + ".");
    table(sb, "table-blend-auto", ["blend", "hitRate@" + k, "coverage", "eligible"],
      bsel.candidates.map(function (c) { return [c.blend ? "prior " + c.blend.prior + ", keep " + c.blend.keepSimilar + (c.blend.minCoverage ? ", cover " + c.blend.minCoverage : "") : "none", c.hitRate, c.coverage, c.eligible ? "yes" : "no"]; }));
  }
  if (ev && ev.slices && ev.slices.length) {
    var ss = section("slices", "HitRate by product popularity",
      "Held-out cases grouped by the training popularity of the product whose list is shown: decile 1 is the head (the most bought tenth of the catalog), 10 the tail.");
    var sliceNames = Object.keys(ev.slices[0].hitRate);
    groupedBars(ss, "chart-slices", ev.slices.map(function (d) { return "decile " + d.decile; }), sliceNames,
      function (n, g) { return ev.slices.filter(function (d) { return "decile " + d.decile === g; })[0].hitRate[n]; });
    table(ss, "table-slices", ["decile", "products", "training orders", "cases"].concat(sliceNames.map(function (n) { return "hitRate@" + k + " " + n; })),
      ev.slices.map(function (d) { return [String(d.decile), d.products, d.minOrders + "–" + d.maxOrders, d.cases].concat(sliceNames.map(function (n) { return d.hitRate[n]; })); }));
  }

  var sw = data.sweep;
  if (sw && sw.cells.length) {
    var s3 = section("sweep", "Threshold sweep (" + sw.similarity + ")",
      "One curve per minimum pair support; x is the minimum score. Pick thresholds where the classic metric rises without losing too much coverage.");
    var row = h("div", { class: "row" }, s3);
    [["sameCategory", "classic metric"], ["hitRate", "hitRate@" + sw.k], ["coverage", "coverage"]].forEach(function (m) {
      var series = sw.minPairSupports.map(function (sp) {
        return { name: "support ≥ " + sp, points: sw.cells.filter(function (c) { return c.minPairSupport === sp; })
          .map(function (c) { return { x: c.minScore, y: c[m[0]] }; }) };
      });
      curves(row, "chart-sweep-" + m[0], m[1], series, "minimum score");
    });
    var legend = h("div", { class: "legend" }, s3);
    sw.minPairSupports.forEach(function (sp, i) {
      var item = h("span", {}, legend);
      h("i", { style: "background:" + COLORS[i % COLORS.length] }, item);
      item.appendChild(document.createTextNode("support ≥ " + sp));
    });
  }

  var dist = ev ? ev.scoreDistribution : data.scoreDistribution;
  if (dist && dist.bins.length) {
    var s4 = section("scores", "Score distribution (" + dist.similarity + ")", "Scores of every listed recommendation.");
    hbars(s4, "chart-scores", dist.bins.map(function (b) { return { label: fmt(b.from) + " – " + fmt(b.to), value: b.count }; }), "count");
  }

  var examples = ev ? ev.examples : data.examples;
  if (examples && examples.length) {
    var s5 = section("examples", "Example products", "The best seller of the largest categories and what it recommends.");
    var grid = h("div", { class: "examples" }, s5);
    examples.forEach(function (e) {
      var card = h("div", { class: "example" }, grid);
      h("h3", {}, card, e.id);
      h("div", { class: "small" }, card, (e.category || "no category") + (e.orders !== undefined ? " · " + e.orders + " orders" : ""));
      var ol = h("ol", {}, card);
      e.recs.forEach(function (r) {
        var li = h("li", { "data-reason": r.reason || "similar" }, ol);
        h("span", { class: "rec" }, li, r.id);
        h("span", { class: "small" }, li, " " + (r.category || "") + (r.reason && r.reason !== "similar" ? "" : " · " + fmt(r.score)) + (r.support ? " · " + r.support + " together" : "") + (r.reason && r.reason !== "similar" ? " · " + r.reason : ""));
      });
      if (!e.recs.length) h("p", { class: "small" }, card, "no recommendation");
    });
  }
  document.body.setAttribute("data-rendered", "true");
})();
`;
