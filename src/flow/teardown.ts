/**
 * Teardown as a passive observer sees it: FINs (first, retransmitted, crossing), the ACKs that cover
 * them, and RSTs (refusal or abort). States move only through `ctx.apply` (context.ts).
 *
 * A FIN's arrival at the peer is not seen on the wire, only its passing the capture point: it is held
 * pending (Endpoint.pendingFin) and placed when a later segment tells when it arrived — the peer's ACK
 * of it, the peer's own FIN sent before it arrived (the FINs crossed, RFC 9293 §3.6 Figure 13), or the
 * sender's next segment (in-order delivery).
 */
import type { Conn, Endpoint } from './conn.js';
import type { FlowContext } from './context.js';
import { seqAdd, seqGe } from './seq.js';

/**
 * Place the arrival of FINs still in flight, from what a segment from s shows. `finRetransmission`:
 * the segment re-sends s's FIN.
 */
export function placeFinsInFlight(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, ack: number, t: number, pkt: number,
  hasAck: boolean, hasFin: boolean, finRetransmission: boolean): void {
  // Crossing FINs: does this segment place the arrival at s of the peer's FIN?
  if (s.pendingFin) {
    if (hasAck && seqGe(ack, seqAdd(r.finSeq, 1))) placePendingFin(ctx, c, s, t, pkt);
    else if (hasFin && !s.finSent) s.pendingCrossed = true; // s closes before the peer's FIN reached it
  }
  // In-order delivery: the FIN s sent earlier reached r before this later segment.
  if (r.pendingFin && !finRetransmission && !(hasFin && !s.finSent)) placePendingFin(ctx, c, r, t, pkt);
}

/** A segment with FIN set from s (seq, payload len): its first FIN, or the same FIN again. */
export function onFin(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, seq: number, len: number, t: number, pkt: number,
  retransmission: boolean): void {
  if (retransmission) {
    finRetransmission(ctx, c, s, r, t, pkt);
    return;
  }
  if (s.finSent) return; // a FIN at another sequence number: odd, left to the data analysis
  s.finSent = true;
  s.finSeq = seqAdd(seq, len);
  s.finT = t;
  s.finCount = 1;
  if (c.closeInitiator === null) c.closeInitiator = s.role;
  ctx.apply(c, s, 'sent FIN', t, pkt);
  // The FIN's arrival at r is placed once the wire tells us when (r's next segment, or s's next).
  r.pendingFin = true;
  r.pendingFinT = t;
  r.pendingFinPacket = pkt;
}

function finRetransmission(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, t: number, pkt: number): void {
  s.finCount++;
  ctx.raise(c, 'fin-retransmission', pkt, t, s.role, `the ${s.role} sent its FIN again (${s.finCount} times)`, { count: s.finCount });
  // The side that closed second re-sends its FIN: the final ACK was lost — after the capture
  // point when we saw it pass, before it when we never saw it.
  if (s.wasLastAck && !(c.anomalies?.some((a) => a.id === 'lost-final-ack' && a.endpoint === s.role) ?? false)) {
    const after = s.finAcked;
    ctx.raise(c, 'lost-final-ack', pkt, t, s.role, after
      ? `the ${s.role} re-sent its FIN from LAST_ACK after the final ACK passed: it was lost after the capture point`
      : `the ${s.role} re-sent its FIN from LAST_ACK: the final ACK never arrived`,
    { case: after ? 'fin-resent-after-ack' : 'fin-resent-in-last-ack' });
  }
  if (s.finAcked && !s.rstSent && !r.rstSent) {
    // The ACK of this FIN passed the capture point, yet the FIN is re-sent: that ACK had not arrived
    // (lost after the capture point, or late). Correct the timeline; the next ACK of the FIN passes
    // through 'received ACK of FIN' again.
    s.finAcked = false;
    ctx.apply(c, s, 'sent FIN again', t, pkt, true,
      'sent FIN again: the ACK of its FIN had not arrived (lost after the capture point)');
  }
  // The retransmitted FIN carries the still unplaced arrival at r, after its ACK part.
  if (r.pendingFin) placePendingFin(ctx, c, r, t, pkt);
}

/** An ACK from s covering r's FIN. */
export function onFinAck(ctx: FlowContext, c: Conn, r: Endpoint, ack: number, t: number, pkt: number): void {
  if (r.finSent && !r.finAcked && seqGe(ack, seqAdd(r.finSeq, 1))) {
    r.finAcked = true;
    ctx.apply(c, r, 'received ACK of FIN', t, pkt);
  }
}

/** The FIN in flight to ep arrives: now (the FINs crossed), or when it passed the capture point. */
export function placePendingFin(ctx: FlowContext, c: Conn, ep: Endpoint, t: number, pkt: number): void {
  ep.pendingFin = false;
  const crossed = ep.pendingCrossed;
  ep.pendingCrossed = false;
  if (crossed) ctx.apply(c, ep, 'received FIN', t, pkt, false, 'received FIN (the FINs crossed)');
  else ctx.apply(c, ep, 'received FIN', ep.pendingFinT, ep.pendingFinPacket);
}

/** A RST from s: a refused SYN (RFC 9293 §3.10.7.1) or an abort (§3.5.2). */
export function onRst(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, t: number, pkt: number): void {
  const before = s.state;
  if (!s.rstSent) {
    s.rstSent = true;
    if (c.resetBy === null) c.resetBy = s.role;
    if (c.closeInitiator === null) c.closeInitiator = s.role;
    const refusal = s === c.server && !s.synSeen && (r.state === 'SYN_SENT') && !c.midStream;
    if (refusal) {
      c.refused = true;
      c.listener.refused++;
      ctx.raise(c, 'handshake-refused', pkt, t, 'server', 'the server answered the SYN with RST (connection refused)');
    } else {
      if (!c.midStream && !(c.client.everEstablished && c.server.everEstablished)) c.handshakeReset = true;
      ctx.raise(c, 'reset', pkt, t, s.role, `the ${s.role} reset the connection in ${before}`, { state: before, peerState: r.state });
    }
  }
  ctx.apply(c, s, 'sent RST', t, pkt);
  ctx.apply(c, r, 'received RST', t, pkt);
}
