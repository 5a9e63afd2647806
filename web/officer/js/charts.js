// Small inline-SVG charts (no library, no build step): grouped bars per month and a line over months.
// Each chart is a <figure> whose <svg role="img"> is named by its caption and described by a short text;
// the caller puts the same figures in a table beside it (the text alternative).

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 260;
const PAD = { top: 16, right: 16, bottom: 40, left: 44 };
//: Colours with at least 3:1 contrast against white, told apart by pattern of position and the legend too.
export const PALETTE = ["#1f5fa8", "#2e7d32", "#b3261e", "#8a5a00", "#6a3fa0", "#00695c"];

let counter = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

function frame({ caption, summary, id }) {
  const captionId = `${id}-caption`;
  const descId = `${id}-desc`;
  const svg = el("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    width: "100%",
    role: "img",
    "aria-labelledby": captionId,
    "aria-describedby": descId,
    class: "chart",
    id,
    focusable: "false",
  }, el("desc", { id: descId }, summary));
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  const figcaption = document.createElement("figcaption");
  figcaption.id = captionId;
  figcaption.textContent = caption;
  figure.append(figcaption, svg);
  return { figure, svg };
}

function axes(svg, { labels, max, unit, x }) {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const group = el("g", { class: "axes", "aria-hidden": "true" });
  for (let i = 0; i <= 4; i += 1) {
    const value = (max * i) / 4;
    const y = PAD.top + plotHeight - (plotHeight * i) / 4;
    group.append(
      el("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, stroke: "#d0d7de", "stroke-width": 1 }),
      el("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#444" },
        `${Number.isInteger(value) ? value : value.toFixed(1)}${unit || ""}`),
    );
  }
  labels.forEach((label, i) => {
    group.append(el("text", { x: x(i), y: HEIGHT - PAD.bottom + 16, "text-anchor": "middle", "font-size": 11, fill: "#222" }, label));
  });
  svg.append(group);
}

function legend(svg, series) {
  const group = el("g", { class: "legend", "aria-hidden": "true" });
  let x = PAD.left;
  series.forEach((s, i) => {
    const colour = s.colour || PALETTE[i % PALETTE.length];
    group.append(
      el("rect", { x, y: HEIGHT - 14, width: 10, height: 10, fill: colour }),
      el("text", { x: x + 14, y: HEIGHT - 5, "font-size": 11, fill: "#222" }, s.label),
    );
    x += 24 + s.label.length * 7;
  });
  svg.append(group);
}

/**
 * Grouped bars: one group per label (month), one bar per series.
 * @param {{caption: string, summary: string, labels: string[], series: {label: string, values: number[], colour?: string}[]}} spec
 */
export function barChart({ caption, summary, labels, series }) {
  counter += 1;
  const { figure, svg } = frame({ caption, summary, id: `chart-bars-${counter}` });
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, labels.length);
  const bar = Math.max(2, (slot * 0.8) / Math.max(1, series.length));
  const x = (i) => PAD.left + slot * i + slot / 2;
  axes(svg, { labels, max, x });
  const bars = el("g", { class: "bars" });
  labels.forEach((label, i) => {
    series.forEach((s, j) => {
      const value = s.values[i] || 0;
      const height = (plotHeight * value) / max;
      bars.append(el("rect", {
        x: x(i) - (bar * series.length) / 2 + bar * j,
        y: PAD.top + plotHeight - height,
        width: bar - 1,
        height,
        fill: s.colour || PALETTE[j % PALETTE.length],
        "data-series": s.label,
        "data-label": label,
        "data-value": value,
      }, el("title", {}, `${s.label} ${label}: ${value}`)));
    });
  });
  svg.append(bars);
  legend(svg, series);
  return figure;
}

/**
 * A line with points over the labels; missing values (null) break the line.
 * @param {{caption: string, summary: string, labels: string[], values: (number|null)[], max?: number, unit?: string, label: string, target?: number}} spec
 */
export function lineChart({ caption, summary, labels, values, max = 100, unit = "", label, target }) {
  counter += 1;
  const { figure, svg } = frame({ caption, summary, id: `chart-line-${counter}` });
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, labels.length);
  const x = (i) => PAD.left + slot * i + slot / 2;
  const y = (v) => PAD.top + plotHeight - (plotHeight * v) / max;
  axes(svg, { labels, max, unit, x });
  if (target !== undefined) {
    svg.append(el("line", {
      x1: PAD.left, x2: WIDTH - PAD.right, y1: y(target), y2: y(target),
      stroke: "#8a5a00", "stroke-dasharray": "6 4", "stroke-width": 1.5, "aria-hidden": "true",
    }));
  }
  let path = "";
  values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    path += `${path && values[i - 1] !== null && values[i - 1] !== undefined ? "L" : "M"}${x(i)},${y(v)}`;
  });
  svg.append(el("path", { d: path, fill: "none", stroke: PALETTE[0], "stroke-width": 2.5, class: "line" }));
  const points = el("g", { class: "points" });
  values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    points.append(el("circle", { cx: x(i), cy: y(v), r: 4, fill: PALETTE[0], "data-label": labels[i], "data-value": v },
      el("title", {}, `${label} ${labels[i]}: ${v}${unit}`)));
  });
  svg.append(points);
  legend(svg, [{ label, colour: PALETTE[0] }]);
  return figure;
}
