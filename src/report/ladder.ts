/**
 * A ladder (sequence) diagram of one connection, drawn in the terminal: client on the left, server on
 * the right, one arrow per segment with flags, relative seq/ack, length and time; the state each side
 * enters is written beside the arrow, and segments an anomaly points at (retransmissions, lost ACKs)
 * are marked. The segments come from a second, filtered pass over the capture (the tracker keeps none).
 */
import { FLAG, type TcpOption } from '../decode/segment.js';
import { formatOptionTcpdump } from '../decode/format.js';
import type { AnomalyOccurrence, Connection, Transition } from '../flow/model.js';
import type { LadderSegment } from '../pipeline/ladder.js';
import { severityColor, stateColor, type Paint } from './style.js';
import { endpoint, padEndVisible, visibleLength } from './text.js';
import { packItems, wrapLine } from './wrap.js';

export type { LadderSegment };

const FLAG_NAMES: Array<[number, string]> = [
  [FLAG.SYN, 'SYN'], [FLAG.FIN, 'FIN'], [FLAG.RST, 'RST'], [FLAG.PSH, 'PSH'], [FLAG.URG, 'URG'],
  [FLAG.ECE, 'ECE'], [FLAG.CWR, 'CWR'], [FLAG.NS, 'AE'], [FLAG.ACK, 'ACK'],
];

export function flagNames(flags: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  return names.length ? names.join(',') : 'none';
}

/** Anomaly ids whose packet is a segment sent again: the arrow is drawn dashed. */
const RESENT = new Set(['retransmission', 'syn-retransmission', 'synack-retransmission', 'fin-retransmission']);

const STATE_W = 13;
/** Arrow width between the rails: what the terminal leaves, within these bounds. */
const MIN_ARROW = 24;
const MAX_ARROW = 80;

/** Options in short, to fit an arrow: what was offered, without padding (nop, eol) or timestamp values. */
function ladderOptions(opts: readonly TcpOption[]): string {
  return opts.filter((o) => o.kind !== 'nop' && o.kind !== 'eol').map((o) => {
    switch (o.kind) {
      case 'timestamp': return 'TS';
      case 'sackOK': return 'sack';
      case 'wscale': return `ws ${o.shift}`;
      default: return formatOptionTcpdump(o);
    }
  }).join(',');
}

/** "listening (inferred)" → "listening, inferred"; plain causes get ", inferred" when inferred. */
function causeText(cause: string, inferred: boolean | undefined): string {
  const bare = cause.replace(/\s*\(inferred\)\s*$/, '');
  return inferred || bare !== cause ? `${bare}, inferred` : cause;
}

