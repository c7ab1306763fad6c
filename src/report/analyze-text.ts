/**
 * `synack analyze` as text: a summary a person takes in at a glance, then one row per connection,
 * trouble first. Pure: takes data and a Paint, returns the text.
 */
import type { FoldedListeners } from '../flow/listener-fold.js';
import type { Connection, Listener, Severity } from '../flow/model.js';
import type { ConnectionRows } from '../pipeline/digest.js';
import { connectionRtt } from '../flow/verdict.js';
import { byTrouble, type Summary } from '../pipeline/summary.js';
import type { AnalysisResult, InputSummary } from '../pipeline/types.js';
import type { InterfaceStats } from '../capture/stats.js';
import { safeText } from './safe-text.js';
import { severityColor, stateColor, type Paint } from './style.js';
import { indent, makeTable } from './table.js';
import { duration, endpoint, num, plural, timeOfDay, timestamp } from './text.js';

export interface AnalyzeTextOptions {
  /** Most connection rows to print. */
  limit: number;
  /** When filters narrowed the connections: how they read, for the heading. */
  filterNote?: string;
  /** Anomaly id → one-line description (from the catalogue). */
  describe?: (id: string) => string | undefined;
  /** Most listener rows. */
  listenerLimit?: number;
  /** What the run gave up to finish (run-warnings.ts), shown under the overview. */
  warnings?: readonly string[];
}

/** The anomaly table's meaning column is cut here (`synack anomalies` prints it whole). */
const MEANING_MAX = 64;

const OUTCOME_ORDER = ['complete', 'refused', 'no-answer', 'half-open', 'reset', 'simultaneous-open', 'not-seen'] as const;

function outcomeColor(p: Paint, o: string): (s: string) => string {
  switch (o) {
    case 'complete': return p.green;
    case 'simultaneous-open': case 'not-seen': return p.cyan;
    case 'refused': case 'reset': return p.yellow;
    default: return p.red;
  }
}

export function renderInputs(p: Paint, inputs: readonly InputSummary[], s: Summary): string {
  const lines: string[] = [p.bold('Inputs')];
  for (const i of inputs) {
    const links = i.linkTypes.map((l) => `${l.supported ? l.name : p.yellow(`${l.name} (not decoded)`)} ${num(l.frames)}`).join(', ');
    lines.push(`  ${p.bold(safeText(i.name))}  ${safeText(i.detail)}${i.gzip ? ', gzip' : ''}`);
    lines.push(`    ${plural(i.frames, 'frame')}, ${num(i.bytes)} bytes${links ? `; link types: ${links}` : ''}`);
    const adjusted = i.counts ? Object.entries(i.counts).filter(([, n]) => n > 0).map(([k, n]) => `${num(n)} ${k}`) : [];
    if (adjusted.length) lines.push(`    records adjusted or skipped by the reader: ${p.yellow(adjusted.join(', '))}`);
    for (const st of i.interfaceStats ?? []) lines.push(`    ${interfaceStatsLine(p, st)}`);
    for (const w of i.warnings) lines.push(`    ${p.yellow('warning:')} ${safeText(w.message)}`);
  }
  const f = s.frames;
  const skipped = Object.entries(f.nonTcp).filter(([, n]) => n > 0).map(([k, n]) => `${num(n)} ${k}`);
  lines.push(`  ${plural(f.frames, 'frame')}, ${plural(f.tcpSegments, 'TCP segment')}` +
    (skipped.length ? `; not analysed: ${skipped.join(', ')}` : ''));
  const issues = Object.entries(f.decodeIssues).filter(([, n]) => n > 0).map(([k, n]) => `${num(n)} ${k}`);
  if (issues.length) lines.push(`  decode issues: ${p.yellow(issues.join(', '))}`);
  const back = s.timeStepsBack;
  if (back) {
    lines.push(`  ${p.yellow('time runs backwards:')} ${plural(back.segments, 'segment')} in ${plural(back.connections, 'connection')} stamped earlier than ` +
      `the one before (each timed as that one); ${plural(back.rttExcluded, 'handshake RTT')} across a step not measured`);
  }
  if (s.lateSegments > 0) lines.push(`  segments after their connection was reported (counted, not analysed): ${num(s.lateSegments)}`);
  if (s.unplacedSegments > 0) lines.push(`  ${p.yellow('segments not placed in a connection:')} ${num(s.unplacedSegments)}`);
  return lines.join('\n');
}

