/**
 * The three-way handshake as a passive observer sees it: SYNs and SYN-ACKs (first, re-sent, crossing,
 * inferred when not captured), the options they offer, the ACK that completes it, and what the
 * back-off of each side tells when nothing more comes (it gave up; it answered without keeping state).
 * States move only through `ctx.apply` (the state table); a transition a received segment causes
 * waits for its evidence (`ctx.awaitEvidence`): the client is ESTABLISHED when its own ACK shows the
 * SYN-ACK arrived, the server when its silence or its next segment shows the ACK arrived.
 */
import { decodeOptions, readSynOptions } from '../decode/options.js';
import { FLAG, newSynOptions, type Segment } from '../decode/segment.js';
import { baseOf, nextCopyDue, nextWait, silenceMeansStopped, stopShownBy } from './backoff.js';
import { ANSWER_PENDING, ANSWER_STATEFUL, ANSWER_STATELESS, NOTHING, type Conn, type Endpoint } from './conn.js';
import type { FlowContext } from './context.js';
import type { AnomalyId } from './model.js';
import { seqAdd, seqGe, seqGt } from './seq.js';

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
    // Simultaneous open: a side that sent a SYN now answers the peer's with SYN-ACK (RFC 9293 §3.5
    // Figure 7). Its SYN-ACK shows the peer's SYN arrived (ctx.confirm ran before this).
    s.synIsAck = true;
    s.synLastT = t;
    s.synLastPacket = pkt;
    if (r.synSeen && seg.ack === seqAdd(r.isn, 1)) {
      r.synAcked = true;
      awaitSynAckAt(ctx, c, r, t, pkt);
    }
    // The peer's SYN-ACK passed while s still awaited the peer's SYN: s answers it next.
    if (r.synIsAck && s.synAcked && s.awaited === NOTHING && !s.everEstablished) awaitSynAckAt(ctx, c, s, r.synLastT, r.synLastPacket);
    return;
  }
  if (s.synSeen && seq === s.isn) {
    synRetransmission(ctx, c, s, r, seg, t, ack);
    return;
  }

  // First SYN (or SYN-ACK) of this side.
  s.synSeen = true;
  s.synIsAck = ack;
  s.isn = seq;
  s.synCount = 1;
  s.synFirstT = s.synLastT = t;
  s.synFirstPacket = s.synLastPacket = pkt;
  s.synDataLen = seg.payloadLen;
  const o = readSynOptions(seg, synOptions);
  s.mss = o.mss; s.wscale = o.wscale; s.sackPermitted = o.sackOk; s.timestamps = o.tsPresent;
  s.fastOpen = o.tfoCookieLen < 0 ? null : o.tfoCookieLen === 0 ? '' : fastOpenCookie(seg);
  if (seg.payloadLen > 0) synWithData(ctx, c, s, seg, t);

  if (!ack) {
    ctx.apply(c, s, 'send SYN', t, pkt);
    if (r.state === 'SYN_SENT' && r.synSeen && !r.synIsAck) {
      // Both sides sent a SYN without ACK: simultaneous open (RFC 9293 §3.5, Figure 7). Each side's
      // SYN-ACK will show that the other's SYN reached it.
      c.simultaneousOpen = true;
      ctx.raise(c, 'simultaneous-open', pkt, t, null, 'both ends sent a SYN without ACK');
      ctx.awaitEvidence(c, r, 'receive SYN', t, pkt, Infinity);
      ctx.awaitEvidence(c, s, 'receive SYN', t, pkt, Infinity, 'received SYN (the SYNs crossed)');
    }
    if (s === c.client && c.synAckT < 0) c.synBeforeSynAckT = t;
    if (s === c.client) ctx.schedule(c, silenceMeansStopped(s));
    return;
  }

  // First SYN-ACK.
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
  if (!ctx.replaying) c.listener.answered++;
  if (r.state === 'CLOSED') {
    // The SYN was not captured: the SYN-ACK proves the client had sent one.
    ctx.apply(c, r, 'send SYN', t, pkt, true, 'sent SYN (not captured; its SYN-ACK shows it)');
  }
  // Whether the server kept the request (SYN_RECEIVED, in its SYN queue) or answered statelessly (a
  // SYN cookie) shows only later: a re-sent SYN-ACK or the client's ACK, or silence past its first
  // re-send (decideAnswer).
  c.answer = ANSWER_PENDING;
  ctx.schedule(c, silenceMeansStopped(s));
  if (!r.synSeen || c.synAckAckValid === true) awaitSynAckAt(ctx, c, r, t, pkt);
}

