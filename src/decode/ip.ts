/**
 * Network layer: IPv4 (with options, fragments, AH) and IPv6 (with its extension header chain), plus
 * IP-in-IP / 6in4 / 4in6 / 6in6 tunnels, down to the start of the TCP header.
 *
 * The TCP segment's extent comes from the IP length, never from the captured length: Ethernet padding
 * and trailers are not payload, and a snaplen cut does not shorten the segment. Two cases take the
 * length from the frame instead: an IP length of 0 (IPv4 TSO / BIG TCP; IPv6 jumbograms and BIG TCP,
 * whose hop-by-hop jumbo option synack does not parse), and an IP length longer than the frame
 * (ISSUE.BAD_IP). The checksum is then verified over the bytes the frame holds, as tshark does.
 */
import { u16, u32 } from './bytes.js';
import { ENCAP, ISSUE, type Segment } from './segment.js';
import { STOP, short, type Walk } from './walk.js';

export const IP_PROTO = {
  HOPOPTS: 0,
  IPIP: 4,
  TCP: 6,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  NONE: 59,
  DSTOPTS: 60,
} as const;

export const IPV4 = {
  VERSION_IHL: 0, TOTAL_LEN: 2, FLAGS_FRAG: 6, TTL: 8, PROTOCOL: 9, SRC: 12, DST: 16, MIN_LEN: 20,
  MF: 0x2000, FRAG_OFFSET_MASK: 0x1fff,
} as const;

export const IPV6 = {
  PAYLOAD_LEN: 4, NEXT_HEADER: 6, HOP_LIMIT: 7, SRC: 8, DST: 24, HEADER_LEN: 40,
} as const;

/** Generic extension header: next header, length in 8-octet units not counting the first 8. */
const EXT = { NEXT: 0, LEN: 1, MIN_LEN: 8 } as const;
/** Fragment header (RFC 8200 §4.5): 13-bit offset in the top of bytes 2-3, M flag in bit 0. */
const FRAG6 = { OFFSET_M: 2, LEN: 8, OFFSET_MASK: 0xfff8, M: 0x0001 } as const;
/** Routing header (RFC 8200 §4.4): type, segments left, then type-specific data from byte 8. */
const ROUTING = { TYPE: 2, SEGMENTS_LEFT: 3, ADDRESSES: 8, TYPE0: 0, TYPE2_MIP6: 2, TYPE4_SRH: 4 } as const;
/** Destination option carrying a Mobile IPv6 home address (RFC 6275 §6.3). */
const HOME_ADDRESS_OPTION = { TYPE: 0xc9, LEN: 16 } as const;
/** Authentication Header (RFC 4302): length in 4-octet units minus 2. */
const AH = { NEXT: 0, LEN: 1 } as const;

/** More nested IP headers than this (tunnels in tunnels) is not a real packet. */
const MAX_IP_LAYERS = 4;
const MAX_EXT_HEADERS = 16;

/** Returned by the per-version decoders when the payload is another IP header (at w.innerOffset). */
const TUNNEL = -100;

/**
 * Decode IP from `off` (w.ipHint from the link layer). Returns the TCP header's offset or a STOP code;
 * fills the IP fields of `seg`, and w.segEnd / w.phSrc / w.phDst for the TCP layer.
 */
export function decodeIp(b: Buffer, off: number, w: Walk, seg: Segment): number {
  for (let depth = 0; depth < MAX_IP_LAYERS; depth++) {
    if (w.capEnd - off < 1) return short(w, off, 1);
    const version = b[off] >> 4;
    let r: number;
    if (version === 4 && w.ipHint !== 6) {
      r = ipv4(b, off, w, seg);
    } else if (version === 6) {
      // An IPv4 ethertype / link type carrying IPv6: decoded as IPv6, as tshark does, but flagged.
      if (w.ipHint === 4) seg.issues |= ISSUE.BAD_IP;
      r = ipv6(b, off, w, seg);
    } else {
      return STOP.MALFORMED;
    }
    if (r !== TUNNEL) return r;
    // The inner datagram lives inside the outer one: bound both ends by it.
    if ((seg.encap & ENCAP.TUNNEL) === 0 && seg.ipVersion === 6) seg.encap |= ENCAP.OUTER_IPV6;
    seg.encap |= ENCAP.TUNNEL;
    off = w.innerOffset;
    w.ipHint = w.innerVersion;
    w.wireEnd = w.segEnd;
    if (w.capEnd > w.segEnd) w.capEnd = w.segEnd;
    seg.firstFragment = false;
  }
  return STOP.MALFORMED;
}

