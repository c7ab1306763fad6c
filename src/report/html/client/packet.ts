/**
 * One segment of a detailed connection as people read it: flag names, sequence numbers relative to
 * each side's ISN, and the decoded header shown when the pointer rests on a segment (ladder arrows,
 * time-sequence graph marks).
 */
import type { AnomalyOccurrence, Connection } from '../../../flow/model.js';
import type { ReportPackets } from '../data.js';
import type { Child } from './dom.js';
import { num, rel } from './format.js';
import { tipLines } from './tooltip.js';

/** TCP flag bits (src/decode/segment.ts FLAG), in the order tshark names them. */
export const FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, AE: 0x100 } as const;

const NAMES: Array<[number, string]> = [
  [FLAG.SYN, 'SYN'], [FLAG.FIN, 'FIN'], [FLAG.RST, 'RST'], [FLAG.PSH, 'PSH'], [FLAG.URG, 'URG'],
  [FLAG.ECE, 'ECE'], [FLAG.CWR, 'CWR'], [FLAG.AE, 'AE'], [FLAG.ACK, 'ACK'],
];

/** "SYN,ACK", "FIN,PSH,ACK", "none": the terminal ladder's order. */
export function flagNames(flags: number): string {
  const n = NAMES.filter(([b]) => flags & b).map(([, s]) => s);
  return n.length ? n.join(',') : 'none';
}

/** Anomaly ids whose packet is a segment sent again (drawn dashed, marked in the graph). */
export const RESENT = new Set(['retransmission', 'syn-retransmission', 'synack-retransmission', 'fin-retransmission']);

/** Each side's relative-numbering base: its ISN, else the first sequence number it sent. */
export interface Bases { client: number | null; server: number | null }

export function sequenceBases(c: Connection, p: ReportPackets | undefined): Bases {
  const b: Bases = { client: c.handshake.client.isn, server: c.handshake.server.isn };
  if (p) {
    for (let i = 0; i < p.embedded && (b.client === null || b.server === null); i++) {
      if (p.fromClient[i] === 1) b.client ??= p.seq[i]!;
      else b.server ??= p.seq[i]!;
    }
  }
  return b;
}

/** A raw sequence number relative to a base (wrap-safe, 32-bit). */
export function relSeq(v: number, base: number | null): number {
  return base === null ? v : (v - base) >>> 0;
}

/** Anomalies by the packet they name. */
export function anomaliesByPacket(c: Connection): Map<number, AnomalyOccurrence[]> {
  const m = new Map<number, AnomalyOccurrence[]>();
  for (const a of c.anomalies) {
    const l = m.get(a.packet);
    if (l) l.push(a); else m.set(a.packet, [a]);
  }
  return m;
}

/** Segments that passed the capture point and never reached their receiver (Connection.lostSegments). */
export function lostSegments(c: Connection): Set<number> {
  return new Set(c.lostSegments ?? []);
}

/** The window the sender of segment i advertised, in bytes (scaled unless the segment is a SYN). */
export function scaledWindow(c: Connection, p: ReportPackets, i: number): number {
  const n = c.handshake.negotiated;
  const shift = !n.windowScaling || p.flags[i]! & FLAG.SYN ? 0 : (p.fromClient[i] ? n.clientWscale : n.serverWscale) ?? 0;
  return p.window[i]! * 2 ** shift;
}

/** The decoded header of segment i, for the tooltip. */
export function packetTip(c: Connection, p: ReportPackets, i: number, bases: Bases, marks: Map<number, AnomalyOccurrence[]>, lost: ReadonlySet<number>): Child[] {
  const fromClient = p.fromClient[i] === 1;
  const own = fromClient ? bases.client : bases.server;
  const peer = fromClient ? bases.server : bases.client;
  const f = p.flags[i]!;
  const rows: Array<[string, string]> = [
    ['direction', fromClient ? 'client → server' : 'server → client'],
    ['time', `${rel(p.t[i]!)} since the connection's first packet`],
    ['flags', `${flagNames(f)} (0x${f.toString(16).padStart(3, '0')})`],
    ['seq', `${num(relSeq(p.seq[i]!, own))} (raw ${p.seq[i]})`],
  ];
  if (f & FLAG.ACK) rows.push(['ack', `${num(relSeq(p.ack[i]!, peer))} (raw ${p.ack[i]})`]);
  const scaled = scaledWindow(c, p, i);
  rows.push(['window', scaled === p.window[i] ? num(p.window[i]!) : `${num(p.window[i]!)} (× scale = ${num(scaled)} bytes)`]);
  rows.push(['payload', `${num(p.len[i]!)} bytes`]);
  rows.push(['header length', `${p.headerLen[i]} bytes`]);
  rows.push(['checksum', `0x${p.checksum[i]!.toString(16).padStart(4, '0')}`]);
  if (f & FLAG.URG) rows.push(['urgent pointer', String(p.urgent[i])]);
  rows.push([c.ipVersion === 6 ? 'hop limit' : 'TTL', String(p.ttl[i])]);
  if (p.vlan[i]! >= 0) rows.push(['VLAN', String(p.vlan[i])]);
  if (p.options[i]) rows.push(['options', p.options[i]!]);
  if (p.issues[i]) rows.push(['decode issues', p.issues[i]!]);
  if (lost.has(p.packet[i]!)) rows.push(['fate', 'lost after the capture point: the peer re-sent what it acknowledged']);
  for (const a of marks.get(p.packet[i]!) ?? []) rows.push([a.severity, `${a.id}: ${a.message}`]);
  return tipLines(`packet #${p.packet[i]}`, rows);
}