/** The client (or a simultaneous opener) got a SYN-ACK at (t, pkt): ESTABLISHED once it answers. */
function awaitSynAckAt(ctx: FlowContext, c: Conn, r: Endpoint, t: number, pkt: number): void {
  // A re-sent SYN-ACK the client has not answered yet moves the wait to that copy: the client answers
  // the copy that reached it, so its ESTABLISHED is placed there.
  if (r.awaited === NOTHING || r.awaited === 'receive SYN-ACK') ctx.awaitEvidence(c, r, 'receive SYN-ACK', t, pkt, Infinity);
}

/**
 * The server's first SYN-ACK has shown what it kept: `stateful` (SYN_RECEIVED from its first SYN-ACK,
 * in the SYN queue) or `stateless` (a SYN cookie: it stays LISTEN; an ACK that completes the
 * handshake rebuilds the connection then).
 */
export function decideAnswer(ctx: FlowContext, c: Conn, stateless: boolean, shownBy: 'resend' | 'silence' | 'ack' | 'end'): void {
  if (c.answer !== ANSWER_PENDING) return;
  const sv = c.server;
  c.answer = stateless ? ANSWER_STATELESS : ANSWER_STATEFUL;
  if (!ctx.replaying) {
    // What the listener learns: a re-send shows a queued request; an ACK that came first shows nothing
    // yet (settled once the answers around it have shown their kind, listeners.ts noteProvisional).
    if (shownBy === 'resend') ctx.listeners.noteAnswer(c.listener, sv.synFirstT, false);
    else if (shownBy === 'ack') ctx.listeners.noteProvisional(c.listener, c, sv.synFirstT);
  }
  inferListen(ctx, c, 'listening: it answered with a SYN-ACK');
  if (stateless) {
    ctx.listeners.noteStateless(c.listener, sv.synFirstT, sv.synFirstPacket);
    ctx.raise(c, 'stateless-answer', sv.synFirstPacket, sv.synFirstT, 'server',
      `the server answered without keeping the request: no SYN-ACK re-sent by +${nextWait(sv).toFixed(3)} s (a SYN cookie)`,
      { due: nextCopyDue(sv) });
    return;
  }
  ctx.apply(c, sv, 'send SYN-ACK', sv.synFirstT, sv.synFirstPacket);
}

/**
 * The server is listening (never seen: deduced), placed at the client's first SYN, or at its own
 * SYN-ACK when that came first (reordered, or the SYN not captured).
 */
export function inferListen(ctx: FlowContext, c: Conn, cause: string): void {
  const sv = c.server, cl = c.client;
  if (sv.state !== 'CLOSED' || sv.reachedClosed) return;
  const bySyn = cl.synSeen && (!sv.synSeen || cl.synFirstPacket < sv.synFirstPacket);
  ctx.apply(c, sv, 'listen', bySyn ? cl.synFirstT : sv.synFirstT, bySyn ? cl.synFirstPacket : sv.synFirstPacket, true, cause);
}

/**
 * Back-off intervals an anomaly lists (`details.intervals`): the first ones show the pattern (Linux
 * waits 1, 2, 4... s and gives up after 6 SYN or 5 SYN-ACK retries). Each anomaly carries a copy of the
 * list so far, so without a bound a capture that repeats one SYN n times (a few megabytes) made
 * n²/2 numbers: 20,000 repeats took 1.7 GB. `attempt` and `interval` still count every one.
 */
export const MAX_LISTED_INTERVALS = 16;

