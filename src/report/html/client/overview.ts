/**
 * The overview: inputs, capture span, connection outcomes and close kinds, anomaly counts by
 * severity, the handshake RTT histogram (SYN → SYN-ACK and SYN-ACK → ACK), the busiest listeners.
 */
import type { Listener, Severity } from '../../../flow/model.js';
import type { ReportData } from '../data.js';
import { histogramChart } from './chart.js';
import { h, link, section, type Child } from './dom.js';
import { bytes, duration, endpoint, num, plural, tickTime, timestamp } from './format.js';
import { bindTips, tipLines } from './tooltip.js';

const SEVERITIES: Severity[] = ['error', 'warning', 'info'];

function kv(rows: Array<[string, Child]>): HTMLTableElement {
  return h('table', { class: 'kv' }, ...rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v))));
}

function inputsTable(d: ReportData): HTMLElement {
  const t = h('table', { class: 'grid-table', id: 'inputs-table' },
    h('thead', null, h('tr', null, h('th', null, 'file'), h('th', null, 'format'), h('th', { class: 'num' }, 'frames'),
      h('th', { class: 'num' }, 'bytes'), h('th', null, 'link types'), h('th', null, 'frames #'))));
  const body = h('tbody');
  for (const i of d.inputs) {
    body.appendChild(h('tr', { 'data-input': i.name },
      h('td', { class: 'mono' }, i.name), h('td', null, i.detail + (i.gzip ? ', gzip' : '')), h('td', { class: 'num' }, num(i.frames)),
      h('td', { class: 'num' }, num(i.bytes)), h('td', null, i.linkTypes.map((l) => `${l.name}${l.supported ? '' : ' (not decoded)'} ${num(l.frames)}`).join(', ')),
      h('td', null, i.frames > 0 ? `${num(i.firstFrame)}–${num(i.lastFrame)}` : '–')));
    for (const w of i.warnings) body.appendChild(h('tr', { class: 'warn-row' }, h('td', { colspan: 6 }, `warning: ${w.message}`)));
  }
  t.appendChild(body);
  return t;
}

/** A stacked bar of counts with a legend; each part carries data-key and data-count (tests read them). */
function stackedBar(kind: string, counts: Partial<Record<string, number>>, order: readonly string[]): HTMLElement {
  const entries = order.filter((k) => (counts[k] ?? 0) > 0).map((k) => [k, counts[k]!] as const);
  for (const [k, n] of Object.entries(counts)) if (!order.includes(k) && n) entries.push([k, n]);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  const bar = h('div', { class: 'stack', role: 'img', 'aria-label': `${kind}: ${entries.map(([k, n]) => `${k} ${n}`).join(', ')}` });
  const legend = h('ul', { class: 'legend' });
  for (const [k, n] of entries) {
    const part = h('div', { class: `stack-part ${kind}-${k}`, title: `${k}: ${num(n)}` });
    part.style.flexGrow = String(n);
    bar.appendChild(part);
    legend.appendChild(h('li', { 'data-key': k, 'data-count': n }, h('span', { class: `swatch ${kind}-${k}` }), `${k} `, h('b', { class: 'count' }, num(n)),
      h('span', { class: 'dim' }, ` (${total ? ((100 * n) / total).toFixed(1) : '0'} %)`)));
  }
  return h('div', { class: 'stack-wrap', id: `${kind}-bar` }, bar, legend);
}

