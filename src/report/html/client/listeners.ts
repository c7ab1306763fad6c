/**
 * Listeners: each busy listener's half-open (SYN_RECEIVED) count over time, with the SYN-flood
 * threshold as a line and the listener's events as markers. The chart is generic (a series, level
 * lines, marker lists): `listenerChartSpec` is the one place that maps a Listener onto it, so the
 * flow stage's richer SYN-queue model (drops, stateless answers...) slots in there.
 */
import type { Listener } from '../../../flow/model.js';
import type { ReportData } from '../data.js';
import { stepChart, type Marker } from './chart.js';
import { h, link, section } from './dom.js';
import { endpoint, num, plural, rel, tickTime, timestamp } from './format.js';
import { listenerKey } from './overview.js';

/** Charts drawn at most; further listeners are listed in the table only. */
const MAX_CHARTS = 20;

/**
 * Event lists a listener may carry, each drawn as markers: the catalogue's listener anomalies today,
 * and the fields of a SYN-queue model when the flow stage has them (read defensively: absent now).
 */
const OPTIONAL_EVENTS: ReadonlyArray<{ field: string; cls: string; symbol: string; label: string }> = [
  { field: 'drops', cls: 'm-drop', symbol: '✕', label: 'SYN dropped' },
  { field: 'statelessAnswers', cls: 'm-cookie', symbol: '◆', label: 'stateless answer (SYN cookie)' },
];

/** Times of an event list: numbers, [t, ...] tuples or { t } objects. */
function eventTimes(v: unknown): number[] {
  if (!Array.isArray(v)) return [];
  const out: number[] = [];
  for (const e of v) {
    const t = typeof e === 'number' ? e : Array.isArray(e) ? e[0] : e && typeof e === 'object' ? (e as { t?: unknown }).t : undefined;
    if (typeof t === 'number' && Number.isFinite(t)) out.push(t);
  }
  return out;
}

export interface ListenerChartData {
  points: Array<[number, number]>;
  markers: Marker[];
  peak: { t: number; count: number } | null;
}

/** A listener as the generic chart's inputs; times relative to `t0`. */
export function listenerChartSpec(l: Listener, t0: number): ListenerChartData {
  const any = l as unknown as Record<string, unknown>;
  const series = (Array.isArray(any.queueSeries) ? any.queueSeries : l.halfOpenSeries) as Array<[number, number]>;
  const points = series.map(([t, n]) => [t - t0, n] as [number, number]);
  const markers: Marker[] = l.anomalies.map((a) => ({
    x: a.t - t0, cls: `m-anomaly sev-${a.severity}`, symbol: a.id === 'syn-flood' ? '⚑' : '!',
    label: `${a.id} at packet #${a.packet} (${rel(a.t - t0)}): ${a.message}`,
  }));
  for (const e of OPTIONAL_EVENTS) {
    for (const t of eventTimes(any[e.field])) markers.push({ x: t - t0, cls: e.cls, symbol: e.symbol, label: `${e.label} at ${rel(t - t0)}` });
  }
  const peak = l.halfOpenPeak > 0 && l.halfOpenPeakTime !== null ? { t: l.halfOpenPeakTime - t0, count: l.halfOpenPeak } : null;
  return { points, markers, peak };
}

function listenerArticle(d: ReportData, l: Listener, t0: number, t1: number): HTMLElement {
  const key = listenerKey(l);
  const spec = listenerChartSpec(l, t0);
  const threshold = d.options.synFloodThreshold;
  const { svg } = stepChart({
    width: 900, height: 240, points: spec.points, xDomain: [0, Math.max(t1 - t0, 1e-6)],
    yMin: Math.max(1, ...spec.points.map((p) => p[1])),
    lines: [{ y: threshold, label: `SYN-flood threshold (${num(threshold)})`, cls: 'threshold' }],
    markers: spec.markers, xFormat: tickTime, xLabel: 'time since the first connection', yLabel: 'half-open',
    ...(spec.peak ? { highlight: { x: spec.peak.t, y: spec.peak.count, label: `peak ${num(spec.peak.count)}` } } : {}),
  });
  svg.setAttribute('data-peak', String(l.halfOpenPeak));
  svg.setAttribute('data-threshold', String(threshold));
  const facts = h('p', null,
    `${plural(l.connections, 'connection')}: ${num(l.completed)} completed, ${num(l.refused)} refused; half-open peak `,
    h('b', { class: 'peak-count' }, num(l.halfOpenPeak)),
    l.halfOpenPeak > 0 && l.halfOpenPeakTime !== null ? ` at ${timestamp(l.halfOpenPeakTime)} (${rel(l.halfOpenPeakTime - t0)})` : '',
    `, ${num(l.halfOpenNow)} still half-open at the end.`);
  const events = l.anomalies.length
    ? h('ul', { class: 'events' }, ...l.anomalies.map((a) => h('li', null, h('span', { class: `sev sev-${a.severity}` }, a.severity), ' ',
      link(`anomaly/${a.id}`, { class: 'mono' }, a.id), ` at packet #${a.packet} (${rel(a.t - t0)}): ${a.message}`)))
    : null;
  return h('article', { class: 'listener', id: `listener-${key}`, 'data-listener': endpoint(l) },
    h('h3', { class: 'mono' }, endpoint(l)), facts, h('div', { class: 'chart-box' }, svg), events);
}

export function listenersSection(d: ReportData): HTMLElement {
  const t0 = d.summary.start ?? 0;
  const t1 = d.summary.end ?? t0;
  const charted = [...d.listeners]
    .filter((l) => l.halfOpenPeak > 0)
    .sort((a, b) => b.halfOpenPeak - a.halfOpenPeak || b.connections - a.connections)
    .slice(0, MAX_CHARTS);
  const intro = h('p', { class: 'dim' },
    `Half-open connections (server in SYN_RECEIVED) per listener over time, the SYN-flood threshold (${num(d.options.synFloodThreshold)}, --syn-flood-threshold) as a dashed line, `,
    'and the listener\'s events as markers (⚑ syn-flood). ',
    d.listenersTotal > d.listeners.length ? `${plural(d.listenersTotal, 'listener')} in all; the ${num(d.listeners.length)} busiest are in this report (--json has them all). ` : '',
    charted.length < d.listeners.filter((l) => l.halfOpenPeak > 0).length ? `Charts for the ${num(charted.length)} highest half-open peaks.` : '');
  const body = charted.length
    ? charted.map((l) => listenerArticle(d, l, t0, t1))
    : [h('p', { class: 'ok' }, 'No listener ever had a half-open connection.')];
  return section('listeners', 'Listeners', intro, ...body);
}
