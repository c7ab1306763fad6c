/**
 * tshark as an oracle for the decode stage: the field list and preferences (shared with
 * scripts/make-oracle.js, which stores tshark's raw rows in test/oracle/*.json), parsing a row, and
 * comparing one decoded frame with it, minus the documented exceptions below.
 */
import { spawnSync } from 'node:child_process';
import { decodeOptions } from '../../src/decode/options.js';
import { formatAddress } from '../../src/decode/format.js';
import { ISSUE, type Segment } from '../../src/decode/segment.js';

/** The -e fields, in order. scripts/make-oracle.js has the same list; the JSON files record it. */
export const TSHARK_FIELDS = [
  'frame.number', 'frame.encap_type', 'frame.protocols', 'ieee8021ad.id', 'vlan.id',
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.ttl', 'ipv6.hlim',
  'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.hdr_len', 'tcp.flags',
  'tcp.window_size_value', 'tcp.checksum', 'tcp.checksum.status', 'tcp.urgent_pointer', 'tcp.len',
  'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.sack_perm',
  'tcp.options.sack_le', 'tcp.options.sack_re',
  'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr',
] as const;

/**
 * Raw numbers (no relative sequence numbers, so sack_le/sack_re are raw too), no reassembly of IP
 * fragments (a first fragment shows its own TCP header, as ours does) or TCP streams, checksums checked.
 */
export const TSHARK_PREFS = [
  'tcp.relative_sequence_numbers:FALSE', 'tcp.analyze_sequence_numbers:FALSE', 'tcp.desegment_tcp_streams:FALSE',
  'tcp.check_checksum:TRUE', 'ip.defragment:FALSE', 'ipv6.defragment:FALSE',
] as const;

export function tsharkArgs(file: string): string[] {
  const args = ['-n', '-r', file];
  for (const p of TSHARK_PREFS) args.push('-o', p);
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  return args;
}

export interface TsharkRun { rows: string[][]; stderr: string; status: number | null }

