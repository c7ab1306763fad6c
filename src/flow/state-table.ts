/**
 * THE state machine of one TCP endpoint, as data: every arc an endpoint can take in synack's
 * timelines, with the event that causes it, the RFC text it comes from, what on the wire proves it
 * (the evidence rule) and the entry action the tracker runs. The tracker runs it (`transition()`),
 * the tests walk it arc by arc, the README's state diagram and `synack explain` are generated from it,
 * so code and documentation cannot drift.
 *
 * Events are named from the endpoint's point of view. A passive observer sees segments pass the
 * capture point, not arrive: an arc caused by a segment the endpoint *receives* is taken only on
 * evidence (see `Evidence`), and placed at the segment that caused it.
 *
 * Arcs are RFC 9293's: those drawn in its state diagram (§3.3.2, Figure 5: `FIGURE_5`) and the ones
 * its event-processing text adds (resets, timeouts). No other arc is ever emitted; a test walks every
 * timeline of every fixture and corpus capture against this table.
 */
import type { TcpState } from './model.js';

/** What happened to the endpoint. */
export type TcpEvent =
  | 'listen'              // passive OPEN: deduced, never seen (its SYN-ACK, or its listener's answers to others)
  | 'send SYN'            // active OPEN
  | 'receive SYN'         // the peer's SYN arrived (simultaneous open: shown by our own SYN-ACK)
  | 'send SYN-ACK'        // LISTEN: rcv SYN / snd SYN,ACK
  | 'receive SYN-ACK'     // SYN_SENT: rcv SYN,ACK / snd ACK
  | 'receive ACK of SYN'
  | 'send FIN'            // CLOSE
  | 'receive FIN'
  | 'receive ACK of FIN'
  | 'send RST'            // ABORT
  | 'receive RST'
  | '2MSL timeout'
  | 'give up'             // SYN or SYN-ACK retries exhausted (deduced from the back-off)
  | 'new SYN on the 4-tuple';

export const EVENTS: readonly TcpEvent[] = [
  'listen', 'send SYN', 'receive SYN', 'send SYN-ACK', 'receive SYN-ACK', 'receive ACK of SYN', 'send FIN',
  'receive FIN', 'receive ACK of FIN', 'send RST', 'receive RST', '2MSL timeout', 'give up', 'new SYN on the 4-tuple',
];

/** The cause a timeline entry shows when the tracker gives none more specific. */
export const EVENT_CAUSE: Readonly<Record<TcpEvent, string>> = {
  'listen': 'listening',
  'send SYN': 'sent SYN',
  'receive SYN': 'received SYN',
  'send SYN-ACK': 'received SYN, sent SYN-ACK',
  'receive SYN-ACK': 'received SYN-ACK',
  'receive ACK of SYN': 'received ACK of SYN',
  'send FIN': 'sent FIN',
  'receive FIN': 'received FIN',
  'receive ACK of FIN': 'received ACK of FIN',
  'send RST': 'sent RST',
  'receive RST': 'received RST',
  '2MSL timeout': '2×MSL elapsed',
  'give up': 'gave up',
  'new SYN on the 4-tuple': 'a new connection reused the 4-tuple',
};

export const STATES: readonly TcpState[] = [
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED',
  'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
];

/**
 * What shows an arc on the wire:
 * - `sent`: the endpoint's own segment passed the capture point (taken when it passes);
 * - `answered`: a segment TO the endpoint passed; taken once the endpoint's own later segment shows it
 *   arrived, and placed back at the segment that caused it. Until then the endpoint stays where it
 *   was: a client that never answers a SYN-ACK is still SYN_SENT (a spoofed source never existed);
 * - `not-resent`: a segment to the endpoint passed (an ACK of its SYN or FIN, a RST); taken unless the
 *   endpoint re-sends what it acknowledged: its own later segment, its silence past its retransmission
 *   timeout, or the end of the capture confirms it. A re-send shows that segment was lost after the
 *   capture point: the arc waits for the next one, and the lost one is marked;
 * - `timer`: deduced from time (2×MSL, a back-off that stopped): inferred;
 * - `inference`: deduced from other segments (a listener from its SYN-ACK): inferred.
 */