function ipv4(b: Buffer, off: number, w: Walk, seg: Segment): number {
  if (w.capEnd - off < IPV4.MIN_LEN) return short(w, off, IPV4.MIN_LEN);
  const ihl = (b[off + IPV4.VERSION_IHL] & 0x0f) * 4;
  if (ihl < IPV4.MIN_LEN) return STOP.MALFORMED;
  if (w.capEnd - off < ihl) return short(w, off, ihl);

  seg.ipVersion = 4;
  seg.ttl = b[off + IPV4.TTL];
  seg.src[0] = u32(b, off + IPV4.SRC);
  seg.dst[0] = u32(b, off + IPV4.DST);
  seg.src[1] = seg.src[2] = seg.src[3] = 0;
  seg.dst[1] = seg.dst[2] = seg.dst[3] = 0;
  let proto = b[off + IPV4.PROTOCOL];
  seg.ipProto = proto;

  const wireLen = w.wireEnd - off;
  let total = u16(b, off + IPV4.TOTAL_LEN);
  if (total === 0) {
    // TSO / BIG TCP: the stack left the length for the NIC to fill; the frame knows it.
    total = wireLen;
  } else if (total < ihl) {
    return STOP.MALFORMED;
  }
  if (total > wireLen) {
    seg.issues |= ISSUE.BAD_IP;
    total = wireLen;
  }
  w.segEnd = off + total;
  w.phSrc = off + IPV4.SRC;
  w.phDst = off + IPV4.DST;

  const frag = u16(b, off + IPV4.FLAGS_FRAG);
  if ((frag & IPV4.FRAG_OFFSET_MASK) !== 0) return STOP.FRAGMENT;
  if (frag & IPV4.MF) seg.firstFragment = true;

  let p = off + ihl;
  if (proto === IP_PROTO.AH) {
    seg.encap |= ENCAP.IP_EXTENSION;
    if (w.capEnd - p < 2) return short(w, p, 2);
    const len = (b[p + AH.LEN] + 2) * 4;
    proto = b[p + AH.NEXT];
    seg.ipProto = proto;
    p += len;
    if (p > w.segEnd) return STOP.MALFORMED;
  }
  return upperLayer(proto, p, w);
}

