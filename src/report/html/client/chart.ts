/**
 * The hand-drawn SVG charts every section shares: axes, a step series with threshold lines and event
 * markers (the listener's queue), and a two-series histogram on a log axis (handshake RTTs).
 * Hand-written rather than a charting library: see the README ("HTML report") for the measurement.
 */
import { px, s, svgTitle } from './dom.js';
import { linearScale, logScale, type Scale } from './scale.js';

export interface Margins { top: number; right: number; bottom: number; left: number }

export function axisBottom(sc: Scale, y: number, fmt: (v: number) => string, ticks = 6, label?: string): SVGElement {
  const g = s('g', { class: 'axis axis-x' });
  const [r0, r1] = sc.range;
  g.appendChild(s('line', { x1: r0, x2: r1, y1: px(y), y2: px(y) }));
  for (const v of sc.ticks(ticks)) {
    const x = px(sc(v));
    g.appendChild(s('line', { x1: x, x2: x, y1: px(y), y2: px(y + 4) }));
    g.appendChild(s('text', { x, y: px(y + 15), 'text-anchor': 'middle' }, fmt(v)));
  }
  if (label) g.appendChild(s('text', { x: px((r0 + r1) / 2), y: px(y + 30), 'text-anchor': 'middle', class: 'axis-label' }, label));
  return g;
}