export type Evidence = 'sent' | 'answered' | 'not-resent' | 'timer' | 'inference';

/** What each evidence rule means, in a sentence (the README's state section and `synack explain`). */
export const EVIDENCE_TEXT: Readonly<Record<Evidence, string>> = {
  sent: 'the endpoint\'s own segment passed the capture point',
  answered: 'a segment to it passed, and its own later segment shows it arrived (placed at the segment that caused it)',
  'not-resent': 'a segment to it passed, and it did not re-send what that segment acknowledged (its later segment, its silence past its retransmission timeout, or the end of the capture shows it)',
  timer: 'deduced from time (inferred)',
  inference: 'deduced from other segments (inferred)',
};

/**
 * Effects of taking an arc, run by the tracker (flow/tracker.ts `apply`). Entering ESTABLISHED (the
 * connection opened) and CLOSED (it ended) are marked on the endpoint for every arc, by target state.
 */
export type EntryAction =
  | 'queue-enter'        // the listener's SYN queue holds one more request
  | 'queue-complete'     // the request left the queue: the handshake completed
  | 'queue-leave'        // the request left the queue without completing (reset, given up, closed)
  | 'closing'            // simultaneous close
  | 'time-wait'          // the 2×MSL timer starts
  | 'last-ack';

export interface Arc {
  from: TcpState;
  event: TcpEvent;
  /** Equal to `from` for an event the RFC says leaves the state alone (documented, never emitted). */
  to: TcpState;
  /** Where the rule is written. */
  rfc: string;
  evidence: Evidence;
  action?: EntryAction;
  /** One line: what it means, for `synack explain` and the README. */
  note: string;
}

/**
 * The arcs drawn in RFC 9293's state diagram (§3.3.2, Figure 5), as from→to pairs. The table's other
 * arcs come from the RFC's event-processing text: resets (§3.10.7, §3.10.5 ABORT) and timeouts
 * (§3.8.3, §3.10.8), which the figure leaves out ("the diagram is only a summary").
 */
export const FIGURE_5: ReadonlyArray<readonly [TcpState, TcpState]> = [
  ['CLOSED', 'LISTEN'], ['CLOSED', 'SYN_SENT'], ['LISTEN', 'CLOSED'], ['LISTEN', 'SYN_RECEIVED'], ['LISTEN', 'SYN_SENT'],
  ['SYN_SENT', 'CLOSED'], ['SYN_SENT', 'SYN_RECEIVED'], ['SYN_SENT', 'ESTABLISHED'], ['SYN_RECEIVED', 'LISTEN'],
  ['SYN_RECEIVED', 'ESTABLISHED'], ['SYN_RECEIVED', 'FIN_WAIT_1'], ['ESTABLISHED', 'FIN_WAIT_1'], ['ESTABLISHED', 'CLOSE_WAIT'],
  ['FIN_WAIT_1', 'FIN_WAIT_2'], ['FIN_WAIT_1', 'CLOSING'], ['FIN_WAIT_2', 'TIME_WAIT'], ['CLOSING', 'TIME_WAIT'],
  ['CLOSE_WAIT', 'LAST_ACK'], ['LAST_ACK', 'CLOSED'], ['TIME_WAIT', 'CLOSED'],
];

/** Is `from → to` drawn in Figure 5? */
export function inFigure5(from: TcpState, to: TcpState): boolean {
  return FIGURE_5.some(([a, b]) => a === from && b === to);
}

