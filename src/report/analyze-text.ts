/**
 * `synack analyze` as text: a summary a person takes in at a glance, then one row per connection,
 * trouble first. Pure: takes data, a Paint and the width to fit, returns the text.
 */
import type { FoldedListeners } from '../flow/listener-fold.js';
import type { Connection, Listener, Severity } from '../flow/model.js';
import type { ConnectionRows } from '../pipeline/digest.js';
import { connectionRtt } from '../flow/verdict.js';
import { byTrouble, type Summary } from '../pipeline/summary.js';
import { explainHint } from './explain-hint.js';
import { renderSynQueues } from './syn-queue.js';
import type { AnalysisResult, InputSummary } from '../pipeline/types.js';
import type { InterfaceStats } from '../capture/stats.js';
import { safeText } from './safe-text.js';
import { compareEndpoints } from '../util/address.js';
import { fittedTable, type Cell, type Column } from './layout.js';
import { severityColor, stateColor, type Paint } from './style.js';
import { compactCount, duration, endpoint, num, plural, timeOfDay, timestamp } from './text.js';
import { wrapBlock } from './wrap.js';

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
  /** Visible columns to fit (Infinity: no limit, `--wide`). Default 100. */
  width?: number;
  /** The capture filter, when one was given (shown with what it kept). */
  captureFilter?: string;
}

const OUTCOME_ORDER = ['complete', 'refused', 'no-answer', 'half-open', 'reset', 'simultaneous-open', 'not-seen'] as const;

function outcomeColor(p: Paint, o: string): (s: string) => string {
  switch (o) {
    case 'complete': return p.green;
    case 'simultaneous-open': case 'not-seen': return p.cyan;
    case 'refused': case 'reset': return p.yellow;
    default: return p.red;
  }
}

/** A dim line naming the columns the width left out, when there are any. */
function droppedNote(p: Paint, dropped: readonly string[], width: number): string {
  if (dropped.length === 0) return '';
  return '\n' + wrapBlock(`  (left out at this width: ${dropped.join(', ')}; --wide shows them)`, width, 1).split('\n').map((l) => p.dim(l)).join('\n');
}

export function renderInputs(p: Paint, inputs: readonly InputSummary[], s: Summary, captureFilter?: string): string {
  const lines: string[] = [p.bold('Inputs')];
  for (const i of inputs) {
    const links = i.linkTypes.map((l) => `${l.supported ? l.name : p.yellow(`${l.name} (not decoded)`)} ${num(l.frames)}`).join(', ');
    // The reader's detail says "gzip-compressed" already.
    lines.push(`  ${p.bold(safeText(i.name))}  ${safeText(i.detail)}`);
    lines.push(`    ${plural(i.frames, 'frame')}, ${plural(i.bytes, 'byte')}${links ? `; link types: ${links}` : ''}`);
    const adjusted = i.counts ? Object.entries(i.counts).filter(([, n]) => n > 0).map(([k, n]) => `${num(n)} ${k}`) : [];
    if (adjusted.length) lines.push(`    records adjusted or skipped by the reader: ${p.yellow(adjusted.join(', '))}`);
    for (const st of i.interfaceStats ?? []) lines.push(`    ${interfaceStatsLine(p, st)}`);
    for (const w of i.warnings) lines.push(`    ${p.yellow('warning:')} ${safeText(w.message)}`);
  }
  const f = s.frames;
  const skipped = Object.entries(f.nonTcp).filter(([, n]) => n > 0).map(([k, n]) => `${num(n)} ${k}`);
  lines.push(`  ${plural(f.frames, 'frame')}, ${plural(f.tcpSegments, 'TCP segment')}` +
    (skipped.length ? `; not analysed: ${skipped.join(', ')}` : ''));
  if (captureFilter !== undefined) {
    const kept = f.tcpSegments - (f.filteredOut ?? 0);
    lines.push(`  filter ${safeText(JSON.stringify(captureFilter))}: ${num(kept)} of ${plural(f.tcpSegments, 'TCP segment')} kept, ${num(f.filteredOut ?? 0)} left out`);
  }
  if (f.stoppedAtCount !== undefined) lines.push(`  stopped after ${plural(f.stoppedAtCount, 'segment')} (-c ${f.stoppedAtCount}); the rest was not read`);
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
    // "≈": read from a histogram bucket of different values (within 0.05 %: summary's RttStats.exact),
    // not when every sample prints the same (min and max alike): the median then prints the same too.
    const about = r.exact || duration(r.min) === duration(r.max) ? '' : '≈';
    lines.push(`  handshake RTT (SYN → ACK, ${plural(r.samples, 'sample')}): min ${duration(r.min)}  median ${about}${duration(r.median)}  p95 ${about}${duration(r.p95)}  max ${duration(r.max)}${across}`);
  } else {
    lines.push(excluded > 0 ? `  handshake RTT: none measured${across}` : '  handshake RTT: no completed handshake seen');
  }
  return lines.join('\n');
}

