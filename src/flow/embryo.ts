/**
 * Embryonic connections in a compact form. Under a SYN flood almost every connection is a SYN and
 * maybe its SYN-ACKs, held until the server gives up or its answer shows it kept no state: seconds,
 * hundreds of thousands at once. The kernel keeps such a request in a small request record and builds
 * the full socket only when the handshake completes; synack does the same. A connection still in its
 * handshake a moment after it began (DEMOTE_AFTER: ordinary handshakes finish in milliseconds) gives
 * its full record back and keeps only its 4-tuple and the SYN / SYN-ACK segments it saw (Embryo: ~300
 * bytes against ~2.5 KB). More copies of those segments are logged in place. Anything else (the
 * client's ACK, a RST, its timers coming due, the end of the capture) rebuilds the full record by
 * replaying the logged segments through the tracker's own path, so a connection reads exactly as if
 * it had never been compacted (test/flow/embryo.test.ts compares both on every fixture and on floods).
 */
import { FLAG, type Segment } from '../decode/segment.js';
import { baseOf, nextWaitDoubling, nextWaitOf, silenceAfter } from './backoff.js';
import { ANSWER_PENDING, ANSWER_STATEFUL, type Conn } from './conn.js';
import type { TableEntry } from './conn-table.js';
import type { ListenerRecord } from './listeners.js';

/** Capture seconds a connection may sit in its handshake before it is compacted. */
export const DEMOTE_AFTER = 0.1;
/** Most SYN and SYN-ACK copies an embryo logs; one more rebuilds the full record. */
export const MAX_LOGGED = 8;

// One logged segment: seconds and nanoseconds (as captured: recombining them reproduces the tracker's
// time exactly), frame, flags (+ FROM_CLIENT), seq, ack, window.
export const LOG_STRIDE = 7;
const L_SEC = 0, L_NSEC = 1, L_FRAME = 2, L_FLAGS = 3, L_SEQ = 4, L_ACK = 5, L_WIN = 6;
export const FROM_CLIENT = 0x10000;

/** Append a SYN or SYN-ACK to a handshake log (a Conn's while it is young, an Embryo's after). */
export function logSegment(log: number[], seg: Segment, fromClient: boolean): void {
  log.push(seg.tsSec, seg.tsNsec, seg.frameNo, seg.flags | (fromClient ? FROM_CLIENT : 0), seg.seq, seg.ack, seg.window);
}

export class Embryo implements TableEntry {
  readonly embryo = true;
  ipVersion = 4;
  a0 = 0; a1 = 0; a2 = 0; a3 = 0; portA = 0;
  b0 = 0; b1 = 0; b2 = 0; b3 = 0; portB = 0;
  hash = 0;
  id = 0;
  clientIsA = true;
  listener!: ListenerRecord;
  /** Conn.answer when compacted (ANSWER_PENDING, or ANSWER_STATEFUL once a SYN-ACK copy showed it). */
  answer = 0;
  clientIsn = 0;
  serverIsn = -1;
  /** Options of each side's first SYN, packed (optionsOf); -1: that side sent none. */
  clientOpts = -1;
  serverOpts = -1;
  /** Capture time its timers are due, and its latest scheduling (timer-heap.ts). */
  timerAt = Infinity;
  timerToken = 0;
  log: number[] = [];

  /** Copies of one side (client SYNs, or server SYN-ACKs) and their timing, from the log. */
  side(fromClient: boolean): { count: number; firstT: number; firstPacket: number; lastT: number; lastInterval: number; base: number } {
    const log = this.log;
    let count = 0, firstT = 0, firstPacket = 0, lastT = 0, lastInterval = 0, base = 0;
    for (let i = 0; i < log.length; i += LOG_STRIDE) {
      if (((log[i + L_FLAGS]! & FROM_CLIENT) !== 0) !== fromClient) continue;
      const t = log[i + L_SEC]! + log[i + L_NSEC]! / 1e9;
      count++;
      if (count === 1) { firstT = t; firstPacket = log[i + L_FRAME]!; } else {
        lastInterval = t - lastT;
        const b = baseOf(lastInterval, count);
        if (base === 0 || b < base) base = b;
      }
      lastT = t;
    }
    return { count, firstT, firstPacket, lastT, lastInterval, base };
  }

  /** Capture time of its latest segment. */
  lastTime(): number {
    const log = this.log, i = log.length - LOG_STRIDE;
    return log[i + L_SEC]! + log[i + L_NSEC]! / 1e9;
  }

  /** Back to a fresh record (all fields as initialised above), for the next embryo. */
  reset(): void {
    this.ipVersion = 4; this.a0 = 0; this.a1 = 0; this.a2 = 0; this.a3 = 0; this.portA = 0;
    this.b0 = 0; this.b1 = 0; this.b2 = 0; this.b3 = 0; this.portB = 0; this.hash = 0; this.id = 0;
    this.clientIsA = true; this.answer = 0; this.clientIsn = 0; this.serverIsn = -1; this.clientOpts = -1; this.serverOpts = -1;
    this.timerAt = Infinity; this.timerToken = 0; this.log.length = 0;
  }

