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
import { endpoint, padEndVisible } from './text.js';

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
  // The rails and both state columns fit in `width`; the anomaly notes may run past it.
  const arrowW = Math.max(36, Math.min(80, width - timeW - pktW - 2 * (STATE_W + 1) - 2));
  const lines: string[] = [];
  const leftPad = ' '.repeat(timeW + pktW);
  const cName = `client ${endpoint(c.client)}`;
  const sName = `server ${endpoint(c.server)}`;
  lines.push(leftPad + padEndVisible(p.bold(cName), STATE_W + 2 + arrowW) + p.bold(sName));
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

  type Row = { t: number; packet: number; text: string };
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
    const note = [...(lost.has(s.packet) ? [p.yellow('✗ lost after the capture point')] : []),
      ...ms.map((a) => severityColor(p, a.severity)(`✗ ${a.id}`))].join(' ');
    const time = `+${(s.t - t0).toFixed(6)}s`.padStart(timeW - 1) + ' ';
    const pkt = `#${s.packet}`.padEnd(pktW);
    rows.push({ t: s.t, packet: s.packet, text: `${time}${pkt}${left} │${colored}│ ${padEndVisible(right, STATE_W)}${note ? ' ' + note : ''}`.trimEnd() });
  }
  for (const tr of orphans) {
    const time = `+${(tr.t - t0).toFixed(6)}s`.padStart(timeW - 1) + ' ';
    const cause = causeText(tr.cause, tr.inferred);
    const what = `${stateColor(p, tr.to)(tr.to)} ${p.dim(`(${cause})`)}`;
    const mid = `│${' '.repeat(arrowW)}│`;
    const text = tr.endpoint === 'client'
      ? `${time}${' '.repeat(pktW)}${padEndVisible(stateColor(p, tr.to)(tr.to), STATE_W)} ${mid} ${p.dim(`(${cause})`)}`
      : `${time}${' '.repeat(pktW)}${' '.repeat(STATE_W)} ${mid} ${what}`;
    // A listener is inferred before the packet that shows it; timer transitions come after theirs.
    rows.push({ t: tr.t, packet: tr.packet + (tr.to === 'LISTEN' ? -0.5 : 0.5), text: text.trimEnd() });
  }
  rows.sort((a, b) => a.packet - b.packet || a.t - b.t);
  for (const r of rows) lines.push(r.text);
  if (segs.length === 0) lines.push(p.dim('  (no segment of this connection found on the second pass)'));
  return lines.join('\n');
}