/** Run tshark once on a file (used at test time by the corpus sweep). */
export function runTshark(file: string): TsharkRun {
  const r = spawnSync('tshark', tsharkArgs(file), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const rows = (r.stdout ?? '').split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
  return { rows, stderr: r.stderr ?? '', status: r.status };
}

/** One tshark row, parsed. Values that tshark did not print are null (lists: empty). */
export interface TsharkRecord {
  frame: number;
  /** False for records that are not packets (tshark 4.0 lists pcapng custom blocks as frames). */
  packet: boolean;
  protocols: string[];
  vlanIds: number[];
  src: string | null;
  dst: string | null;
  /** TTL / hop limit of the innermost IP header. */
  ttl: number | null;
  /** True when tshark decoded an IPv4 or IPv6 header in the frame. */
  ip: boolean;
  /** True when tshark found a TCP header in this frame (tcp.srcport printed). */
  tcp: boolean;
  /** True when the TCP header tshark shows is not the frame's own segment: quoted in an ICMP error. */
  quotedInIcmp: boolean;
  /** Number of TCP layers tshark saw (more than one: tunnels, ICMP quotes). */
  tcpLayers: number;
  srcPort: number | null;
  dstPort: number | null;
  seq: number | null;
  ack: number | null;
  hdrLen: number | null;
  flags: number | null;
  window: number | null;
  checksum: number | null;
  /** 0 bad, 1 good, 2 unverified (tshark's tcp.checksum.status). */
  checksumStatus: number | null;
  urgentPtr: number | null;
  len: number | null;
  mss: number[];
  wscale: number[];
  sackPerm: number;
  sackLe: number[];
  sackRe: number[];
  tsval: number[];
  tsecr: number[];
}

function nums(v: string | undefined): number[] {
  if (v === undefined || v === '') return [];
  return v.split(',').map((x) => Number(x));
}
/** The value of the last TCP layer (the innermost, as ours). */
function last(v: string | undefined): number | null {
  const a = nums(v);
  return a.length ? a[a.length - 1] : null;
}
function lastStr(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  const a = v.split(',');
  return a[a.length - 1];
}

export function parseRow(row: readonly string[]): TsharkRecord {
  const get = (name: (typeof TSHARK_FIELDS)[number]): string | undefined => row[TSHARK_FIELDS.indexOf(name)];
  const protocols = (get('frame.protocols') ?? '').split(':');
  const tcpAt = protocols.indexOf('tcp');
  const icmpAt = protocols.findIndex((p) => p === 'icmp' || p === 'icmpv6');
  const srcPorts = nums(get('tcp.srcport'));
  const v6 = (get('ipv6.src') ?? '') !== '' && protocols.lastIndexOf('ipv6') > protocols.lastIndexOf('ip');
  return {
    frame: Number(get('frame.number')),
    packet: (get('frame.encap_type') ?? '') !== '',
    protocols,
    // tshark names an 802.1ad (0x88a8) service tag ieee8021ad, the 802.1Q tags vlan: the S-tag is outer.
    vlanIds: [...nums(get('ieee8021ad.id')), ...nums(get('vlan.id'))],
    src: v6 ? lastStr(get('ipv6.src')) : lastStr(get('ip.src')),
    dst: v6 ? lastStr(get('ipv6.dst')) : lastStr(get('ip.dst')),
    ttl: v6 ? last(get('ipv6.hlim')) : last(get('ip.ttl')),
    ip: protocols.includes('ip') || protocols.includes('ipv6'),
    tcp: srcPorts.length > 0,
    quotedInIcmp: icmpAt >= 0 && tcpAt > icmpAt,
    tcpLayers: srcPorts.length,
    srcPort: last(get('tcp.srcport')),
    dstPort: last(get('tcp.dstport')),
    seq: last(get('tcp.seq_raw')),
    ack: last(get('tcp.ack_raw')),
    hdrLen: last(get('tcp.hdr_len')),
    flags: last(get('tcp.flags')),
    window: last(get('tcp.window_size_value')),
    checksum: last(get('tcp.checksum')),
    checksumStatus: last(get('tcp.checksum.status')),
    urgentPtr: last(get('tcp.urgent_pointer')),
    len: last(get('tcp.len')),
    mss: nums(get('tcp.options.mss_val')),
    wscale: nums(get('tcp.options.wscale.shift')),
    sackPerm: (get('tcp.options.sack_perm') ?? '') === '' ? 0 : get('tcp.options.sack_perm')!.split(',').length,
    sackLe: nums(get('tcp.options.sack_le')),
    sackRe: nums(get('tcp.options.sack_re')),
    tsval: nums(get('tcp.options.timestamp.tsval')),
    tsecr: nums(get('tcp.options.timestamp.tsecr')),
  };
}

/** Our side of the comparison, from a decoded Segment (options decoded here: this is a test). */
export interface OurRecord {
  frame: number;
  kind: string;
  ipVersion: number;
  ttl: number;
  vlanCount: number;
  vlan0: number;
  src: string;
  dst: string;
  srcPort: number; dstPort: number; seq: number; ack: number; hdrLen: number; flags: number;
  window: number; checksum: number; checksumStatus: number; urgentPtr: number; len: number;
  mss: number[]; wscale: number[]; sackPerm: number; sackLe: number[]; sackRe: number[];
  tsval: number[]; tsecr: number[];
  issues: number;
  dataOffset: number;
  firstFragment: boolean;
  optionsMalformed: boolean;
}

const STATUS = { bad: 0, good: 1, unverified: 2 } as const;

export function ourRecord(seg: Segment): OurRecord {
  const r: OurRecord = {
    frame: seg.frameNo, kind: seg.kind, ipVersion: seg.ipVersion, ttl: seg.ttl, vlanCount: seg.vlanCount, vlan0: seg.vlan0,
    src: formatAddress(seg.src, seg.ipVersion), dst: formatAddress(seg.dst, seg.ipVersion),
    srcPort: seg.srcPort, dstPort: seg.dstPort, seq: seg.seq, ack: seg.ack, hdrLen: seg.dataOffset * 4,
    flags: seg.flags, window: seg.window, checksum: seg.checksum, checksumStatus: STATUS[seg.checksumStatus],
    urgentPtr: seg.urgentPtr, len: seg.payloadLen,
    mss: [], wscale: [], sackPerm: 0, sackLe: [], sackRe: [], tsval: [], tsecr: [],
    issues: seg.issues, dataOffset: seg.dataOffset, firstFragment: seg.firstFragment, optionsMalformed: false,
  };
  if (seg.kind === 'tcp') {
    const d = decodeOptions(seg);
    r.optionsMalformed = d.malformed !== null;
    for (const o of d.options) {
      if (o.kind === 'mss') r.mss.push(o.value);
      else if (o.kind === 'wscale') r.wscale.push(o.shift);
      else if (o.kind === 'sackOK') r.sackPerm++;
      else if (o.kind === 'sack') for (const [le, re] of o.blocks) { r.sackLe.push(le); r.sackRe.push(re); }
      else if (o.kind === 'timestamp') { r.tsval.push(o.val); r.tsecr.push(o.ecr); }
    }
  }
  return r;
}

export type Field =
  | 'kind' | 'ip' | 'ttl' | 'vlan' | 'src' | 'dst' | 'srcPort' | 'dstPort' | 'seq' | 'ack' | 'hdrLen' | 'flags' | 'window'
  | 'checksum' | 'checksumStatus' | 'urgentPtr' | 'len' | 'mss' | 'wscale' | 'sackPerm' | 'sack' | 'ts';

export interface Mismatch { frame: number; field: Field; ours: string; tshark: string }

/**
 * A difference that is tshark's way rather than a decoding error of ours, with the reason. `applies`
 * sees both sides; `fields` are the fields it excuses (every field: '*').
 */
export interface KnownException {
  id: string;
  reason: string;
  fields: readonly Field[] | '*';
  applies(ours: OurRecord, theirs: TsharkRecord): boolean;
}

/**
 * Differences by design, true of every capture. Each is justified here; the corpus sweep adds its
 * per-file list. They are checked in order; the first that applies and covers the field excuses it.
 */
export const GENERAL_EXCEPTIONS: readonly KnownException[] = [
  {
    id: 'tcp-quoted-in-icmp',
    reason: 'tshark dissects the TCP header quoted inside an ICMP error as TCP; for synack the frame is '
      + 'ICMP (not-tcp): the quoted header is not a segment of the connection.',
    fields: '*',
    applies: (o, t) => t.quotedInIcmp && o.kind === 'not-tcp' && t.tcpLayers === 1,
  },
  {
    id: 'ip-header-cut',
    reason: 'tshark lists the IP layer of a frame whose IP header is cut or broken (and shows what it could '
      + 'read); synack reports the frame as truncated or malformed and fills no IP field.',
    fields: ['ip'],
    applies: (o, t) => (o.kind === 'truncated' || o.kind === 'malformed') && o.ipVersion === 0 && t.ip,
  },
  {
    id: 'tcp-header-cut',
    reason: 'When the capture cuts the fixed 20-byte TCP header, tshark prints the fields it could read '
      + '(ports...); synack reports the frame as truncated and fills no TCP field (a partial header is '
      + 'not a segment the flow stage can use).',
    fields: ['kind'],
    applies: (o, t) => o.kind === 'truncated' && t.tcp && t.urgentPtr === null,
  },
  {
    id: 'data-offset-below-5',
    reason: 'With a data offset < 5 tshark stops after the header length (no flags, so no ack; no window, '
      + 'checksum, urgent pointer, options) and prints tcp.len from the bogus length; synack decodes every '
      + 'field, flags bad-header-length and takes no payload.',
    fields: ['ack', 'flags', 'window', 'checksum', 'checksumStatus', 'urgentPtr', 'len'],
    applies: (o) => o.kind === 'tcp' && o.dataOffset < 5,
  },
  {
    id: 'header-past-segment',
    reason: 'When the data offset runs past the segment, tshark prints no tcp.len and no checksum '
      + 'verdict, and (when the IP length leaves less than 20 bytes) nothing after the source port; synack '
      + 'decodes the 20 captured bytes, flags bad-header-length and reports payload 0.',
    fields: ['dstPort', 'seq', 'ack', 'hdrLen', 'flags', 'window', 'checksum', 'checksumStatus', 'urgentPtr', 'len', 'mss', 'wscale', 'sackPerm', 'sack', 'ts'],
    applies: (o, t) => o.kind === 'tcp' && (o.issues & ISSUE.BAD_HEADER_LENGTH) !== 0 && o.dataOffset >= 5
      && (t.len === null || t.dstPort === null),
  },
  {
    id: 'first-fragment-length',
    reason: 'For the first fragment of a fragmented datagram tshark prints no tcp.len and cannot verify '
      + 'the checksum; synack reports the payload bytes in this fragment (marked firstFragment).',
    fields: ['len', 'checksumStatus'],
    applies: (o, t) => o.firstFragment && (t.len === null || t.checksumStatus === 2),
  },
];

const listEq = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Compare one frame; returns the mismatches no exception covers (and, in `excused`, those it did). */
export function compareFrame(
  o: OurRecord, t: TsharkRecord, exceptions: readonly KnownException[], excused?: Map<string, number>,
  compared?: Map<Field, number>,
): Mismatch[] {
  const out: Mismatch[] = [];
  const check = (field: Field, ours: unknown, theirs: unknown, equal: boolean): void => {
    // Count the values tshark printed (for the totals; an absent option is not a value).
    const printed = theirs !== null && !(Array.isArray(theirs) && theirs.flat().length === 0)
      && !(field === 'sackPerm' && theirs === 0);
    if (compared && printed) compared.set(field, (compared.get(field) ?? 0) + 1);
    if (equal) return;
    for (const e of exceptions) {
      if ((e.fields === '*' || e.fields.includes(field)) && e.applies(o, t)) {
        excused?.set(e.id, (excused.get(e.id) ?? 0) + 1);
        return;
      }
    }
    out.push({ frame: o.frame, field, ours: JSON.stringify(ours), tshark: JSON.stringify(theirs) });
  };
  check('kind', o.kind, t.tcp ? (t.quotedInIcmp ? 'tcp (quoted in icmp)' : 'tcp') : 'no tcp', (o.kind === 'tcp') === t.tcp);
  check('ip', o.ipVersion, t.protocols.join(':'), (o.ipVersion !== 0) === t.ip);
  if (o.kind !== 'tcp' || !t.tcp) return out;
  if (t.ttl !== null) check('ttl', o.ttl, t.ttl, o.ttl === t.ttl);
  const vlans = t.vlanIds;
  check('vlan', [o.vlanCount, o.vlan0], vlans, o.vlanCount === vlans.length && (vlans.length === 0 || vlans[0] === o.vlan0));
  if (t.src !== null) check('src', o.src, t.src, o.src === t.src);
  if (t.dst !== null) check('dst', o.dst, t.dst, o.dst === t.dst);
  const num = (field: Field, ours: number, theirs: number | null): void => check(field, ours, theirs, ours === theirs);
  num('srcPort', o.srcPort, t.srcPort);
  num('dstPort', o.dstPort, t.dstPort);
  num('seq', o.seq, t.seq);
  num('ack', o.ack, t.ack);
  num('hdrLen', o.hdrLen, t.hdrLen);
  // tcp.flags has 12 bits: the 3 reserved bits are not flags and synack does not keep them.
  num('flags', o.flags, t.flags === null ? null : t.flags & 0x1ff);
  num('window', o.window, t.window);
  num('checksum', o.checksum, t.checksum);
  num('checksumStatus', o.checksumStatus, t.checksumStatus);
  num('urgentPtr', o.urgentPtr, t.urgentPtr);
  num('len', o.len, t.len);
  check('mss', o.mss, t.mss, listEq(o.mss, t.mss));
  check('wscale', o.wscale, t.wscale, listEq(o.wscale, t.wscale));
  check('sackPerm', o.sackPerm, t.sackPerm, o.sackPerm === t.sackPerm);
  check('sack', [o.sackLe, o.sackRe], [t.sackLe, t.sackRe], listEq(o.sackLe, t.sackLe) && listEq(o.sackRe, t.sackRe));
  check('ts', [o.tsval, o.tsecr], [t.tsval, t.tsecr], listEq(o.tsval, t.tsval) && listEq(o.tsecr, t.tsecr));
  return out;
}
