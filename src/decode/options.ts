/**
 * TCP options, three ways:
 * - `scanOptions`: the hot path's single walk of kinds and lengths, to set ISSUE.MALFORMED_OPTION;
 * - `readSynOptions`: what the tracker needs (MSS, window scale, SACK-permitted, timestamps, TFO,
 *   MPTCP, MD5/AO), into a reused record, no allocation;
 * - `decodeOptions`: the full tagged union, lazily, for printing and JSON.
 * All three agree on what is malformed: a length < 2, a length running past the header, or a known
 * kind with a length that kind cannot have. A length running past the *captured* bytes is a cut
 * (ISSUE.TRUNCATED), not malformed.
 */
import { u16, u32 } from './bytes.js';
import { ISSUE, type DecodedOptions, type Segment, type SynOptions, type TcpOption } from './segment.js';

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TCPOPT = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WSCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMP: 8,
  MD5: 19,
  USER_TIMEOUT: 28,
  TCP_AO: 29,
  MPTCP: 30,
  FASTOPEN: 34,
  /** RFC 6994 shared experimental kinds: a 16-bit ExID follows the length. */
  EXPERIMENT1: 253,
  EXPERIMENT2: 254,
} as const;

/** ExID of the pre-RFC 7413 TCP Fast Open option (kind 254). */
export const TFO_EXID = 0xf989;

const OPT = { KIND: 0, LEN: 1, DATA: 2 } as const;
const SACK_BLOCK_LEN = 8;
/** TFO cookies are 4..16 bytes; none at all is a cookie request (RFC 7413 §4.1.1). */
const TFO_COOKIE = { MIN: 4, MAX: 16 } as const;
const UTO_GRANULARITY_MINUTES = 0x8000;

/** Fixed TCP header length: options start here. */
const TCP_FIXED_LEN = 20;

/**
 * True when the option of this kind and length at `i` cannot be right (unknown kinds can have any
 * length >= 2). Experimental kind 254 is judged as TFO when it carries the TFO ExID.
 */
export function badOptionLength(b: Buffer, i: number, kind: number, len: number): boolean {
  switch (kind) {
    case TCPOPT.MSS: return len !== 4;
    case TCPOPT.WSCALE: return len !== 3;
    case TCPOPT.SACK_PERMITTED: return len !== 2;
    case TCPOPT.SACK: return len < 2 + SACK_BLOCK_LEN || (len - 2) % SACK_BLOCK_LEN !== 0;
    case TCPOPT.TIMESTAMP: return len !== 10;
    case TCPOPT.MD5: return len !== 18;
    case TCPOPT.USER_TIMEOUT: return len !== 4;
    case TCPOPT.TCP_AO: return len < 4;
    case TCPOPT.MPTCP: return len < 3;
    case TCPOPT.FASTOPEN: return len !== 2 && (len < 2 + TFO_COOKIE.MIN || len > 2 + TFO_COOKIE.MAX);
    case TCPOPT.EXPERIMENT1: return len < 4;
    case TCPOPT.EXPERIMENT2: {
      if (len < 4) return true;
      if (u16(b, i + OPT.DATA) !== TFO_EXID) return false;
      const cookieLen = len - 4;
      return cookieLen !== 0 && (cookieLen < TFO_COOKIE.MIN || cookieLen > TFO_COOKIE.MAX);
    }
    default: return false;
  }
}

/**
 * One walk over option kinds and lengths in [i, end) (the captured option bytes). `cut` says the
 * capture stopped before the header's end `hdrEnd`. Returns ISSUE.MALFORMED_OPTION or 0.
 */
