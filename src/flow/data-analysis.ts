/**
 * The data phase, per direction and without reassembly, as Wireshark's TCP expert analysis sees it
 * (tcp_analyze_sequence_number in packet-tcp.c), from each side's next expected sequence number,
 * last ACK and window (data-state.ts). Raises anomalies and keeps that bookkeeping; changes no state.
 *
 * Each segment gets at most one label of each family:
 * - what its sequence number says: new data, or a `retransmission` (plain, fast or spurious), an
 *   `out-of-order` segment, a `keep-alive` or a `zero-window-probe` (a SYN or FIN sent again is
 *   handshake.ts's or teardown.ts's label, so this one gives none);
 * - what a pure ACK says: `duplicate-ack`, `window-update`, `keep-alive-ack` or `zero-window-probe-ack`;
 * - what the capture missed: `previous-segment-not-captured` (the sequence jumped past the next
 *   expected byte) and `acked-unseen-segment` (an ACK covers bytes the capture never showed);
 * - the window: `zero-window` (once per episode), `window-full`.
 *
 * Where Wireshark is wrong this follows the RFC, and test/corpus/wireshark.test.ts lists each case:
 * the out-of-order threshold is a handshake RTT only when Karn's rule allows it (RFC 6298 §3: no
 * sample from a retransmitted SYN or SYN-ACK); a duplicate ACK needs data outstanding (RFC 5681 §2);
 * a probe of a zero window in keep-alive form (what Linux sends) is a zero-window probe.
 */
import { FLAG, type Segment } from '../decode/segment.js';
import type { Conn, Endpoint } from './conn.js';
import type { FlowContext } from './context.js';
import { LAST_KEEP_ALIVE, LAST_ZERO_WINDOW_PROBE, type DataState } from './data-state.js';
import type { DirectionGaps } from './model.js';
import { seqDiff, seqGt, seqLe, seqLt, seqWord } from './seq.js';

/** Out-of-order threshold when no handshake RTT may be used (Wireshark's default, 3 ms). */
const DEFAULT_OOO_SECONDS = 0.003;
/** A fast retransmission follows the duplicate ACKs that asked for it within this (Wireshark: 20 ms). */
const FAST_RETRANSMISSION_SECONDS = 0.02;

/**
 * One segment from s to r (any flags). `finResent`: it carries s's FIN again (same sequence number),
 * which teardown.ts labels `fin-retransmission`.
 */
