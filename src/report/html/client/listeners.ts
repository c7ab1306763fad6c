/**
 * Listeners: each busy listener's half-open (SYN_RECEIVED) count over time, with the SYN-flood
 * threshold as a line and the listener's events as markers. The chart is generic (a series, level
 * lines, marker lists): `listenerChartSpec` is the one place that maps a Listener onto it, so the
 * flow stage's richer SYN-queue model (drops, stateless answers...) slots in there.
 */
import type { Listener } from '../../../flow/model.js';
import type { ListenerEvents, ReportData } from '../data.js';
import { stepChart, type Marker } from './chart.js';
import { h, link, section } from './dom.js';
import { duration, endpoint, num, plural, rel, tickTime, timestamp } from './format.js';
import { listenerKey } from './overview.js';

/** Charts drawn at most; further listeners are listed in the table only. */
const MAX_CHARTS = 20;

/**
 * The SYN-queue events of a listener's connections (report data: listenerEvents), each kind a row of
 * ticks along the time axis.
 */
const EVENT_MARKS: Record<string, { symbol: string; label: string; row: number }> = {
  'syn-dropped': { symbol: '✕', label: 'SYN dropped while others were answered (queue full)', row: 0 },
  'syn-unanswered': { symbol: '·', label: 'SYN never answered nor sent again', row: 1 },
  'handshake-timeout': { symbol: '·', label: 'SYN never answered: the client gave up', row: 1 },
  'stateless-answer': { symbol: '◆', label: 'stateless answer (SYN cookie)', row: 2 },
  'half-open-expired': { symbol: '○', label: 'half-open request expired (the server gave up)', row: 3 },
  'accept-queue-overflow': { symbol: '▲', label: 'handshake ACK ignored: accept queue full', row: 4 },
};

/** The listener's own anomalies, drawn as lines across the chart. */
const ALARM_SYMBOL: Record<string, string> = { 'syn-flood': '⚑', 'syn-queue-overflow': '✕', 'syn-cookies': '◆' };

export interface ListenerChartData {
  points: Array<[number, number]>;
  markers: Marker[];
  peak: { t: number; count: number } | null;
}

/**
 * A listener as the generic chart's inputs (a series, markers), times relative to `t0`: its
 * half-open series, its own anomalies (syn-flood) as lines, its connections' events as ticks. The
 * flow stage's SYN-queue model (queue depth, drops, stateless answers...) maps here when it lands.
 */
export function listenerChartSpec(l: Listener, events: readonly ListenerEvents[], t0: number): ListenerChartData {
  const points = l.halfOpenSeries.map(([t, n]) => [t - t0, n] as [number, number]);
  const markers: Marker[] = l.anomalies.map((a) => ({
    x: a.t - t0, cls: `m-anomaly sev-${a.severity}`, symbol: ALARM_SYMBOL[a.id] ?? '!',
    label: `${a.id} at packet #${a.packet} (${rel(a.t - t0)}): ${a.message}`,
  }));
  for (const e of events) {
    const k = EVENT_MARKS[e.id];
    if (!k) continue;
    e.t.forEach((t, i) => markers.push({ x: t - t0, cls: `ev-${e.id}`, symbol: k.symbol, rug: k.row, label: `${k.label}: packet #${e.packet[i]} (${rel(t - t0)})` }));
  }
  const peak = l.halfOpenPeak > 0 && l.halfOpenPeakTime !== null ? { t: l.halfOpenPeakTime - t0, count: l.halfOpenPeak } : null;
  return { points, markers, peak };
}

function eventLegend(events: readonly ListenerEvents[]): HTMLElement | null {
  const shown = events.filter((e) => EVENT_MARKS[e.id]);
  if (!shown.length) return null;
  return h('ul', { class: 'legend event-legend' }, ...shown.map((e) => {
    const k = EVENT_MARKS[e.id]!;
    return h('li', { 'data-event': e.id, 'data-count': e.count }, h('span', { class: `rug-sw ev-${e.id}` }, k.symbol), ' ',
      link(`anomaly/${e.id}`, { class: 'mono' }, e.id), ` ${num(e.count)}: ${k.label}${e.t.length < e.count ? ` (the first ${num(e.t.length)} drawn)` : ''}`);
  }));
}

