/**
 * The segments of the connections an HTML report shows in detail: the same second read as the
 * ladder's (ladder.ts), keeping each segment's decoded header (what the page shows on hover) and
 * its SACK blocks (the time-sequence graph draws them), in columns.
 */
import { formatOptionsTcpdump, issueNames } from '../decode/format.js';
import { ISSUE, type Segment } from '../decode/segment.js';
import type { Connection } from '../flow/model.js';
import type { ReportPackets } from './report-parts.js';
import { collectSegments } from './ladder.js';
import { micros } from './report-digest.js';
import { decodeOptions } from './stages.js';

/** One segment's header, copied out of the reused Segment during the pass. */
interface HeaderCopy {
  packet: number; t: number; fromClient: boolean; flags: number; seq: number; ack: number; len: number;
  window: number; headerLen: number; checksum: number; urgent: number; ttl: number; vlan: number;
  options: string; sack: number[]; issues: string;
}

function headerCopy(seg: Segment, fromClient: boolean): HeaderCopy {
  let options = '';
  const sack: number[] = [];
  if (seg.optionsLen > 0 || seg.optionsDeclaredLen > 0) {
    const d = decodeOptions(seg);
    options = formatOptionsTcpdump(d);
    for (const o of d.options) if (o.kind === 'sack') for (const [l, r] of o.blocks) sack.push(l, r);
  }
  const issues = issueNames(seg.issues);
  if (seg.checksumStatus === 'bad' && !(seg.issues & ISSUE.BAD_CHECKSUM)) issues.push('bad-checksum');
  return {
    packet: seg.frameNo, t: seg.tsSec + seg.tsNsec / 1e9, fromClient, flags: seg.flags, seq: seg.seq, ack: seg.ack,
    len: seg.payloadLen, window: seg.window, headerLen: seg.dataOffset * 4, checksum: seg.checksum, urgent: seg.urgentPtr,
    ttl: seg.ttl, vlan: seg.vlanCount > 0 ? seg.vlan0 : -1, options, sack, issues: issues.join(','),
  };
}

function columns(c: Connection, found: number, segs: readonly HeaderCopy[]): ReportPackets {
  const p: ReportPackets = {
    found, embedded: segs.length, packet: [], t: [], fromClient: [], flags: [], seq: [], ack: [], len: [], window: [],
    headerLen: [], checksum: [], urgent: [], ttl: [], vlan: [], options: [], sack: [], issues: [],
  };
  for (const s of segs) {
    p.packet.push(s.packet); p.t.push(micros(s.t - c.start)); p.fromClient.push(s.fromClient ? 1 : 0);
    p.flags.push(s.flags); p.seq.push(s.seq); p.ack.push(s.ack); p.len.push(s.len); p.window.push(s.window);
    p.headerLen.push(s.headerLen); p.checksum.push(s.checksum); p.urgent.push(s.urgent); p.ttl.push(s.ttl);
    p.vlan.push(s.vlan); p.options.push(s.options); p.sack.push(s.sack); p.issues.push(s.issues);
  }
  return p;
}

/** Reads the inputs again for `conns` (not standard input: it cannot be read twice). */
export async function collectReportPackets(
  paths: readonly string[], conns: readonly Connection[], verifyChecksums: boolean, maxSegments: number,
): Promise<Map<number, ReportPackets>> {
  const found = await collectSegments(paths, conns, verifyChecksums, maxSegments, headerCopy);
  const out = new Map<number, ReportPackets>();
  for (const c of conns) {
    const f = found.get(c.id);
    out.set(c.id, columns(c, f?.found ?? 0, f?.items ?? []));
  }
  return out;
}
