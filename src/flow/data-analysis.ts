/**
 * Wireshark-style per-direction analysis of the data phase: no reassembly, just each side's next
 * sequence number, last ACK and window, from which retransmissions, out-of-order segments, duplicate
 * ACKs, zero windows and keep-alives are told apart. Raises anomalies; changes no state.
 */
import { FLAG, type Segment } from '../decode/segment.js';
import type { Conn, Endpoint } from './conn.js';
import type { FlowContext } from './context.js';
import { seqAdd, seqGt, seqLt } from './seq.js';

/** Out-of-order threshold when no handshake RTT is known (Wireshark's default, 3 ms). */
const DEFAULT_OOO_SECONDS = 0.003;

/** A segment without SYN from s to r (`fin`: it carries a FIN). */
export function dataAnalysis(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number, fin: boolean): void {
  const len = seg.payloadLen, seq = seg.seq, pkt = seg.frameNo;
  const segLen = len + (fin ? 1 : 0);

  if (len > 0 && !s.dataBeforeHandshakeFlagged && !c.midStream &&
      (s.state === 'SYN_SENT' || s.state === 'SYN_RECEIVED' || s.state === 'LISTEN' || s.state === 'CLOSED')) {
    s.dataBeforeHandshakeFlagged = true;
    ctx.raise(c, 'data-before-handshake', pkt, t, s.role, `the ${s.role} sent data in ${s.state}`, { state: s.state, bytes: len });
  }

  let keepAlive = false;
  if (s.hasNext) {
    if (segLen <= 1 && !fin && seq === seqAdd(s.nextSeq, -1) && (seg.flags & FLAG.ACK) !== 0) {
      // RFC 1122 §4.2.3.6: a probe one byte below the next sequence number, at most one (garbage) byte.
      keepAlive = true;
      ctx.raise(c, 'keep-alive', pkt, t, s.role, `keep-alive from the ${s.role}`);
    } else if (segLen > 0 && seqLt(seq, s.nextSeq) && !(fin && s.finSent && len === 0)) {
      const threshold = oooThreshold(c);
      if (r.dupAcks >= 2 && r.hasAck && seq === r.lastAck) {
        // Wireshark's fast retransmission: the peer asked for exactly this segment with duplicate ACKs.
        ctx.raise(c, 'retransmission', pkt, t, s.role, `fast retransmission of ${len} bytes after ${r.dupAcks} duplicate ACKs`,
          { seq, bytes: len, fast: true });
      } else if (t - s.advanceT < threshold) {
        ctx.raise(c, 'out-of-order', pkt, t, s.role, `segment below the highest sequence seen, ${((t - s.advanceT) * 1000).toFixed(3)} ms after it`,
          { seq, nextSeq: s.nextSeq });
      } else if (!(fin && s.finSent && seqAdd(seq, len) === s.finSeq)) {
        ctx.raise(c, 'retransmission', pkt, t, s.role, `the ${s.role} re-sent ${len} bytes`, { seq, bytes: len });
      }
    }
  }

  const win = seg.window;
  const flagsOff = (seg.flags & (FLAG.SYN | FLAG.FIN | FLAG.RST)) === 0;
  if (win === 0 && flagsOff) {
    if (!s.inZeroWindow) {
      s.inZeroWindow = true;
      ctx.raise(c, 'zero-window', pkt, t, s.role, `the ${s.role} advertised a zero window`);
    }
  } else if (win !== 0) s.inZeroWindow = false;

  if (len === 0 && flagsOff && !keepAlive && s.hasAck && (seg.flags & FLAG.ACK) !== 0 && seg.ack === s.lastAck &&
      win === s.lastWin && win !== 0 && s.hasNext && seq === s.nextSeq && r.hasNext && seqLt(seg.ack, r.nextSeq)) {
    s.dupAcks++;
    ctx.raise(c, 'duplicate-ack', pkt, t, s.role, `duplicate ACK ${seg.ack} from the ${s.role} (#${s.dupAcks})`, { ack: seg.ack, count: s.dupAcks });
  } else if ((seg.flags & FLAG.ACK) !== 0 && seg.ack !== s.lastAck) s.dupAcks = 0;
}

/** Below the highest sequence seen sooner than one handshake RTT after it: reordered, not re-sent. */
function oooThreshold(c: Conn): number {
  if (c.synBeforeSynAckT >= 0 && c.ackT >= 0) {
    const rtt = c.ackT - c.synBeforeSynAckT;
    if (rtt > 0) return rtt;
  }
  return DEFAULT_OOO_SECONDS;
}

/** s's next expected sequence number (Wireshark's nextseq): the highest end of what it sent. */
export function advance(s: Endpoint, seq: number, len: number, syn: boolean, fin: boolean, t: number): void {
  const end = seqAdd(seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
  if (!s.hasNext || seqGt(end, s.nextSeq)) { s.nextSeq = end; s.hasNext = true; s.advanceT = t; }
}