/** What the listener's SYN queue did, as the flow stage infers it from the wire (Listener.synQueue). */
function queueFacts(l: Listener, t0: number): HTMLElement | null {
  const q = l.synQueue;
  if (!q) return null;
  const rows: Array<[string, string]> = [];
  const at = (t: number | null) => (t === null ? '' : ` from ${rel(t - t0)}`);
  if (q.answered) rows.push(['answered', `${plural(q.answered, 'SYN')} with a SYN-ACK`]);
  if (q.stateless) rows.push(['stateless answers', `${num(q.stateless)} (SYN cookies)${at(q.statelessFrom)}`]);
  if (q.dropped) rows.push(['dropped', `${plural(q.dropped, 'SYN')} left unanswered while others were answered${at(q.dropsFrom)}`]);
  if (q.inferredBacklog !== null) rows.push(['inferred backlog', `${num(q.inferredBacklog)} (the queue depth when the first drop came)`]);
  if (q.expired) rows.push(['expired', `${plural(q.expired, 'request')}${q.survival ? `, survived ${duration(q.survival.min)} – ${duration(q.survival.max)} (median ${duration(q.survival.median)})` : ''}`]);
  if (q.resendLimit !== null) rows.push(['SYN-ACK re-sends', `at most ${num(q.resendLimit)} before giving up`]);
  if (q.initialTimeout !== null) rows.push(['first re-send after', duration(q.initialTimeout)]);
  if (q.acceptOverflows) rows.push(['accept queue full', `${plural(q.acceptOverflows, 'handshake ACK')} ignored`]);
  if (!rows.length) return null;
  return h('table', { class: 'kv syn-queue', 'data-listener': endpoint(l) }, ...rows.map(([k, v]) => h('tr', { 'data-fact': k }, h('th', null, k), h('td', null, v))));
}

function listenerArticle(d: ReportData, l: Listener, t0: number, t1: number): HTMLElement {
  const key = listenerKey(l);
  const events = d.listenerEvents[`${l.ip} ${l.port}`] ?? [];
  const spec = listenerChartSpec(l, events, t0);
  const threshold = d.options.synFloodThreshold;
  const { svg } = stepChart({
    width: 900, height: 240, points: spec.points, xDomain: [0, Math.max(t1 - t0, 1e-6)],
    yMin: Math.max(1, ...spec.points.map((p) => p[1])),
    lines: [
      { y: threshold, label: `SYN-flood threshold (${num(threshold)})`, cls: 'threshold' },
      ...(l.synQueue?.inferredBacklog ? [{ y: l.synQueue.inferredBacklog, label: `inferred backlog (${num(l.synQueue.inferredBacklog)})`, cls: 'backlog' }] : []),
    ],
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
  const list = l.anomalies.length
    ? h('ul', { class: 'events' }, ...l.anomalies.map((a) => h('li', null, h('span', { class: `sev sev-${a.severity}` }, a.severity), ' ',
      link(`anomaly/${a.id}`, { class: 'mono' }, a.id), ` at packet #${a.packet} (${rel(a.t - t0)}): ${a.message}`)))
    : null;
  return h('article', { class: 'listener', id: `listener-${key}`, 'data-listener': endpoint(l) },
    h('h3', { class: 'mono' }, endpoint(l)), facts, h('div', { class: 'chart-box' }, svg), eventLegend(events), queueFacts(l, t0), list);
}

export function listenersSection(d: ReportData): HTMLElement {
  const t0 = d.summary.start ?? 0;
  const t1 = d.summary.end ?? t0;
  const eventful = (l: Listener) => l.halfOpenPeak > 0 || l.anomalies.length > 0 || (d.listenerEvents[`${l.ip} ${l.port}`]?.length ?? 0) > 0;
  const charted = [...d.listeners]
    .filter(eventful)
    .sort((a, b) => b.halfOpenPeak - a.halfOpenPeak || b.connections - a.connections)
    .slice(0, MAX_CHARTS);
  const intro = h('p', { class: 'dim' },
    `Half-open connections (server in SYN_RECEIVED) per listener over time, the SYN-flood threshold (${num(d.options.synFloodThreshold)}, --syn-flood-threshold) as a dashed line, `,
    'the listener\'s alarms as lines (⚑ syn-flood, ✕ syn-queue-overflow, ◆ syn-cookies) with the backlog inferred from the first drop, ',
    'and its connections\' SYN-queue events as ticks along the time axis (✕ SYN dropped, · SYN unanswered, ◆ stateless answer, ○ request expired, ▲ ACK ignored: accept queue full). ',
    d.listenersTotal > d.listeners.length ? `${plural(d.listenersTotal, 'listener')} in all; the ${num(d.listeners.length)} busiest are in this report (--json has them all). ` : '',
    charted.length < d.listeners.filter(eventful).length ? `Charts for the ${num(charted.length)} highest half-open peaks.` : '');
  const body = charted.length
    ? charted.map((l) => listenerArticle(d, l, t0, t1))
    : [h('p', { class: 'ok' }, 'No listener ever had a half-open connection or a SYN-queue event.')];
  return section('listeners', 'Listeners', intro, ...body);
}
