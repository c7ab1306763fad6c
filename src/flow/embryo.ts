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
import {
  ANSWER_SHIFT, BIT_CLIENT_IS_A, BIT_IPV6, BIT_SERVER_ISN, H_A, H_B, H_BITS, H_CLIENT_ISN, H_CLIENT_OPTS, H_COUNT, H_ID_HI, H_ID_LO, H_PORTS,
  H_SERVER_ISN, H_SERVER_OPTS, LOG_STRIDE, MAX_LOGGED, S_ACK, S_FLAGS, S_FROM_CLIENT, S_FRAME, S_NSEC, S_SEC, SLOT_HEADER, SLOT_STRIDE,
  slotBaseFrame, slotBaseSec, TWO_32, WINDOW_SHIFT,
} from './handshake-log.js';
import { MATCH_A, MATCH_B, type TableEntry } from './conn-table.js';
import type { ListenerRecord } from './listeners.js';

/** Capture seconds a connection may sit in its handshake before it is compacted. */
export const DEMOTE_AFTER = 0.1;

export class Embryo implements TableEntry {
  /** Not a Conn (on the prototype: no field per embryo). */
  declare readonly embryo: true;
  hash = 0;
  listener!: ListenerRecord;
  /** Capture time its timers are due, and its latest scheduling (timer-heap.ts). */
  timerAt = Infinity;
  timerToken = 0;

  /**
   * Everything else lives in slot `slot` of its tracker's LogSlab (handshake-log.ts), `chunk` from
   * `off`: its 4-tuple (TableEntry), id, ISNs, options, answer and logged segments. The slot stays
   * with the embryo while it is pooled.
   */
  constructor(readonly slot: number, readonly chunk: Uint32Array, readonly off: number) {}

  private h(word: number): number { return this.chunk[this.off + word]!; }
  private bits(): number { return this.chunk[this.off + H_BITS]!; }
  get a0(): number { return this.h(H_A); }
  get a1(): number { return this.h(H_A + 1); }
  get a2(): number { return this.h(H_A + 2); }
  get a3(): number { return this.h(H_A + 3); }
  get b0(): number { return this.h(H_B); }
  get b1(): number { return this.h(H_B + 1); }
  get b2(): number { return this.h(H_B + 2); }
  get b3(): number { return this.h(H_B + 3); }
  get portA(): number { return this.h(H_PORTS) >>> 16; }
  get portB(): number { return this.h(H_PORTS) & 0xffff; }
  get ipVersion(): number { return (this.bits() & BIT_IPV6) !== 0 ? 6 : 4; }
  get id(): number { return this.h(H_ID_HI) * TWO_32 + this.h(H_ID_LO); }
  get clientIsA(): boolean { return (this.bits() & BIT_CLIENT_IS_A) !== 0; }
  get clientIsn(): number { return this.h(H_CLIENT_ISN); }
  /** The server's ISN; -1 before a SYN-ACK. */
  get serverIsn(): number { return (this.bits() & BIT_SERVER_ISN) !== 0 ? this.h(H_SERVER_ISN) : -1; }
  /** Options of each side's first SYN, packed (optionsOf); -1: that side sent none. */
  get clientOpts(): number { return this.h(H_CLIENT_OPTS) - 1; }
  get serverOpts(): number { return this.h(H_SERVER_OPTS) - 1; }
  /** Conn.answer when compacted (ANSWER_PENDING, or ANSWER_STATEFUL once a SYN-ACK copy showed it). */
  get answer(): number { return this.bits() >>> ANSWER_SHIFT; }
  set answer(a: number) { this.chunk[this.off + H_BITS] = (this.bits() & ((1 << ANSWER_SHIFT) - 1)) | (a << ANSWER_SHIFT); }
  /** Segments logged. */
  get count(): number { return this.h(H_COUNT); }
  set count(n: number) { this.chunk[this.off + H_COUNT] = n; }

  match(ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number): number {
    const ch = this.chunk, o = this.off, bits = ch[o + H_BITS]!, ports = ch[o + H_PORTS]!;
    if (((bits & BIT_IPV6) !== 0 ? 6 : 4) !== ipVersion) return 0;
    const pa = ports >>> 16, pb = ports & 0xffff;
    if (pa === srcPort && pb === dstPort && sameAddress(ch, o + H_A, src) && sameAddress(ch, o + H_B, dst)) return MATCH_A;
    if (pb === srcPort && pa === dstPort && sameAddress(ch, o + H_B, src) && sameAddress(ch, o + H_A, dst)) return MATCH_B;
    return 0;
  }

  /** Take the identity of connection c: its 4-tuple, id, roles, ISNs, SYN options and answer; no segment yet. */
  setIdentity(c: Conn, clientIsn: number, serverIsn: number, clientOpts: number, serverOpts: number): void {
    const ch = this.chunk, o = this.off;
    ch[o + H_A] = c.a0; ch[o + H_A + 1] = c.a1; ch[o + H_A + 2] = c.a2; ch[o + H_A + 3] = c.a3;
    ch[o + H_B] = c.b0; ch[o + H_B + 1] = c.b1; ch[o + H_B + 2] = c.b2; ch[o + H_B + 3] = c.b3;
    ch[o + H_PORTS] = ((c.portA << 16) | c.portB) >>> 0;
    ch[o + H_ID_LO] = c.id >>> 0; ch[o + H_ID_HI] = Math.floor(c.id / TWO_32);
    ch[o + H_CLIENT_ISN] = clientIsn;
    ch[o + H_SERVER_ISN] = serverIsn < 0 ? 0 : serverIsn;
    ch[o + H_CLIENT_OPTS] = clientOpts + 1;
    ch[o + H_SERVER_OPTS] = serverOpts + 1;
    ch[o + H_BITS] = (serverIsn < 0 ? 0 : BIT_SERVER_ISN) | (c.clientIsA ? BIT_CLIENT_IS_A : 0) | (c.ipVersion === 6 ? BIT_IPV6 : 0) |
      (c.answer << ANSWER_SHIFT);
    ch[o + H_COUNT] = 0;
    this.hash = c.hash;
    this.listener = c.listener;
  }

