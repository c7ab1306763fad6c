/**
 * What the layer decoders (link → IP → TCP) hand each other while walking one frame.
 *
 * Each layer function returns the offset of the next layer (>= 0) or one of the STOP codes; the few
 * extra facts a later layer needs live in ONE module-level Walk record, reset per frame, so nothing is
 * allocated per packet.
 */

export const STOP = {
  NOT_IP: -1,
  UNSUPPORTED_LINK: -2,
  TRUNCATED: -3,
  MALFORMED: -4,
  NOT_TCP: -5,
  FRAGMENT: -6,
} as const;

export interface Walk {
  /** End of the captured bytes (FCS removed), as an offset into the buffer. */
  capEnd: number;
  /** End of the frame as it was on the wire (FCS removed); may lie past the buffer. */
  wireEnd: number;
  /** True when the capture kept fewer bytes than were on the wire (snaplen). */
  cut: boolean;
  /** What the link layer says the network layer is: 0 = look at the version nibble, 4, 6. */
  ipHint: number;
  /** End of the IP datagram (so of the TCP segment) per the IP length; may lie past capEnd. */
  segEnd: number;
  /** Offsets of the addresses that go into the TCP pseudo-header (an IPv6 routing header or home
   *  address option replaces the ones in the fixed header, RFC 8200 §8.1, RFC 6275 §6.3). */
  phSrc: number;
  phDst: number;
  /** An IP-in-IP payload: where the inner header starts and its version (4 or 6). */
  innerOffset: number;
  innerVersion: number;
}

export function newWalk(): Walk {
  return { capEnd: 0, wireEnd: 0, cut: false, ipHint: 0, segEnd: 0, phSrc: 0, phDst: 0, innerOffset: 0, innerVersion: 0 };
}

/**
 * A layer needed `need` bytes at `off` and the capture has fewer: 'truncated' when the capture cut a
 * frame that was long enough on the wire, else 'malformed' (the bytes were never there).
 */
export function short(w: Walk, off: number, need: number): number {
  return w.cut && w.wireEnd - off >= need ? STOP.TRUNCATED : STOP.MALFORMED;
}