export function scanOptions(b: Buffer, i: number, end: number, cut: boolean, hdrEnd: number): number {
  // Most segments carry exactly NOP, NOP, timestamps (Linux's data and ACK segments): well formed,
  // and worth recognising without the walk. (The walk would end at `end` with 0 too.)
  if (end - i === 12 && b[i] === TCPOPT.NOP && b[i + 1] === TCPOPT.NOP && b[i + 2] === TCPOPT.TIMESTAMP &&
      b[i + 3] === 10) return 0;
  const limit = cut ? hdrEnd : end;
  while (i < end) {
    const kind = b[i];
    if (kind === TCPOPT.EOL) return 0;
    if (kind === TCPOPT.NOP) { i++; continue; }
    if (i + 1 >= end) return i + 1 >= limit ? ISSUE.MALFORMED_OPTION : 0;
    const len = b[i + OPT.LEN];
    if (len < 2 || i + len > limit) return ISSUE.MALFORMED_OPTION;
    if (i + len > end) return 0;
    if (badOptionLength(b, i, kind, len)) return ISSUE.MALFORMED_OPTION;
    i += len;
  }
  return 0;
}

/**
 * Fill `out` with what the flow stage needs from `seg`'s options (any segment, not only SYNs: the
 * timestamps are useful everywhere). No allocation: `out` is the caller's reused record (newSynOptions()).
 * Options with the wrong length for their kind are skipped; a length < 2 or a cut stops the walk and
 * sets `out.incomplete`. Returns `out`.
 */
export function readSynOptions(seg: Segment, out: SynOptions): SynOptions {
  out.mss = -1; out.wscale = -1; out.sackOk = false; out.tsPresent = false; out.tsVal = 0; out.tsEcr = 0;
  out.tfoCookieLen = -1; out.mptcpSubtype = -1; out.md5 = false; out.tcpAo = false; out.incomplete = false;
  if (seg.kind !== 'tcp' || seg.optionsLen === 0) return out;
  const b = seg.data;
  let i = seg.tcpOffset + TCP_FIXED_LEN;
  const end = i + seg.optionsLen;
  while (i < end) {
    const kind = b[i];
    if (kind === TCPOPT.EOL) break;
    if (kind === TCPOPT.NOP) { i++; continue; }
    const len = i + 1 < end ? b[i + OPT.LEN] : 0;
    if (len < 2 || i + len > end) { out.incomplete = true; break; }
    if (badOptionLength(b, i, kind, len)) { out.incomplete = true; i += len; continue; }
    const d = i + OPT.DATA;
    switch (kind) {
      case TCPOPT.MSS: out.mss = u16(b, d); break;
      case TCPOPT.WSCALE: out.wscale = b[d]; break;
      case TCPOPT.SACK_PERMITTED: out.sackOk = true; break;
      case TCPOPT.TIMESTAMP: out.tsPresent = true; out.tsVal = u32(b, d); out.tsEcr = u32(b, d + 4); break;
      case TCPOPT.MD5: out.md5 = true; break;
      case TCPOPT.TCP_AO: out.tcpAo = true; break;
      case TCPOPT.MPTCP: if (out.mptcpSubtype < 0) out.mptcpSubtype = b[d] >> 4; break;
      case TCPOPT.FASTOPEN: out.tfoCookieLen = len - 2; break;
      case TCPOPT.EXPERIMENT2:
        if (u16(b, d) === TFO_EXID) out.tfoCookieLen = len - 4;
        break;
      default: break;
    }
    i += len;
  }
  if (seg.issues & ISSUE.MALFORMED_OPTION) out.incomplete = true;
  return out;
}

/**
 * Decode every option of `seg` (kind 'tcp') into the tagged union. Lazy: call it only when the options
 * are to be shown or kept. Everything decodable before a problem is kept (see DecodedOptions).
 */
export function decodeOptions(seg: Segment): DecodedOptions {
  const result: DecodedOptions = { options: [], malformed: null, truncated: false };
  if (seg.kind !== 'tcp' || seg.optionsLen === 0) return result;
  const start = seg.tcpOffset + TCP_FIXED_LEN;
  return decodeOptionBytes(seg.data, start, seg.optionsLen, seg.optionsDeclaredLen > seg.optionsLen,
    start + seg.optionsDeclaredLen, result);
}

/**
 * The option walk over raw bytes: [start, start + len) are the captured option bytes, `cut` says the
 * capture stopped before `hdrEnd`. Exported for tests and for callers holding only bytes.
 */
