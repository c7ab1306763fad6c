/**
 * Corpus sweep (npm run test:corpus): every capture in /work/shared/corpus (MANIFEST.tsv) is read by the
 * capture stage and decoded; every well-formed file must give, frame by frame, the same TCP fields as
 * tshark run on it now (ports, raw seq/ack, header length, flags, window, checksum and its verdict, urgent
 * pointer, payload length, MSS, window scale, SACK-permitted, raw SACK edges, timestamps, addresses, VLAN
 * ids). Files marked malformed / truncated / not-a-pcap must end in a clear error or warnings, never a
 * crash. Differences that are tshark's way rather than ours are listed, each with its reason, in the
 * table GENERAL_EXCEPTIONS (test/decode/tshark-oracle.ts, shared with the fixture oracle test, which
 * checks that every entry is needed). No corpus file needs an exception of its own.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/reader.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { newSegment } from '../../src/decode/segment.js';
import { SUPPORTED_LINKTYPES } from '../../src/decode/link.js';
import { InputError } from '../../src/util/errors.js';
import {
  compareFrame, GENERAL_EXCEPTIONS, ourRecord, parseRow, tsharkArgs,
  type Field, type Mismatch, type OurRecord,
} from '../decode/tshark-oracle.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus');

interface Entry { file: string; linkType: string; packets: number; malformed: string }

function manifest(): Entry[] {
  const lines = readFileSync(path.join(corpus, 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.length > 0);
  const head = lines[0].split('\t');
  const col = (n: string): number => head.indexOf(n);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return { file: c[col('file')], linkType: c[col('link_type')], packets: Number(c[col('packets')]), malformed: c[col('malformed')] };
  });
}

function tshark(file: string): Promise<{ rows: string[][]; status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('tshark', tsharkArgs(file), { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('close', (status) => {
      const rows = Buffer.concat(out).toString('utf8').split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
      resolve({ rows, status, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

interface Outcome {
  file: string;
  malformed: string;
  error: string | null;
  crash: string | null;
  warnings: string[];
  frames: number;
  tsharkFrames: number;
  tcpCompared: number;
  unsupportedFrames: number;
  /** Frames the decoder reported as truncated or malformed, or TCP segments with decode issues. */
  flaggedFrames: number;
  /** Records the capture reader adjusted or skipped (CaptureInfo.counts). */
  readerAdjustments: number;
  mismatches: Mismatch[];
  excused: Map<string, number>;
  compared: Map<Field, number>;
}

async function sweep(e: Entry): Promise<Outcome> {
  const file = path.join(corpus, e.file);
  const o: Outcome = {
    file: e.file, malformed: e.malformed, error: null, crash: null, warnings: [], frames: 0, tsharkFrames: 0,
    tcpCompared: 0, unsupportedFrames: 0, flaggedFrames: 0, readerAdjustments: 0, mismatches: [], excused: new Map(), compared: new Map(),
  };
  const tsharkRun = tshark(file);
  const ours = new Map<number, OurRecord>();
  const seg = newSegment();
  try {
    const info = await readCapture(file, (f) => {
      const kind = decodeFrame(f, seg, { verifyChecksums: true });
      if (kind === 'unsupported-link') o.unsupportedFrames++;
      if (kind === 'truncated' || kind === 'malformed' || (kind === 'tcp' && seg.issues !== 0)) o.flaggedFrames++;
      ours.set(f.frameNo, ourRecord(seg));
    });
    o.frames = info.frames;
    o.warnings = info.warnings.map((w) => w.message);
    o.readerAdjustments = Object.values(info.counts ?? {}).reduce((a, b) => a + b, 0);
  } catch (err) {
    if (err instanceof InputError) o.error = err.message;
    else o.crash = (err as Error).stack ?? String(err);
  }
  const t = await tsharkRun;
  // tshark numbers pcapng custom blocks as frames too: pair packets by their order instead.
  const packets = t.rows.map(parseRow).filter((r) => r.packet);
  o.tsharkFrames = packets.length;
  if (o.error !== null || o.crash !== null) return o;
  let n = 0;
  for (const theirs of packets) {
    const mine = ours.get(++n);
    if (mine === undefined) continue; // frame counts are compared separately
    if (mine.kind === 'unsupported-link') continue; // counted, not decoded (checked below)
    if (mine.kind === 'tcp' && theirs.tcp) o.tcpCompared++;
    o.mismatches.push(...compareFrame(mine, theirs, GENERAL_EXCEPTIONS, o.excused, o.compared));
  }
  return o;
}

/**
 * Files marked broken in which the capture and decode stages rightly find nothing to report: their
 * damage is not in the container or the headers, or is for the flow stage to judge. Each says why.
 */
const BROKEN_BUT_CLEAN_FOR_DECODE: Readonly<Record<string, string>> = {
  'tcpdump/tcp_rst_data-trunc.pcap': 'only the RST payload is cut by the snaplen: payloadLen comes from the IP '
    + 'length, capturedPayloadLen says what is there; a snaplen is not damage',
  'tcpdump/tcp_rst_diag_payload-trunc.pcap': 'same: snaplen 50 cuts the RST\'s diagnostic payload, not a header',
  'zeek/ip-bogus-header-len.pcap': 'an ICMP packet with IP total length 0, taken from the frame as TSO packets '
    + 'are (tshark does the same); not TCP',
  'zeek/tcp/window-scale-range.pcap': 'a window scale of 255 is decoded as sent; judging it (RFC 7323 caps it '
    + 'at 14) is the flow stage\'s job',
};

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

