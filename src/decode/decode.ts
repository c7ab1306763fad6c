/**
 * The decode stage's entry point: one captured Frame → one Segment (or the reason it is not one).
 *
 * Pure function of the frame's bytes: no I/O, no logging, no clocks, never throws on bad input. It fills
 * the caller's reused Segment and allocates nothing per packet; options are decoded lazily
 * (decodeOptions / readSynOptions).
 */
import type { Frame } from '../capture/frame.js';
import { decodeIp } from './ip.js';
import { decodeLink } from './link.js';
import type { FrameKind, Segment } from './segment.js';
import { decodeTcp } from './tcp.js';
import { newWalk, STOP } from './walk.js';

export { decodeOptions, decodeOptionBytes, readSynOptions } from './options.js';

export interface DecodeOptions {
  /** Verify TCP checksums (only segments captured whole can be verified). */
  verifyChecksums: boolean;
}

const walk = newWalk();

/**
 * Decode `frame` into `seg` and return seg.kind. Only kind 'tcp' fills the TCP fields; the frame
 * fields, VLAN and (once decoded) IP fields are filled for every kind.
 */
export function decodeFrame(frame: Frame, seg: Segment, opts: DecodeOptions): FrameKind {
  const b = frame.data;
  const start = frame.offset;
  seg.frameNo = frame.frameNo;
  seg.tsSec = frame.tsSec;
  seg.tsNsec = frame.tsNsec;
  seg.linkType = frame.linkType;
  seg.data = b;
  seg.vlanCount = 0; seg.vlan0 = 0; seg.encap = 0;
  seg.ipVersion = 0; seg.ttl = 0; seg.ipProto = 0; seg.firstFragment = false;
  seg.issues = 0; seg.checksumStatus = 'unverified';

  // Captured and on-the-wire ends, without the Ethernet FCS (which is not payload). The FCS is the
  // last fcsLen bytes on the wire, so a snaplen cut may have kept only part of it, or none.
  const caplen = frame.caplen;
  const origLen = frame.origLen > caplen ? frame.origLen : caplen;
  let capEnd = start + caplen;
  if (capEnd > b.length) capEnd = b.length;
  seg.capEnd = capEnd;
  let wireEnd = start + origLen;
  const fcs = frame.fcsLen;
  if (fcs > 0) {
    const fcsCaptured = fcs - (origLen - caplen);
    if (fcsCaptured > 0) capEnd -= fcsCaptured;
    wireEnd -= fcs;
    if (capEnd < start) capEnd = start;
    if (wireEnd < capEnd) wireEnd = capEnd;
  }
  const w = walk;
  w.capEnd = capEnd;
  w.wireEnd = wireEnd;
  w.cut = caplen < origLen;
  w.ipHint = 0;
  w.segEnd = 0;

  let r = decodeLink(b, start, frame.linkType, w, seg);
  if (r >= 0) r = decodeIp(b, r, w, seg);
  if (r >= 0) r = decodeTcp(b, r, w, seg, opts.verifyChecksums);
  // decodeTcp fills every TCP field and the IP layer every address word; clear what was not reached
  // (here rather than up front: the common case, a TCP segment, then pays nothing).
  if (r !== 0) clearTcp(seg);
  if (seg.ipVersion === 0) clearAddresses(seg);
  return (seg.kind = kindOf(r));
}

function clearTcp(seg: Segment): void {
  seg.srcPort = 0; seg.dstPort = 0; seg.seq = 0; seg.ack = 0; seg.dataOffset = 0; seg.flags = 0;
  seg.window = 0; seg.checksum = 0; seg.urgentPtr = 0; seg.payloadLen = 0; seg.capturedPayloadLen = 0;
  seg.tcpOffset = 0; seg.optionsLen = 0; seg.optionsDeclaredLen = 0;
}

function clearAddresses(seg: Segment): void {
  const src = seg.src, dst = seg.dst;
  src[0] = src[1] = src[2] = src[3] = 0;
  dst[0] = dst[1] = dst[2] = dst[3] = 0;
}

function kindOf(r: number): FrameKind {
  switch (r) {
    case STOP.NOT_IP: return 'not-ip';
    case STOP.UNSUPPORTED_LINK: return 'unsupported-link';
    case STOP.TRUNCATED: return 'truncated';
    case STOP.MALFORMED: return 'malformed';
    case STOP.NOT_TCP: return 'not-tcp';
    case STOP.FRAGMENT: return 'fragment';
    default: return 'tcp';
  }
}