function ipv6(b: Buffer, off: number, w: Walk, seg: Segment): number {
  if (w.capEnd - off < IPV6.HEADER_LEN) return short(w, off, IPV6.HEADER_LEN);
  seg.ipVersion = 6;
  seg.ttl = b[off + IPV6.HOP_LIMIT];
  for (let i = 0; i < 4; i++) {
    seg.src[i] = u32(b, off + IPV6.SRC + 4 * i);
    seg.dst[i] = u32(b, off + IPV6.DST + 4 * i);
  }
  const wireLen = w.wireEnd - off - IPV6.HEADER_LEN;
  let len = u16(b, off + IPV6.PAYLOAD_LEN);
  if (len === 0) {
    // Jumbogram or BIG TCP (RFC 2675): the jumbo option is not parsed; the frame gives the length.
    len = wireLen;
  } else if (len > wireLen) {
    seg.issues |= ISSUE.BAD_IP;
    len = wireLen;
  }
  const segEnd = off + IPV6.HEADER_LEN + len;
  w.segEnd = segEnd;
  w.phSrc = off + IPV6.SRC;
  w.phDst = off + IPV6.DST;

  let nh = b[off + IPV6.NEXT_HEADER];
  let p = off + IPV6.HEADER_LEN;
  for (let n = 0; n < MAX_EXT_HEADERS; n++) {
    seg.ipProto = nh;
    switch (nh) {
      case IP_PROTO.HOPOPTS:
      case IP_PROTO.ROUTING:
      case IP_PROTO.DSTOPTS:
      case IP_PROTO.AH: {
        seg.encap = (seg.encap | ENCAP.IP_EXTENSION) & ~ENCAP.IPV6_FRAGMENT_ONLY;
        if (w.capEnd - p < EXT.MIN_LEN) return short(w, p, EXT.MIN_LEN);
        const hl = nh === IP_PROTO.AH ? (b[p + AH.LEN] + 2) * 4 : (b[p + EXT.LEN] + 1) * 8;
        if (p + hl > segEnd) return STOP.MALFORMED;
        if (w.capEnd - p < hl) return short(w, p, hl);
        if (nh === IP_PROTO.ROUTING) finalDestination(b, p, hl, w);
        else if (nh === IP_PROTO.DSTOPTS) homeAddress(b, p, hl, w);
        nh = b[p + EXT.NEXT];
        p += hl;
        break;
      }
      case IP_PROTO.FRAGMENT: {
        // The only extension header so far (n === 0): libpcap's `ip6 proto` looks through exactly one.
        seg.encap |= n === 0 ? ENCAP.IP_EXTENSION | ENCAP.IPV6_FRAGMENT_ONLY : ENCAP.IP_EXTENSION;
        if (n > 0) seg.encap &= ~ENCAP.IPV6_FRAGMENT_ONLY;
        if (w.capEnd - p < FRAG6.LEN) return short(w, p, FRAG6.LEN);
        if (p + FRAG6.LEN > segEnd) return STOP.MALFORMED;
        const om = u16(b, p + FRAG6.OFFSET_M);
        seg.ipProto = b[p + EXT.NEXT];
        if ((om & FRAG6.OFFSET_MASK) !== 0) return STOP.FRAGMENT;
        if (om & FRAG6.M) seg.firstFragment = true;
        nh = b[p + EXT.NEXT];
        p += FRAG6.LEN;
        break;
      }
      default:
        return upperLayer(nh, p, w);
    }
  }
  return STOP.MALFORMED;
}

function upperLayer(proto: number, p: number, w: Walk): number {
  if (proto === IP_PROTO.TCP) return p;
  if (proto === IP_PROTO.IPIP || proto === IP_PROTO.IPV6) {
    w.innerOffset = p;
    w.innerVersion = proto === IP_PROTO.IPIP ? 4 : 6;
    return TUNNEL;
  }
  return STOP.NOT_TCP;
}

/** With segments left, the pseudo-header uses the packet's final destination (RFC 8200 §8.1). */
function finalDestination(b: Buffer, p: number, hl: number, w: Walk): void {
  if (b[p + ROUTING.SEGMENTS_LEFT] === 0) return;
  const type = b[p + ROUTING.TYPE];
  const addrBytes = hl - ROUTING.ADDRESSES;
  if (addrBytes < 16) return;
  if (type === ROUTING.TYPE0) {
    // Addresses in visiting order: the last one is the final destination.
    w.phDst = p + ROUTING.ADDRESSES + (Math.floor(addrBytes / 16) - 1) * 16;
  } else if (type === ROUTING.TYPE2_MIP6 || type === ROUTING.TYPE4_SRH) {
    // Type 2 holds exactly the home address; SRH lists segments in reverse, [0] is the last.
    w.phDst = p + ROUTING.ADDRESSES;
  }
}

/** A home address option replaces the source in the pseudo-header (RFC 6275 §6.3). */
function homeAddress(b: Buffer, p: number, hl: number, w: Walk): void {
  const end = p + hl;
  let q = p + 2;
  while (q < end) {
    const type = b[q];
    if (type === 0) { q++; continue; } // Pad1
    if (q + 2 > end) return;
    const len = b[q + 1];
    if (type === HOME_ADDRESS_OPTION.TYPE && len === HOME_ADDRESS_OPTION.LEN && q + 2 + len <= end) {
      w.phSrc = q + 2;
      return;
    }
    q += 2 + len;
  }
}