export function dataAnalysis(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number, finResent: boolean): void {
  const d = s.data, p = r.data;
  // Sequence numbers as signed words, the form DataState keeps them in (seq.ts seqWord).
  const len = seg.payloadLen, seq = seg.seq | 0, ack = seg.ack | 0, win = seg.window, flags = seg.flags, pkt = seg.frameNo;
  const SYN = (flags & FLAG.SYN) !== 0, FIN = (flags & FLAG.FIN) !== 0, RST = (flags & FLAG.RST) !== 0;
  const ACK = (flags & FLAG.ACK) !== 0;
  const plain = (flags & (FLAG.SYN | FLAG.FIN | FLAG.RST)) === 0;

  if (SYN) {
    windowShifts(c);
    if (!d.hasSyn || seq !== d.synSeq) {
      // An ISN starts the sequence space: what came before it (a RST, an old connection) is not its past.
      d.hasSyn = true; d.synSeq = seq;
      d.hasNext = false; d.hasContiguous = false; d.hasAckedBeyond = false; d.ackedUnseenReported = false;
    }
  }
  if (len > 0 && !SYN && !RST && !s.everEstablished && !d.dataBeforeHandshakeFlagged && !c.midStream &&
      (s.state === 'SYN_SENT' || s.state === 'SYN_RECEIVED' || s.state === 'LISTEN' || s.state === 'CLOSED')) {
    d.dataBeforeHandshakeFlagged = true;
    ctx.raise(c, 'data-before-handshake', pkt, t, s.role, `the ${s.role} sent data in ${s.state}`, { state: s.state, bytes: len });
  }

  let kind = 0;
  let newDataProbe = false;
  if (d.hasNext && !SYN && !RST) {
    if (seq === d.nextSeq) {
      if (len === 1 && p.lastWin === 0 && !finResent) {
        // One byte of new data into a zero window (RFC 9293 §3.8.6.1): it does not move nextSeq.
        kind = LAST_ZERO_WINDOW_PROBE;
        newDataProbe = true;
        ctx.raise(c, 'zero-window-probe', pkt, t, s.role, `zero-window probe from the ${s.role} (1 byte)`);
      }
    } else if (seqGt(seq, d.nextSeq)) {
      const bytes = seqDiff(seq, d.nextSeq);
      d.skipped++;
      d.skippedBytes += bytes;
      d.gapAt(pkt, t);
      ctx.raise(c, 'previous-segment-not-captured', pkt, t, s.role,
        `${bytes} bytes of the ${s.role}'s sequence space before this segment were not captured`, { nextSeq: d.nextSeq >>> 0, seq: seq >>> 0, bytes });
    } else if (plain && len <= 1 && seq === seqWord(d.nextSeq, -1)) {
      // One byte below the next sequence number, at most one (garbage) byte: a probe the peer must
      // answer (RFC 1122 §4.2.3.6). Into a zero window it probes the window (Linux's persist timer
      // sends this form, tcp_write_wakeup), otherwise it is a keep-alive.
      if (p.lastWin === 0) {
        kind = LAST_ZERO_WINDOW_PROBE;
        ctx.raise(c, 'zero-window-probe', pkt, t, s.role, `zero-window probe from the ${s.role} (keep-alive form)`);
      } else {
        kind = LAST_KEEP_ALIVE;
        ctx.raise(c, 'keep-alive', pkt, t, s.role, `keep-alive from the ${s.role}`);
      }
    }
  }

  if (win === 0 && plain && kind !== LAST_ZERO_WINDOW_PROBE) {
    if (!d.inZeroWindow) {
      d.inZeroWindow = true;
      ctx.raise(c, 'zero-window', pkt, t, s.role, `the ${s.role} advertised a zero window`);
    }
  } else if (d.inZeroWindow && win !== 0 && !SYN) d.inZeroWindow = false;

  if (plain) {
    if (len === 0) { if (ACK && d.hasAck && ack === d.lastAck && d.hasNext && seq === d.nextSeq) pureAck(ctx, c, s, p, seg, t); }
    else if (p.hasEdge && seqWord(seq, len) === p.rightEdge) {
      ctx.raise(c, 'window-full', pkt, t, s.role, `the ${s.role} filled the ${r.role}'s advertised window`);
    }
  }
  if (ACK && p.hasContiguous && seqGt(ack, p.contiguous)) ackOfUnseen(ctx, c, s, p, ack, t, pkt);

  // Below the highest sequence sent, or below what the peer acknowledged: not new data.
  if ((len > 0 || FIN) && kind === 0 && !SYN && !RST && !finResent &&
      ((d.hasNext && seqLt(seq, d.nextSeq)) || (p.hasAck && seqLt(seq, p.lastAck)))) {
    sequenceCheck(ctx, c, s, d, p, seq, len, seqWord(seq, len + (FIN ? 1 : 0)), t, pkt);
  }

  // Bookkeeping: the highest sequence seen (a probe of new data does not move it), the end of what
  // was seen without a hole, the last ACK and window.
  if (!newDataProbe) {
    const end = seqWord(seq, len + (SYN ? 1 : 0) + (FIN ? 1 : 0));
    if (!d.hasNext || seqGt(end, d.nextSeq)) { d.nextSeq = end; d.hasNext = true; d.advanceT = t; }
    if (!d.hasContiguous || seq === d.contiguous) { d.contiguous = d.nextSeq; d.hasContiguous = true; }
  }
  d.lastWin = win;
  d.lastKind = kind;
  if (ACK) {
    if (ack !== d.lastAck) { d.dupAcks = 0; d.ackedUnseenReported = false; }
    d.hasAck = true; d.lastAck = ack; d.lastAckT = t;
    // The right edge of the window it offers, for window-full (a SYN's window is never scaled).
    if (SYN) { d.rightEdge = seqWord(ack, win); d.hasEdge = true; }
    else if (d.winShift >= 0) { d.rightEdge = seqWord(ack, win << d.winShift); d.hasEdge = true; }
  } else d.hasEdge = false;
}

