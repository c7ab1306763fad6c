/**
 * The decode stage's product: one TCP segment (or the reason a frame is not one).
 *
 * The decoder fills ONE reused Segment record per frame (no per-packet allocation on the hot path).
 * Addresses stay numbers until printed: IPv4 in addr[0] (unsigned), IPv6 as four big-endian 32-bit words.
 * A consumer that keeps a segment past the call must copy what it needs.
 */
import { settleDoubleFields } from '../util/field-shapes.js';

/** TCP flag bits as they sit in the 9-bit flags field (byte 12 low bit is NS/AE, byte 13 the rest). */
export const FLAG = {
  FIN: 0x001, SYN: 0x002, RST: 0x004, PSH: 0x008, ACK: 0x010, URG: 0x020, ECE: 0x040, CWR: 0x080,
  /** RFC 3540 NS, re-used by AccECN as AE. */
  NS: 0x100,
} as const;

/** What a frame turned out to be. Only 'tcp' fills the TCP fields. */
export type FrameKind =
  | 'tcp'              // a TCP header was decoded (maybe with issues)
  | 'not-ip'           // link layer decoded, payload is ARP, LLDP, ...
  | 'not-tcp'          // IP decoded, protocol is UDP, ICMP, ...
  | 'fragment'         // a non-first IP fragment: counted, no TCP header in it
  | 'unsupported-link' // a link type synack does not decode (counted per type by the caller)
  | 'truncated'        // the capture cut the frame before the TCP header's first 20 bytes
  | 'malformed';       // link/IP bytes are wrong (bad IP version, IHL < 5, ...)

/** Decode issues, as bits in Segment.issues; the flow stage turns them into anomalies. */
export const ISSUE = {
  /** The capture ended inside the TCP header or options (snaplen): fields past the cut are unknown. */
  TRUNCATED: 0x01,
  /** An option with length < 2, running past the header, or of the wrong length for its kind. */
  MALFORMED_OPTION: 0x02,
  /** Data offset < 5, or beyond the segment's length (or an IP length too short for a TCP header). */
  BAD_HEADER_LENGTH: 0x04,
  /**
   * Flag combination no stack sends: SYN+FIN, SYN+RST, none or all of the six RFC 793 flags,
   * FIN/PSH/URG without ACK.
   */
  INVALID_FLAGS: 0x08,
  /** Source or destination port 0. */
  PORT_ZERO: 0x10,
  /** Checksum verified and wrong (only with verification on, and only when captured whole). */
  BAD_CHECKSUM: 0x20,
  /**
   * IP header problem that still let TCP be found: an IP (or PPPoE) length beyond the frame (the segment
   * is cut to the frame), IPv6 behind an IPv4 ethertype / link type.
   */
  BAD_IP: 0x40,
} as const;

export const ISSUE_NAMES: Record<number, string> = {
  [ISSUE.TRUNCATED]: 'truncated',
  [ISSUE.MALFORMED_OPTION]: 'malformed-option',
  [ISSUE.BAD_HEADER_LENGTH]: 'bad-header-length',
  [ISSUE.INVALID_FLAGS]: 'invalid-flags',
  [ISSUE.PORT_ZERO]: 'port-zero',
  [ISSUE.BAD_CHECKSUM]: 'bad-checksum',
  [ISSUE.BAD_IP]: 'bad-ip',
};

/**
 * What lies between the link header and the TCP header besides plain IP, as bits in Segment.encap.
 * A capture filter in tcpdump's language reads these: libpcap compiles `tcp port 80` to fixed offsets
 * that see TCP only right after an IP header right after the link header (and its VLAN tags).
 */
export const ENCAP = {
  /** Something other than VLAN tags between the link header and IP: MPLS, PPPoE, 802.2 LLC/SNAP, or
   * an ethertype where a BSD loopback header holds an address family. */
  LINK_SHIM: 0x01,
  /** IP inside IP (4in4, 6in4, 4in6, 6in6): the segment's addresses are the inner datagram's. */
  TUNNEL: 0x02,
  /** Headers between IP and TCP: IPv4 AH, IPv6 extension headers. */
  IP_EXTENSION: 0x04,
  /** With IP_EXTENSION: IPv6 whose only extension header is one fragment header. */
  IPV6_FRAGMENT_ONLY: 0x08,
  /** With TUNNEL: the outermost IP header is IPv6 (ipVersion is the inner one's). */
  OUTER_IPV6: 0x10,
} as const;

/** VLAN ids kept per frame (outermost first); a deeper stack is counted in vlanCount but not kept. */
export const MAX_VLAN_IDS = 8;

/** Checksum verdict: not checked (off, or not captured whole), good, bad. */
export type ChecksumStatus = 'unverified' | 'good' | 'bad';

export interface Segment {
  kind: FrameKind;
  /** From the frame. */
  frameNo: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  /** VLAN tags seen; vlan0 is the outermost tag's id (0 when untagged). */
  vlanCount: number;
  vlan0: number;
  /** The ids of the first MAX_VLAN_IDS tags, outermost first (reused array; vlanCount says how many are valid). */
  vlanIds: Uint16Array;
  /** ENCAP.* bits: what lies between the link header and TCP besides plain IP (0 for most frames). */
  encap: number;
  /** End of the captured bytes in `data` (frame offset + caplen, FCS included). */
  capEnd: number;