/**
 * "interface 0 (eth0): 1,204 dropped (by the OS 1,204, by the interface 0) of 50,112 received,
 * 13:45:12.439978 – 13:45:30.126271 UTC": what the capture says it missed.
 */
export function interfaceStatsLine(p: Paint, st: InterfaceStats): string {
  const who = `interface ${st.interface}${st.name ? ` (${safeText(st.name)})` : ''}`;
  const parts: string[] = [];
  if (st.dropped !== null) {
    const by = [st.osDrop !== null ? `by the OS ${num(st.osDrop)}` : '', st.ifDrop !== null ? `by the interface ${num(st.ifDrop)}` : ''].filter(Boolean).join(', ');
    const d = `${num(st.dropped)} dropped (${by})`;
    parts.push(st.dropped > 0 ? p.yellow(d) : d);
  } else {
    parts.push('drops not reported');
  }
  if (st.received !== null) parts.push(`of ${num(st.received)} received`);
  const window = st.start !== null && st.end !== null ? `, ${timeOfDay(st.start)} – ${timeOfDay(st.end)} UTC` : st.at !== null ? `, as of ${timeOfDay(st.at)} UTC` : '';
  return `capture statistics, ${who}: ${parts.join(' ')}${window}`;
}

export function renderOverview(p: Paint, s: Summary): string {
  const lines: string[] = [];
  const span = s.start !== null && s.end !== null ? ` over ${duration(s.end - s.start)} (from ${timestamp(s.start)})` : '';
  lines.push(p.bold(`Connections: ${num(s.connections)}`) + span);
  const outcomes = OUTCOME_ORDER.filter((o) => s.outcomes[o]).map((o) => `${outcomeColor(p, o)(o)} ${num(s.outcomes[o]!)}`);
  if (outcomes.length) lines.push(`  handshake: ${outcomes.join('  ')}`);
  const closes = Object.entries(s.closes).map(([k, n]) => `${k} ${num(n)}`);
  if (closes.length) lines.push(`  close:     ${closes.join('  ')}`);
  const r = s.handshakeRtt;
  const excluded = s.timeStepsBack?.rttExcluded ?? 0;
  const across = excluded > 0 ? `; ${plural(excluded, 'handshake')} across a step back in time not measured` : '';
  if (r.samples > 0) {
    // "≈": read from a histogram bucket of different values (within 0.05 %: summary's RttStats.exact).
    const about = r.exact ? '' : '≈';
    lines.push(`  handshake RTT (SYN → ACK, ${plural(r.samples, 'sample')}): min ${duration(r.min)}  median ${about}${duration(r.median)}  p95 ${about}${duration(r.p95)}  max ${duration(r.max)}${across}`);
  } else {
    lines.push(excluded > 0 ? `  handshake RTT: none measured${across}` : '  handshake RTT: no completed handshake seen');
  }
  return lines.join('\n');
}

export function renderAnomalyCounts(p: Paint, s: Summary, describe?: (id: string) => string | undefined): string {
  if (s.anomalies.length === 0) return `${p.bold('Anomalies')}: ${p.green('none')}`;
  const t = makeTable(p, ['severity', 'anomaly', 'count', 'connections', 'meaning'], ['left', 'left', 'right', 'right', 'left']);
  for (const a of s.anomalies) {
    let meaning = describe?.(a.id) ?? '';
    if (meaning.length > MEANING_MAX) meaning = meaning.slice(0, MEANING_MAX - 1) + '…';
    t.push([severityColor(p, a.severity)(a.severity), a.id, num(a.count), num(a.connections), p.dim(meaning)]);
  }
  return `${p.bold('Anomalies')}\n${indent(t.toString())}`;
}

