/**
 * One connection in detail (`analyze --conn`): endpoints, handshake and negotiated options, close,
 * both endpoints' state timelines in colour, anomalies, and (when the segments were re-read) a ladder.
 */
import { MAX_LISTED_PER_ID } from '../flow/anomalies.js';
import type { AnomalyOccurrence, Connection, DirectionGaps, OfferedOptions, TcpState, Transition } from '../flow/model.js';
import { connectionRtt } from '../flow/verdict.js';
import { EXPLAIN_HINT } from './explain-hint.js';
import { renderLadder, type LadderSegment } from './ladder.js';
import { severityColor, stateColor, type Paint } from './style.js';
import { indent, makeTable } from './table.js';
import { duration, endpoint, num, plural, stripAnsi, timestamp, visibleLength } from './text.js';
import { wrapBlock, wrapLine } from './wrap.js';

function rel(t: number, t0: number): string {
  const d = t - t0;
  return `${d < 0 ? '-' : '+'}${Math.abs(d).toFixed(6)}s`;
}

function yesNo(p: Paint, b: boolean): string {
  return b ? p.green('yes') : 'no';
}

function optionRows(p: Paint, c: OfferedOptions, s: OfferedOptions): string[][] {
  const v = (x: number | null) => (x === null ? p.dim('–') : String(x));
  const tfo = (x: string | null) => (x === null ? p.dim('–') : x === '' ? 'cookie request' : `cookie ${x}`);
  return [
    ['ISN', v(c.isn), v(s.isn)],
    ['MSS', v(c.mss), v(s.mss)],
    ['window scale', v(c.wscale), v(s.wscale)],
    ['SACK permitted', yesNo(p, c.sackPermitted), yesNo(p, s.sackPermitted)],
    ['timestamps', yesNo(p, c.timestamps), yesNo(p, s.timestamps)],
    ['TCP Fast Open', tfo(c.fastOpen), tfo(s.fastOpen)],
  ];
}

/** Where a timeline line's transition starts ("    +0.000000s  #301    "): its cause wraps back to here. */
const TIMELINE_HANG = 4 + 10 + 2 + 8;

export function renderTimeline(p: Paint, who: string, transitions: readonly Transition[], t0: number, initial: TcpState = 'CLOSED', width = Infinity): string {
  const lines = [p.bold(who)];
  if (initial !== 'CLOSED') lines.push(`    ${p.dim('starts')} ${stateColor(p, initial)(initial)}  ${p.dim('picked up mid-stream (inferred: no handshake seen)')}`);
  if (transitions.length === 0) lines.push(p.dim(`    no state change seen (stays ${initial})`));
  for (const tr of transitions) {
    const arrow = `${stateColor(p, tr.from)(tr.from)} → ${stateColor(p, tr.to)(tr.to)}`;
    const inferred = tr.inferred && !tr.cause.includes('inferred') ? ' (inferred)' : '';
    const head = `    ${rel(tr.t, t0)}  #${String(tr.packet).padEnd(6)} ${arrow}  `;
    // The cause wraps on its own (dimmed line by line), under the transition.
    const wrapped = wrapLine(`${stripAnsi(head)}${tr.cause}${inferred}`, width, TIMELINE_HANG);
    const plainHead = visibleLength(head);
    lines.push(...wrapped.map((l, k) => (k === 0 ? head + p.dim(l.slice(plainHead)) : p.dim(l))));
  }
  return lines.join('\n');
}

/** One direction of Connection.gaps in words ("none" when the capture missed nothing of it). */
function gapText(g: DirectionGaps): string {
  if (g.firstPacket === null) return 'none';
  const parts: string[] = [];
  if (g.skippedSegments > 0) parts.push(`${num(g.skippedSegments)} skipped (${num(g.skippedBytes)} bytes)`);
  if (g.ackedUnseen > 0 || g.ackedUnseenBytes > 0) {
    parts.push(`${num(g.ackedUnseen)} ACK(s) of unseen data` + (g.ackedUnseenBytes > 0 ? ` (${num(g.ackedUnseenBytes)} bytes never shown)` : ''));
  }
  return `${parts.join(', ')}, #${g.firstPacket}–#${g.lastPacket}`;
}

/** An anomaly on one line, or (too wide) its id and packet, then its message wrapped below. */
function anomalyLines(p: Paint, a: AnomalyOccurrence, t0: number, width: number, idWidth: number): string[] {
  // An uncertain verdict (flow/confidence.ts): "?" before its id, and why after its message.
  const id = a.confidence === 'uncertain' ? `? ${a.id}` : a.id;
  const head = `  ${severityColor(p, a.severity)(a.severity.padEnd(7))} ${id.padEnd(idWidth)} #${String(a.packet).padEnd(6)} ${rel(a.t, t0)}`;
  const message = `${a.endpoint ?? 'both'}: ${a.message}` + (a.uncertainBecause !== undefined ? ` (uncertain: ${a.uncertainBecause})` : '');
  const one = `${head}  ${message}`;
  if (visibleLength(one) <= width) return [one];
  return [head, ...wrapLine(`      ${message}`, width, 8)];
}

export function renderConnectionDetail(p: Paint, c: Connection, ladder: readonly LadderSegment[] | null, width = 100): string {
  return wrapBlock(detailText(p, c, ladder, width), width, 4);
}