export const ARCS: readonly Arc[] = [
  // --- opening
  { from: 'CLOSED', event: 'listen', to: 'LISTEN', rfc: 'RFC 9293 §3.10.1 (passive OPEN)', evidence: 'inference',
    note: 'the application listens; never on the wire, so deduced from the SYN-ACK it sends or from its listener answering others' },
  { from: 'CLOSED', event: 'send SYN', to: 'SYN_SENT', rfc: 'RFC 9293 §3.10.1 (active OPEN)', evidence: 'sent',
    note: 'active open: the client sends its SYN' },
  { from: 'LISTEN', event: 'send SYN-ACK', to: 'SYN_RECEIVED', rfc: 'RFC 9293 §3.10.7.2', evidence: 'sent', action: 'queue-enter',
    note: 'a SYN arrived; the listener answers SYN-ACK and keeps the request in its SYN queue until the ACK comes' },
  { from: 'SYN_SENT', event: 'receive SYN-ACK', to: 'ESTABLISHED', rfc: 'RFC 9293 §3.10.7.3', evidence: 'answered',
    note: 'the SYN-ACK arrived: the client is synchronized and answers ACK (taken when that ACK, or any later segment of the client, shows it)' },
  { from: 'SYN_SENT', event: 'receive SYN', to: 'SYN_RECEIVED', rfc: 'RFC 9293 §3.10.7.3, §3.5 Figure 7', evidence: 'answered',
    note: 'simultaneous open: the peer\'s SYN arrived while ours was out; we answer SYN-ACK' },
  { from: 'SYN_RECEIVED', event: 'receive ACK of SYN', to: 'ESTABLISHED', rfc: 'RFC 9293 §3.10.7.4 (fifth, ACK)', evidence: 'not-resent', action: 'queue-complete',
    note: 'the handshake\'s ACK arrived: the request leaves the SYN queue, the connection is established' },
  { from: 'SYN_RECEIVED', event: 'receive SYN-ACK', to: 'ESTABLISHED', rfc: 'RFC 9293 §3.10.7.4, §3.5 Figure 7', evidence: 'answered',
    note: 'simultaneous open: the peer\'s SYN-ACK acknowledges our SYN' },
  { from: 'SYN_SENT', event: 'give up', to: 'CLOSED', rfc: 'RFC 9293 §3.8.3 (R2), §3.10.8; RFC 6298 §5', evidence: 'timer',
    note: 'the SYN was re-sent with doubling waits and then abandoned: the capture passed the next re-send without one' },
  { from: 'SYN_RECEIVED', event: 'give up', to: 'CLOSED', rfc: 'RFC 9293 §3.8.3 (R2), §3.10.8; RFC 4987 §2', evidence: 'timer', action: 'queue-leave',
    note: 'the SYN-ACK was re-sent with doubling waits and then abandoned: the request left the SYN queue (half-open survival time)' },
  // --- closing
  { from: 'SYN_RECEIVED', event: 'send FIN', to: 'FIN_WAIT_1', rfc: 'RFC 9293 §3.10.4 (CLOSE)', evidence: 'sent', action: 'queue-leave',
    note: 'closed before the handshake completed' },
  { from: 'ESTABLISHED', event: 'send FIN', to: 'FIN_WAIT_1', rfc: 'RFC 9293 §3.10.4 (CLOSE)', evidence: 'sent',
    note: 'active close: this side sends its FIN first' },
  { from: 'CLOSE_WAIT', event: 'send FIN', to: 'LAST_ACK', rfc: 'RFC 9293 §3.10.4 (CLOSE)', evidence: 'sent', action: 'last-ack',
    note: 'passive close: having received the peer\'s FIN, this side sends its own and waits for the last ACK' },
  { from: 'SYN_RECEIVED', event: 'receive FIN', to: 'CLOSE_WAIT', rfc: 'RFC 9293 §3.10.7.4 (eighth, FIN)', evidence: 'answered', action: 'queue-leave',
    note: 'a FIN arrived before the handshake\'s ACK' },
  { from: 'ESTABLISHED', event: 'receive FIN', to: 'CLOSE_WAIT', rfc: 'RFC 9293 §3.10.7.4 (eighth, FIN)', evidence: 'answered',
    note: 'the peer closed; this side may still send, then closes itself' },
  { from: 'FIN_WAIT_1', event: 'receive ACK of FIN', to: 'FIN_WAIT_2', rfc: 'RFC 9293 §3.10.7.4 (fifth, ACK)', evidence: 'not-resent',
    note: 'our FIN is acknowledged; waiting for the peer\'s FIN' },
  { from: 'FIN_WAIT_1', event: 'receive FIN', to: 'CLOSING', rfc: 'RFC 9293 §3.10.7.4 (eighth, FIN), §3.6 Figure 13', evidence: 'answered', action: 'closing',
    note: 'simultaneous close: the peer\'s FIN arrived before the ACK of ours' },
  { from: 'FIN_WAIT_2', event: 'receive FIN', to: 'TIME_WAIT', rfc: 'RFC 9293 §3.10.7.4 (eighth, FIN)', evidence: 'answered', action: 'time-wait',
    note: 'the peer\'s FIN arrived: acknowledge it and wait 2×MSL for stray segments' },
  { from: 'CLOSING', event: 'receive ACK of FIN', to: 'TIME_WAIT', rfc: 'RFC 9293 §3.10.7.4 (fifth, ACK)', evidence: 'not-resent', action: 'time-wait',
    note: 'simultaneous close: our FIN is acknowledged too' },
  { from: 'LAST_ACK', event: 'receive ACK of FIN', to: 'CLOSED', rfc: 'RFC 9293 §3.10.7.4 (fifth, ACK)', evidence: 'not-resent',
    note: 'the last ACK arrived: the connection is gone on this side' },
  { from: 'TIME_WAIT', event: '2MSL timeout', to: 'CLOSED', rfc: 'RFC 9293 §3.10.8 (time-wait timeout)', evidence: 'timer',
    note: '2×MSL of capture time passed (--msl)' },
  { from: 'TIME_WAIT', event: 'new SYN on the 4-tuple', to: 'CLOSED', rfc: 'RFC 9293 §3.6.1, RFC 6191', evidence: 'sent',
    note: 'a new connection reused the 4-tuple, ending TIME_WAIT early' },
  // --- resets (RFC 9293 §3.10.7: "second, check the RST bit"; §3.10.5 ABORT for the sender)
  { from: 'SYN_SENT', event: 'receive RST', to: 'CLOSED', rfc: 'RFC 9293 §3.10.7.3', evidence: 'not-resent',
    note: 'the SYN was refused (connection refused)' },
  { from: 'SYN_RECEIVED', event: 'receive RST', to: 'LISTEN', rfc: 'RFC 9293 §3.10.7.4 (second, RST)', evidence: 'not-resent', action: 'queue-leave',
    note: 'a passively opened connection returns to LISTEN; the request leaves the SYN queue' },
  ...(['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT'] as const).map((from): Arc => ({
    from, event: 'receive RST', to: 'CLOSED', rfc: 'RFC 9293 §3.10.7.4 (second, RST)', evidence: 'not-resent',
    note: 'the peer aborted the connection',
  })),
  { from: 'SYN_RECEIVED', event: 'send RST', to: 'CLOSED', rfc: 'RFC 9293 §3.10.5 (ABORT)', evidence: 'sent', action: 'queue-leave',
    note: 'this side aborted the handshake' },
  ...(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK'] as const).map((from): Arc => ({
    from, event: 'send RST', to: 'CLOSED', rfc: 'RFC 9293 §3.10.5 (ABORT)', evidence: 'sent',
    note: 'this side aborted the connection',
  })),
  // --- events the RFC says change nothing (documented for explain; never in a timeline)
  { from: 'CLOSED', event: 'send RST', to: 'CLOSED', rfc: 'RFC 9293 §3.10.7.1', evidence: 'sent',
    note: 'a segment to a CLOSED port draws a RST (how a refusal looks)' },
  { from: 'LISTEN', event: 'receive RST', to: 'LISTEN', rfc: 'RFC 9293 §3.10.7.2', evidence: 'not-resent',
    note: 'a RST to a listener is ignored' },
  { from: 'TIME_WAIT', event: 'receive FIN', to: 'TIME_WAIT', rfc: 'RFC 9293 §3.10.7.4 (eighth, FIN)', evidence: 'answered',
    note: 'a re-sent FIN is acknowledged again and restarts the 2×MSL timer' },
  { from: 'TIME_WAIT', event: 'send RST', to: 'TIME_WAIT', rfc: 'RFC 9293 §3.10.7.4, RFC 1337', evidence: 'sent',
    note: 'a TIME_WAIT socket may answer a stray segment with RST and stays' },
];