  /** When its handshake timers are next due (what handshake.ts `handshakeTimers` would look at). */
  nextTimer(): number {
    const sv = this.side(false);
    if (sv.count > 0) return silenceAfter(sv.lastT, nextWaitDoubling(sv.count, sv.base));
    const cl = this.side(true);
    return silenceAfter(cl.lastT, nextWaitOf(cl.count, cl.lastInterval));
  }
}

/** mss (16 bits), wscale + 1 (5 bits), SACK-permitted, timestamps, packed in one small integer. */
export function optionsOf(mss: number, wscale: number, sack: boolean, ts: boolean): number {
  return (mss < 0 ? 0 : mss + 1) * 256 + (wscale + 1) * 4 + (sack ? 2 : 0) + (ts ? 1 : 0);
}

/**
 * Write the logged segment `i` of `e` into `seg` (the tracker's scratch segment), as the decoder would
 * have filled it: addresses by direction, flags, numbers, and for a SYN its options re-encoded
 * (what the tracker reads of them: MSS, window scale, SACK-permitted, timestamps).
 */
export function fillLogged(e: Embryo, i: number, seg: Segment, src: Uint32Array, dst: Uint32Array, opts: Buffer): boolean {
  const log = e.log;
  const flags = log[i + L_FLAGS]!;
  const fromClient = (flags & FROM_CLIENT) !== 0;
  const fromA = fromClient === e.clientIsA;
  seg.kind = 'tcp';
  seg.ipVersion = e.ipVersion === 6 ? 6 : 4;
  if (fromA) { src[0] = e.a0; src[1] = e.a1; src[2] = e.a2; src[3] = e.a3; dst[0] = e.b0; dst[1] = e.b1; dst[2] = e.b2; dst[3] = e.b3; }
  else { src[0] = e.b0; src[1] = e.b1; src[2] = e.b2; src[3] = e.b3; dst[0] = e.a0; dst[1] = e.a1; dst[2] = e.a2; dst[3] = e.a3; }
  seg.src.set(src); seg.dst.set(dst);
  seg.srcPort = fromA ? e.portA : e.portB;
  seg.dstPort = fromA ? e.portB : e.portA;
  seg.tsSec = log[i + L_SEC]!;
  seg.tsNsec = log[i + L_NSEC]!;
  seg.frameNo = log[i + L_FRAME]!;
  seg.flags = flags & 0xffff;
  seg.seq = log[i + L_SEQ]!;
  seg.ack = log[i + L_ACK]!;
  seg.window = log[i + L_WIN]!;
  seg.payloadLen = 0;
  seg.capturedPayloadLen = 0;
  seg.issues = 0;
  seg.checksumStatus = 'unverified';
  const packed = fromClient ? e.clientOpts : e.serverOpts;
  const n = (flags & FLAG.SYN) !== 0 && packed >= 0 ? encodeOptions(packed, opts) : 0;
  seg.tcpOffset = 0;
  seg.optionsLen = n;
  seg.dataOffset = 5 + n / 4;
  seg.data = opts;
  return fromA;
}

/** TCP option bytes (after a 20-byte header) for packed options; returns their length (a multiple of 4). */
function encodeOptions(packed: number, b: Buffer): number {
  const mss = Math.floor(packed / 256) - 1, wscale = ((packed >> 2) & 0x3f) - 1;
  let i = 20;
  if (mss >= 0) { b[i++] = 2; b[i++] = 4; b[i++] = mss >> 8; b[i++] = mss & 0xff; }
  if (packed & 2) { b[i++] = 4; b[i++] = 2; }
  if (packed & 1) { b[i++] = 8; b[i++] = 10; for (let k = 0; k < 8; k++) b[i++] = 0; }
  if (wscale >= 0) { b[i++] = 1; b[i++] = 3; b[i++] = 3; b[i++] = wscale; }
  while ((i - 20) % 4 !== 0) b[i++] = 1;
  return i - 20;
}

/**
 * May c be compacted? Only what replaying its handshake log reproduces: SYN and SYN-ACK copies without
 * data, decode issues or Fast Open, no simultaneous open, nothing decided by a timer yet.
 */
export function compactable(c: Conn): boolean {
  const cl = c.client, sv = c.server;
  return !c.midStream && !c.simultaneousOpen && cl.synSeen && !cl.synIsAck && c.hsLog !== null &&
    cl.packets === cl.synCount && sv.packets === sv.synCount && (!sv.synSeen || sv.synIsAck) &&
    cl.synDataLen === 0 && sv.synDataLen === 0 && cl.fastOpen === null && sv.fastOpen === null &&
    (c.answer === ANSWER_PENDING || c.answer === ANSWER_STATEFUL || !sv.synSeen) &&
    cl.gaveUpT === 0 && sv.gaveUpT === 0 && c.hsLog.length <= MAX_LOGGED * LOG_STRIDE;
}
