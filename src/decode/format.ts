/**
 * Text for decoded fields: addresses, flags, options and a tcpdump-like one-line summary of a segment.
 * Off the hot path: these build strings, so call them only for what is printed.
 */
import { decodeOptions } from './options.js';
import { FLAG, ISSUE_NAMES, type DecodedOptions, type Segment, type TcpOption } from './segment.js';

// ---------------------------------------------------------------- addresses

/** IPv4 address (unsigned 32-bit) as dotted quad. */
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/**
 * IPv6 address (four big-endian 32-bit words) in RFC 5952 form: lower-case hex, no leading zeros, the
 * longest run of two or more zero groups (the first on a tie) as "::". IPv4-mapped addresses
 * (::ffff:a.b.c.d, §5) and the deprecated IPv4-compatible ones (::a.b.c.d) end in a dotted quad, as
 * inet_ntop, tcpdump and tshark print them (not "::" or "::1", which are not IPv4).
 */
export function ipv6ToString(w: ArrayLike<number>): string {
  const g = [
    w[0] >>> 16, w[0] & 0xffff, w[1] >>> 16, w[1] & 0xffff,
    w[2] >>> 16, w[2] & 0xffff, w[3] >>> 16, w[3] & 0xffff,
  ];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0) {
    if (g[5] === 0xffff) return `::ffff:${ipv4ToString(w[3] >>> 0)}`;
    if (g[5] === 0 && g[6] !== 0) return `::${ipv4ToString(w[3] >>> 0)}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed (§4.2.2)
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** An address as printed: dotted quad for IPv4, RFC 5952 for IPv6, "?" when no IP layer was decoded. */
export function formatAddress(words: ArrayLike<number>, ipVersion: number): string {
  if (ipVersion === 4) return ipv4ToString(words[0] >>> 0);
  if (ipVersion === 6) return ipv6ToString(words);
  return '?';
}

// ---------------------------------------------------------------- flags

/** tcpdump's flag letters, in tcpdump's order: "[S.]", "[F.]", "[R]", "[P.]", "[none]" (AE is "e"). */
const TCPDUMP_FLAGS: ReadonlyArray<[number, string]> = [
  [FLAG.FIN, 'F'], [FLAG.SYN, 'S'], [FLAG.RST, 'R'], [FLAG.PSH, 'P'], [FLAG.ACK, '.'], [FLAG.URG, 'U'],
  [FLAG.ECE, 'E'], [FLAG.CWR, 'W'], [FLAG.NS, 'e'],
];

export function formatFlagsTcpdump(flags: number): string {
  let s = '';
  for (const [bit, ch] of TCPDUMP_FLAGS) if (flags & bit) s += ch;
  return `[${s || 'none'}]`;
}

/** tshark's Info column names, in bit order: "[SYN, ACK]", "[FIN, PSH, ACK]", "[<None>]". */
const TSHARK_FLAGS: ReadonlyArray<[number, string]> = [
  [FLAG.FIN, 'FIN'], [FLAG.SYN, 'SYN'], [FLAG.RST, 'RST'], [FLAG.PSH, 'PSH'], [FLAG.ACK, 'ACK'],
  [FLAG.URG, 'URG'], [FLAG.ECE, 'ECE'], [FLAG.CWR, 'CWR'], [FLAG.NS, 'AE'],
];

export function formatFlagsTshark(flags: number): string {
  const names = TSHARK_FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n);
  return `[${names.length ? names.join(', ') : '<None>'}]`;
}

/** tshark's tcp.flags.str: 12 positions, high bit first (3 reserved, AE C E U A P R S F), "·" when clear. */
export function formatFlagsTsharkStr(flags: number): string {
  const letters = 'ACEUAPRSF';
  let s = '···';
  for (let i = 0; i < 9; i++) s += flags & (1 << (8 - i)) ? letters[i] : '·';
  return s;
}

// ---------------------------------------------------------------- options

/** One option as tcpdump prints it ("mss 1460", "sackOK", "TS val 1 ecr 0", "exp-tfo cookiereq"...). */
export function formatOptionTcpdump(o: TcpOption): string {
  switch (o.kind) {
    case 'eol': return 'eol';
    case 'nop': return 'nop';
    case 'mss': return `mss ${o.value}`;
    case 'wscale': return `wscale ${o.shift}`;
    case 'sackOK': return 'sackOK';
    case 'sack': return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`;
    case 'timestamp': return `TS val ${o.val} ecr ${o.ecr}`;
    case 'fastopen': {
      const name = o.experimental ? 'exp-tfo' : 'tfo';
      return o.cookie === '' ? `${name} cookiereq` : `${name} cookie ${o.cookie}`;
    }
    case 'mptcp': return `mptcp ${o.bytes.length / 2} ${MPTCP_SUBTYPES[o.subtype] ?? `subtype-${o.subtype}`}`;
    case 'md5': return `md5 ${o.digest}`;
    case 'tcp-ao': return `tcp-ao keyid ${o.keyId} rnextkeyid ${o.rNextKeyId} mac 0x${o.mac}`;
    case 'user-timeout': return `uto ${o.timeout}${o.granularityMinutes ? 'min' : 's'}`;
    case 'unknown':
      // RFC 6994 experimental kinds: named by their ExID, as tcpdump does ("exp-acc0" for AccECN).
      if ((o.code === 253 || o.code === 254) && o.bytes.length >= 4) {
        const rest = o.bytes.slice(4);
        return `exp-${o.bytes.slice(0, 4)}${rest ? ` 0x${rest}` : ''}`;
      }
      return `unknown-${o.code}${o.bytes ? ` 0x${o.bytes}` : ''}`;
  }
}

