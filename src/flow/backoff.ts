/**
 * Retransmission back-off as the wire shows it: when an endpoint that re-sends its SYN or SYN-ACK
 * (or has sent it once) would send the next copy, and when silence past that moment means it gave
 * up. Linux, like RFC 6298 §5 and RFC 6298 §2.1 for the first one, waits 1 s (TCP_TIMEOUT_INIT) and
 * doubles the wait each time: SYN-ACKs at +0, +1, +3, +7 s... and drops the request one doubled wait
 * after its last copy (tcp_synack_retries=2: copies at 0, 1, 3 s, gone at 7 s).
 */
import type { Endpoint } from './conn.js';

/** The first retransmission timeout of a SYN or SYN-ACK, seconds (RFC 6298 §2.1; Linux TCP_TIMEOUT_INIT). */
export const INITIAL_RTO = 1;

/**
 * Slack before silence counts: kernel timers fire within a few milliseconds (jiffies), the capture's
 * stamps add delivery delay, and a busy sender is late by a little more; a quarter of the wait
 * covers all three without mistaking the next doubled wait for this one.
 */
export function lateness(wait: number): number {
  return Math.max(0.05, 0.25 * wait);
}

/** The wait before the endpoint's next SYN (or SYN-ACK) copy, from what it showed so far. */
export function nextWait(ep: Endpoint): number {
  return ep.synCount > 1 && ep.synLastInterval > 0 ? 2 * ep.synLastInterval : INITIAL_RTO;
}

/** When the next copy is due (capture time). */
export function nextCopyDue(ep: Endpoint): number {
  return ep.synLastT + nextWait(ep);
}

/** Capture time past which the missing copy means the endpoint stopped (gave up, or kept no state). */
export function silenceMeansStopped(ep: Endpoint): number {
  const wait = nextWait(ep);
  return ep.synLastT + wait + lateness(wait);
}