  /** Word `field` (S_*) of logged segment k. */
  word(k: number, field: number): number { return this.chunk[this.off + SLOT_HEADER + k * SLOT_STRIDE + field]!; }
  /** Capture time of logged segment k, exactly as the tracker timed it (seconds + ns / 1e9). */
  timeAt(k: number): number { return this.secAt(k) + this.word(k, S_NSEC) / 1e9; }
  secAt(k: number): number { return slotBaseSec(this.chunk, this.off) + this.word(k, S_SEC); }
  frameAt(k: number): number { return slotBaseFrame(this.chunk, this.off) + this.word(k, S_FRAME); }
  fromClientAt(k: number): boolean { return (this.word(k, S_FLAGS) & S_FROM_CLIENT) !== 0; }

  /** Copies of one side (client SYNs, or server SYN-ACKs) and their timing, from the log. */
  side(fromClient: boolean): { count: number; firstT: number; firstPacket: number; lastT: number; lastInterval: number; base: number } {
    let count = 0, firstT = 0, firstPacket = 0, lastT = 0, lastInterval = 0, base = 0;
    for (let k = 0, n = this.count; k < n; k++) {
      if (this.fromClientAt(k) !== fromClient) continue;
      const t = this.timeAt(k);
      count++;
      if (count === 1) { firstT = t; firstPacket = this.frameAt(k); } else {
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
    return this.timeAt(this.count - 1);
  }

  /** Back to a fresh record (fields as initialised above), for the next embryo; setIdentity fills its slot. */
  reset(): void {
    this.hash = 0; this.timerAt = Infinity; this.timerToken = 0;
    this.chunk[this.off + H_COUNT] = 0;
  }

  /** When its handshake timers are next due (what handshake.ts `handshakeTimers` would look at). */
  nextTimer(): number {
    const sv = this.side(false);
    if (sv.count > 0) return silenceAfter(sv.lastT, nextWaitDoubling(sv.count, sv.base));
    const cl = this.side(true);
    return silenceAfter(cl.lastT, nextWaitOf(cl.count, cl.lastInterval));
  }
}
Object.defineProperty(Embryo.prototype, 'embryo', { value: true });

/** Are the 4 words at ch[at] the address `addr`? */
function sameAddress(ch: Uint32Array, at: number, addr: Uint32Array): boolean {
  return ch[at] === addr[0] && ch[at + 1] === addr[1] && ch[at + 2] === addr[2] && ch[at + 3] === addr[3];
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
export function fillLogged(e: Embryo, k: number, seg: Segment, src: Uint32Array, dst: Uint32Array, opts: Buffer): boolean {
  const word = e.word(k, S_FLAGS);
  const fromClient = (word & S_FROM_CLIENT) !== 0;
  const flags = word & (S_FROM_CLIENT - 1);
  const fromA = fromClient === e.clientIsA;
  seg.kind = 'tcp';
  seg.ipVersion = e.ipVersion;
  if (fromA) { src[0] = e.a0; src[1] = e.a1; src[2] = e.a2; src[3] = e.a3; dst[0] = e.b0; dst[1] = e.b1; dst[2] = e.b2; dst[3] = e.b3; }
  else { src[0] = e.b0; src[1] = e.b1; src[2] = e.b2; src[3] = e.b3; dst[0] = e.a0; dst[1] = e.a1; dst[2] = e.a2; dst[3] = e.a3; }
  seg.src.set(src); seg.dst.set(dst);
  seg.srcPort = fromA ? e.portA : e.portB;
  seg.dstPort = fromA ? e.portB : e.portA;
  seg.tsSec = e.secAt(k);
  seg.tsNsec = e.word(k, S_NSEC);
  seg.frameNo = e.frameAt(k);
  seg.flags = flags;
  // Only copies of the sender's SYN (or SYN-ACK) are logged: its sequence number is the sender's ISN.
  seg.seq = fromClient ? e.clientIsn : e.serverIsn;
  seg.ack = e.word(k, S_ACK);
  seg.window = word >>> WINDOW_SHIFT;
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
  return !c.midStream && !c.simultaneousOpen && cl.synSeen && !cl.synIsAck && c.hsLogging &&
    cl.packets === cl.synCount && sv.packets === sv.synCount && (!sv.synSeen || sv.synIsAck) &&
    cl.synDataLen === 0 && sv.synDataLen === 0 && cl.fastOpen === null && sv.fastOpen === null &&
    (c.answer === ANSWER_PENDING || c.answer === ANSWER_STATEFUL || !sv.synSeen) &&
    cl.gaveUpT === 0 && sv.gaveUpT === 0 && c.hsUsed <= MAX_LOGGED * LOG_STRIDE;
}