  /** 4 or 6 (0 when no IP layer was decoded). */
  ipVersion: number;
  /** IPv4: [addr, 0, 0, 0]; IPv6: four big-endian words. Reused arrays: copy to keep. */
  src: Uint32Array;
  dst: Uint32Array;
  ttl: number;
  /** IP protocol / IPv6 final next-header, for 'not-tcp' counts. */
  ipProto: number;
  /** True when this is the first fragment of a fragmented datagram (TCP header decoded, payload partial). */
  firstFragment: boolean;

  // --- TCP, valid when kind === 'tcp' ---
  srcPort: number;
  dstPort: number;
  /** Raw absolute sequence and acknowledgement numbers (unsigned 32-bit). */
  seq: number;
  ack: number;
  /** Header length in 32-bit words as written in the header (may be < 5 or too big: see issues). */
  dataOffset: number;
  /** 9-bit flags, FLAG.* bits. */
  flags: number;
  window: number;
  checksum: number;
  urgentPtr: number;
  /** Payload length from the IP length (not the captured length): right even with snaplen or padding. */
  payloadLen: number;
  /** How many payload bytes are actually in the capture. */
  capturedPayloadLen: number;
  /** Where the TCP header starts in `data`, and how many option bytes follow the fixed 20 (captured). */
  tcpOffset: number;
  optionsLen: number;
  /**
   * Option bytes the header declares (data offset, bounded by the segment's end); more than optionsLen
   * when the capture cut them (ISSUE.TRUNCATED).
   */
  optionsDeclaredLen: number;
  /** ISSUE.* bits. */
  issues: number;
  checksumStatus: ChecksumStatus;
  /** The frame's buffer (for lazy option decoding and payload access); valid only during the callback. */
  data: Buffer;
}

export function newSegment(): Segment {
  return {
    kind: 'malformed', frameNo: 0, tsSec: 0, tsNsec: 0, linkType: 0, vlanCount: 0, vlan0: 0,
    vlanIds: new Uint16Array(MAX_VLAN_IDS), encap: 0, capEnd: 0,
    ipVersion: 0, src: new Uint32Array(4), dst: new Uint32Array(4), ttl: 0, ipProto: 0, firstFragment: false,
    srcPort: 0, dstPort: 0, seq: 0, ack: 0, dataOffset: 0, flags: 0, window: 0, checksum: 0, urgentPtr: 0,
    payloadLen: 0, capturedPayloadLen: 0, tcpOffset: 0, optionsLen: 0, optionsDeclaredLen: 0, issues: 0,
    checksumStatus: 'unverified',
    data: Buffer.alloc(0),
  };
}
// Sequence numbers past 2^31 and frame numbers rebuilt from an embryo are doubles (field-shapes.ts).
settleDoubleFields(newSegment(), ['frameNo', 'seq', 'ack']);

/** TCP options: a tagged union; `unknown` keeps kind and bytes so nothing is lost. */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: Array<[left: number, right: number]> }
  | { kind: 'timestamp'; val: number; ecr: number }
  /** TFO: kind 34 (RFC 7413) or experimental 254 with magic 0xF989; empty cookie = cookie request. */
  | { kind: 'fastopen'; experimental: boolean; cookie: string /* hex */ }
  | { kind: 'mptcp'; subtype: number; bytes: string /* hex of the whole option */ }
  | { kind: 'md5'; digest: string /* hex */ }
  | { kind: 'tcp-ao'; keyId: number; rNextKeyId: number; mac: string /* hex */ }
  | { kind: 'user-timeout'; granularityMinutes: boolean; timeout: number }
  | { kind: 'unknown'; code: number; bytes: string /* hex of the option's data */ };

/** Result of decoding the options of one segment: everything before a malformed option is kept. */
export interface DecodedOptions {
  options: TcpOption[];
  /**
   * The first problem found, or null. A length < 2, or a length running past the header, stops the walk
   * (the rest of the option bytes were not decoded). A known kind with the wrong length for it (MSS of
   * length 3...) is kept as `unknown` (kind + bytes) and the walk goes on, as its length is still usable;
   * a SACK whose length is not 2 + 8n keeps its whole blocks.
   */
  malformed: string | null;
  /** Set when the capture cut the options. */
  truncated: boolean;
}

/**
 * What the flow stage needs from a segment's options, read without allocating (`readSynOptions` in
 * src/decode/options.ts fills a reused record). Absent values are -1 / false.
 */
export interface SynOptions {
  /** MSS value, -1 when absent. */
  mss: number;
  /** Window scale shift as sent (may exceed 14: judge later), -1 when absent. */
  wscale: number;
  sackOk: boolean;
  tsPresent: boolean;
  /** Timestamp value and echo reply (unsigned), 0 when absent. */
  tsVal: number;
  tsEcr: number;
  /** TCP Fast Open (kind 34 or 254/0xF989): -1 absent, 0 cookie request, else the cookie length. */
  tfoCookieLen: number;
  /** MPTCP option present (kind 30); mptcpSubtype is the first one's subtype, -1 when absent. */
  mptcpSubtype: number;
  /** TCP MD5 signature (kind 19) or TCP-AO (kind 29) present: the segment is authenticated. */
  md5: boolean;
  tcpAo: boolean;
  /**
   * An option was malformed or cut. One of the wrong length for its kind was skipped and the rest
   * read; after a length < 2 or a cut, nothing more was read.
   */
  incomplete: boolean;
}

export function newSynOptions(): SynOptions {
  return {
    mss: -1, wscale: -1, sackOk: false, tsPresent: false, tsVal: 0, tsEcr: 0, tfoCookieLen: -1,
    mptcpSubtype: -1, md5: false, tcpAo: false, incomplete: false,
  };
}