export function renderListeners(p: Paint, listeners: readonly Listener[], limit = 10, folded?: FoldedListeners): string {
  if (listeners.length === 0) return '';
  const sorted = [...listeners].sort((a, b) => b.connections - a.connections || b.halfOpenPeak - a.halfOpenPeak);
  const t = makeTable(p, ['listener', 'connections', 'completed', 'refused', 'half-open peak', 'peak at', 'half-open at end'],
    ['left', 'right', 'right', 'right', 'right', 'left', 'right']);
  for (const l of sorted.slice(0, limit)) {
    const peak = l.halfOpenPeak > 0 ? p.yellow(num(l.halfOpenPeak)) : '0';
    t.push([endpoint(l), num(l.connections), num(l.completed), num(l.refused), peak,
      l.halfOpenPeakTime !== null && l.halfOpenPeak > 0 ? timestamp(l.halfOpenPeakTime).slice(11) : '–',
      l.halfOpenNow > 0 ? p.red(num(l.halfOpenNow)) : '0']);
  }
  const more = (sorted.length > limit ? `\n  … ${plural(sorted.length - limit, 'more listener')}` : '') +
    (folded ? `\n  … ${plural(folded.listeners, 'quieter listener')} folded into counts (--max-listeners): ${plural(folded.connections, 'connection')}, ` +
      `${num(folded.completed)} completed, ${num(folded.refused)} refused, half-open peak ${num(folded.halfOpenPeak)}` : '');
  const notes = sorted.flatMap((l) => l.anomalies.map((a) =>
    `\n  ${severityColor(p, a.severity)(a.id)} on ${endpoint(l)} at packet #${a.packet} (${timestamp(a.t).slice(11)}): ${a.message}`));
  return `${p.bold('Busiest listeners')}\n${indent(t.toString())}${more}${notes.join('')}`;
}

function worstSeverity(c: Connection): Severity | null {
  let w: Severity | null = null;
  for (const a of c.anomalies) {
    if (a.severity === 'error') return 'error';
    if (a.severity === 'warning') w = 'warning';
    else if (w === null) w = 'info';
  }
  return w;
}

/** "reset ×2, retransmission" with each id in its severity's colour. */
export function anomalyList(p: Paint, c: Connection): string {
  const counts = new Map<string, { n: number; sev: Severity }>();
  for (const a of c.anomalies) {
    const e = counts.get(a.id);
    if (e) e.n++; else counts.set(a.id, { n: 1, sev: a.severity });
  }
  return [...counts].map(([id, { n, sev }]) => severityColor(p, sev)(n > 1 ? `${id} ×${n}` : id)).join(', ');
}

/**
 * The connection table: `rows.shown` are the worst connections already chosen (trouble first) out of
 * `rows.total`; the pipeline keeps only those, so the table costs memory for `limit` rows, not for the
 * capture.
 */
export function renderConnectionTable(p: Paint, rows: ConnectionRows, limit: number, heading: string): string {
  const shown = [...rows.shown].sort(byTrouble).slice(0, Math.max(0, limit));
  const t = makeTable(p, ['#', 'client', 'server', 'handshake', 'close', 'final client / server', 'RTT', 'anomalies'],
    ['right', 'left', 'left', 'left', 'left', 'left', 'right', 'left']);
  for (const c of shown) {
    const w = worstSeverity(c);
    const id = w ? severityColor(p, w)(String(c.id)) : String(c.id);
    t.push([
      id, endpoint(c.client) + (c.roleInferred ? p.dim(' ?') : ''), endpoint(c.server),
      outcomeColor(p, c.handshake.outcome)(c.handshake.outcome), c.close.kind,
      `${stateColor(p, c.finalStates.client)(c.finalStates.client)} / ${stateColor(p, c.finalStates.server)(c.finalStates.server)}`,
      duration(connectionRtt(c)), anomalyList(p, c) || p.dim('–'),
    ]);
  }
  if (rows.total === 0) return '';
  const lines = [p.bold(heading)];
  if (shown.length) lines.push(indent(t.toString()));
  if (rows.total > shown.length) {
    lines.push(`  … ${plural(rows.total - shown.length, 'more connection')} not shown (--limit ${limit}; --json has them all)`);
  }
  if (rows.roleInferred) lines.push(p.dim('  ? = client/server roles inferred from ports (no SYN seen)'));
  return lines.join('\n');
}

export function renderAnalyzeText(
  p: Paint, r: Pick<AnalysisResult, 'inputs' | 'listeners'>, s: Summary, rows: ConnectionRows, o: AnalyzeTextOptions,
): string {
  const parts = [
    renderInputs(p, r.inputs, s),
    renderOverview(p, s) + (o.warnings ?? []).map((w) => `\n  ${p.yellow('warning:')} ${w}`).join(''),
    renderAnomalyCounts(p, s, o.describe),
    renderListeners(p, r.listeners, o.listenerLimit, s.listenersFolded),
    renderConnectionTable(p, rows, o.limit,
      o.filterNote ? `Connections matching ${o.filterNote}: ${num(rows.total)} (trouble first)` : `Connections (trouble first)`),
  ].filter((x) => x !== '');
  return parts.join('\n\n') + '\n';
}
