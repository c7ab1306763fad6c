/**
 * Teardown as a passive observer sees it: FINs (first, re-sent, crossing), the ACKs that cover them,
 * and RSTs (refusal or abort). States move only through `ctx.apply` (the state table).
 *
 * A FIN's arrival at the peer is not seen on the wire, only its passing the capture point: it is held
 * pending (Endpoint.pendingFin) and placed when the peer's own segment shows it arrived: its ACK of the
 * FIN (placed at the FIN's latest copy before that ACK), or its own FIN sent before the other arrived
 * (the FINs crossed, RFC 9293 §3.6 Figure 13: placed at the ACK that shows it). An ACK of a FIN makes
 * the FIN's sender await the evidence that it arrived (its silence, or anything but the FIN again).
 */
import { NOTHING, type Conn, type Endpoint } from './conn.js';
import type { FlowContext } from './context.js';
import { lostCause } from './handshake.js';
import { seqAdd, seqGe } from './seq.js';

/**
 * Silence that shows an ACK of a FIN arrived: a FIN is re-sent after the sender's retransmission
 * timeout (RFC 6298: at least 1 s, 200 ms on Linux, then doubling); twice its latest interval, and
 * never less than 1.5 s (a first RTO of 1 s plus slack), or three handshake round trips.
 */
export function finSilence(c: Conn, ep: Endpoint): number {
  const rtt = c.ackT >= 0 && c.synBeforeSynAckT >= 0 ? c.ackT - c.synBeforeSynAckT : 0;
  return Math.max(1.5, 2.5 * ep.finLastInterval, 3 * rtt + 0.2);
}

/**
 * Does a segment from s show that the peer's FIN in flight to it arrived (its ACK covers that FIN)?
 * A FIN of s's own that does not is noted: s closed before the peer's FIN reached it, the FINs crossed.
 */
export function finShown(s: Endpoint, r: Endpoint, ack: number, hasAck: boolean, hasFin: boolean): boolean {
  if (!s.pendingFin) return false;
  if (hasAck && seqGe(ack, seqAdd(r.finSeq, 1))) return true;
  if (hasFin && !s.finSent) s.pendingCrossed = true;
  return false;
}

/** Where the arrival of the FIN in flight to ep is placed: its latest copy, or (crossed) ep's own FIN. */
export function pendingFinPacket(ep: Endpoint): number {
  return ep.pendingCrossed ? ep.finPacket : ep.pendingFinPacket;
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
  s.finT = s.finLastT = t;
  s.finPacket = s.finLastPacket = pkt;
  s.finCount = 1;
  if (c.closeInitiator === null) c.closeInitiator = s.role;
  ctx.apply(c, s, 'send FIN', t, pkt);
  // The FIN's arrival at r is placed once r shows it (placeFinsInFlight), or when the connection ends.
  r.pendingFin = true;
  r.pendingFinT = t;
  r.pendingFinPacket = pkt;
}

function finRetransmission(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, t: number, pkt: number): void {
  s.finCount++;
  s.finLastInterval = t - s.finLastT;
  s.finLastT = t;
  s.finLastPacket = pkt;
  ctx.raise(c, 'fin-retransmission', pkt, t, s.role, `the ${s.role} sent its FIN again (${s.finCount} times)`,
    { count: s.finCount, ...(s.awaitedLost > 0 ? { lostPacket: s.awaitedLost } : {}) });
  // The side that closed second re-sends its FIN: the final ACK was lost, after the capture point
  // when we saw it pass (the tracker marked it lost before this), before it when we never saw it.
  if (s.state === 'LAST_ACK' && !s.lostFinalAckFlagged) {
    s.lostFinalAckFlagged = true;
    const lost = s.awaitedLost;
    ctx.raise(c, 'lost-final-ack', pkt, t, s.role, lost > 0
      ? `the ${s.role} re-sent its FIN from LAST_ACK after the final ACK #${lost} passed: it was lost after the capture point`
      : `the ${s.role} re-sent its FIN from LAST_ACK: the final ACK never arrived`,
    lost > 0 ? { case: 'fin-resent-after-ack', lostPacket: lost } : { case: 'fin-resent-in-last-ack' });
  }
  // The copy that reaches r is the latest one before r shows it: the arrival moves to this copy.
  if (r.pendingFin && !r.pendingCrossed) { r.pendingFinT = t; r.pendingFinPacket = pkt; }
}

/** An ACK from s covering r's FIN: r awaits the evidence that it arrived. */
export function onFinAck(ctx: FlowContext, c: Conn, r: Endpoint, ack: number, t: number, pkt: number): void {
  if (!r.finSent || r.finAcked || !seqGe(ack, seqAdd(r.finSeq, 1))) return;
  r.finAcked = true;
  if (r.awaited !== NOTHING && r.awaited !== 'receive ACK of FIN') ctx.settle(c, r);
  ctx.awaitEvidence(c, r, 'receive ACK of FIN', t, pkt, t + finSilence(c, r), lostCause(r, 'received ACK of FIN'));
}

/**
 * The FIN in flight to ep arrived: at the copy that reached it (its latest before ep showed it), or,
 * when the FINs crossed, right after ep's own FIN (it reached ep after ep sent that). `cause`: an
 * inferred arrival (no segment of ep showed it).
 */
export function placePendingFin(ctx: FlowContext, c: Conn, ep: Endpoint, cause?: string): void {
  ep.pendingFin = false;
  const crossed = ep.pendingCrossed;
  ep.pendingCrossed = false;
  // An ACK of ep's FIN that came with or before this FIN (one sender's segments arrive in order)
  // arrived before it: the fifth step (ACK) before the eighth (FIN).
  if (ep.awaited === 'receive ACK of FIN' && ep.awaitedPacket <= ep.pendingFinPacket && !crossed) ctx.confirm(c, ep);
  if (crossed) ctx.apply(c, ep, 'receive FIN', ep.finT, ep.finPacket, false, 'received FIN (the FINs crossed: it left before this side\'s FIN)');
  else ctx.apply(c, ep, 'receive FIN', ep.pendingFinT, ep.pendingFinPacket, cause !== undefined, cause);
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
      ctx.raise(c, 'handshake-refused', pkt, t, 'server', 'the server answered the SYN with RST from a CLOSED port (connection refused)');
    } else {
      if (!c.midStream && !(c.client.everEstablished && c.server.everEstablished)) c.handshakeReset = true;
      ctx.raise(c, 'reset', pkt, t, s.role, `the ${s.role} reset the connection in ${before}`, { state: before, peerState: r.state });
    }
  }
  ctx.apply(c, s, 'send RST', t, pkt);
  // Nothing acknowledges a RST, and nothing re-sends one: it is taken as it passes. What r was still
  // waiting to show is settled first (an ACK that had passed is taken; a SYN-ACK it never answered is not).
  if (r.awaited !== NOTHING) ctx.settle(c, r);
  ctx.apply(c, r, 'receive RST', t, pkt);
}