export function renderAnomalyCounts(p: Paint, s: Summary, describe?: (id: string) => string | undefined, width = 100): string {
  if (s.anomalies.length === 0) return `${p.bold('Anomalies')}: ${p.green('none')}`;
  const cols: Column[] = [
    { head: 'severity', priority: 0 },
    { head: 'anomaly', priority: 0 },
    { head: 'count', align: 'right', priority: 0 },
    { head: 'connections', align: 'right', priority: 1 },
    // Cut to fit (narrowed before anything else goes): `synack anomalies` prints the whole text.
    { head: 'meaning', priority: 2, shrink: 'cut', want: 40, min: 20 },
  ];
  const rows: Cell[][] = s.anomalies.map((a) => [
    severityColor(p, a.severity)(a.severity), a.id, num(a.count), num(a.connections), p.dim(describe?.(a.id) ?? ''),
  ]);
  const t = fittedTable(p, cols, rows, width);
  return `${p.bold('Anomalies')}\n${t.text}${droppedNote(p, t.dropped, width)}\n${explainHint(p, width)}`;
}

export function renderListeners(p: Paint, listeners: readonly Listener[], limit = 10, width = 100, folded?: FoldedListeners): string {
  if (listeners.length === 0) return '';
  const sorted = [...listeners].sort((a, b) => b.connections - a.connections || b.halfOpenPeak - a.halfOpenPeak || compareEndpoints(a, b));
  const cols: Column[] = [
    { head: 'listener', priority: 0 },
    { head: 'connections', align: 'right', priority: 0 },
    { head: 'completed', align: 'right', priority: 3 },
    { head: 'refused', align: 'right', priority: 2 },
    { head: 'half-open peak', align: 'right', priority: 1 },
    { head: 'peak at', priority: 4 },
    { head: 'half-open at end', align: 'right', priority: 2 },
  ];
  const rows: Cell[][] = sorted.slice(0, limit).map((l) => [
    endpoint(l), num(l.connections), num(l.completed), num(l.refused), l.halfOpenPeak > 0 ? p.yellow(num(l.halfOpenPeak)) : '0',
    l.halfOpenPeakTime !== null && l.halfOpenPeak > 0 ? timestamp(l.halfOpenPeakTime).slice(11) : '–',
    l.halfOpenNow > 0 ? p.red(num(l.halfOpenNow)) : '0',
  ]);
  const t = fittedTable(p, cols, rows, width);
  const more = (sorted.length > limit ? `\n  … ${plural(sorted.length - limit, 'more listener')}` : '') +
    (folded ? `\n  … ${plural(folded.listeners, 'quieter listener')} folded into counts (--max-listeners): ${plural(folded.connections, 'connection')}, ` +
      `${num(folded.completed)} completed, ${num(folded.refused)} refused, half-open peak ${num(folded.halfOpenPeak)}` : '');
  const notes = sorted.flatMap((l) => l.anomalies.map((a) =>
    `\n  ${severityColor(p, a.severity)(a.id)} on ${endpoint(l)} at packet #${a.packet} (${timestamp(a.t).slice(11)}): ${a.message}`));
  return `${p.bold('Busiest listeners')}\n${t.text}${droppedNote(p, t.dropped, width)}${more}${wrapBlock(notes.join(''), width)}`;
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

/** ["reset ×2", "retransmission", "? lost-final-ack"], each id in its severity's colour; "?": uncertain. */
export function anomalyItems(p: Paint, c: Connection): string[] {
  const counts = new Map<string, { n: number; sev: Severity }>();
  for (const a of c.anomalies) {
    const key = a.confidence === 'uncertain' ? `? ${a.id}` : a.id;
    const e = counts.get(key);
    if (e) e.n++; else counts.set(key, { n: 1, sev: a.severity });
  }
  for (const [id, n] of Object.entries(c.anomaliesOmitted ?? {})) {
    const e = counts.get(id);
    if (e) e.n += n;
  }
  return [...counts].map(([id, { n, sev }]) => severityColor(p, sev)(n > 1 ? `${id} ×${num(n)}` : id));
}

/**
 * The start column: the time of day when every row starts on the capture's first day (UTC), the
 * date too otherwise.
 */
function startCell(t: number, firstDay: string): string {
  const ts = timestamp(t);
  return ts.startsWith(firstDay) ? ts.slice(11, 23) : ts.slice(0, 23);
}

const CONNECTION_COLUMNS: readonly Column[] = [
  { head: '#', align: 'right', priority: 0 },
  { head: 'client', priority: 0 },
  { head: 'server', priority: 0 },
  { head: 'start (UTC)', priority: 7 },
  { head: 'duration', align: 'right', priority: 4 },
  { head: 'packets c/s', align: 'right', priority: 8 },
  { head: 'bytes c/s', align: 'right', priority: 6 },
  { head: 'handshake', priority: 2 },
  { head: 'close', priority: 9 },
  { head: 'final client / server', priority: 3 },
  { head: 'RTT', align: 'right', priority: 5 },
  { head: 'anomalies', priority: 1, shrink: 'wrap', want: 24, min: 16 },
];

/**
 * The connection table: `rows.shown` are the worst connections already chosen (trouble first) out of
 * `rows.total`; the pipeline keeps only those, so the table costs memory for `limit` rows, not for the
 * capture. Columns the width cannot hold are left out by priority (and named under the table).
 */
export function renderConnectionTable(p: Paint, rows: ConnectionRows, limit: number, heading: string, width = 100, noMatch?: string): string {
  const shown = [...rows.shown].sort(byTrouble).slice(0, Math.max(0, limit));
  if (rows.total === 0) return noMatch === undefined ? '' : `${p.bold(heading)}\n  ${noMatch}`;
  const firstDay = shown.length ? timestamp(Math.min(...shown.map((c) => c.start))).slice(0, 10) : '';
  const cells: Cell[][] = shown.map((c) => {
    const w = worstSeverity(c);
    const items = anomalyItems(p, c);
    return [
      w ? severityColor(p, w)(String(c.id)) : String(c.id),
      endpoint(c.client) + (c.roleInferred ? p.dim(' ?') : ''), endpoint(c.server),
      startCell(c.start, firstDay), duration(c.end - c.start),
      `${compactCount(c.packets.client)}/${compactCount(c.packets.server)}`,
      `${compactCount(c.bytes.client)}/${compactCount(c.bytes.server)}`,
      outcomeColor(p, c.handshake.outcome)(c.handshake.outcome), c.close.kind,
      `${stateColor(p, c.finalStates.client)(c.finalStates.client)} / ${stateColor(p, c.finalStates.server)(c.finalStates.server)}`,
      duration(connectionRtt(c)), items.length ? { items } : p.dim('–'),
    ];
  });
  const lines = [p.bold(heading)];
  if (shown.length) {
    const t = fittedTable(p, CONNECTION_COLUMNS, cells, width);
    lines.push(t.text + droppedNote(p, t.dropped, width));
  }
  if (rows.total > shown.length) {
    lines.push(`  … ${plural(rows.total - shown.length, 'more connection')} not shown (--limit ${limit}; --json has them all)`);
  }
  if (rows.roleInferred) lines.push(p.dim('  ? = client/server roles inferred from ports (no SYN seen)'));
  return lines.join('\n');
}

export function renderAnalyzeText(
  p: Paint, r: Pick<AnalysisResult, 'inputs' | 'listeners'>, s: Summary, rows: ConnectionRows, o: AnalyzeTextOptions,
): string {
  const width = o.width ?? 100;
  const heading = o.filterNote ? `Connections matching ${o.filterNote}: ${num(rows.total)} (trouble first)` : 'Connections (trouble first)';
  const parts = [
    wrapBlock(renderInputs(p, r.inputs, s, o.captureFilter), width),
    wrapBlock(renderOverview(p, s) + (o.warnings ?? []).map((w) => `\n  ${p.yellow('warning:')} ${w}`).join(''), width),
    renderAnomalyCounts(p, s, o.describe, width),
    renderListeners(p, r.listeners, o.listenerLimit, width, s.listenersFolded),
    wrapBlock(renderSynQueues(p, r.listeners, o.listenerLimit), width, 4),
    renderConnectionTable(p, rows, o.limit, heading, width,
      o.filterNote ? `no connection matches ${o.filterNote} (of ${plural(s.connections, 'connection')} in the capture)` : undefined),
  ].filter((x) => x !== '');
  return parts.join('\n\n') + '\n';
}