// ---------------------------------------------------------------------------------------------
// The lookup the tracker runs: a table indexed by (state code, event code), built once from ARCS.

const STATE_CODE: Readonly<Record<TcpState, number>> = Object.fromEntries(STATES.map((s, i) => [s, i])) as Record<TcpState, number>;
const EVENT_CODE: Readonly<Record<TcpEvent, number>> = Object.fromEntries(EVENTS.map((e, i) => [e, i])) as Record<TcpEvent, number>;

/** A state's small code (its index in STATES; CLOSED is 0), carried beside the state on the hot path. */
export function stateCode(s: TcpState): number {
  return STATE_CODE[s];
}

export interface TransitionResult {
  readonly to: TcpState;
  /** `to` as a small code, for the timeline log. */
  readonly code: number;
  readonly arc: Arc;
  /** The arc's entry action as an ACTION code: the tracker switches on a number, not on a string or undefined. */
  readonly action: number;
}

/** EntryAction codes (TransitionResult.action); NONE: the arc has none. */
export const ACTION = { NONE: 0, QUEUE_ENTER: 1, QUEUE_COMPLETE: 2, QUEUE_LEAVE: 3, TIME_WAIT: 4, LAST_ACK: 5, CLOSING: 6 } as const;
const ACTION_CODE: Readonly<Record<EntryAction, number>> = {
  'queue-enter': ACTION.QUEUE_ENTER, 'queue-complete': ACTION.QUEUE_COMPLETE, 'queue-leave': ACTION.QUEUE_LEAVE,
  'time-wait': ACTION.TIME_WAIT, 'last-ack': ACTION.LAST_ACK, 'closing': ACTION.CLOSING,
};