export function decodeOptionBytes(
  b: Buffer, start: number, len: number, cut: boolean, hdrEnd: number,
  result: DecodedOptions = { options: [], malformed: null, truncated: false },
): DecodedOptions {
  const opts = result.options;
  const end = start + len;
  const limit = cut ? hdrEnd : end;
  const problem = (msg: string): void => { if (result.malformed === null) result.malformed = msg; };
  let i = start;
  while (i < end) {
    const kind = b[i];
    const at = i - start;
    if (kind === TCPOPT.EOL) { opts.push({ kind: 'eol' }); break; }
    if (kind === TCPOPT.NOP) { opts.push({ kind: 'nop' }); i++; continue; }
    if (i + 1 >= end) {
      if (i + 1 >= limit) problem(`option kind ${kind} at byte ${at} has no room for its length`);
      else result.truncated = true;
      break;
    }
    const olen = b[i + OPT.LEN];
    if (olen < 2) { problem(`option kind ${kind} at byte ${at} has length ${olen} (< 2)`); break; }
    if (i + olen > limit) {
      problem(`option kind ${kind} at byte ${at}: length ${olen} runs past the header (${limit - i} bytes left)`);
      break;
    }
    if (i + olen > end) { result.truncated = true; break; }
    const opt = decodeOne(b, i, kind, olen);
    if (opt === null) {
      problem(`option kind ${kind} at byte ${at}: length ${olen} is wrong for this kind`);
      if (kind === TCPOPT.SACK && olen >= 2 + SACK_BLOCK_LEN) {
        opts.push(sackOption(b, i + OPT.DATA, Math.floor((olen - 2) / SACK_BLOCK_LEN)));
      } else {
        opts.push({ kind: 'unknown', code: kind, bytes: b.toString('hex', i + OPT.DATA, i + olen) });
      }
    } else {
      opts.push(opt);
    }
    i += olen;
  }
  return result;
}

function sackOption(b: Buffer, d: number, n: number): TcpOption {
  const blocks: Array<[number, number]> = [];
  for (let k = 0; k < n; k++) blocks.push([u32(b, d + k * SACK_BLOCK_LEN), u32(b, d + k * SACK_BLOCK_LEN + 4)]);
  return { kind: 'sack', blocks };
}

/** One option with a sane length; null when the length is wrong for the kind. */
function decodeOne(b: Buffer, i: number, kind: number, len: number): TcpOption | null {
  if (badOptionLength(b, i, kind, len)) return null;
  const d = i + OPT.DATA;
  const end = i + len;
  switch (kind) {
    case TCPOPT.MSS: return { kind: 'mss', value: u16(b, d) };
    case TCPOPT.WSCALE: return { kind: 'wscale', shift: b[d] };
    case TCPOPT.SACK_PERMITTED: return { kind: 'sackOK' };
    case TCPOPT.SACK: return sackOption(b, d, (len - 2) / SACK_BLOCK_LEN);
    case TCPOPT.TIMESTAMP: return { kind: 'timestamp', val: u32(b, d), ecr: u32(b, d + 4) };
    case TCPOPT.MD5: return { kind: 'md5', digest: b.toString('hex', d, end) };
    case TCPOPT.USER_TIMEOUT: {
      const v = u16(b, d);
      return { kind: 'user-timeout', granularityMinutes: (v & UTO_GRANULARITY_MINUTES) !== 0, timeout: v & 0x7fff };
    }
    case TCPOPT.TCP_AO: return { kind: 'tcp-ao', keyId: b[d], rNextKeyId: b[d + 1], mac: b.toString('hex', d + 2, end) };
    case TCPOPT.MPTCP: return { kind: 'mptcp', subtype: b[d] >> 4, bytes: b.toString('hex', i, end) };
    case TCPOPT.FASTOPEN: return { kind: 'fastopen', experimental: false, cookie: b.toString('hex', d, end) };
    case TCPOPT.EXPERIMENT2:
      if (u16(b, d) === TFO_EXID) return { kind: 'fastopen', experimental: true, cookie: b.toString('hex', d + 2, end) };
      return { kind: 'unknown', code: kind, bytes: b.toString('hex', d, end) };
    default:
      return { kind: 'unknown', code: kind, bytes: b.toString('hex', d, end) };
  }
}
