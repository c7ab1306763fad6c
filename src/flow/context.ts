/**
 * What the per-segment handlers (handshake.ts, teardown.ts, data-analysis.ts) may do to the tracker:
 * move an endpoint through the state table, make an endpoint await the evidence for a transition a
 * received segment would cause, schedule a connection's timers, and raise an anomaly. Nothing else:
 * the flow table, the expiry lists and the sink stay the tracker's (tracker.ts).
 */
import type { Conn, Endpoint } from './conn.js';
import type { ListenerTable } from './listeners.js';
import type { AnomalyId, AnomalyOccurrence, EndpointRole } from './model.js';
import type { TcpEvent } from './state-table.js';

export interface FlowContext {
  /**
   * Move `ep` through the state table (the only way a state changes) and record it at (t, packet);
   * false when the event does not apply in ep's state.
   */
  apply(c: Conn, ep: Endpoint, event: TcpEvent, t: number, packet: number, inferred?: boolean, cause?: string): boolean;
  /**
   * `ep` received the segment (t, packet) that causes `event`, which the wire has not shown yet: it is
   * taken at that segment once confirmed (tracker.ts `confirm`), dropped if denied. `deadline`:
   * capture time after which silence confirms it (Infinity: only ep's own segment does).
   */
  awaitEvidence(c: Conn, ep: Endpoint, event: TcpEvent, t: number, packet: number, deadline: number, cause?: string, inferred?: boolean): void;
  /** Take ep's awaited transition (its own segment, or silence, showed it). */
  confirm(c: Conn, ep: Endpoint): void;
  /**
   * End ep's wait without its answer: an awaited ACK of its SYN or FIN (shown by silence) is taken, a
   * segment only its own answer would show (a SYN-ACK it never acknowledged) is not.
   */
  settle(c: Conn, ep: Endpoint): void;
  /**
   * May a give-up inferred at `now` wait until `until` for a copy from a slower sender (handshake.ts
   * `stopped`)? False when the tracker holds as many such waits as it allows (TrackerOptions.maxHeldGiveUps).
   */
  holdGiveUp(now: number, until: number): boolean;
  /** Run c's timers (tracker.ts `onTimer`) once capture time reaches `at`. */
  schedule(c: Conn, at: number): void;
  raise(c: Conn, id: AnomalyId, packet: number, t: number, endpoint: EndpointRole | null,
    message: string, details?: Record<string, unknown>): AnomalyOccurrence;
  /** Capture time as the tracker sees it. */
  readonly captureTime: number;
  /** The listeners (their SYN-queue facts: stateless answers, expired requests, drops). */
  readonly listeners: ListenerTable;
  /**
   * A compacted connection's segments are being replayed (embryo.ts): what its listener learnt from
   * them (answers, queue entries, re-send intervals) is known already and must not be counted again.
   */
  readonly replaying: boolean;
}
