/**
 * THE transition function: every state change of every endpoint goes through `transition()`.
 *
 * It is one endpoint's RFC 793 / RFC 9293 state machine, driven by what a passive observer sees:
 * events are "sent X" (the endpoint's own segment passed the capture point) or "received X" (the
 * peer's segment passed the capture point on its way to this endpoint).
 *
 * Observation convention — a transition happens when the causing segment passes the capture point.
 * For a sniffer near one end this means: a segment lost *after* the capture point still moved the
 * receiver's state in our view (we saw the FIN go by, so the peer "received FIN" and is CLOSE_WAIT,
 * even if the FIN died on the next hop). The tracker corrects what the wire later proves wrong
 * (a FIN whose ACK does not cover the peer's crossing FIN, a SYN-ACK or FIN re-sent after its ACK went
 * by) with an anomaly and, for the re-sent SYN-ACK or FIN, a correcting transition back to the state
 * the endpoint was really in ("sent FIN again": CLOSED → LAST_ACK). Nothing recorded is rewritten, so
 * live event streams stay valid: the correction is one more transition, marked inferred.
 */
import type { TcpState } from './model.js';
import { stateCode } from './timeline-log.js';

/** What the observer saw, from the point of view of one endpoint. */
export type TcpEvent =
  | 'listening (inferred)'          // a SYN is heading to this endpoint: it must have been listening
  | 'picked up mid-stream'          // no handshake seen: the connection was already open
  | 'sent SYN' | 'received SYN'
  | 'sent SYN-ACK' | 'received SYN-ACK'
  | 'sent ACK of SYN' | 'received ACK of SYN'
  | 'sent FIN' | 'received FIN'
  | 'received ACK of FIN'
  // Corrections: the endpoint re-sent its SYN-ACK / FIN after the peer's ACK of it passed the capture
  // point, which proves that ACK had not arrived (lost after the capture point, or still in flight).
  | 'sent SYN-ACK again' | 'sent FIN again'
  | 'sent RST' | 'received RST'
  | '2×MSL elapsed';

export interface TransitionResult {
  readonly to: TcpState;
  /** `to` as a small code (timeline-log.ts stateCode), for the timeline log. */
  readonly code: number;
}

function result(to: TcpState): TransitionResult {
  return Object.freeze({ to, code: stateCode(to) });
}

// One frozen result per target state: the transition function never allocates.
const TO: Readonly<Record<TcpState, TransitionResult>> = {
  CLOSED: result('CLOSED'), LISTEN: result('LISTEN'), SYN_SENT: result('SYN_SENT'),
  SYN_RECEIVED: result('SYN_RECEIVED'), ESTABLISHED: result('ESTABLISHED'),
  FIN_WAIT_1: result('FIN_WAIT_1'), FIN_WAIT_2: result('FIN_WAIT_2'), CLOSE_WAIT: result('CLOSE_WAIT'),
  CLOSING: result('CLOSING'), LAST_ACK: result('LAST_ACK'), TIME_WAIT: result('TIME_WAIT'),
};

/**
 * The new state of an endpoint in `state` after `event`, or null when the event does not change
 * it (retransmissions, events that make no sense in that state: the tracker flags those itself).
 */