/** MPTCP option subtypes (RFC 8684 §3), as tcpdump names them. */
const MPTCP_SUBTYPES: Record<number, string> = {
  0: 'capable', 1: 'join', 2: 'dss', 3: 'add-addr', 4: 'rem-addr', 5: 'prio', 6: 'fail', 7: 'fast-close', 8: 'tcprst',
};

/**
 * The options list as tcpdump prints it: "[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]". A malformed
 * option ends the list with "[bad opt]"; a capture cut with "[|tcp]".
 */
export function formatOptionsTcpdump(d: DecodedOptions): string {
  const parts = d.options.map(formatOptionTcpdump);
  if (d.malformed !== null) parts.push('[bad opt]');
  if (d.truncated) parts.push('[|tcp]');
  return `[${parts.join(',')}]`;
}

// ---------------------------------------------------------------- time

export type TimeStyle =
  /** "HH:MM:SS.ffffff" in UTC (tcpdump's default, but in UTC so output does not depend on TZ). */
  | 'time'
  /** "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (tcpdump -tttt with TZ=UTC). */
  | 'datetime'
  /** Seconds since the epoch, "1418145369.924505" (tcpdump -tt). */
  | 'epoch'
  | 'none';

/** A frame time as text; `nanos` prints 9 fraction digits instead of 6 (truncated, as tcpdump does). */
export function formatTime(tsSec: number, tsNsec: number, style: TimeStyle, nanos = false): string {
  const frac = nanos ? String(tsNsec).padStart(9, '0') : String(Math.floor(tsNsec / 1000)).padStart(6, '0');
  if (style === 'none') return '';
  if (style === 'epoch') return `${tsSec}.${frac}`;
  const d = new Date(tsSec * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const hms = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${frac}`;
  if (style === 'time') return hms;
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${hms}`;
}

// ---------------------------------------------------------------- one-line summary

export interface SummaryOptions {
  time?: TimeStyle;
  nanos?: boolean;
  /** Already decoded options of this segment (else they are decoded here). */
  options?: DecodedOptions;
}

/**
 * A tcpdump-like line for one decoded frame, as `tcpdump -n -S` prints TCP (absolute seq/ack):
 *   12:34:56.789012 IP 10.0.0.1.5555 > 10.0.0.2.80: Flags [S], seq 1, win 64240, options [mss 1460], length 0
 * seq is printed as "start:end" when there is payload, and (as tcpdump) only when there is payload or
 * SYN/FIN/RST; ack only with ACK; urg only with URG. Decode issues follow in braces. Frames that are not
 * TCP segments get a short line naming what they are.
 */
export function formatSegmentLine(seg: Segment, opts: SummaryOptions = {}): string {
  const time = formatTime(seg.tsSec, seg.tsNsec, opts.time ?? 'time', opts.nanos ?? false);
  const lead = time ? `${time} ` : '';
  const ipName = seg.ipVersion === 6 ? 'IP6' : 'IP';
  if (seg.kind !== 'tcp') {
    const what = seg.kind === 'not-tcp' || seg.kind === 'fragment' ? `${seg.kind} (ip proto ${seg.ipProto})` : seg.kind;
    const addrs = seg.ipVersion ? ` ${ipName} ${formatAddress(seg.src, seg.ipVersion)} > ${formatAddress(seg.dst, seg.ipVersion)}` : '';
    const link = seg.kind === 'unsupported-link' ? ` (link type ${seg.linkType})` : '';
    return `${lead}frame ${seg.frameNo}: ${what}${link}${addrs}`;
  }
  const src = `${formatAddress(seg.src, seg.ipVersion)}.${seg.srcPort}`;
  const dst = `${formatAddress(seg.dst, seg.ipVersion)}.${seg.dstPort}`;
  let s = `${lead}${ipName} ${src} > ${dst}: Flags ${formatFlagsTcpdump(seg.flags)}`;
  const len = seg.payloadLen;
  if (len > 0 || seg.flags & (FLAG.SYN | FLAG.FIN | FLAG.RST)) {
    s += `, seq ${seg.seq}`;
    if (len > 0) s += `:${(seg.seq + len) >>> 0}`;
  }
  if (seg.flags & FLAG.ACK) s += `, ack ${seg.ack}`;
  s += `, win ${seg.window}`;
  if (seg.flags & FLAG.URG) s += `, urg ${seg.urgentPtr}`;
  if (seg.optionsLen > 0) s += `, options ${formatOptionsTcpdump(opts.options ?? decodeOptions(seg))}`;
  s += `, length ${len}`;
  const issues = issueNames(seg.issues);
  if (issues.length) s += ` {${issues.join(',')}}`;
  return s;
}

/** ISSUE bits as their names, lowest bit first. */
export function issueNames(issues: number): string[] {
  const out: string[] = [];
  for (let bit = 1; bit <= issues; bit <<= 1) if (issues & bit) out.push(ISSUE_NAMES[bit] ?? `issue-0x${bit.toString(16)}`);
  return out;
}
