/**
 * The three-way handshake as a passive observer sees it: SYNs and SYN-ACKs (first, retransmitted,
 * crossing, inferred when not captured), the options they offer, and the ACK that completes it.
 * States move only through `ctx.apply` (the transition function); see context.ts.
 */
import { decodeOptions, readSynOptions } from '../decode/options.js';
import { FLAG, newSynOptions, type Segment } from '../decode/segment.js';
import type { Conn, Endpoint } from './conn.js';
import type { FlowContext } from './context.js';
import type { AnomalyId } from './model.js';
import { seqAdd, seqGe } from './seq.js';

/** Scratch for readSynOptions: read, copied into the endpoint, and reused (no object per SYN). */
const synOptions = newSynOptions();

/** The TFO cookie as hex (rare: the full option decode is fine here). */
function fastOpenCookie(seg: Segment): string {
  for (const o of decodeOptions(seg).options) if (o.kind === 'fastopen') return o.cookie;
  return '';
}

/** A segment with SYN set, from s to r (`ack`: it is a SYN-ACK). */
export function onSyn(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number, ack: boolean): void {
  const pkt = seg.frameNo, seq = seg.seq;
  if (s.synSeen && seq === s.isn && ack && !s.synIsAck) {
    // Simultaneous open: a side that sent a SYN now sends SYN-ACK for the peer's SYN (RFC 9293 §3.5 Fig. 8).
    s.synIsAck = true;
    ctx.apply(c, s, 'sent SYN-ACK', t, pkt);
    if (r.synSeen && seg.ack === seqAdd(r.isn, 1)) {
      r.synAcked = true;
      ctx.apply(c, r, 'received SYN-ACK', t, pkt);
    }
    return;
  }
  if (s.synSeen && seq === s.isn) {
    synRetransmission(ctx, c, s, seg, t, ack);
    return;
  }

  // First SYN (or SYN-ACK) of this side.
  s.synSeen = true;
  s.synIsAck = ack;
  s.isn = seq;
  s.synCount = 1;
  s.synFirstT = s.synLastT = t;
  s.synDataLen = seg.payloadLen;
  const o = readSynOptions(seg, synOptions);
  s.mss = o.mss; s.wscale = o.wscale; s.sackPermitted = o.sackOk; s.timestamps = o.tsPresent;
  s.fastOpen = o.tfoCookieLen < 0 ? null : o.tfoCookieLen === 0 ? '' : fastOpenCookie(seg);
  if (seg.payloadLen > 0) synWithData(ctx, c, s, seg, t);

  if (!ack) {
    ctx.apply(c, s, 'sent SYN', t, pkt);
    if (r.state === 'SYN_SENT') {
      // Both sides sent a SYN without ACK: simultaneous open (RFC 9293 §3.5, Figure 8).
      c.simultaneousOpen = true;
      ctx.raise(c, 'simultaneous-open', pkt, t, null, 'both ends sent a SYN without ACK');
      ctx.apply(c, r, 'received SYN', t, pkt);
      // The peer's SYN, which passed earlier, was still in flight to s (else s would have sent a
      // SYN-ACK): it reaches s now that the SYNs have crossed.
      ctx.apply(c, s, 'received SYN', t, pkt, false, 'received SYN (the SYNs crossed)');
    } else {
      ctx.apply(c, r, 'received SYN', t, pkt);
    }
    if (s === c.client && c.synAckT < 0) c.synBeforeSynAckT = t;
    return;
  }

  // SYN-ACK.
  c.synAckT = t;
  c.synAckAck = seg.ack;
  if (r.synSeen) {
    // With data in the SYN (TFO), the SYN-ACK acknowledges SYN + data when the server took it.
    c.synAckAckValid = seg.ack === seqAdd(r.isn, 1) || (r.synDataLen > 0 && seg.ack === seqAdd(r.isn, 1 + r.synDataLen));
    if (!c.synAckAckValid) {
      ctx.raise(c, 'bad-handshake-ack', pkt, t, s.role, 'the SYN-ACK does not acknowledge the SYN\'s ISN+1',
        { expected: seqAdd(r.isn, 1), got: seg.ack });
    }
    checkOptions(ctx, c, t, pkt);
  }
  if (c.synBeforeSynAckT < 0 && c.client.synSeen) c.synBeforeSynAckT = c.client.synLastT;
  ctx.apply(c, s, 'sent SYN-ACK', t, pkt);
  if (r.state === 'CLOSED') {
    // The SYN was not captured: the SYN-ACK proves the client had sent one.
    ctx.apply(c, r, 'sent SYN', t, pkt, true, 'sent SYN (inferred from the SYN-ACK)');
  }
  if (!r.synSeen || c.synAckAckValid === true) {
    r.synAcked = true;
    ctx.apply(c, r, 'received SYN-ACK', t, pkt);
  }
}

/**
 * Back-off intervals an anomaly lists (`details.intervals`): the first ones show the pattern (Linux
 * waits 1, 2, 4... s and gives up after 6 SYN or 5 SYN-ACK retries). Each anomaly carries a copy of the
 * list so far, so without a bound a capture that repeats one SYN n times (a few megabytes) made
 * n²/2 numbers: 20,000 repeats took 1.7 GB. `attempt` and `interval` still count every one.
 */
export const MAX_LISTED_INTERVALS = 16;