const entries = manifest();
let outcomes: Outcome[] = [];

beforeAll(async () => {
  // tshark's start-up (~0.2 s of CPU) dominates: keep every CPU busy with one tshark each.
  outcomes = await pool(entries, availableParallelism() + 1, sweep);
  const compared = outcomes.reduce((s, x) => s + x.tcpCompared, 0);
  const mism = outcomes.reduce((s, x) => s + x.mismatches.length, 0);
  const wellFormed = outcomes.filter((x) => x.malformed === '-');
  const excused = new Map<string, number>();
  for (const x of outcomes) for (const [k, v] of x.excused) excused.set(k, (excused.get(k) ?? 0) + v);
  const fields = new Map<Field, number>();
  for (const x of outcomes) for (const [k, v] of x.compared) fields.set(k, (fields.get(k) ?? 0) + v);
  const brokenMismatches = outcomes.filter((x) => x.malformed !== '-')
    .flatMap((x) => x.mismatches.map((m) => `${x.file} #${m.frame} ${m.field}: ours ${m.ours}, tshark ${m.tshark}`));
  const lines = [
    `corpus: ${outcomes.length} files (${wellFormed.length} well-formed, ${outcomes.length - wellFormed.length} marked broken)`,
    `frames read: ${outcomes.reduce((s, x) => s + x.frames, 0)}, TCP segments compared with tshark: ${compared}`,
    `mismatches in well-formed files: ${wellFormed.reduce((s, x) => s + x.mismatches.length, 0)}, in broken files (informational): ${mism - wellFormed.reduce((s, x) => s + x.mismatches.length, 0)}`,
    `values compared (tshark printed one): ${[...fields].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `differences excused by known exceptions: ${[...excused].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    ...brokenMismatches.map((m) => `  (broken file) ${m}`),
    `files that were errors: ${outcomes.filter((x) => x.error !== null).map((x) => `${x.file} (${x.malformed})`).join(', ') || 'none'}`,
  ];
  console.log(lines.join('\n'));
}, 600_000);

describe('corpus sweep against tshark', () => {
  test('manifest lists the corpus (278 files)', () => {
    expect(entries.length).toBe(278);
  });

  test('no file crashes the capture or decode stage', () => {
    const crashed = outcomes.filter((o) => o.crash !== null).map((o) => `${o.file}: ${o.crash}`);
    expect(crashed).toEqual([]);
  });

  test('every broken file gives a clear error naming it, warnings, or decode issues (or is listed as clean for decode)', () => {
    const broken = outcomes.filter((o) => o.malformed !== '-');
    expect(broken.length).toBeGreaterThan(0);
    const silent: string[] = [];
    for (const o of broken) {
      if (o.error !== null) expect(o.error).toContain(path.join(corpus, o.file));
      expect(o.crash).toBeNull();
      if (o.error === null && o.warnings.length === 0 && o.flaggedFrames === 0 && o.readerAdjustments === 0) {
        silent.push(`${o.file} (${o.malformed})`);
      }
    }
    expect(silent.sort()).toEqual(Object.keys(BROKEN_BUT_CLEAN_FOR_DECODE).map((f) => `${f} (deliberately-malformed)`).sort());
  });

  test('every well-formed file reads completely: same frame count as tshark, no error', () => {
    const bad = outcomes.filter((o) => o.malformed === '-' && (o.error !== null || o.frames !== o.tsharkFrames))
      .map((o) => `${o.file}: ours ${o.frames} frames${o.error ? ` (${o.error})` : ''}, tshark ${o.tsharkFrames}`);
    expect(bad).toEqual([]);
  });

  test('frames of link types synack does not decode are counted as unsupported-link', () => {
    for (const o of outcomes.filter((x) => x.malformed === '-' && x.unsupportedFrames > 0)) {
      const e = entries.find((x) => x.file === o.file)!;
      const types = [...e.linkType.matchAll(/\((\d+)\)/g)].map((m) => Number(m[1]));
      expect(types.some((lt) => !SUPPORTED_LINKTYPES.has(lt))).toBe(true);
    }
  });

  test('FDDI, Cisco HDLC, IP over InfiniBand and NFLOG files decode: no frame left unsupported, TCP compared with tshark', () => {
    // The four link types tshark decodes that synack once only counted; their fields face the test below.
    const files: Record<string, [number, number]> = {
      'packetlife/4-byte_AS_numbers_Full_Support.cap': [104, 9],
      'tcpdump/ipoib.pcap': [242, 20],
      'zeek/dns-inverse-query.pcap': [10, 11],
      'zeek/nflog-http.pcap': [239, 13],
    };
    const got = Object.keys(files).map((f) => {
      const o = outcomes.find((x) => x.file === f)!;
      return [f, entries.find((x) => x.file === f)!.linkType.includes(`(${files[f]![0]})`), o.unsupportedFrames, o.tcpCompared, o.mismatches.length];
    });
    expect(got).toEqual(Object.entries(files).map(([f, [, tcp]]) => [f, true, 0, tcp, 0]));
  });

  test('well-formed files: every TCP field equals tshark\'s', () => {
    const report = outcomes.filter((o) => o.malformed === '-' && o.mismatches.length > 0)
      .map((o) => `${o.file}: ${o.mismatches.length} mismatches, first: ${o.mismatches.slice(0, 5).map((m) => `#${m.frame} ${m.field} ours ${m.ours} tshark ${m.tshark}`).join('; ')}`);
    expect(report).toEqual([]);
  });
});
