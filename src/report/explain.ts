/**
 * `synack explain` as text: an anomaly's catalogue entry, a state with its arcs from the state table,
 * a topic, the list of what can be explained, or a connection's narration. Prose is wrapped to the
 * terminal (at most 100 columns: longer lines are hard to read); commands and arcs are never cut.
 */
import type {
  AnomalyExplanation, ArcView, ConnectionExplanation, Explanation, ListExplanation, NarratedAnomaly, NarrationStep, StateExplanation,
  TopicExplanation,
} from '../explain/explanation.js';
import type { CheckStep } from '../flow/anomaly-guide.js';
import { severityColor, stateColor, type Paint } from './style.js';
import { duration, endpoint, visibleLength } from './text.js';

/** Prose is wrapped at this width at most, whatever the terminal's. */
export const EXPLAIN_MAX_WIDTH = 100;

/**
 * Words of `text` in lines of at most `width` columns, the first after `first`, the rest after `rest`.
 * Unlike wrap.ts's wrapLine, a word longer than the line stays whole: explain's words are ids, sysctls
 * and commands to copy.
 */
export function wrap(text: string, width: number, first: string, rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function para(text: string, width: number, indent = '  '): string {
  return wrap(text, width, indent).join('\n');
}

function heading(p: Paint, s: string): string {
  return p.bold(s);
}

function checkLines(p: Paint, steps: readonly CheckStep[], width: number): string[] {
  const out: string[] = [];
  for (const s of steps) {
    out.push(`  ${p.cyan('$')} ${s.command}`);
    out.push(...wrap(s.look, width, '      ').map((l) => p.dim(l)));
  }
  return out;
}

function seeLine(p: Paint, names: readonly string[], label: string, width: number): string[] {
  if (names.length === 0) return [];
  return wrap(`${p.bold(label)} ${names.join(', ')}`, width, '', '  ');
}

export function renderAnomalyExplanation(p: Paint, e: AnomalyExplanation, width: number): string {
  const out: string[] = [];
  out.push(`${p.bold(e.id)}  ${severityColor(p, e.severity)(e.severity)}, ${e.phase}`);
  out.push(para(e.meaning, width));
  out.push('', heading(p, 'How synack detects it'), para(e.detection, width));
  out.push('', heading(p, 'Reference'), para(e.reference, width));
  out.push('', heading(p, 'Common causes'));
  for (const c of e.causes) out.push(...wrap(c, width, '  • ', '    '));
  out.push('', heading(p, 'What to check'), ...checkLines(p, e.check, width));
  const ph = Object.entries(e.placeholders).map(([k, v]) => `${k}: ${v}`);
  if (ph.length) out.push(...wrap(`(${ph.join('; ')})`, width, '  ').map((l) => p.dim(l)));
  out.push('', ...seeLine(p, e.related, 'Related (synack explain <id>):', width));
  return out.join('\n') + '\n';
}

/** One arc: "  FIN_WAIT_2 → TIME_WAIT   on receive FIN   RFC ...", its note and how synack knows. */
function arcLines(p: Paint, a: ArcView, width: number): string[] {
  const move = a.from === a.to ? `${stateColor(p, a.from)(a.from)} stays` : `${stateColor(p, a.from)(a.from)} → ${stateColor(p, a.to)(a.to)}`;
  const head = `  ${move}   on ${p.bold(a.event)}`;
  const rfc = `${a.rfc}${a.inFigure5 ? '' : ' (not drawn in Figure 5)'}`;
  const out = visibleLength(head) + 3 + rfc.length <= width ? [`${head}   ${p.dim(rfc)}`] : [head, ...wrap(rfc, width, '      ').map((l) => p.dim(l))];
  out.push(...wrap(a.note, width, '      '));
  out.push(...wrap(`how synack knows (${a.evidence}): ${a.evidenceText}`, width, '      ').map((l) => p.dim(l)));
  return out;
}

export function renderStateExplanation(p: Paint, e: StateExplanation, width: number): string {
  const out: string[] = [];
  out.push(...wrap(`${p.bold(stateColor(p, e.state)(e.state))}${e.aliases.length ? `  ${p.dim(`(also ${e.aliases.join(', ')})`)}` : ''}`, width, '', '  '));
  out.push(para(e.summary, width));
  out.push('', heading(p, 'Why it exists'));
  for (const w of e.why) out.push(para(w, width), '');
  const group = (title: string, arcs: readonly ArcView[]) => {
    if (arcs.length === 0) return;
    out.push(heading(p, `${title} (${arcs.length}, from the state table the tracker runs)`));
    for (const a of arcs) out.push(...arcLines(p, a, width));
    out.push('');
  };
  group('Arcs in', e.arcsIn);
  group('Arcs out', e.arcsOut);
  group('Events that leave it as it is', e.unchanged);
  out.push(...seeLine(p, e.anomalies, 'Anomalies (synack explain <id>):', width));
  out.push(...seeLine(p, e.see, 'See also (synack explain <name>):', width));
  return out.join('\n') + '\n';
}

export function renderTopicExplanation(p: Paint, e: TopicExplanation, width: number): string {
  const out: string[] = [p.bold(e.title)];
  for (const x of e.paragraphs) out.push(para(x, width), '');
  if (e.items?.length) {
    const w = Math.max(...e.items.map((i) => i.name.length));
    for (const i of e.items) out.push(...wrap(i.text, width, `  ${p.bold(i.name.padEnd(w))}  `, ' '.repeat(w + 4)));
    out.push('');
  }
  if (e.check?.length) out.push(heading(p, 'What to check'), ...checkLines(p, e.check, width), '');
  out.push(...seeLine(p, e.anomalies, 'Anomalies (synack explain <id>):', width));
  out.push(...seeLine(p, e.see, 'See also (synack explain <name>):', width));
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

export function renderListExplanation(p: Paint, e: ListExplanation, width: number): string {
  const out: string[] = [];
  out.push(...wrap('synack explain <name> teaches what synack knows: an anomaly id, a state (any case: TIME_WAIT, time-wait), a topic; ' +
    'synack explain <id> CAPTURE tells one connection of a capture in plain sentences.', width, ''));
  const section = (title: string, rows: Array<[string, string]>) => {
    out.push('', heading(p, title));
    const w = Math.max(...rows.map(([n]) => visibleLength(n)));
    for (const [name, text] of rows) {
      const head = `  ${name}${' '.repeat(w - visibleLength(name))}  `;
      // One line each: cut to the width (the whole text is one `synack explain` away).
      const room = Math.max(20, width - visibleLength(head));
      out.push(head + p.dim(text.length > room ? text.slice(0, room - 1) + '…' : text));
    }
  };
  section('Topics', e.topics.map((t) => [t.topic, t.title]));
  section('States', e.states.map((s) => [s.state, s.summary]));
  section('Anomaly ids', e.anomalies.map((a) => [`${severityColor(p, a.severity)(a.severity.padEnd(7))} ${a.id}`, a.meaning]));
  return out.join('\n') + '\n';
}

function anomalyLine(p: Paint, a: NarratedAnomaly, width: number, indent: string): string[] {
  return wrap(`${severityColor(p, a.severity)(`✗ ${a.id}`)}${a.count && a.count > 1 ? ` ×${a.count}` : ''}: ${a.message}`, width, indent, indent + '  ');
}

function stepLines(p: Paint, s: NarrationStep, width: number): string[] {
  const time = `+${s.offset.toFixed(6)}s`.padStart(11);
  const pkt = (s.packet === null ? '' : `#${s.packet}`).padEnd(7);
  const head = `  ${time} ${pkt} `;
  const hang = ' '.repeat(visibleLength(head));
  const out = wrap(s.text, width, head, hang);
  if (s.inferred && s.packet === null) out.push(...wrap(`(inferred: ${s.because ?? ''})`, width, hang).map((l) => p.dim(l)));
  for (const n of s.notes ?? []) out.push(...wrap(n, width, hang, hang + '  ').map((l, i) => (i === 0 && s.lost && n.startsWith('It passed') ? p.yellow(l) : l)));
  for (const t of s.transitions ?? []) out.push(...wrap(`→ ${t.text}`, width, hang, hang + '  ').map((l) => (t.inferred ? p.dim(l) : l)));
  for (const a of s.anomalies ?? []) out.push(...anomalyLine(p, a, width, hang));
  return out;
}

export function renderConnectionExplanation(p: Paint, e: ConnectionExplanation, width: number): string {
  const c = e.connection;
  const out: string[] = [];
  out.push(...wrap(`Connection #${c.id} of ${e.inputs.join(', ')}: ${endpoint(c.client)} → ${endpoint(c.server)} ` +
    `(IPv${c.ipVersion}${c.roleInferred ? ', roles inferred from ports' : ''})`, width, '', '  ').map((l) => p.bold(l)));
  out.push(...wrap(`packets #${c.firstPacket}–#${c.lastPacket} over ${duration(c.end - c.start)}; handshake ${c.outcome}, close ${c.close}; ` +
    `final states: client ${c.finalStates.client}, server ${c.finalStates.server}` +
    (c.lostSegments.length ? `; lost after the capture point: ${c.lostSegments.map((x) => `#${x}`).join(', ')}` : ''), width, '  '));
  out.push('', ...wrap(`${heading(p, 'What happened')} ${p.dim('(time since the first packet; → a state change and how synack knows it; ✗ an anomaly)')}`, width, '', '  '));
  for (const s of e.steps) out.push(...stepLines(p, s, width));
  out.push('', heading(p, 'How it ended'));
  for (const x of e.ending) out.push(para(x, width));
  for (const a of e.endingAnomalies) out.push(...anomalyLine(p, a, width, '  '));
  if (e.anomalies.length) {
    out.push('', ...wrap(`${p.bold('Explain the anomalies:')} ${e.anomalies.map((id) => `synack explain ${id}`).join(', ')}`, width, '', '  '));
  }
  return out.join('\n') + '\n';
}

export function renderExplanation(p: Paint, e: Explanation, columns: number): string {
  // --wide (Infinity): paragraphs on one line each, for grep; else the terminal's width, at most 100.
  const width = columns === Infinity ? Infinity : Math.max(40, Math.min(columns, EXPLAIN_MAX_WIDTH));
  switch (e.kind) {
    case 'anomaly': return renderAnomalyExplanation(p, e, width);
    case 'state': return renderStateExplanation(p, e, width);
    case 'topic': return renderTopicExplanation(p, e, width);
    case 'list': return renderListExplanation(p, e, width);
    case 'connection': return renderConnectionExplanation(p, e, width);
  }
}