/**
 * A pure ACK repeating s's last ACK at its next sequence number: an answer to the peer's probe, a
 * window update, or a duplicate ACK (RFC 5681 §2: data outstanding, same ACK, same window).
 */
function pureAck(ctx: FlowContext, c: Conn, s: Endpoint, p: DataState, seg: Segment, t: number): void {
  const d = s.data, win = seg.window, pkt = seg.frameNo;
  if (win !== d.lastWin) {
    // A window that closed is zero-window's.
    if (win !== 0) ctx.raise(c, 'window-update', pkt, t, s.role, `window update from the ${s.role}: ${d.lastWin} → ${win}`, { from: d.lastWin, to: win });
  } else if ((p.lastKind & LAST_KEEP_ALIVE) !== 0) {
    ctx.raise(c, 'keep-alive-ack', pkt, t, s.role, `the ${s.role} answered a keep-alive`);
  } else if ((p.lastKind & LAST_ZERO_WINDOW_PROBE) !== 0) {
    ctx.raise(c, 'zero-window-probe-ack', pkt, t, s.role, `the ${s.role} answered a zero-window probe (window ${win})`, { window: win });
  } else if (win !== 0 && p.hasNext && seqLt(seg.ack, p.nextSeq)) {
    d.dupAcks++;
    ctx.raise(c, 'duplicate-ack', pkt, t, s.role, `duplicate ACK ${seg.ack} from the ${s.role} (#${d.dupAcks})`, { ack: seg.ack, count: d.dupAcks });
  }
}

/**
 * What the SYNs seen so far say of each side's window scale (RFC 7323 §2.2): a side's shift is known
 * once its SYN came without the option (0) or both SYNs came (its scale if both offered one, else 0).
 */
function windowShifts(c: Conn): void {
  const cl = c.client, sv = c.server;
  const both = cl.synSeen && sv.synSeen, scaling = both && cl.wscale >= 0 && sv.wscale >= 0;
  cl.data.winShift = scaling ? cl.wscale : both || (cl.synSeen && cl.wscale < 0) ? 0 : -1;
  sv.data.winShift = scaling ? sv.wscale : both || (sv.synSeen && sv.wscale < 0) ? 0 : -1;
}

/**
 * An ACK from s beyond the end of what the capture showed of the peer's data without a hole: past a
 * hole (the skipped segment reached s), or past everything seen from the peer.
 */
function ackOfUnseen(ctx: FlowContext, c: Conn, s: Endpoint, p: DataState, ack: number, t: number, pkt: number): void {
  const beyond = seqGt(ack, p.nextSeq);
  if (beyond) {
    const from = p.hasAckedBeyond && seqGt(p.ackedBeyond, p.nextSeq) ? p.ackedBeyond : p.nextSeq;
    if (seqGt(ack, from)) {
      p.ackedUnseenBytes += seqDiff(ack, from);
      p.ackedBeyond = ack; p.hasAckedBeyond = true;
      p.gapAt(pkt, t);
    }
  }
  let report: boolean;
  if (seqLt(p.contiguous, p.nextSeq)) {
    // Across a hole: the receiver had the skipped bytes. From here the hole counts as filled.
    p.contiguous = p.nextSeq;
    report = true;
  } else {
    report = !p.ackedUnseenReported;
    p.ackedUnseenReported = true;
  }
  if (!report) return;
  p.ackedUnseen++;
  if (!beyond) p.gapAt(pkt, t);
  const peer = c.peerOf(s).role;
  ctx.raise(c, 'acked-unseen-segment', pkt, t, s.role,
    `the ${s.role} acknowledged ${peer} bytes the capture did not show${beyond ? ` (${seqDiff(ack, p.nextSeq)} beyond the last seen)` : ''}`,
    { ack: ack >>> 0, nextSeq: p.nextSeq >>> 0 });
}

