/**
 * tcpdump as the oracle of the filter language: `tcpdump -r FILE -w - FILTER` writes the frames
 * libpcap selects; they are matched back to the file's frames in order (same bytes), giving the frame
 * numbers tcpdump chose. synack's compiled filter runs on the same frames through synack's decoder,
 * over the TCP segments (the only frames synack filters), and the two selections must be equal there.
 */
import { spawn } from 'node:child_process';
import { readCapture } from '../../src/capture/reader.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { newSegment } from '../../src/decode/segment.js';
import { compileFilter } from '../../src/filter/compile.js';

export interface FilterComparison {
  filter: string;
  /** tcpdump refused the filter or the file (its last stderr line); nothing compared. */
  skipped?: string;
  /** TCP segments in the file, and how many of them each side selected. */
  tcp: number;
  ours: number;
  theirs: number;
  /** Frames where the two disagree: "12:ours" (only synack selected it), "12:tcpdump". */
  differences: string[];
}

interface Rec { no: number; bytes: Buffer; tsSec: number; tsNsec: number; caplen: number; origLen: number; linkType: number; fcsLen: number }

function pcapRecords(buf: Buffer): Buffer[] {
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const rd = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const out: Buffer[] = [];
  for (let p = 24; p + 16 <= buf.length;) {
    const cap = rd(p + 8);
    out.push(buf.subarray(p + 16, p + 16 + cap));
    p += 16 + cap;
  }
  return out;
}

/** tcpdump over one file (-r), or over several of one link type in order (-V, a list in a file). */
function tcpdump(source: { file: string } | { list: string }, filter: string): Promise<{ status: number | null; out: Buffer; err: string }> {
  return new Promise((resolve) => {
    const from = 'file' in source ? ['-r', source.file] : ['-V', source.list];
    const p = spawn('tcpdump', [...from, '-w', '-', filter], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('close', (status) => resolve({ status, out: Buffer.concat(out), err: Buffer.concat(err).toString('utf8') }));
  });
}

export async function readFrames(file: string): Promise<Rec[]> {
  const frames: Rec[] = [];
  await readCapture(file, (f) => {
    frames.push({
      no: f.frameNo, bytes: Buffer.from(f.data.subarray(f.offset, f.offset + f.caplen)), tsSec: f.tsSec, tsNsec: f.tsNsec,
      caplen: f.caplen, origLen: f.origLen, linkType: f.linkType, fcsLen: f.fcsLen,
    });
  });
  return frames;
}

/** synack's selection on one file's frames against the frame numbers tcpdump chose. */
function judge(filter: string, frames: readonly Rec[], theirs: ReadonlySet<number>, count: number): FilterComparison {
  const accept = compileFilter(filter);
  const seg = newSegment();
  const r: FilterComparison = { filter, tcp: 0, ours: 0, theirs: count, differences: [] };
  for (const fr of frames) {
    const frame = { frameNo: fr.no, tsSec: fr.tsSec, tsNsec: fr.tsNsec, caplen: fr.caplen, origLen: fr.origLen, linkType: fr.linkType, fcsLen: fr.fcsLen, interfaceId: 0, data: fr.bytes, offset: 0 };
    if (decodeFrame(frame, seg, { verifyChecksums: false }) !== 'tcp') continue;
    r.tcp++;
    const ours = accept(seg);
    if (ours) r.ours++;
    if (ours !== theirs.has(fr.no)) r.differences.push(`${fr.no}:${ours ? 'ours' : 'tcpdump'}`);
  }
  return r;
}

/**
 * The files tcpdump reads to their end in one -V run, and those it stops on (to be compared alone):
 * a file it gives up on is named by the "reading from file" line before the complaint.
 */
export async function splitReadable(listFile: string, files: readonly string[]): Promise<{ together: string[]; alone: string[] }> {
  const together = [...files];
  const alone: string[] = [];
  const { writeFileSync } = await import('node:fs');
  for (let round = 0; round < files.length && together.length > 0; round++) {
    writeFileSync(listFile, together.join('\n') + '\n');
    const td = await tcpdump({ list: listFile }, 'tcp or not tcp');
    const lines = td.err.split('\n');
    const bad = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('reading from file'));
    if (bad < 0 && td.status === 0) break;
    const last = lines.slice(0, bad < 0 ? lines.length : bad).reverse().find((l) => l.startsWith('reading from file'));
    const name = last ? /^reading from file (.*), link-type/.exec(last)?.[1] : undefined;
    const i = name === undefined ? -1 : together.indexOf(name);
    if (i < 0) { alone.push(...together.splice(0)); break; }
    alone.push(...together.splice(i, 1));
  }
  writeFileSync(listFile, together.join('\n') + '\n');
  return { together, alone };
}

/** tcpdump's records matched back, in order, to each file's frames: the frame numbers it chose, per file. */
function matchBack(chosen: readonly Buffer[], files: ReadonlyArray<readonly Rec[]>): { sets: Array<Set<number>>; counts: number[]; unmatched: number } {
  let j = 0;
  const sets: Array<Set<number>> = [];
  const counts: number[] = [];
  for (const frames of files) {
    const set = new Set<number>();
    const before = j;
    for (const fr of frames) if (j < chosen.length && chosen[j]!.equals(fr.bytes)) { set.add(fr.no); j++; }
    sets.push(set);
    counts.push(j - before);
  }
  return { sets, counts, unmatched: chosen.length - j };
}