function anomalyCounts(d: ReportData): HTMLElement {
  const bySev: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const a of d.summary.anomalies) bySev[a.severity] += a.count;
  const badges = h('div', { class: 'badges', id: 'severity-counts' },
    ...SEVERITIES.map((s) => h('span', { class: `badge sev-${s}`, 'data-severity': s, 'data-count': bySev[s] }, `${s} `, h('b', null, num(bySev[s])))));
  if (d.summary.anomalies.length === 0) return h('div', null, badges, h('p', { class: 'ok' }, 'No anomaly.'));
  const meaning = new Map(d.catalogue.map((c) => [c.id, c.meaning]));
  const t = h('table', { class: 'grid-table', id: 'anomaly-table' },
    h('thead', null, h('tr', null, h('th', null, 'severity'), h('th', null, 'anomaly'), h('th', { class: 'num' }, 'count'),
      h('th', { class: 'num' }, 'connections'), h('th', null, 'meaning'), h('th', null, ''))));
  const body = h('tbody');
  for (const a of d.summary.anomalies) {
    body.appendChild(h('tr', { 'data-anomaly': a.id, 'data-count': a.count, 'data-connections': a.connections },
      h('td', null, h('span', { class: `sev sev-${a.severity}` }, a.severity)),
      h('td', null, link(`anomaly/${a.id}`, { class: 'anomaly-link mono' }, a.id)),
      h('td', { class: 'num' }, num(a.count)), h('td', { class: 'num' }, num(a.connections)),
      h('td', { class: 'dim' }, meaning.get(a.id) ?? ''),
      h('td', null, a.connections > 0 ? link(`connections/anomaly=${a.id}`, { class: 'small' }, 'show') : '')));
  }
  t.appendChild(body);
  return h('div', null, badges, t);
}

function rttBlock(d: ReportData): HTMLElement {
  const r = d.summary.handshakeRtt;
  const about = r.exact ? '' : '≈';
  const stats = r.samples > 0
    ? h('p', { id: 'rtt-stats', 'data-samples': r.samples },
      `Handshake RTT, SYN → completing ACK, over ${plural(r.samples, 'completed handshake')}: min ${duration(r.min)}, median ${about}${duration(r.median)}, p95 ${about}${duration(r.p95)}, max ${duration(r.max)}.`)
    : h('p', { id: 'rtt-stats', 'data-samples': 0 }, 'No completed handshake: no RTT.');
  const edges = d.rtt.synToSynAck.edges;
  const series = [
    { name: 'SYN → SYN-ACK', cls: 's-synack', counts: d.rtt.synToSynAck.counts },
    { name: 'SYN-ACK → ACK', cls: 's-ack', counts: d.rtt.synAckToAck.counts },
  ];
  const chart = histogramChart(edges, series, 760, 220, tickTime);
  if (!chart) return h('div', { id: 'rtt' }, stats);
  bindTips(chart, (el) => {
    const bin = el.getAttribute('data-bin');
    if (bin === null) return null;
    const i = Number(bin);
    return tipLines(`${duration(edges[i]!)} – ${duration(edges[i + 1]!)}`, series.map((sr) => [sr.name, num(sr.counts[i]!)]));
  });
  const legend = h('ul', { class: 'legend' }, ...series.map((sr) => h('li', null, h('span', { class: `swatch ${sr.cls}` }), sr.name)));
  const note = h('p', { class: 'dim small' },
    'Both halves as the capture point sees them: SYN → SYN-ACK is the way from the capture point to the server and back, SYN-ACK → ACK the way to the client and back. ' +
    'Captured near the client, the first is the network RTT and the second the client\'s reaction; near the server, the other way round.',
    d.rtt.clamped ? ` ${plural(d.rtt.clamped, 'value')} outside 1 µs – 1,000 s counted in the end bins.` : '');
  return h('div', { id: 'rtt' }, stats, h('div', { class: 'chart-box' }, chart), legend, note);
}