export function renderLadder(p: Paint, c: Connection, segs: readonly LadderSegment[], width = 100): string {
  const t0 = c.start;
  // Relative numbers count from each side's ISN (or its first sequence number seen).
  let cBase = c.handshake.client.isn;
  let sBase = c.handshake.server.isn;
  for (const s of segs) {
    if (s.fromClient && cBase === null) cBase = s.seq;
    if (!s.fromClient && sBase === null) sBase = s.seq;
  }
  const relSeq = (v: number, base: number | null) => (base === null ? v : (v - base) >>> 0);

  const trans = new Map<number, Transition[]>();
  const seen = new Set(segs.map((s) => s.packet));
  const orphans: Transition[] = [];
  for (const tr of c.timeline) {
    if (!seen.has(tr.packet) || tr.inferred) { orphans.push(tr); continue; }
    const list = trans.get(tr.packet);
    if (list) list.push(tr); else trans.set(tr.packet, [tr]);
  }
  const marks = new Map<number, AnomalyOccurrence[]>();
  for (const a of c.anomalies) {
    const list = marks.get(a.packet);
    if (list) list.push(a); else marks.set(a.packet, [a]);
  }
  const lost = new Set(c.lostSegments ?? []);

  const timeW = 12;
  const pktW = 8;
  const railsAt = timeW + pktW + STATE_W;
  // Time, packet, both state columns and the rails take FIXED columns; the arrows get the rest
  // (between MIN_ARROW and MAX_ARROW). What does not fit beside a row (anomaly marks, the cause of an
  // inferred transition) goes on lines of its own between the rails.
  const FIXED = railsAt + 2 + 2 + STATE_W;
  const arrowW = Math.max(MIN_ARROW, Math.min(MAX_ARROW, (Number.isFinite(width) ? width : Infinity) - FIXED));
  const fits = (line: string) => !Number.isFinite(width) || visibleLength(line) <= width;
  const lines: string[] = [];
  const cName = p.bold(`client ${endpoint(c.client)}`);
  const sName = p.bold(`server ${endpoint(c.server)}`);
  const head = ' '.repeat(timeW + pktW) + padEndVisible(cName, STATE_W + 2 + arrowW) + sName;
  if (fits(head)) {
    lines.push(head);
  } else {
    const left = ' '.repeat(timeW + pktW) + cName;
    const gap = width - visibleLength(left) - visibleLength(sName);
    if (gap >= 2) lines.push(left + ' '.repeat(gap) + sName);
    else lines.push(left, ' '.repeat(Math.max(0, width - visibleLength(sName))) + sName);
  }
  /** Text between the rails, one line per piece, under a row that had no room for it. */
  const railLines = (pieces: readonly string[]): string[] =>
    pieces.map((x) => `${' '.repeat(railsAt)} │${padEndVisible(`  ${x}`, arrowW)}│`);
  const init = c.initialStates;
  if (init.client !== 'CLOSED' || init.server !== 'CLOSED') {
    // Picked up mid-stream: where both timelines start (inferred), above the first segment.
    const mid = `│${padEndVisible(p.dim(' picked up mid-stream (inferred)'), arrowW)}│`;
    lines.push(`${' '.repeat(timeW + pktW)}${padEndVisible(stateColor(p, init.client)(init.client), STATE_W)} ${mid} ${stateColor(p, init.server)(init.server)}`);
  }

  const stateCell = (list: Transition[] | undefined, who: 'client' | 'server'): string => {
    const tr = list?.filter((x) => x.endpoint === who).at(-1);
    return tr ? stateColor(p, tr.to)(tr.to) : '';
  };

  type Row = { t: number; packet: number; lines: string[] };
  const rows: Row[] = [];
  for (const s of segs) {
    let label = flagNames(s.flags);
    label += ` seq ${relSeq(s.seq, s.fromClient ? cBase : sBase)}`;
    if (s.flags & FLAG.ACK) label += ` ack ${relSeq(s.ack, s.fromClient ? sBase : cBase)}`;
    label += ` win ${s.window}`;
    if (s.len > 0) label += ` len ${s.len}`;
    if (s.options.length) label += ` [${ladderOptions(s.options)}]`;
    const inner = arrowW - 4;
    if (label.length > inner) label = label.slice(0, inner - 1) + '…';
    const ms = marks.get(s.packet) ?? [];
    const resent = ms.some((a) => RESENT.has(a.id));
    const line = resent ? '╌' : '─';
    const fill = line.repeat(Math.max(0, inner - label.length));
    let arrow = s.fromClient ? `${line} ${label} ${fill}▶` : `◀${line} ${label} ${fill}`;
    arrow = arrow.slice(0, arrowW);
    const colored = resent ? p.yellow(arrow) : s.flags & FLAG.RST ? p.red(arrow) : arrow;
    const tl = trans.get(s.packet);
    const left = padEndVisible(stateCell(tl, 'client'), STATE_W);
    const right = stateCell(tl, 'server');
    const notes = [...(lost.has(s.packet) ? [p.yellow('✗ lost after the capture point')] : []),
      ...ms.map((a) => severityColor(p, a.severity)(`✗ ${a.id}`))];
    const time = `+${(s.t - t0).toFixed(6)}s`.padStart(timeW - 1) + ' ';
    const pkt = `#${s.packet}`.padEnd(pktW);
    const main = `${time}${pkt}${left} │${colored}│ ${padEndVisible(right, STATE_W)}`;
    const whole = `${main}${notes.length ? ' ' + notes.join(' ') : ''}`.trimEnd();
    rows.push({ t: s.t, packet: s.packet, lines: fits(whole) ? [whole] : [main.trimEnd(), ...railLines(packItems(notes, arrowW - 2, ' '))] });
  }
  for (const tr of orphans) {
    const time = `+${(tr.t - t0).toFixed(6)}s`.padStart(timeW - 1) + ' ';
    const plainCause = `(${causeText(tr.cause, tr.inferred)})`;
    const cause = p.dim(plainCause);
    const state = stateColor(p, tr.to)(tr.to);
    const mid = `│${' '.repeat(arrowW)}│`;
    const main = tr.endpoint === 'client'
      ? `${time}${' '.repeat(pktW)}${padEndVisible(state, STATE_W)} ${mid}`
      : `${time}${' '.repeat(pktW)}${' '.repeat(STATE_W)} ${mid} ${state}`;
    const whole = `${main} ${cause}`;
    const out = fits(whole) ? [whole] : [main, ...railLines(wrapLine(plainCause, arrowW - 3, 1).map((l) => p.dim(l)))];
    // A listener is inferred before the packet that shows it; timer transitions come after theirs.
    rows.push({ t: tr.t, packet: tr.packet + (tr.to === 'LISTEN' ? -0.5 : 0.5), lines: out });
  }
  rows.sort((a, b) => a.packet - b.packet || a.t - b.t);
  for (const r of rows) lines.push(...r.lines);
  if (segs.length === 0) lines.push(p.dim('  (no segment of this connection found on the second pass)'));
  return lines.join('\n');
}
