/**
 * TCP header (RFC 9293 §3.1): every field, decoded first and judged later. Odd segments (SYN+FIN, no
 * flags, port 0, a data offset < 5 or past the segment) are decoded and marked in `issues`, never dropped.
 */
import { u16, u32 } from './bytes.js';
import { tcpChecksumOk } from './checksum.js';
import { scanOptions } from './options.js';
import { FLAG, ISSUE, type Segment } from './segment.js';
import { short, type Walk } from './walk.js';

export const TCP = {
  SRC_PORT: 0, DST_PORT: 2, SEQ: 4, ACK: 8, DATA_OFF: 12, FLAGS: 13, WINDOW: 14, CHECKSUM: 16, URGENT: 18,
  MIN_LEN: 20,
} as const;

/** Byte 12: data offset in the high nibble, NS/AE in bit 0 (bits 1-3 are reserved). */
const DATA_OFF_SHIFT = 4;
const NS_BIT = 0x01;

const SYN_FIN = FLAG.SYN | FLAG.FIN;
const SYN_RST = FLAG.SYN | FLAG.RST;
/** The six RFC 793 flags: none of them, or all of them, is no stack's doing. */
const CLASSIC = FLAG.FIN | FLAG.SYN | FLAG.RST | FLAG.PSH | FLAG.ACK | FLAG.URG;
const NEEDS_ACK = FLAG.FIN | FLAG.PSH | FLAG.URG;

/**
 * Decode the TCP header at `t` (segment end w.segEnd per the IP length). Returns 0 when the header
 * was decoded (kind 'tcp', maybe with issues) or a STOP code when its first 20 bytes are missing.
 */
export function decodeTcp(b: Buffer, t: number, w: Walk, seg: Segment, verifyChecksums: boolean): number {
  const capEnd = w.capEnd;
  const segEnd = w.segEnd;
  seg.tcpOffset = t;
  if (capEnd - t < TCP.MIN_LEN) return short(w, t, TCP.MIN_LEN);

  const srcPort = u16(b, t + TCP.SRC_PORT);
  const dstPort = u16(b, t + TCP.DST_PORT);
  const off = b[t + TCP.DATA_OFF];
  const dataOffset = off >> DATA_OFF_SHIFT;
  const flags = ((off & NS_BIT) << 8) | b[t + TCP.FLAGS];
  seg.srcPort = srcPort;
  seg.dstPort = dstPort;
  seg.seq = u32(b, t + TCP.SEQ);
  seg.ack = u32(b, t + TCP.ACK);
  seg.dataOffset = dataOffset;
  seg.flags = flags;
  seg.window = u16(b, t + TCP.WINDOW);
  seg.checksum = u16(b, t + TCP.CHECKSUM);
  seg.urgentPtr = u16(b, t + TCP.URGENT);

  let issues = 0;
  const hdrEnd = t + dataOffset * 4;
  const optStart = t + TCP.MIN_LEN;
  if (dataOffset < 5 || segEnd < optStart) {
    // A header length below the minimum, or an IP length that leaves no room for a TCP header (what
    // was read then is padding or garbage): no options, no payload.
    issues |= ISSUE.BAD_HEADER_LENGTH;
    seg.optionsLen = 0;
    seg.optionsDeclaredLen = 0;
    seg.payloadLen = 0;
    seg.capturedPayloadLen = 0;
  } else {
    // Options run to the header's end, or to the segment's end when the header claims more.
    let optEnd = hdrEnd;
    if (hdrEnd > segEnd) {
      issues |= ISSUE.BAD_HEADER_LENGTH;
      optEnd = segEnd;
    }
    const optCapEnd = optEnd < capEnd ? optEnd : capEnd;
    const cut = optCapEnd < optEnd;
    if (cut) issues |= ISSUE.TRUNCATED;
    seg.optionsLen = optCapEnd - optStart;
    seg.optionsDeclaredLen = optEnd - optStart;
    if (hdrEnd <= segEnd) {
      seg.payloadLen = segEnd - hdrEnd;
      const payCapEnd = segEnd < capEnd ? segEnd : capEnd;
      seg.capturedPayloadLen = payCapEnd > hdrEnd ? payCapEnd - hdrEnd : 0;
    } else {
      seg.payloadLen = 0;
      seg.capturedPayloadLen = 0;
    }
    if (optCapEnd > optStart) issues |= scanOptions(b, optStart, optCapEnd, cut, optEnd);
  }

  if ((flags & SYN_FIN) === SYN_FIN || (flags & SYN_RST) === SYN_RST || (flags & CLASSIC) === 0
    || ((flags & FLAG.ACK) === 0 && (flags & NEEDS_ACK) !== 0)) {
    issues |= ISSUE.INVALID_FLAGS;
  }
  if (srcPort === 0 || dstPort === 0) issues |= ISSUE.PORT_ZERO;

  if (verifyChecksums && !seg.firstFragment && capEnd >= segEnd && segEnd - t >= TCP.MIN_LEN) {
    if (tcpChecksumOk(b, t, segEnd, seg.ipVersion, w.phSrc, w.phDst)) {
      seg.checksumStatus = 'good';
    } else {
      seg.checksumStatus = 'bad';
      issues |= ISSUE.BAD_CHECKSUM;
    }
  }
  seg.issues |= issues;
  return 0;
}

