/**
 * What the per-segment handlers (handshake.ts, teardown.ts, data-analysis.ts) may do to the tracker:
 * move an endpoint through the transition function, and raise an anomaly. Nothing else: the flow
 * table, the expiry lists and the sink stay the tracker's (tracker.ts).
 */
import type { Conn, Endpoint } from './conn.js';
import type { AnomalyId, AnomalyOccurrence, EndpointRole } from './model.js';
import type { TcpEvent } from './transition.js';

export interface FlowContext {
  /**
   * Move `ep` through `transition()` (the only way a state changes) and record it; false when the
   * event does not apply in ep's state.
   */
  apply(c: Conn, ep: Endpoint, event: TcpEvent, t: number, packet: number, inferred?: boolean, cause?: string): boolean;
  raise(c: Conn, id: AnomalyId, packet: number, t: number, endpoint: EndpointRole | null,
    message: string, details?: Record<string, unknown>): AnomalyOccurrence;
}