function detailText(p: Paint, c: Connection, ladder: readonly LadderSegment[] | null, width: number): string {
  const t0 = c.start;
  const h = c.handshake;
  const out: string[] = [];
  out.push(p.bold.underline(`Connection #${c.id}: ${endpoint(c.client)} → ${endpoint(c.server)}`) +
    ` (IPv${c.ipVersion}${c.roleInferred ? ', roles inferred from ports' : ''})`);
  out.push(`  ${timestamp(c.start)}, lasted ${duration(c.end - c.start)}, packets #${c.firstPacket}–#${c.lastPacket}, ended: ${c.endReason}`);
  out.push(`  client sent ${plural(c.packets.client, 'packet')} / ${plural(c.bytes.client, 'byte')}; server sent ${plural(c.packets.server, 'packet')} / ${plural(c.bytes.server, 'byte')}`);
  out.push(`  final states: client ${stateColor(p, c.finalStates.client)(c.finalStates.client)}, server ${stateColor(p, c.finalStates.server)(c.finalStates.server)}; Zeek conn_state ${c.zeek.connState}, history ${c.zeek.history || '–'}`);
  if (c.endReason === 'evicted') out.push(`  ${p.yellow('evicted under memory pressure: its end was not seen (--max-memory)')}`);
  const back = c.timeStepsBack;
  if (back) {
    out.push(`  ${p.yellow('time runs backwards:')} ${plural(back.segments, 'segment')} stamped earlier than the one before (first #${back.firstPacket}, ` +
      `up to ${duration(back.largestSeconds)} back), each timed as that one; intervals across a step are not measured`);
  }
  if (c.gaps) out.push(`  ${p.yellow('capture gaps')}: client ${gapText(c.gaps.client)}; server ${gapText(c.gaps.server)}`);
  if (c.cutSegments) out.push(`  ${p.yellow('cut by the snaplen')}: ${plural(c.cutSegments, 'segment')}`);
  if (c.uncertainBecause) out.push(`  ${p.yellow('uncertain verdicts')} (marked ?): ${c.uncertainBecause.join('; ')}`);

  out.push('');
  out.push(p.bold('Handshake') + `: ${h.outcome}` +
    (h.synRetransmissions ? `, ${plural(h.synRetransmissions, 'SYN retransmission')}` : '') +
    (h.synAckRetransmissions ? `, ${plural(h.synAckRetransmissions, 'SYN-ACK retransmission')}` : ''));
  out.push(`  RTT: SYN → SYN-ACK ${duration(h.rtt.synToSynAck)}, SYN-ACK → ACK ${duration(h.rtt.synAckToAck)}, total ${duration(connectionRtt(c))}`);
  if (h.synAckAckValid === false) out.push(`  ${p.red('SYN-ACK does not acknowledge the client ISN + 1')}`);
  if (h.finalAckValid === false) out.push(`  ${p.red('final ACK does not acknowledge the server ISN + 1')}`);
  const t = makeTable(p, ['option', 'client offered', 'server offered']);
  for (const row of optionRows(p, h.client, h.server)) t.push(row);
  out.push(indent(t.toString()));
  const n = h.negotiated;
  out.push(`  negotiated: window scaling ${n.windowScaling ? `yes (client ${n.clientWscale}, server ${n.serverWscale})` : 'no'}, ` +
    `SACK ${n.sackPermitted ? 'yes' : 'no'}, timestamps ${n.timestamps ? 'yes' : 'no'}, effective MSS ${n.effectiveMss ?? '–'}`);

  out.push('');
  const cl = c.close;
  out.push(p.bold('Close') + `: ${cl.kind}` + (cl.initiator ? `, started by the ${cl.initiator}` : '') +
    (cl.resetBy ? `, reset by the ${cl.resetBy}` : '') + (cl.finRetransmissions ? `, ${plural(cl.finRetransmissions, 'FIN retransmission')}` : ''));

  out.push('');
  out.push(p.bold('State timelines'));
  out.push(indent(renderTimeline(p, `client ${endpoint(c.client)}`, c.timeline.filter((x) => x.endpoint === 'client'), t0, c.initialStates.client, width - 2)));
  out.push(indent(renderTimeline(p, `server ${endpoint(c.server)}`, c.timeline.filter((x) => x.endpoint === 'server'), t0, c.initialStates.server, width - 2)));
  if (c.lostSegments?.length) {
    out.push(`  ${p.yellow('lost after the capture point')}: ${c.lostSegments.map((n) => `#${n}`).join(', ')} ${p.dim('(seen passing; the peer re-sent what they acknowledged)')}`);
  }

  out.push('');
  if (c.anomalies.length === 0) {
    out.push(`${p.bold('Anomalies')}: ${p.green('none')}`);
  } else {
    out.push(p.bold('Anomalies'));
    const idWidth = Math.max(22, ...c.anomalies.map((a) => a.id.length + (a.confidence === 'uncertain' ? 2 : 0)));
    for (const a of c.anomalies) out.push(...anomalyLines(p, a, t0, width, idWidth));
    for (const [id, n] of Object.entries(c.anomaliesOmitted ?? {})) {
      out.push(p.dim(`  … and ${num(n)} more ${id} (counted, not listed: the first ${num(MAX_LISTED_PER_ID)} of an id are)`));
    }
    out.push(`  ${p.dim(EXPLAIN_HINT)}`);
  }
  if (ladder) {
    out.push('');
    out.push(p.bold('Ladder') + p.dim(' (relative seq/ack; time since the first packet)'));
    out.push(renderLadder(p, c, ladder, width));
  }
  return out.join('\n') + '\n';
}