/** Retransmission of this side's SYN or SYN-ACK (same ISN), with its back-off interval. */
function synRetransmission(ctx: FlowContext, c: Conn, s: Endpoint, r: Endpoint, seg: Segment, t: number, ack: boolean): void {
  const pkt = seg.frameNo;
  if (!ack && s === c.client && c.synAckT < 0) c.synBeforeSynAckT = t;
  s.synCount++;
  const interval = t - s.synLastT;
  s.synIntervals ??= [];
  if (s.synIntervals.length < MAX_LISTED_INTERVALS) s.synIntervals.push(interval);
  s.synLastInterval = interval;
  const base = baseOf(interval, s.synCount);
  if (s.synBase === 0 || base < s.synBase) s.synBase = base;
  s.synLastT = t;
  s.synLastPacket = pkt;
  const id: AnomalyId = ack ? 'synack-retransmission' : 'syn-retransmission';
  ctx.raise(c, id, pkt, t, s.role, `${ack ? 'SYN-ACK' : 'SYN'} sent again after ${interval.toFixed(3)} s (attempt ${s.synCount})`,
    { attempt: s.synCount, interval, intervals: s.synIntervals.slice() });
  if (ack) {
    // A re-sent SYN-ACK shows the server kept the request.
    if (c.answer === ANSWER_PENDING) decideAnswer(ctx, c, false, 'resend');
    if (s.synCount === 2 && s === c.server && !ctx.replaying) ctx.listeners.noteFirstResend(c.listener, interval);
    if (c.ackT >= 0 && !c.lostHandshakeAckFlagged) {
      c.lostHandshakeAckFlagged = true;
      ctx.raise(c, 'lost-handshake-ack', pkt, t, 'client',
        `the server re-sent its SYN-ACK after the client's ACK #${s.awaitedLost || c.ackPacket} passed: that ACK was lost after the capture point`,
        { case: 'synack-after-ack', ackTime: c.ackT, lostPacket: s.awaitedLost || c.ackPacket });
    }
    if (!r.everEstablished) awaitSynAckAt(ctx, c, r, t, pkt);
  }
  ctx.schedule(c, silenceMeansStopped(s));
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
  if (c.midStream) return;
  if (s === c.server && s.synIsAck && s.state !== 'ESTABLISHED' && s.awaited === NOTHING) serverWentOn(ctx, c, s, r, ack, t, pkt);
  if (r.synSeen) {
    if (!seqGe(ack, seqAdd(r.isn, 1))) {
      if (!r.synAcked && s === c.client && c.finalAckValid === null) {
        c.finalAckValid = false;
        ctx.raise(c, 'bad-handshake-ack', pkt, t, s.role, 'the handshake\'s ACK does not acknowledge the SYN-ACK\'s ISN+1',
          { expected: seqAdd(r.isn, 1), got: ack });
      }
      return;
    }
    if (!r.synAcked) {
      r.synAcked = true;
      if (s === c.client) {
        c.finalAckValid = ack === seqAdd(r.isn, 1);
        c.ackT = t;
        c.ackPacket = pkt;
        c.lastSynAckBeforeAckT = r.synLastT;
        if (r.synCount > 1 && !c.lostHandshakeAckFlagged) {
          c.lostHandshakeAckFlagged = true;
          ctx.raise(c, 'lost-handshake-ack', pkt, t, 'client',
            `the handshake completed only after ${r.synCount - 1} SYN-ACK retransmission(s)`,
            { case: 'completed-after-synack-retransmission', synAcks: r.synCount });
        }
      }
    }
    if (s === c.client && r === c.server && c.answer === ANSWER_PENDING) {
      // The ACK came before the server's first re-send was due: nothing tells a SYN cookie apart, and
      // Linux sends cookies only while its SYN queue is full; taken as a queued request.
      decideAnswer(ctx, c, false, 'ack');
    } else if (s === c.client && c.answer === ANSWER_STATELESS && r.state === 'LISTEN') {
      // The handshake completes a cookie answer: the server rebuilds the connection from the ACK.
      ctx.apply(c, r, 'send SYN-ACK', t, pkt, true,
        'connection rebuilt from the SYN cookie of its SYN-ACK when this ACK arrived (no SYN-queue entry)');
      c.cookieCompleted = true;
    }
    if (r.state === 'SYN_RECEIVED' && (r.awaited === NOTHING || r.awaited === 'receive ACK of SYN')) awaitSynAckAck(ctx, c, r, t, pkt);
    else if (handshakeSettled(c)) c.handshakeDone = true;
    return;
  }
  if (s === c.client && s.state === 'SYN_SENT' && (r.state === 'CLOSED' || r.state === 'LISTEN') && !r.reachedClosed) {
    // The SYN-ACK was not captured; the client's ACK proves it was sent, and that it arrived.
    r.synSeen = true; r.synIsAck = true; r.isn = (ack - 1) >>> 0; r.synCount = 1; r.synFirstT = r.synLastT = t;
    r.synFirstPacket = r.synLastPacket = pkt;
    r.synAcked = true;
    c.ackT = t;
    c.ackPacket = pkt;
    c.finalAckValid = true;
    c.answer = ANSWER_STATEFUL;
    c.listener.answered++;
    inferListen(ctx, c, 'listening: the client\'s ACK answers its SYN-ACK');
    ctx.apply(c, r, 'send SYN-ACK', t, pkt, true, 'sent SYN-ACK (not captured; the client\'s ACK answers it)');
    ctx.apply(c, s, 'receive SYN-ACK', t, pkt, true, 'received SYN-ACK (not captured; this ACK answers it)');
    awaitSynAckAck(ctx, c, r, t, pkt);
  }
}

