/**
 * Wireshark oracle for the data phase: for one capture, tshark's TCP expert flags frame by frame
 * (tshark run now, on the file), synack's anomalies frame by frame (the real reader, decoder and
 * tracker), and the facts about each frame that the explanations in wireshark.test.ts rest on,
 * computed from tshark's own fields (so an explanation is checked against the oracle, not against
 * synack's opinion).
 */
import { spawn } from 'node:child_process';
import { readCapture } from '../../src/capture/reader.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { FLAG, newSegment } from '../../src/decode/segment.js';
import { DEFAULT_TRACKER_OPTIONS, type AnomalyOccurrence } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';

/** tshark's tcp.analysis.* flags compared (each is one family; retransmission includes fast and spurious). */
export const FAMILIES = [
  'retransmission', 'fast_retransmission', 'spurious_retransmission', 'out_of_order', 'duplicate_ack',
  'lost_segment', 'ack_lost_segment', 'window_update', 'window_full', 'zero_window', 'zero_window_probe',
  'zero_window_probe_ack', 'keep_alive', 'keep_alive_ack',
] as const;
export type Family = (typeof FAMILIES)[number];

/** The tshark flags a synack anomaly stands for (none for ids Wireshark has no flag for). */
export function familiesOf(a: AnomalyOccurrence): Family[] {
  switch (a.id) {
    case 'retransmission': {
      const f: Family[] = ['retransmission'];
      if (a.details?.['fast'] === true) f.push('fast_retransmission');
      if (a.details?.['spurious'] === true) f.push('spurious_retransmission');
      return f;
    }
    // Wireshark flags a SYN, SYN-ACK or FIN sent again as a retransmission.
    case 'syn-retransmission': case 'synack-retransmission': case 'fin-retransmission': return ['retransmission'];
    case 'out-of-order': return ['out_of_order'];
    case 'duplicate-ack': return ['duplicate_ack'];
    case 'previous-segment-not-captured': return ['lost_segment'];
    case 'acked-unseen-segment': return ['ack_lost_segment'];
    case 'window-update': return ['window_update'];
    case 'window-full': return ['window_full'];
    case 'zero-window': return ['zero_window'];
    case 'zero-window-probe': return ['zero_window_probe'];
    case 'zero-window-probe-ack': return ['zero_window_probe_ack'];
    case 'keep-alive': return ['keep_alive'];
    case 'keep-alive-ack': return ['keep_alive_ack'];
    default: return [];
  }
}

const FIELDS = [
  'frame.number', 'frame.encap_type', 'frame.time_epoch', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport',
  'tcp.flags', 'tcp.seq', 'tcp.seq_raw', 'tcp.nxtseq', 'tcp.ack', 'tcp.ack_raw', 'tcp.len', 'tcp.window_size_value',
  ...FAMILIES.map((f) => `tcp.analysis.${f}`),
] as const;

/** Wireshark's defaults, said aloud so a user's preferences cannot change the oracle. */
const PREFS = [
  'tcp.analyze_sequence_numbers:TRUE', 'tcp.relative_sequence_numbers:TRUE', 'tcp.check_checksum:FALSE',
  'tcp.fastrt_supersedes_ooo:TRUE',
];

/** One packet as tshark shows it (the innermost TCP layer's fields). */
export interface ExpertRow {
  /** Packet number: tshark's frame.number without the pcapng records that are not packets (synack's numbering). */
  packet: number;
  t: number;
  tcp: boolean;
  stream: number;
  /** stream|source address|source port: one direction of one connection. */
  dir: string;
  flags: number;
  /** Relative sequence numbers (tshark's), and raw ones. */
  seq: number;
  nxtseq: number;
  ack: number;
  seqRaw: number;
  ackRaw: number;
  len: number;
  /** Window field as sent (unscaled). */
  win: number;
  flagged: Set<Family>;
}

function last(v: string | undefined): string {
  if (v === undefined || v === '') return '';
  const a = v.split(',');
  return a[a.length - 1]!;
}