export function axisLeft(sc: Scale, x: number, fmt: (v: number) => string, ticks = 5, label?: string, grid?: number): SVGElement {
  const g = s('g', { class: 'axis axis-y' });
  const [r0, r1] = sc.range;
  g.appendChild(s('line', { x1: px(x), x2: px(x), y1: r0, y2: r1 }));
  for (const v of sc.ticks(ticks)) {
    const y = px(sc(v));
    g.appendChild(s('line', { x1: px(x - 4), x2: px(x), y1: y, y2: y }));
    if (grid !== undefined) g.appendChild(s('line', { x1: px(x), x2: px(grid), y1: y, y2: y, class: 'grid' }));
    g.appendChild(s('text', { x: px(x - 7), y: px(y + 4), 'text-anchor': 'end' }, fmt(v)));
  }
  if (label) {
    const my = px((r0 + r1) / 2);
    g.appendChild(s('text', { x: px(x - 44), y: my, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 ${px(x - 44)} ${my})` }, label));
  }
  return g;
}

/** A horizontal line across the plot at a value (a threshold). */
export interface LevelLine { y: number; label: string; cls: string }

/**
 * An event at a time: a vertical line across the plot with a symbol on top, or, for events that come
 * by the dozen (`rug`: the row, from the bottom), a short tick along the time axis.
 */
export interface Marker { x: number; label: string; cls: string; symbol: string; rug?: number }

export interface StepChartSpec {
  width: number;
  height: number;
  /** (x, y) points, x ascending; the value holds until the next point. */
  points: ReadonlyArray<readonly [number, number]>;
  xDomain: [number, number];
  /** The y axis reaches at least this (e.g. a threshold above every point). */
  yMin: number;
  lines: LevelLine[];
  markers: Marker[];
  xFormat: (v: number) => string;
  xLabel: string;
  yLabel: string;
  /** Where a point's value is drawn emphasised (the peak), and its label. */
  highlight?: { x: number; y: number; label: string };
}

/** A step line (a count over time) with level lines and event markers. */
export function stepChart(spec: StepChartSpec): { svg: SVGElement; x: Scale; y: Scale } {
  const m: Margins = { top: 14, right: 16, bottom: 40, left: 58 };
  const W = spec.width, H = spec.height;
  // A level far above the data (a threshold of 64 over a peak of 1) would flatten it: such a line
  // is named at the top of the plot instead of drawn.
  const dataMax = Math.max(spec.yMin, 1, ...spec.points.map((p) => p[1]));
  const drawn = spec.lines.filter((l) => l.y <= dataMax * 3);
  const above = spec.lines.filter((l) => l.y > dataMax * 3);
  const yMax = Math.max(dataMax, ...drawn.map((l) => l.y));
  const x = linearScale(spec.xDomain, [m.left, W - m.right]);
  const y = linearScale([0, yMax * 1.08], [H - m.bottom, m.top]);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart step-chart', role: 'img' });
  svg.appendChild(axisLeft(y, m.left, (v) => (Number.isInteger(v) ? String(v) : ''), 5, spec.yLabel, W - m.right));
  svg.appendChild(axisBottom(x, H - m.bottom, spec.xFormat, 8, spec.xLabel));
  // The step path: horizontal to the next point's time, then vertical to its value.
  let d = '';
  const pts = spec.points;
  for (let i = 0; i < pts.length; i++) {
    const [px0, py0] = pts[i]!;
    const X = px(x(px0)), Y = px(y(py0));
    d += i === 0 ? `M${X},${Y}` : `H${X}V${Y}`;
  }
  if (pts.length > 0) d += `H${px(x(spec.xDomain[1]))}`;
  svg.appendChild(s('path', { d, class: 'series' }));
  above.forEach((l, i) => {
    svg.appendChild(s('text', { x: W - m.right - 4, y: m.top + 10 + 13 * i, 'text-anchor': 'end', class: `level-label ${l.cls}`, 'data-level-above': l.y }, `${l.label} ↑ above the chart`));
  });
  for (const l of drawn) {
    const Y = px(y(l.y));
    svg.appendChild(s('line', { x1: m.left, x2: W - m.right, y1: Y, y2: Y, class: `level ${l.cls}`, 'data-level': l.y }));
    svg.appendChild(s('text', { x: W - m.right - 4, y: px(Y - 5), 'text-anchor': 'end', class: `level-label ${l.cls}` }, l.label));
  }
  for (const k of spec.markers) {
    const X = px(x(k.x));
    if (k.rug !== undefined) {
      const y0 = H - m.bottom - 2 - 9 * k.rug;
      svg.appendChild(s('line', { x1: X, x2: X, y1: y0, y2: y0 - 7, class: `rug ${k.cls}` }, svgTitle(k.label)));
      continue;
    }
    const g = s('g', { class: `marker ${k.cls}` }, svgTitle(k.label));
    g.appendChild(s('line', { x1: X, x2: X, y1: m.top, y2: H - m.bottom }));
    g.appendChild(s('text', { x: X, y: px(m.top + 10), 'text-anchor': 'middle' }, k.symbol));
    svg.appendChild(g);
  }
  if (spec.highlight) {
    const hl = spec.highlight;
    const X = px(x(hl.x)), Y = px(y(hl.y));
    svg.appendChild(s('circle', { cx: X, cy: Y, r: 4, class: 'peak', 'data-x': hl.x, 'data-y': hl.y }, svgTitle(hl.label)));
    svg.appendChild(s('text', { x: X + 7, y: px(Y - 6), class: 'peak-label' }, hl.label));
  }
  return { svg, x, y };
}

export interface HistogramSeries { name: string; cls: string; counts: readonly number[] }

/**
 * Bars of two (or more) series over shared log-scale bins, side by side in each bin. Only the
 * occupied range of bins is drawn (one empty bin of margin each side).
 */
export function histogramChart(edges: readonly number[], series: readonly HistogramSeries[], width: number, height: number,
  xFormat: (v: number) => string, onBar?: (bar: SVGElement, i: number, series: HistogramSeries) => void): SVGElement | null {
  let lo = Infinity, hi = -Infinity;
  for (const sr of series) sr.counts.forEach((n, i) => { if (n > 0) { lo = Math.min(lo, i); hi = Math.max(hi, i); } });
  if (lo === Infinity) return null;
  lo = Math.max(0, lo - 1);
  hi = Math.min(edges.length - 2, hi + 1);
  const m: Margins = { top: 12, right: 16, bottom: 40, left: 58 };
  const x = logScale([edges[lo]!, edges[hi + 1]!], [m.left, width - m.right]);
  let yMax = 1;
  for (const sr of series) for (let i = lo; i <= hi; i++) yMax = Math.max(yMax, sr.counts[i]!);
  const y = linearScale([0, yMax * 1.08], [height - m.bottom, m.top]);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart histogram', role: 'img' });
  svg.appendChild(axisLeft(y, m.left, (v) => (Number.isInteger(v) ? String(v) : ''), 5, 'connections', width - m.right));
  svg.appendChild(axisBottom(x, height - m.bottom, xFormat, 8, 'handshake time (log scale)'));
  for (let i = lo; i <= hi; i++) {
    const x0 = x(edges[i]!), x1 = x(edges[i + 1]!);
    const w = (x1 - x0 - 1) / series.length;
    series.forEach((sr, k) => {
      const n = sr.counts[i]!;
      if (n === 0) return;
      const bar = s('rect', {
        x: px(x0 + 0.5 + k * w), y: px(y(n)), width: px(Math.max(w, 0.5)), height: px(y(0) - y(n)),
        class: `bar ${sr.cls}`, 'data-bin': i, 'data-count': n,
      });
      onBar?.(bar, i, sr);
      svg.appendChild(bar);
    });
  }
  return svg;
}
