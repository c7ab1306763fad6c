/**
 * Retransmission back-off as the wire shows it: when an endpoint that re-sends its SYN or SYN-ACK
 * (or has sent it once) would send the next copy, and when silence past that moment means it gave
 * up. Linux, like RFC 6298 §5 and RFC 6298 §2.1 for the first one, waits 1 s (TCP_TIMEOUT_INIT) and
 * doubles the wait each time: SYN-ACKs at +0, +1, +3, +7 s... and drops the request one doubled wait
 * after its last copy (tcp_synack_retries=2: copies at 0, 1, 3 s, gone at 7 s).
 *
 * Kernel timers fire late by up to an eighth of their wait (Linux's timer wheel rounds long timeouts
 * up: 32 ms under 2 s, 256 ms for 2-16 s at HZ=250), and the next wait doubles the nominal one, not the
 * late one. So a server's next wait is its base wait (the least late estimate: each interval divided by
 * its doubling) doubled once per copy; a client's is twice its latest interval, since Linux 6.x
 * re-sends its first SYNs at the initial timeout without doubling (tcp_syn_linear_timeouts).
 *
 * Not every sender is Linux: Windows (and any stack on RFC 1122's rules) waits 3 s before its first
 * re-send, then 6 s. Silence past the Linux schedule is when a give-up is placed, but until a sender
 * has shown its timer a later copy (same ISN) stays plausible for as long as the slowest first wait
 * allows, and the give-up is decided only then (`stopShownBy`): a copy that comes before is one more
 * retransmission of the same connection, never a new one.
 */
import type { Endpoint } from './conn.js';

/** The first retransmission timeout of a SYN or SYN-ACK, seconds (RFC 6298 §2.1; Linux TCP_TIMEOUT_INIT). */
export const INITIAL_RTO = 1;

/**
 * The longest first retransmission timeout in use, seconds: RFC 1122 §4.2.3.1's 3 s, which Windows
 * kept (SYN and SYN-ACK re-sent at +3, +9 s...).
 */
export const SLOWEST_INITIAL_RTO = 3;

/**
 * Below this an interval between two copies is no retransmission timer's (none waits under 1 s for a
 * SYN or SYN-ACK; half of that for the capture's stamps): a frame captured twice, or a SYN-ACK re-sent
 * at once for a re-sent SYN.
 */
export const TIMER_INTERVAL_MIN = 0.5;

/**
 * Slack before silence counts: kernel timers fire within a few milliseconds (jiffies), the capture's
 * stamps add delivery delay, and a busy sender is late by a little more; a quarter of the wait
 * covers all three without mistaking the next doubled wait for this one.
 */
export function lateness(wait: number): number {
  return Math.max(0.05, 0.25 * wait);
}

/** The wait before the next copy, after `count` copies, the latest `lastInterval` after the one before. */
export function nextWaitOf(count: number, lastInterval: number): number {
  return count > 1 && lastInterval > 0 ? 2 * lastInterval : INITIAL_RTO;
}

/** A SYN-ACK sender's next wait: its base wait doubled once per copy sent (INITIAL_RTO before any re-send). */
export function nextWaitDoubling(count: number, base: number): number {
  return count > 1 && base > 0 ? base * 2 ** (count - 1) : INITIAL_RTO;
}

/** The base wait an interval shows: the interval before copy `count` (the 2nd copy: count 2) halved back. */
export function baseOf(interval: number, count: number): number {
  return interval / 2 ** (count - 2);
}

/** Capture time past which a copy due `wait` after `lastT` that never came means the sender stopped. */
export function silenceAfter(lastT: number, wait: number): number {
  return lastT + wait + lateness(wait);
}

/** The wait before the endpoint's next SYN (or SYN-ACK) copy, from what it showed so far. */
export function nextWait(ep: Endpoint): number {
  return ep.synIsAck ? nextWaitDoubling(ep.synCount, ep.synBase) : nextWaitOf(ep.synCount, ep.synLastInterval);
}

/** When the next copy is due (capture time). */
export function nextCopyDue(ep: Endpoint): number {
  return ep.synLastT + nextWait(ep);
}

/** Capture time past which the missing copy means the endpoint stopped (gave up, or kept no state). */
export function silenceMeansStopped(ep: Endpoint): number {
  return silenceAfter(ep.synLastT, nextWait(ep));
}

/**
 * When a give-up of ep's back-off may be decided (it is placed at nextCopyDue all the same): a sender
 * that showed its timer (a re-send at least TIMER_INTERVAL_MIN after the copy before) keeps to its
 * schedule, so silenceMeansStopped; one that showed none (a single copy, or copies milliseconds apart)
 * may be on any schedule, so a copy stays plausible until the slowest first wait (or twice its latest
 * interval: every back-off at least doubles) has passed with its lateness.
 */
export function stopShownBy(ep: Endpoint): number {
  const wait = nextWait(ep);
  const shown = ep.synCount > 1 && (ep.synIsAck ? ep.synBase : ep.synLastInterval) >= TIMER_INTERVAL_MIN;
  return silenceAfter(ep.synLastT, shown ? wait : Math.max(wait, 2 * ep.synLastInterval, SLOWEST_INITIAL_RTO));
}