/** Retransmission of this side's SYN or SYN-ACK (same ISN), with its back-off interval. */
function synRetransmission(ctx: FlowContext, c: Conn, s: Endpoint, seg: Segment, t: number, ack: boolean): void {
  const pkt = seg.frameNo;
  if (!ack && s === c.client && c.synAckT < 0) c.synBeforeSynAckT = t;
  s.synCount++;
  const interval = t - s.synLastT;
  s.synIntervals ??= [];
  if (s.synIntervals.length < MAX_LISTED_INTERVALS) s.synIntervals.push(interval);
  s.synLastT = t;
  const id: AnomalyId = ack ? 'synack-retransmission' : 'syn-retransmission';
  ctx.raise(c, id, pkt, t, s.role, `${ack ? 'SYN-ACK' : 'SYN'} sent again after ${interval.toFixed(3)} s (attempt ${s.synCount})`,
    { attempt: s.synCount, interval, intervals: s.synIntervals.slice() });
  if (ack && c.ackT >= 0 && !c.lostHandshakeAckFlagged) {
    c.lostHandshakeAckFlagged = true;
    ctx.raise(c, 'lost-handshake-ack', pkt, t, 'client',
      'the server re-sent its SYN-ACK after the client\'s ACK passed: the ACK was lost after the capture point',
      { case: 'synack-after-ack', ackTime: c.ackT });
  }
  if (ack && s.synAcked && s.state === 'ESTABLISHED' && !s.finSent) {
    // We moved it to ESTABLISHED when the client's ACK passed; re-sending the SYN-ACK proves that ACK
    // had not arrived. Correct the timeline (one more transition; nothing recorded is rewritten).
    s.awaitingSynAck = true;
    ctx.apply(c, s, 'sent SYN-ACK again', t, pkt, true,
      'sent SYN-ACK again: the client\'s ACK had not arrived (lost after the capture point)');
  }
  if (!ack && seg.payloadLen > 0) synWithData(ctx, c, s, seg, t);
}

function synWithData(ctx: FlowContext, c: Conn, s: Endpoint, seg: Segment, t: number): void {
  const tfo = s.fastOpen !== null;
  ctx.raise(c, 'syn-with-data', seg.frameNo, t, s.role,
    `${seg.payloadLen} bytes of data in a ${(seg.flags & FLAG.ACK) !== 0 ? 'SYN-ACK' : 'SYN'}${tfo ? ' (TCP Fast Open)' : ''}`,
    { bytes: seg.payloadLen, fastOpen: tfo });
}

/** Options offered by one side only are not in effect (RFC 7323 §1.3, §2.2; RFC 2018 §2). */
function checkOptions(ctx: FlowContext, c: Conn, t: number, pkt: number): void {
  const cl = c.client, sv = c.server;
  if (!cl.synSeen || !sv.synSeen) return;
  optionMismatch(ctx, c, t, pkt, 'window-scale', cl.wscale >= 0, sv.wscale >= 0);
  optionMismatch(ctx, c, t, pkt, 'sack-permitted', cl.sackPermitted, sv.sackPermitted);
  optionMismatch(ctx, c, t, pkt, 'timestamps', cl.timestamps, sv.timestamps);
}

function optionMismatch(ctx: FlowContext, c: Conn, t: number, pkt: number, name: string, byClient: boolean, byServer: boolean): void {
  if (byClient === byServer) return;
  const by = byClient ? 'client' : 'server';
  ctx.raise(c, 'options-mismatch', pkt, t, by, `${name} offered by the ${by} only: not in effect`, { option: name, offeredBy: by });
}

/**
 * The ACK part of a segment (no SYN) from s, as far as the handshake goes: the third ACK (or the first
 * ACK that covers the peer's SYN), and the ACK of a SYN-ACK the peer re-sent.
 */
export function onHandshakeAck(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number): void {
  const ack = seg.ack, pkt = seg.frameNo;
  if (!r.synAcked && !c.midStream) {
    if (r.synSeen) {
      const valid = ack === seqAdd(r.isn, 1);
      if (s === c.client && c.finalAckValid === null) {
        c.finalAckValid = valid;
        if (!valid) ctx.raise(c, 'bad-handshake-ack', pkt, t, s.role, 'the handshake\'s ACK does not acknowledge the SYN-ACK\'s ISN+1',
          { expected: seqAdd(r.isn, 1), got: ack });
      }
      if (seqGe(ack, seqAdd(r.isn, 1))) {
        r.synAcked = true;
        if (s === c.client) {
          c.ackT = t;
          c.lastSynAckBeforeAckT = r.synLastT;
          if (r.synCount > 1 && !c.lostHandshakeAckFlagged) {
            c.lostHandshakeAckFlagged = true;
            ctx.raise(c, 'lost-handshake-ack', pkt, t, 'client',
              `the handshake completed only after ${r.synCount - 1} SYN-ACK retransmission(s)`,
              { case: 'completed-after-synack-retransmission', synAcks: r.synCount });
          }
        }
        ctx.apply(c, s, 'sent ACK of SYN', t, pkt);
        ctx.apply(c, r, 'received ACK of SYN', t, pkt);
      }
    } else if (s === c.client && s.state === 'SYN_SENT' && r.state === 'LISTEN') {
      // The SYN-ACK was not captured; the client's ACK proves it was sent.
      r.synSeen = true; r.synIsAck = true; r.isn = (ack - 1) >>> 0; r.synCount = 1; r.synFirstT = r.synLastT = t;
      r.synAcked = true;
      c.ackT = t;
      c.finalAckValid = true;
      ctx.apply(c, r, 'sent SYN-ACK', t, pkt, true, 'sent SYN-ACK (inferred from the client\'s ACK)');
      ctx.apply(c, s, 'sent ACK of SYN', t, pkt);
      ctx.apply(c, r, 'received ACK of SYN', t, pkt);
    }
  }
  // An ACK covering a SYN-ACK the peer re-sent after we had seen it acknowledged (see synRetransmission).
  if (r.awaitingSynAck && seqGe(ack, seqAdd(r.isn, 1))) {
    r.awaitingSynAck = false;
    ctx.apply(c, r, 'received ACK of SYN', t, pkt);
  }
}
