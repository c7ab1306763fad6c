/**
 * `synack packets`: one line per TCP segment, shaped like tcpdump's (-S: absolute sequence numbers),
 * prefixed with the frame number; or one JSON object per segment. Built from the reused Segment
 * during the callback.
 */
import { FLAG, type DecodedOptions, type Segment } from '../decode/segment.js';
import type { FrameCounts, InputSummary } from '../pipeline/types.js';
import { formatAddress, formatFlagsTcpdump, formatOptionsTcpdump, formatTime, issueNames } from '../decode/format.js';
import { safeText } from './safe-text.js';
import type { Paint } from './style.js';
import { num, plural } from './text.js';

export const PACKETS_SCHEMA_VERSION = 1;

function ep(version: number, w: Uint32Array, port: number): string {
  return `${formatAddress(w, version)}.${port}`;
}

export function packetLine(p: Paint, seg: Segment, opts: DecodedOptions): string {
  const v = seg.ipVersion;
  let s = `${String(seg.frameNo).padStart(6)} ${formatTime(seg.tsSec, seg.tsNsec, 'time')} ${v === 6 ? 'IP6' : 'IP'} ` +
    `${ep(v, seg.src, seg.srcPort)} > ${ep(v, seg.dst, seg.dstPort)}: Flags ${formatFlagsTcpdump(seg.flags)}`;
  // As tcpdump: seq only when the segment occupies sequence space; first:last+1 when it has payload.
  if (seg.payloadLen > 0) s += `, seq ${seg.seq}:${(seg.seq + seg.payloadLen) >>> 0}`;
  else if (seg.flags & (FLAG.SYN | FLAG.FIN | FLAG.RST)) s += `, seq ${seg.seq}`;
  if (seg.flags & FLAG.ACK) s += `, ack ${seg.ack}`;
  s += `, win ${seg.window}`;
  if (seg.flags & FLAG.URG) s += `, urg ${seg.urgentPtr}`;
  if (opts.options.length || opts.malformed || opts.truncated) {
    s += `, options ${formatOptionsTcpdump(opts)}`;
  }
  s += `, length ${seg.payloadLen}`;
  const issues = issueNames(seg.issues);
  if (seg.checksumStatus === 'bad' && !issues.includes('bad-checksum')) issues.push('bad-checksum');
  if (issues.length) s += ' ' + p.yellow(`[${issues.join(', ')}]`);
  return s;
}

/** The --json object of one segment: raw absolute seq/ack, every flag, decoded options, issues. */
export function packetObject(seg: Segment, opts: DecodedOptions): object {
  const f = seg.flags;
  return {
    frame: seg.frameNo,
    time: seg.tsSec + seg.tsNsec / 1e9,
    ipVersion: seg.ipVersion,
    src: formatAddress(seg.src, seg.ipVersion),
    dst: formatAddress(seg.dst, seg.ipVersion),
    srcPort: seg.srcPort,
    dstPort: seg.dstPort,
    seq: seg.seq,
    ack: seg.ack,
    flags: {
      fin: (f & FLAG.FIN) !== 0, syn: (f & FLAG.SYN) !== 0, rst: (f & FLAG.RST) !== 0, psh: (f & FLAG.PSH) !== 0,
      ack: (f & FLAG.ACK) !== 0, urg: (f & FLAG.URG) !== 0, ece: (f & FLAG.ECE) !== 0, cwr: (f & FLAG.CWR) !== 0,
      ae: (f & FLAG.NS) !== 0,
    },
    flagBits: f,
    window: seg.window,
    headerLength: seg.dataOffset * 4,
    payloadLength: seg.payloadLen,
    capturedPayloadLength: seg.capturedPayloadLen,
    urgentPointer: seg.urgentPtr,
    checksum: seg.checksum,
    checksumStatus: seg.checksumStatus,
    ttl: seg.ttl,
    ...(seg.vlanCount > 0 ? { vlan: seg.vlan0 } : {}),
    options: opts.options,
    optionsMalformed: opts.malformed,
    optionsTruncated: opts.truncated,
    issues: issueNames(seg.issues),
  };
}

/** The closing count (stderr): frames, segments, what was not TCP, link types, issues, warnings. */
export function renderPacketCounts(p: Paint, inputs: readonly InputSummary[], c: FrameCounts, printed: number, stoppedEarly: boolean): string {
  const lines: string[] = [];
  const nonTcp = Object.values(c.nonTcp).reduce((a, b) => a + b, 0);
  lines.push(`${plural(c.frames, 'frame')} read, ${plural(c.tcpSegments, 'TCP segment')}, ${plural(nonTcp, 'non-TCP frame')}` +
    (stoppedEarly ? ` (stopped after ${plural(printed, 'segment')}, -c ${printed})` : ''));
  const kinds = Object.entries(c.nonTcp).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${num(n)}`);
  if (kinds.length) lines.push(`  not TCP: ${kinds.join(', ')}`);
  if (c.filteredOut !== undefined) lines.push(`  left out by the filters: ${plural(c.filteredOut, 'TCP segment')}; ${num(c.tcpSegments - c.filteredOut)} selected`);
  const links = new Map<string, number>();
  for (const i of inputs) for (const l of i.linkTypes) {
    const key = l.supported ? l.name : `${l.name} (not decoded)`;
    links.set(key, (links.get(key) ?? 0) + l.frames);
  }
  if (links.size) lines.push(`  link types: ${[...links].map(([k, n]) => `${k} ${num(n)}`).join(', ')}`);
  const issues = Object.entries(c.decodeIssues).map(([k, n]) => `${k} ${num(n)}`);
  if (issues.length) lines.push(`  decode issues: ${p.yellow(issues.join(', '))}`);
  for (const i of inputs) for (const w of i.warnings) lines.push(`${p.yellow('warning:')} ${safeText(w.message)}`);
  return lines.join('\n') + '\n';
}
