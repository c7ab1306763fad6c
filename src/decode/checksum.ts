/**
 * TCP checksum (RFC 9293 §3.1): ones' complement sum over a pseudo-header and the whole segment.
 * Only called when the segment was captured whole and the caller asked for verification.
 */
import { IP_PROTO } from './ip.js';

/**
 * True when the checksum of the segment [t, end) is right. `phSrc`/`phDst` are the offsets of the
 * pseudo-header addresses (4 bytes for IPv4, 16 for IPv6).
 */
export function tcpChecksumOk(b: Buffer, t: number, end: number, ipVersion: number, phSrc: number, phDst: number): boolean {
  const len = end - t;
  let sum = IP_PROTO.TCP;
  const addrLen = ipVersion === 6 ? 16 : 4;
  for (let i = 0; i < addrLen; i += 2) {
    sum += ((b[phSrc + i] << 8) | b[phSrc + i + 1]) + ((b[phDst + i] << 8) | b[phDst + i + 1]);
  }
  // IPv4 carries a 16-bit length, IPv6 a 32-bit one (RFC 8200 §8.1); as 16-bit words the sum is the same.
  sum += (len >>> 16) + (len & 0xffff);
  const evenEnd = end - (len & 1);
  let i = t;
  for (; i < evenEnd; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum === 0xffff;
}