export interface TsharkExpert { rows: ExpertRow[]; status: number | null; stderr: string }

export function tsharkExpert(file: string): Promise<TsharkExpert> {
  const args = ['-n', '-r', file];
  for (const p of PREFS) args.push('-o', p);
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of FIELDS) args.push('-e', f);
  return new Promise((resolve) => {
    const p = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('close', (status) => {
      const rows: ExpertRow[] = [];
      let packet = 0;
      for (const line of Buffer.concat(out).toString('utf8').split('\n')) {
        if (line.length === 0) continue;
        const c = line.split('\t');
        const get = (name: (typeof FIELDS)[number]): string => c[FIELDS.indexOf(name)] ?? '';
        if (get('frame.encap_type') === '') continue; // a pcapng record tshark 4.0 numbers as a frame
        packet++;
        const port = last(get('tcp.srcport'));
        const src = last(get('ipv6.src')) || last(get('ip.src'));
        const flagged = new Set<Family>();
        for (const f of FAMILIES) if (get(`tcp.analysis.${f}`) !== '') flagged.add(f);
        rows.push({
          packet, t: Number(get('frame.time_epoch')), tcp: port !== '', stream: Number(last(get('tcp.stream'))),
          dir: `${last(get('tcp.stream'))}|${src}|${port}`, flags: Number(last(get('tcp.flags'))),
          seq: Number(last(get('tcp.seq'))), nxtseq: Number(last(get('tcp.nxtseq'))), ack: Number(last(get('tcp.ack'))),
          seqRaw: Number(last(get('tcp.seq_raw'))), ackRaw: Number(last(get('tcp.ack_raw'))),
          len: Number(last(get('tcp.len'))), win: Number(last(get('tcp.window_size_value'))), flagged,
        });
      }
      resolve({ rows, status, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export interface SynackLabels {
  /** Frames synack decoded as TCP. */
  tcp: Set<number>;
  byPacket: Map<number, Set<Family>>;
  /** Every anomaly id raised at each packet, in order. */
  ids: Map<number, string[]>;
  /** Frames at which synack began a connection. */
  starts: Set<number>;
}

/**
 * Labels of which a frame may carry one at most: what its sequence number says, and what a pure ACK
 * says (flow/data-analysis.ts).
 */
export const ONE_LABEL_FAMILIES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['retransmission', 'out-of-order', 'keep-alive', 'zero-window-probe', 'syn-retransmission', 'synack-retransmission', 'fin-retransmission']),
  new Set(['duplicate-ack', 'window-update', 'keep-alive-ack', 'zero-window-probe-ack']),
];

/** synack's anomalies by packet, from the live event stream (which carries every occurrence). */
export async function synackLabels(file: string): Promise<SynackLabels> {
  const byPacket = new Map<number, Set<Family>>();
  const ids = new Map<number, string[]>();
  const tcp = new Set<number>();
  const starts = new Set<number>();
  const tracker = new Tracker(DEFAULT_TRACKER_OPTIONS, {
    onConnection: () => undefined,
    onEvent: (e) => {
      if (e.type === 'connection-start') starts.add(e.packet);
      if (e.type !== 'anomaly') return;
      const listed = ids.get(e.anomaly.packet);
      if (listed === undefined) ids.set(e.anomaly.packet, [e.anomaly.id]); else listed.push(e.anomaly.id);
      for (const f of familiesOf(e.anomaly)) {
        let s = byPacket.get(e.anomaly.packet);
        if (s === undefined) byPacket.set(e.anomaly.packet, s = new Set());
        s.add(f);
      }
    },
  });
  const seg = newSegment();
  await readCapture(file, (frame) => {
    if (decodeFrame(frame, seg, { verifyChecksums: false }) !== 'tcp') return;
    tcp.add(seg.frameNo);
    tracker.push(seg);
  });
  tracker.finish();
  return { tcp, byPacket, ids, starts };
}

/** Facts about one frame, from tshark's rows before it: what the explanations check. */
export interface FrameFacts {
  /** The first frame of its direction in its tshark stream. */
  firstOfDirection: boolean;
  /** The first frame of its tshark stream. */
  firstOfStream: boolean;
  /** Highest relative next-sequence number the other direction had shown (NaN when none). */
  peerMaxNext: number;
  /** Window field of the other direction's last segment, and of this direction's last one (NaN when none). */
  peerLastWin: number;
  ownLastWin: number;
  /** tshark flagged the other direction's last segment keep_alive. */
  peerLastKeepAlive: boolean;
  /**
   * The other direction's duplicate ACKs (tshark's flag) since its ACK number last changed, counting only
   * those sent while this direction had data outstanding (RFC 5681 §2 (a)).
   */
  peerRfcDupAcks: number;
  /** Seconds since the previous frame of the same tshark stream (NaN for its first). */
  sinceStreamFrame: number;
  /** A SYN-ACK repeating its sender's own SYN (same sequence number) after both sides sent a SYN without ACK. */
  simultaneousOpenSynAck: boolean;
}

interface DirState {
  maxNext: number; lastWin: number; lastKeepAlive: boolean; lastAck: number; rfcDupAcks: number;
  synSeq: number; sentBareSyn: boolean;
}

const TH = { FIN: 0x01, SYN: 0x02, RST: 0x04, ACK: 0x10 } as const;

export function frameFacts(rows: readonly ExpertRow[]): Map<number, FrameFacts> {
  const dirs = new Map<string, DirState>();
  const peerOf = new Map<string, string>();
  const streamDirs = new Map<number, string[]>();
  const streamLastT = new Map<number, number>();
  const out = new Map<number, FrameFacts>();
  const state = (dir: string): DirState => {
    let s = dirs.get(dir);
    if (s === undefined) {
      dirs.set(dir, s = { maxNext: NaN, lastWin: NaN, lastKeepAlive: false, lastAck: NaN, rfcDupAcks: 0, synSeq: NaN, sentBareSyn: false });
    }
    return s;
  };
  for (const r of rows) {
    if (!r.tcp) continue;
    const known = streamDirs.get(r.stream) ?? [];
    if (!known.includes(r.dir)) { known.push(r.dir); streamDirs.set(r.stream, known); }
    const peerDir = known.find((d) => d !== r.dir);
    if (peerDir !== undefined) { peerOf.set(r.dir, peerDir); peerOf.set(peerDir, r.dir); }
    const first = !dirs.has(r.dir);
    const own = state(r.dir);
    const peer = peerDir !== undefined ? state(peerDir) : undefined;
    const syn = (r.flags & TH.SYN) !== 0, ack = (r.flags & TH.ACK) !== 0;
    const prevT = streamLastT.get(r.stream);
    out.set(r.packet, {
      firstOfDirection: first,
      firstOfStream: prevT === undefined,
      peerMaxNext: peer?.maxNext ?? NaN,
      peerLastWin: peer?.lastWin ?? NaN,
      ownLastWin: own.lastWin,
      peerLastKeepAlive: peer?.lastKeepAlive ?? false,
      peerRfcDupAcks: peer?.rfcDupAcks ?? 0,
      sinceStreamFrame: prevT === undefined ? NaN : r.t - prevT,
      simultaneousOpenSynAck: syn && ack && own.sentBareSyn && r.seq === own.synSeq && (peer?.sentBareSyn ?? false),
    });
    // Update this direction's state with the frame.
    if (!(own.maxNext >= r.nxtseq)) own.maxNext = r.nxtseq;
    if (!syn) own.lastWin = r.win;
    own.lastKeepAlive = r.flagged.has('keep_alive');
    if (syn && !ack) { own.sentBareSyn = true; own.synSeq = r.seq; }
    if (ack && r.ack !== own.lastAck) { own.lastAck = r.ack; own.rfcDupAcks = 0; }
    if (r.flagged.has('duplicate_ack') && peer !== undefined && r.ack < peer.maxNext) own.rfcDupAcks++;
    streamLastT.set(r.stream, r.t);
  }
  return out;
}