/**
 * Payload (or a FIN) from s that does not advance its sequence space: re-sent data the peer already
 * acknowledged (spurious), a fast retransmission the peer asked for, a reordered segment, or a plain
 * retransmission.
 */
function sequenceCheck(ctx: FlowContext, c: Conn, s: Endpoint, d: DataState, p: DataState,
  seq: number, len: number, end: number, t: number, pkt: number): void {
  let below = d.hasNext && seqLt(seq, d.nextSeq);
  // Starting one byte below with more than one byte: data after a probe's byte, not old data (Wireshark).
  if (len > 1 && seq === seqWord(d.nextSeq, -1)) below = false;

  if (len > 0 && p.hasAck && seqLe(seqWord(seq, len), p.lastAck)) {
    // RFC 9293 §3.10.7.4: all of it was acknowledged already: an old duplicate.
    ctx.raise(c, 'retransmission', pkt, t, s.role, `the ${s.role} re-sent ${len} bytes the ${c.peerOf(s).role} had acknowledged`,
      { seq: seq >>> 0, bytes: len, spurious: true });
    return;
  }
  if (!below) return;
  if (p.dupAcks >= 2 && seq === p.lastAck && t - p.lastAckT < FAST_RETRANSMISSION_SECONDS) {
    ctx.raise(c, 'retransmission', pkt, t, s.role, `fast retransmission of ${len} bytes after ${p.dupAcks} duplicate ACKs`,
      { seq: seq >>> 0, bytes: len, fast: true });
    return;
  }
  // A copy that ends at the highest sequence number sent is the same segment again, not reordering.
  const threshold = oooThreshold(c);
  if (t - d.advanceT < threshold && end !== d.nextSeq) {
    ctx.raise(c, 'out-of-order', pkt, t, s.role, `segment below the highest sequence seen, ${((t - d.advanceT) * 1000).toFixed(3)} ms after it`,
      { seq: seq >>> 0, nextSeq: d.nextSeq >>> 0, threshold });
    return;
  }
  ctx.raise(c, 'retransmission', pkt, t, s.role, `the ${s.role} re-sent ${len} bytes`, { seq: seq >>> 0, bytes: len });
}

/**
 * Below the highest sequence seen sooner than one round trip after it: reordered, not re-sent. The
 * round trip is the handshake's (SYN → ACK at the capture point) when Karn's rule allows: neither the
 * SYN nor the SYN-ACK was sent again before it was answered (RFC 6298 §3); else Wireshark's 3 ms.
 */
function oooThreshold(c: Conn): number {
  if (c.synBeforeSynAckT >= 0 && c.ackT >= 0 && c.synAckT >= 0 &&
      c.synBeforeSynAckT === c.client.synFirstT && c.lastSynAckBeforeAckT === c.synAckT) {
    const rtt = c.ackT - c.synBeforeSynAckT;
    if (rtt > 0) return rtt;
  }
  return DEFAULT_OOO_SECONDS;
}

/** The capture gaps of the data `ep` sent (one side of Connection.gaps). */
export function directionGaps(ep: Endpoint): DirectionGaps {
  const d = ep.data;
  return {
    skippedSegments: d.skipped,
    skippedBytes: d.skippedBytes,
    ackedUnseen: d.ackedUnseen,
    ackedUnseenBytes: d.ackedUnseenBytes,
    firstPacket: d.hasGaps ? d.gapFirstPacket : null,
    lastPacket: d.hasGaps ? d.gapLastPacket : null,
    firstTime: d.hasGaps ? d.gapFirstT : null,
    lastTime: d.hasGaps ? d.gapLastT : null,
  };
}