/**
 * Can an ACK still show anything about c's handshake (onHandshakeAck)? Not once both SYNs were seen and
 * acknowledged, both ends reached ESTABLISHED and the server's answer showed its kind: every branch
 * above then finds nothing to do. ESTABLISHED leads back to neither LISTEN nor SYN_RECEIVED (RFC 9293
 * §3.3.2), and a new SYN on the 4-tuple is a new connection with a record of its own.
 */
function handshakeSettled(c: Conn): boolean {
  const cl = c.client, sv = c.server;
  return c.answer !== ANSWER_PENDING && cl.everEstablished && sv.everEstablished && cl.synSeen && sv.synSeen && cl.synAcked && sv.synAcked;
}

/**
 * The server sent a segment other than its SYN-ACK while the client's ACK was never seen (a capture of
 * one direction, or the ACK not captured): it kept the request, and only an ACK that arrived lets a
 * server go on. Inferred: SYN_RECEIVED → ESTABLISHED here; a client whose data it acknowledges had
 * its SYN-ACK.
 */
function serverWentOn(ctx: FlowContext, c: Conn, sv: Endpoint, cl: Endpoint, ack: number, t: number, pkt: number): void {
  if (c.answer === ANSWER_PENDING) decideAnswer(ctx, c, false, 'resend');
  if (sv.state === 'SYN_RECEIVED') {
    sv.synAcked = true;
    ctx.apply(c, sv, 'receive ACK of SYN', t, pkt, true, 'received ACK of SYN (not captured; its own segment shows it arrived)');
  }
  const clientNext = cl.synSeen ? seqAdd(cl.isn, 1) : c.synAckAck;
  if (cl.awaited === 'receive SYN-ACK' && seqGt(ack, clientNext)) {
    cl.awaitedInferred = true;
    cl.awaitedCause = 'received SYN-ACK (its answer was not captured; the server acknowledged its data)';
    ctx.confirm(c, cl);
  }
}

/** An ACK of r's SYN passed at (t, pkt): r is ESTABLISHED unless it re-sends its SYN-ACK in time. */
function awaitSynAckAck(ctx: FlowContext, c: Conn, r: Endpoint, t: number, pkt: number): void {
  if (r.awaited === 'receive ACK of SYN') return; // the earliest ACK that passed is the one that would have arrived
  ctx.awaitEvidence(c, r, 'receive ACK of SYN', t, pkt, silenceMeansStopped(r), lostCause(r, 'received ACK of SYN'));
}

/** The cause text of a transition whose earlier cause proved lost. */
export function lostCause(ep: Endpoint, event: string): string | undefined {
  return ep.awaitedLost > 0 ? `${event} (an earlier one was lost after the capture point: lostSegments)` : undefined;
}

/**
 * c's handshake timers, when capture time reaches them: the server's first answer unrepeated past its
 * re-send time (a stateless answer), a SYN-ACK back-off that stopped (the request was dropped), a SYN
 * back-off that stopped (the client gave up). Returns the next time to look again (Infinity: none).
 * `ending`: c is being reported (end of input, its 4-tuple taken by a new SYN, evicted).
 */
export function handshakeTimers(ctx: FlowContext, c: Conn, now: number, ending = false): number {
  const cl = c.client, sv = c.server;
  let next = Infinity;
  if (c.answer === ANSWER_PENDING) {
    const at = silenceMeansStopped(sv);
    if (now >= at) decideAnswer(ctx, c, true, 'silence'); else next = Math.min(next, at);
  }
  if (sv.state === 'SYN_RECEIVED' && sv.inQueue && sv.awaited === NOTHING && !sv.finSent && !sv.rstSent) {
    next = Math.min(next, stopped(ctx, c, sv, now, ending));
  }
  if (cl.state === 'SYN_SENT' && cl.synSeen && !cl.synIsAck && !sv.synSeen && !cl.rstSent && !sv.rstSent) {
    next = Math.min(next, stopped(ctx, c, cl, now, ending));
  }
  return next;
}