export function busiestListeners(d: ReportData, limit = 10): HTMLElement {
  const sorted = [...d.listeners].sort((a, b) => b.connections - a.connections || b.halfOpenPeak - a.halfOpenPeak).slice(0, limit);
  const t = h('table', { class: 'grid-table', id: 'busiest-listeners' },
    h('thead', null, h('tr', null, h('th', null, 'listener'), h('th', { class: 'num' }, 'connections'), h('th', { class: 'num' }, 'completed'),
      h('th', { class: 'num' }, 'refused'), h('th', { class: 'num' }, 'half-open peak'), h('th', null, 'peak at'), h('th', { class: 'num' }, 'half-open at end'))));
  const body = h('tbody');
  for (const l of sorted) {
    body.appendChild(h('tr', { 'data-listener': endpoint(l) },
      h('td', { class: 'mono' }, link(`listener/${listenerKey(l)}`, null, endpoint(l))), h('td', { class: 'num' }, num(l.connections)),
      h('td', { class: 'num' }, num(l.completed)), h('td', { class: 'num' }, num(l.refused)),
      h('td', { class: `num${l.halfOpenPeak > 0 ? ' warn' : ''}` }, num(l.halfOpenPeak)),
      h('td', null, l.halfOpenPeak > 0 && l.halfOpenPeakTime !== null ? timestamp(l.halfOpenPeakTime).slice(11) : '–'),
      h('td', { class: `num${l.halfOpenNow > 0 ? ' bad' : ''}` }, num(l.halfOpenNow))));
  }
  t.appendChild(body);
  return t;
}

/** A listener's id in links and element ids: "198.18.0.2-4040", "2001.db8..2-4040". */
export function listenerKey(l: Pick<Listener, 'ip' | 'port'>): string {
  return `${l.ip.replace(/[:.]/g, (c) => (c === ':' ? '.' : '-'))}-${l.port}`;
}

export function overviewSection(d: ReportData): HTMLElement {
  const s = d.summary;
  const span = s.start !== null && s.end !== null
    ? `${duration(s.end - s.start)}, from ${timestamp(s.start)} to ${timestamp(s.end)}`
    : 'no connection';
  const f = s.frames;
  const skipped = Object.entries(f.nonTcp).filter(([, n]) => n > 0).map(([k, n]) => `${num(n)} ${k}`);
  const issues = Object.entries(f.decodeIssues).filter(([, n]) => n > 0).map(([k, n]) => `${num(n)} ${k}`);
  const facts: Array<[string, Child]> = [
    ['capture span', span],
    ['frames', `${num(f.frames)} frames, ${num(f.tcpSegments)} TCP segments${skipped.length ? `; not analysed: ${skipped.join(', ')}` : ''}`],
    ['connections', h('span', { id: 'connection-count', 'data-count': s.connections }, num(s.connections))],
    ['peak held at once', num(s.peakConcurrent)],
  ];
  if (issues.length) facts.push(['decode issues', issues.join(', ')]);
  if (s.lateSegments) facts.push(['late segments', `${num(s.lateSegments)} (after their connection was reported; counted, not analysed)`]);
  if (s.unplacedSegments) facts.push(['unplaced segments', num(s.unplacedSegments)]);
  if (s.captureWarnings) facts.push(['capture warnings', num(s.captureWarnings)]);
  if (d.filter) facts.push(['table filter', `${d.filter} (the summary covers the whole capture)`]);
  const totalBytes = d.inputs.reduce((a, i) => a + i.bytes, 0);
  facts.push(['input size', bytes(totalBytes)]);
  return section('overview', 'Overview',
    h('h3', null, 'Inputs'), inputsTable(d),
    kv(facts),
    h('div', { class: 'two-col' },
      h('div', null, h('h3', null, 'Handshake outcomes'),
        stackedBar('outcome', s.outcomes, ['complete', 'refused', 'no-answer', 'half-open', 'reset', 'simultaneous-open', 'not-seen'])),
      h('div', null, h('h3', null, 'Close kinds'),
        stackedBar('close', s.closes, ['four-way', 'simultaneous', 'half-closed', 'fin-unacked', 'reset', 'open', 'never-opened']))),
    h('h3', null, 'Anomalies'), anomalyCounts(d),
    h('h3', null, 'Handshake RTT'), rttBlock(d),
    h('h3', null, 'Busiest listeners'),
    d.listeners.length ? busiestListeners(d) : h('p', { class: 'dim' }, 'No listener.'));
}