const LOOKUP: Array<TransitionResult | null> = new Array(STATES.length * EVENTS.length).fill(null);
for (const arc of ARCS) {
  const i = STATE_CODE[arc.from] * EVENTS.length + EVENT_CODE[arc.event];
  if (LOOKUP[i] !== null) throw new Error(`state table: two arcs for ${arc.from} + ${arc.event}`);
  // Arcs that change nothing are documented only: the lookup says "no transition" for them.
  if (arc.to !== arc.from) {
    LOOKUP[i] = Object.freeze({ to: arc.to, code: STATE_CODE[arc.to], arc, action: arc.action === undefined ? ACTION.NONE : ACTION_CODE[arc.action] });
  }
}

/**
 * The new state of an endpoint in `state` after `event`, or null when the event does not change it
 * (the table has no arc, or documents it as changing nothing). Allocates nothing.
 */
export function transition(state: TcpState, event: TcpEvent): TransitionResult | null {
  return LOOKUP[STATE_CODE[state] * EVENTS.length + EVENT_CODE[event]]!;
}

/**
 * An event's code (its index in EVENTS), by a switch: the tracker runs this for every transition,
 * and a property lookup keyed by 14 different strings (EVENT_CODE[event]) is megamorphic in V8, a
 * hash probe each time (~3 % of a run's instructions with the state and cause lookups beside it).
 */
export function eventCode(event: TcpEvent): number {
  switch (event) {
    case 'listen': return 0;
    case 'send SYN': return 1;
    case 'receive SYN': return 2;
    case 'send SYN-ACK': return 3;
    case 'receive SYN-ACK': return 4;
    case 'receive ACK of SYN': return 5;
    case 'send FIN': return 6;
    case 'receive FIN': return 7;
    case 'receive ACK of FIN': return 8;
    case 'send RST': return 9;
    case 'receive RST': return 10;
    case '2MSL timeout': return 11;
    case 'give up': return 12;
    case 'new SYN on the 4-tuple': return 13;
  }
}
for (const e of EVENTS) if (EVENTS[eventCode(e)] !== e) throw new Error(`state table: eventCode('${e}') is not its index in EVENTS`);

/** transition() from the codes the tracker keeps: an endpoint's stateCode and eventCode(event). */
export function transitionOf(stateCode: number, eventCode: number): TransitionResult | null {
  return LOOKUP[stateCode * EVENTS.length + eventCode]!;
}

/** Each event's plain cause (EVENT_CAUSE), by event code. */
export const EVENT_CAUSES: readonly string[] = EVENTS.map((e) => EVENT_CAUSE[e]);

/** The arc `from → to` if the table has one (any event): how a test checks an emitted timeline. */
export function arcsBetween(from: TcpState, to: TcpState): Arc[] {
  return ARCS.filter((a) => a.from === from && a.to === to && a.from !== a.to);
}