export async function compareWithTcpdump(file: string, filter: string, frames?: Rec[]): Promise<FilterComparison> {
  const all = frames ?? await readFrames(file);
  const td = await tcpdump({ file }, filter);
  if (td.status !== 0) return { filter, tcp: 0, ours: 0, theirs: 0, differences: [], skipped: td.err.trim().split('\n').pop() ?? `exit ${td.status}` };
  const m = matchBack(pcapRecords(td.out), [all]);
  if (m.unmatched) return { filter, tcp: 0, ours: 0, theirs: 0, differences: [], skipped: `${m.unmatched} of tcpdump's frames not found in the file` };
  return judge(filter, all, m.sets[0]!, m.counts[0]!);
}

/**
 * The same over files of one link type with one tcpdump run (-V): one spawn per filter instead of one
 * per file and filter. `list` is a file naming them, one a line, in the order of `frames`.
 */
export async function compareGroupWithTcpdump(list: string, files: readonly string[], frames: ReadonlyArray<readonly Rec[]>, filter: string):
  Promise<Array<FilterComparison & { file: string }>> {
  const td = await tcpdump({ list }, filter);
  const skip = (why: string) => files.map((file) => ({ file, filter, tcp: 0, ours: 0, theirs: 0, differences: [], skipped: why }));
  if (td.status !== 0) return skip(td.err.trim().split('\n').pop() ?? `exit ${td.status}`);
  // With -V, a file tcpdump gives up on halfway is reported on stderr and the run goes on: then the
  // group cannot be matched back, and the caller goes file by file.
  const trouble = td.err.split('\n').find((l) => l.trim() !== '' && !l.startsWith('reading from file'));
  if (trouble !== undefined) return skip(trouble);
  const m = matchBack(pcapRecords(td.out), frames);
  if (m.unmatched) return skip(`${m.unmatched} of tcpdump's frames not found in the files`);
  return files.map((file, i) => ({ file, ...judge(filter, frames[i]!, m.sets[i]!, m.counts[i]!) }));
}

/** Filters that name what the file holds: its first TCP segment's source address and port, its first VLAN id. */
export function filtersFor(frames: readonly Rec[]): string[] {
  const seg = newSegment();
  for (const fr of frames) {
    const frame = { frameNo: fr.no, tsSec: fr.tsSec, tsNsec: fr.tsNsec, caplen: fr.caplen, origLen: fr.origLen, linkType: fr.linkType, fcsLen: fr.fcsLen, interfaceId: 0, data: fr.bytes, offset: 0 };
    if (decodeFrame(frame, seg, { verifyChecksums: false }) !== 'tcp' || seg.encap !== 0) continue;
    const w = seg.src;
    const addr = seg.ipVersion === 4
      ? [w[0]! >>> 24, (w[0]! >>> 16) & 255, (w[0]! >>> 8) & 255, w[0]! & 255].join('.')
      : [...w].flatMap((x) => [(x >>> 16).toString(16), (x & 0xffff).toString(16)]).join(':');
    const out = [`host ${addr}`, `src host ${addr} and dst port ${seg.dstPort}`, `not (host ${addr} or port ${seg.srcPort})`,
      seg.ipVersion === 4 ? `net ${addr.split('.').slice(0, 2).join('.')}` : `ip6 net ${addr.split(':').slice(0, 2).join(':')}::/32`];
    if (seg.vlanCount > 0) out.push(`vlan ${seg.vlan0} and host ${addr}`, `vlan and vlan and tcp`);
    return out;
  }
  return [];
}

/** Address filters for a corpus of others' captures (common private and documentation networks). */
export const ADDRESS_FILTERS: readonly string[] = [
  'src net 192.168.0.0/16 and dst portrange 1-1024', 'dst net 10 or src net 172.16.0.0 mask 255.240.0.0',
  'host 192.168.1.1 or 10.0.0.1 or 192.168.0.1', 'ip6 net 2001:db8::/32 or net fe80::/10', 'src and dst net 192.168.0.0/16',
  'not net 127.0.0.0/8 and src or dst portrange 8000-8999',
];

/** Filters for every file: each primitive, precedence, arithmetic on the TCP header. */
export const GENERAL_FILTERS: readonly string[] = [
  'tcp', 'ip', 'ip6', 'vlan and tcp', 'port 80 or 443', 'portrange 1-1023', 'src portrange 1024-65535',
  'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0 and not src port 80', 'tcp[13] = 0x12', 'tcp[12:1] >> 4 > 5',
  'net 10.0.0.0/8 or net 192.168.0.0/16', 'ip6 proto \\tcp', 'ip proto 6', 'dst port 80 or src port 80 and tcp',
  'tcp[(tcp[12]>>2):4] = 0x47455420', 'tcp[tcpflags] & tcp-rst != 0 or tcp[14:2] = 0',
];