export function transition(state: TcpState, event: TcpEvent): TransitionResult | null {
  // A reset ends every synchronized or half-synchronized state (RFC 9293 §3.10.7.4 "second, check
  // the RST bit"; §3.10.5 ABORT for the sender). LISTEN and CLOSED are handled in their arms.
  if ((event === 'sent RST' || event === 'received RST') && state !== 'LISTEN' && state !== 'CLOSED') {
    if (state === 'TIME_WAIT' && event === 'sent RST') return null; // a TIME_WAIT socket may answer with RST; it stays
    // SYN_RECEIVED + received RST: RFC 9293 §3.10.7.4 returns a passively opened TCB to LISTEN, but
    // this connection instance is over, so its record goes to CLOSED.
    // TIME_WAIT + received RST: RFC 9293 §3.10.7.4 says enter CLOSED (Linux does, unless rfc1337).
    return TO.CLOSED;
  }

  switch (state) {
    case 'CLOSED':
      switch (event) {
        case 'sent SYN': return TO.SYN_SENT;               // active OPEN, RFC 9293 §3.10.1
        case 'listening (inferred)': return TO.LISTEN;     // passive OPEN, §3.10.1 (deduced from the SYN)
        case 'picked up mid-stream': return TO.ESTABLISHED;
        // We moved it LAST_ACK → CLOSED when the final ACK passed; the re-sent FIN proves the ACK
        // never arrived (RFC 9293 §3.10.7.4: LAST-ACK waits for the ACK of its FIN, retransmitting it).
        case 'sent FIN again': return TO.LAST_ACK;
        default: return null;
      }

    case 'LISTEN':
      switch (event) {
        // RFC 9293 §3.10.7.2: LISTEN + SYN → send SYN,ACK, enter SYN-RECEIVED. The arc is
        // "rcv SYN / snd SYN,ACK"; we take it when the SYN-ACK passes, because a SYN alone does not
        // prove it ever reached a listener (unanswered SYNs leave the server in LISTEN).
        case 'sent SYN-ACK': return TO.SYN_RECEIVED;
        // Our LISTEN was inferred. A RST answering a SYN means the port was in fact CLOSED
        // (§3.10.7.1: a segment to a CLOSED port draws a RST): the refusal closes the record.
        case 'sent RST': return TO.CLOSED;
        // §3.10.2 SEND in LISTEN: a listener that sends a SYN turns into an active opener
        // (the second SYN of a simultaneous open).
        case 'sent SYN': return TO.SYN_SENT;
        default: return null; // received SYN: see above; received RST: ignored in LISTEN (§3.10.7.2)
      }

    case 'SYN_SENT':
      switch (event) {
        case 'received SYN-ACK': return TO.ESTABLISHED;    // §3.10.7.3: our SYN is ACKed → ESTABLISHED, send ACK
        case 'received SYN': return TO.SYN_RECEIVED;       // §3.10.7.3: SYN without ACK → simultaneous open (§3.5 Fig. 8)
        case 'sent ACK of SYN': return TO.ESTABLISHED;     // the SYN-ACK was not captured; the ACK proves it arrived
        // Not an RFC arc (§3.10.4: CLOSE in SYN-SENT just deletes the TCB). Only a stack that
        // believes it is synchronized sends a FIN; we follow the wire.
        case 'sent FIN': return TO.FIN_WAIT_1;
        default: return null;
      }

    case 'SYN_RECEIVED':
      switch (event) {
        case 'received ACK of SYN': return TO.ESTABLISHED; // §3.10.7.4 fifth: SND.UNA < SEG.ACK =< SND.NXT → ESTABLISHED
        case 'received SYN-ACK': return TO.ESTABLISHED;    // simultaneous open: the peer's SYN-ACK acknowledges our SYN
        case 'sent ACK of SYN': return TO.ESTABLISHED;     // simultaneous open, peer's SYN-ACK not captured
        case 'sent FIN': return TO.FIN_WAIT_1;             // §3.10.4 CLOSE in SYN-RECEIVED → FIN-WAIT-1
        case 'received FIN': return TO.CLOSE_WAIT;         // §3.10.7.4 eighth: SYN-RECEIVED/ESTABLISHED → CLOSE-WAIT
        default: return null;
      }

    case 'ESTABLISHED':
      switch (event) {
        case 'sent FIN': return TO.FIN_WAIT_1;             // §3.10.4 CLOSE
        case 'received FIN': return TO.CLOSE_WAIT;         // §3.10.7.4 eighth
        // We moved it SYN_RECEIVED → ESTABLISHED when the client's ACK passed; the re-sent SYN-ACK
        // proves the ACK never arrived: it is still in SYN-RECEIVED (§3.10.7.4, §3.8.1 retransmission).
        case 'sent SYN-ACK again': return TO.SYN_RECEIVED;
        default: return null;
      }

    case 'FIN_WAIT_1':
      switch (event) {
        case 'received ACK of FIN': return TO.FIN_WAIT_2;  // §3.10.7.4 fifth: FIN-WAIT-1 and our FIN is ACKed
        // §3.10.7.4 eighth: FIN-WAIT-1 + FIN whose ACK does not cover our FIN → CLOSING. A FIN that
        // also ACKs ours is fed as "received ACK of FIN" first (the ACK is processed in the fifth
        // step, the FIN in the eighth), which leads to FIN_WAIT_2 and then TIME_WAIT.
        case 'received FIN': return TO.CLOSING;
        default: return null;
      }

    case 'FIN_WAIT_2':
      switch (event) {
        case 'received FIN': return TO.TIME_WAIT;          // §3.10.7.4 eighth: FIN-WAIT-2 → TIME-WAIT
        case 'sent FIN again': return TO.FIN_WAIT_1;       // correction: the ACK of our FIN had not arrived
        default: return null;
      }

    case 'CLOSE_WAIT':
      return event === 'sent FIN' ? TO.LAST_ACK : null;      // §3.10.4 CLOSE in CLOSE-WAIT → LAST-ACK

    case 'CLOSING':
      return event === 'received ACK of FIN' ? TO.TIME_WAIT : null; // §3.10.7.4 fifth: CLOSING → TIME-WAIT

    case 'LAST_ACK':
      return event === 'received ACK of FIN' ? TO.CLOSED : null;    // §3.10.7.4 fifth: LAST-ACK → CLOSED

    case 'TIME_WAIT':
      switch (event) {
        case '2×MSL elapsed': return TO.CLOSED;            // §3.10.8 time-wait timeout
        // A new SYN on the 4-tuple ends TIME_WAIT early: RFC 9293 §3.10.7.4 / RFC 6191 (accepted
        // when its ISN is above the old sequence space), or the TIME_WAIT side itself reconnects.
        case 'received SYN': return TO.CLOSED;
        case 'sent SYN': return TO.CLOSED;
        // Correction: our FIN had been ACKed in our view (via FIN_WAIT_2 or CLOSING), yet we re-send
        // it: the ACK had not arrived. We have the peer's FIN and our FIN is unacknowledged: CLOSING.
        case 'sent FIN again': return TO.CLOSING;
        default: return null;                               // a re-sent FIN from the peer restarts the timer, state stays
      }
  }
}
