/**
 * Time that runs backwards, per connection. A segment stamped earlier than the one before it on its
 * connection (a clock stepped back, files merged out of order, a frame without a timestamp) would make
 * intervals negative: a handshake RTT of -1.000 s, a SYN → SYN-ACK of -1.7×10⁹ s. The tracker times
 * such a segment as the connection's latest instead, so the connection's clock never runs back and no
 * interval measured on it is negative, and records the step here. A handshake RTT whose end was seen
 * after a step spans it and is not reported (verdict.ts): the size of the step is unknown.
 */
import type { Conn } from './conn.js';

export class ClockSteps {
  /** Segments stamped earlier than the connection's latest. */
  segments = 0;
  firstPacket = 0;
  /** The largest step back, seconds. */
  largest = 0;
  /** A step came before the SYN-ACK was seen: SYN → SYN-ACK spans it. */
  beforeSynAck = false;
  /** A step came before the completing ACK was seen: SYN-ACK → ACK spans it. */
  beforeAck = false;
}

/** Segment `packet` of c is stamped `seconds` earlier than c's latest. */
export function noteStepBack(c: Conn, seconds: number, packet: number): void {
  let s = c.clockSteps;
  if (s === null) {
    s = c.clockSteps = new ClockSteps();
    s.firstPacket = packet;
  }
  s.segments++;
  if (seconds > s.largest) s.largest = seconds;
  if (c.synAckT < 0) s.beforeSynAck = true;
  if (c.ackT < 0) s.beforeAck = true;
}

/** A handshake RTT was measured on c but is not reported: it spans a step back. */
export function rttExcluded(c: Conn): boolean {
  const s = c.clockSteps;
  return s !== null && ((s.beforeSynAck && c.synAckT >= 0) || (s.beforeAck && c.ackT >= 0));
}