/**
 * ep's back-off, at `now`: gives up once its next copy is overdue (placed when it was due), unless a
 * copy from a slower sender is still plausible (backoff.ts stopShownBy: a Windows client re-sends its
 * first SYN after 3 s, not 1 s). Then the decision waits and the connection stays open: a copy with
 * its ISN is one more retransmission, its longer interval learnt, not a new connection. Deciding at
 * once and taking it back would undo a transition, an anomaly and listener counts that a live event
 * stream has shown already. Nothing waits when c is being reported (no copy can come) or when the
 * tracker holds too many such decisions (a flood of spoofed SYNs: FlowContext.holdGiveUp). Returns
 * when to look again.
 */
function stopped(ctx: FlowContext, c: Conn, ep: Endpoint, now: number, ending: boolean): number {
  const at = silenceMeansStopped(ep);
  if (now < at) return at;
  const until = stopShownBy(ep);
  if (!ending && now < until && ctx.holdGiveUp(now, until)) return until;
  giveUp(ctx, c, ep);
  return Infinity;
}

/** ep's SYN (or SYN-ACK) back-off stopped: it gave up when its next copy was due (by the Linux schedule). */
function giveUp(ctx: FlowContext, c: Conn, ep: Endpoint): void {
  const due = nextCopyDue(ep);
  const what = ep.synIsAck ? 'SYN-ACK' : 'SYN';
  const resent = ep.synCount - 1;
  // Causes are interned (timeline-log.ts): a few texts, no numbers that vary per connection; the
  // transition's time is when the next copy was due, the anomaly has the numbers.
  const cause = `gave up: no ${what} came when the next copy was due (${resent < 8 ? resent : 'many'} re-send${resent === 1 ? '' : 's'})`;
  ctx.apply(c, ep, 'give up', due, ep.synLastPacket, true, cause);
  ep.gaveUpT = due;
  const survived = due - ep.synFirstT;
  if (ep.synIsAck) {
    ctx.listeners.noteExpired(c.listener, survived, resent);
    ctx.raise(c, 'half-open-expired', ep.synLastPacket, due, 'server',
      `the server dropped the request after ${resent} SYN-ACK re-send${resent === 1 ? '' : 's'}: it survived ${survived.toFixed(3)} s in SYN_RECEIVED`,
      { survived, resends: resent, intervals: ep.synIntervals?.slice() ?? [] });
    if (c.acksIgnoredT >= 0) acksIgnored(ctx, c, c.acksIgnoredT);
  } else if (resent > 0) {
    ctx.raise(c, 'handshake-timeout', ep.synLastPacket, due, 'client',
      `the SYN was never answered: ${ep.synCount} sent, the client gave up ${survived.toFixed(3)} s after the first`,
      { syns: ep.synCount, waited: survived });
  }
  // A SYN never re-sent is no client giving up after its retries (a probe, a spoofed source): the
  // end of the connection calls it unanswered (verdict.ts).
}

/**
 * The server dropped a request after ignoring every handshake ACK of its client (each re-sent SYN-ACK
 * followed one), as its silence at `t` showed: while it held completed connections its accept queue was
 * full (the application was not accepting, Linux ListenOverflows); otherwise every client segment was
 * lost on the way to it.
 */
function acksIgnored(ctx: FlowContext, c: Conn, t: number): void {
  const acceptQueue = c.listener.completed > 0;
  ctx.listeners.noteIgnoredAcks(c.listener, c.ignoredAcks);
  const lost = c.lost?.slice() ?? [];
  ctx.raise(c, acceptQueue ? 'accept-queue-overflow' : 'lost-handshake-ack', c.server.synLastPacket, t, 'server', acceptQueue
    ? `the server ignored all ${c.ignoredAcks} handshake ACKs of the client while it held completed connections: its accept queue was full`
    : `the server ignored all ${c.ignoredAcks} handshake ACKs of the client: they were lost on the way to it`,
  { case: 'acks-ignored', ignored: c.ignoredAcks, lostPackets: lost });
}
