/**
 * One fuzz run: feed bytes to the capture parser (whole or in chunks), decode every frame, decode the
 * options of every TCP segment, push the segments through a Tracker, and check every invariant that
 * does not need the original input. Invariant violations are collected as strings (never thrown from
 * inside the reader's callback, so a throw is always the code under test's).
 */
import { createCaptureParser } from '../../src/capture/parser.js';
import type { CaptureInfo, Frame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { decodeOptions, readSynOptions } from '../../src/decode/options.js';
import { ISSUE, newSegment, newSynOptions, type FrameKind, type Segment } from '../../src/decode/segment.js';
import { DEFAULT_TRACKER_OPTIONS, type Connection, type TrackerOptions, type TrackerTotals } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';
import type { Rng } from './prng.js';

export const FRAME_KINDS: readonly FrameKind[] = ['tcp', 'not-ip', 'not-tcp', 'fragment', 'unsupported-link', 'truncated', 'malformed'];
const KNOWN_ISSUES = Object.values(ISSUE).reduce((a, b) => a | b, 0);
const OPTION_KINDS = new Set(['eol', 'nop', 'mss', 'wscale', 'sackOK', 'sack', 'timestamp', 'fastopen', 'mptcp', 'md5', 'tcp-ao', 'user-timeout', 'unknown']);
const U32 = 4294967296;

/**
 * h * 0x01000193 (the FNV prime, 2^24 + 2^8 + 0x93) mod 2^32, by shifts: Math.imul is ~50x slower than
 * this inside jest's VM module context (measured: 1 s against 18 ms for 2 MB).
 */
function fnvMul(h: number): number {
  return (h + (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)) | 0;
}

/** FNV-1a over bytes, continuing from h. */
export function fnvBytes(b: Buffer, from: number, to: number, h = 0x811c9dc5 | 0): number {
  for (let i = from; i < to; i++) h = fnvMul(h ^ b[i]!);
  return h >>> 0;
}

function fnvNum(h: number, v: number): number {
  // Mixes a number of up to 53 bits as two 32-bit halves.
  // (No Math.floor here: Math's functions are as slow as Math.imul under jest.)
  const lo = v >>> 0;
  h = fnvMul(h ^ lo);
  return fnvMul(h ^ ((v - lo) / U32)) >>> 0;
}

const isU = (v: number, max: number): boolean => typeof v === 'number' && v >= 0 && v <= max && v % 1 === 0;

/** Checks a decoded segment against its frame; pushes violations. Returns a hash of the decoded fields. */
export function checkSegment(f: Frame, seg: Segment, kind: FrameKind, verify: boolean, out: string[]): number {
  const where = `frame ${f.frameNo}`;
  if (!FRAME_KINDS.includes(kind)) out.push(`${where}: decodeFrame returned ${String(kind)}, not a FrameKind`);
  if (seg.kind !== kind) out.push(`${where}: seg.kind ${seg.kind} but decodeFrame returned ${kind}`);
  if (seg.frameNo !== f.frameNo || seg.tsSec !== f.tsSec || seg.tsNsec !== f.tsNsec || seg.linkType !== f.linkType) {
    out.push(`${where}: frame fields not copied into the segment`);
  }
  if (!isU(seg.vlanCount, 64)) out.push(`${where}: vlanCount ${seg.vlanCount}`);
  if ((seg.issues & ~KNOWN_ISSUES) !== 0) out.push(`${where}: unknown issue bits 0x${seg.issues.toString(16)}`);
  if (seg.ipVersion === 0 && (seg.src.some((x) => x !== 0) || seg.dst.some((x) => x !== 0))) out.push(`${where}: addresses left from an earlier frame`);
  const start = f.offset;
  const capEnd = f.offset + f.caplen;
  let h = fnvNum(0x811c9dc5, FRAME_KINDS.indexOf(kind));
  h = fnvNum(h, seg.ipVersion); h = fnvNum(h, seg.issues); h = fnvNum(h, seg.vlanCount); h = fnvNum(h, seg.vlan0);
  for (let i = 0; i < 4; i++) { h = fnvNum(h, seg.src[i]!); h = fnvNum(h, seg.dst[i]!); }
  if (kind === 'tcp') {
    if (seg.ipVersion !== 4 && seg.ipVersion !== 6) out.push(`${where}: tcp with ipVersion ${seg.ipVersion}`);
    if (!isU(seg.srcPort, 0xffff) || !isU(seg.dstPort, 0xffff)) out.push(`${where}: port out of range`);
    if (!isU(seg.seq, U32 - 1) || !isU(seg.ack, U32 - 1)) out.push(`${where}: seq/ack not unsigned 32-bit (${seg.seq}, ${seg.ack})`);
    if (!isU(seg.flags, 0x1ff) || !isU(seg.dataOffset, 15) || !isU(seg.window, 0xffff)) out.push(`${where}: flags/data offset/window out of range`);
    if (!isU(seg.checksum, 0xffff) || !isU(seg.urgentPtr, 0xffff)) out.push(`${where}: checksum/urgent out of range`);
    if (!(seg.tcpOffset >= start && seg.tcpOffset + 20 <= capEnd)) out.push(`${where}: TCP header [${seg.tcpOffset}, +20) outside the captured frame [${start}, ${capEnd})`);
    if (!isU(seg.optionsLen, 40) || seg.tcpOffset + 20 + seg.optionsLen > capEnd) out.push(`${where}: optionsLen ${seg.optionsLen} runs outside the captured frame`);
    if (!isU(seg.optionsDeclaredLen, 40) || seg.optionsDeclaredLen < seg.optionsLen) out.push(`${where}: optionsDeclaredLen ${seg.optionsDeclaredLen} with optionsLen ${seg.optionsLen}`);
    if (!isU(seg.payloadLen, U32) || !isU(seg.capturedPayloadLen, seg.payloadLen)) out.push(`${where}: payloadLen ${seg.payloadLen} / captured ${seg.capturedPayloadLen}`);
    if (seg.capturedPayloadLen > 0 && seg.tcpOffset + seg.dataOffset * 4 + seg.capturedPayloadLen > capEnd) out.push(`${where}: captured payload runs past the captured frame`);
    if (((seg.issues & ISSUE.PORT_ZERO) !== 0) !== (seg.srcPort === 0 || seg.dstPort === 0)) out.push(`${where}: PORT_ZERO disagrees with the ports`);
    if (seg.dataOffset < 5 && (seg.issues & ISSUE.BAD_HEADER_LENGTH) === 0) out.push(`${where}: data offset ${seg.dataOffset} without BAD_HEADER_LENGTH`);
    if (!verify && seg.checksumStatus !== 'unverified') out.push(`${where}: checksum ${seg.checksumStatus} with verification off`);
    if ((seg.checksumStatus === 'bad') !== ((seg.issues & ISSUE.BAD_CHECKSUM) !== 0)) out.push(`${where}: BAD_CHECKSUM disagrees with checksumStatus`);
    h = fnvNum(h, seg.srcPort); h = fnvNum(h, seg.dstPort); h = fnvNum(h, seg.seq); h = fnvNum(h, seg.ack);
    h = fnvNum(h, seg.flags); h = fnvNum(h, seg.dataOffset); h = fnvNum(h, seg.window); h = fnvNum(h, seg.payloadLen);
    h = fnvNum(h, seg.capturedPayloadLen); h = fnvNum(h, seg.optionsLen); h = fnvNum(h, seg.tcpOffset - start);
    h = fnvNum(h, ['unverified', 'good', 'bad'].indexOf(seg.checksumStatus));
    h = checkOptions(seg, where, out, h);
  } else {
    if (seg.srcPort !== 0 || seg.dstPort !== 0 || seg.seq !== 0 || seg.ack !== 0 || seg.flags !== 0 || seg.payloadLen !== 0 || seg.optionsLen !== 0 || seg.optionsDeclaredLen !== 0) {
      out.push(`${where}: kind ${kind} but TCP fields left from an earlier frame`);
    }
    try {
      if (decodeOptions(seg).options.length !== 0) out.push(`${where}: options decoded for kind ${kind}`);
    } catch (e) {
      out.push(`${where}: decodeOptions threw on a ${kind} segment: ${errText(e)}`);
    }
  }
  return h;
}

const synOut = newSynOptions();

function checkOptions(seg: Segment, where: string, out: string[], h: number): number {
  try {
    const d = decodeOptions(seg);
    if (!Array.isArray(d.options)) out.push(`${where}: decodeOptions gave no options array`);
    for (const o of d.options) {
      if (!OPTION_KINDS.has(o.kind)) out.push(`${where}: option of kind ${o.kind}`);
      h = fnvNum(h, o.kind.length);
    }
    // options.ts: scanOptions (the issue bit) and decodeOptions agree on what is malformed.
    if ((d.malformed !== null) !== ((seg.issues & ISSUE.MALFORMED_OPTION) !== 0)) {
      out.push(`${where}: decodeOptions malformed=${JSON.stringify(d.malformed)} but MALFORMED_OPTION bit ${(seg.issues & ISSUE.MALFORMED_OPTION) !== 0}`);
    }
    if (d.truncated && (seg.issues & ISSUE.TRUNCATED) === 0) out.push(`${where}: options truncated without ISSUE.TRUNCATED`);
  } catch (e) {
    out.push(`${where}: decodeOptions threw: ${errText(e)}`);
  }
  try {
    const s = readSynOptions(seg, synOut);
    if ((seg.issues & ISSUE.MALFORMED_OPTION) !== 0 && !s.incomplete) out.push(`${where}: malformed options but readSynOptions not incomplete`);
    h = fnvNum(h, s.mss + 1); h = fnvNum(h, s.wscale + 1); h = fnvNum(h, s.tsVal);
  } catch (e) {
    out.push(`${where}: readSynOptions threw: ${errText(e)}`);
  }
  return h;
}

export function errText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? ` | ${e.stack.split('\n').slice(1, 4).map((l) => l.trim()).join(' | ')}` : ''}`;
  return String(e);
}

export interface RunOptions {
  /** Chunk sizes summing to the input length; null = one push. */
  chunks: number[] | null;
  verifyChecksums: boolean;
  /** Push TCP segments through a Tracker and check its totals. */
  track: boolean;
  /** Default: DEFAULT_TRACKER_OPTIONS. */
  trackerOptions?: TrackerOptions;
}

/**
 * Tracker options for a case: mostly the defaults, often tiny limits, so that idle expiry, the
 * lingering bound (early emission, tombstones, late segments) and SYN-flood series thinning all run.
 */
export function randomTrackerOptions(rng: Rng): TrackerOptions {
  if (rng.chance(0.4)) return DEFAULT_TRACKER_OPTIONS;
  const o: TrackerOptions = {
    mslSeconds: rng.pick([30, 1, 0.05, 0]),
    idleTimeoutSeconds: rng.pick([300, 2, 0.01]),
    synFloodThreshold: rng.pick([64, 3, 1]),
    maxSeriesPoints: rng.pick([1000, 4, 1]),
  };
  if (rng.chance(0.6)) o.maxLingering = rng.pick([0, 1, 2, 16]);
  return o;
}

/** Anomaly details that are durations (seconds): never negative, whatever the timestamps. */
const DURATION_DETAILS = ['interval', 'sinceClose', 'waited', 'survived', 'idleSeconds'];

/**
 * Mutated timestamps run backwards all the time: no interval a connection reports may be negative
 * (flow/clock-steps.ts).
 */
function negativeIntervals(c: Connection, out: string[]): void {
  const where = `connection ${c.id}`;
  const rtt = c.handshake.rtt;
  for (const [k, v] of Object.entries(rtt)) if (v !== null && !(v >= 0)) out.push(`${where}: rtt.${k} ${v}`);
  if (!(c.end >= c.start)) out.push(`${where}: end ${c.end} before start ${c.start}`);
  for (const a of c.anomalies) {
    const d = a.details ?? {};
    for (const k of DURATION_DETAILS) if (typeof d[k] === 'number' && !((d[k] as number) >= 0)) out.push(`${where}: ${a.id} details.${k} ${String(d[k])}`);
    if (Array.isArray(d['intervals']) && (d['intervals'] as number[]).some((x) => !(x >= 0))) out.push(`${where}: ${a.id} details.intervals ${JSON.stringify(d['intervals'])}`);
  }
}

export function describeTrackerOptions(o: TrackerOptions): string {
  return o === DEFAULT_TRACKER_OPTIONS ? 'default tracker options' : `tracker options ${JSON.stringify(o)}`;
}

export interface RunResult {
  /** What push()/end() threw, or null. */
  error: unknown;
  info: CaptureInfo | null;
  /** One line per frame: frame fields, a hash of its bytes and a hash of its decode. */
  frames: string[];
  /** Bytes of each frame's record as the parser saw them (caplen), for the pcap byte count. */
  caplens: number[];
  kinds: Record<FrameKind, number>;
  tcp: number;
  totals: TrackerTotals | null;
  connections: number;
  violations: string[];
  ms: number;
  /** Growth of ArrayBuffer memory over the run, measured before the parser is dropped. */
  memGrowth: number;
}

/** The per-frame checks and the tracker, shared by the sync (parser) and async (reader) drivers. */
export class FrameChecker {
  readonly violations: string[] = [];
  readonly frames: string[] = [];
  readonly caplens: number[] = [];
  readonly kinds = Object.fromEntries(FRAME_KINDS.map((k) => [k, 0])) as Record<FrameKind, number>;
  tcp = 0;
  private readonly seg = newSegment();
  private readonly decodeOpts: { verifyChecksums: boolean };
  private readonly conns: Connection[] = [];
  private readonly tracker: Tracker | null;
  private trackerDead = false;

  constructor(private readonly opts: { verifyChecksums: boolean; track: boolean; trackerOptions?: TrackerOptions }) {
    this.decodeOpts = { verifyChecksums: opts.verifyChecksums };
    this.tracker = opts.track ? new Tracker(opts.trackerOptions ?? DEFAULT_TRACKER_OPTIONS, { onConnection: (c) => this.conns.push(c) }) : null;
  }

  readonly onFrame = (f: Frame): void => {
    const { violations, frames, caplens, seg } = this;
    const n = frames.length + 1;
    if (f.frameNo !== n) violations.push(`frame number ${f.frameNo} delivered as the ${n}th frame`);
    if (!isU(f.offset, U32) || !isU(f.caplen, U32 - 1) || f.offset + f.caplen > f.data.length) {
      violations.push(`frame ${n}: bytes [${f.offset}, +${f.caplen}) outside its buffer of ${f.data.length}`);
      frames.push(`frame ${n} out of bounds`);
      caplens.push(f.caplen);
      return;
    }
    if (!isU(f.origLen, U32 - 1)) violations.push(`frame ${n}: origLen ${f.origLen}`);
    if (!isU(f.tsNsec, 999_999_999) || !Number.isFinite(f.tsSec) || f.tsSec % 1 !== 0) violations.push(`frame ${n}: timestamp ${f.tsSec}.${f.tsNsec}`);
    if (!isU(f.fcsLen, 0xffff) || f.linkType % 1 !== 0) violations.push(`frame ${n}: fcsLen ${f.fcsLen} / linkType ${f.linkType}`);
    let kind: FrameKind;
    let dh = 0;
    try {
      kind = decodeFrame(f, seg, this.decodeOpts);
      dh = checkSegment(f, seg, kind, this.opts.verifyChecksums, violations);
    } catch (e) {
      violations.push(`frame ${n}: decodeFrame threw: ${errText(e)} (frame bytes ${f.data.toString('hex', f.offset, f.offset + Math.min(f.caplen, 128))}, linkType ${f.linkType}, caplen ${f.caplen}, origLen ${f.origLen}, fcsLen ${f.fcsLen})`);
      kind = 'malformed';
      dh = -1;
    }
    if (this.kinds[kind] !== undefined) this.kinds[kind]++;
    if (kind === 'tcp') {
      this.tcp++;
      if (this.tracker !== null && !this.trackerDead) {
        try {
          this.tracker.push(seg);
        } catch (e) {
          this.trackerDead = true;
          violations.push(`frame ${n}: Tracker.push threw: ${errText(e)}`);
        }
      }
    }
    frames.push(`${f.tsSec}.${f.tsNsec} ${f.caplen}/${f.origLen} lt${f.linkType} fcs${f.fcsLen} if${f.interfaceId} b${fnvBytes(f.data, f.offset, f.offset + f.caplen).toString(16)} d${dh.toString(16)}`);
    caplens.push(f.caplen);
  };

  /** Finishes the tracker and checks what holds over the whole input. */
  result(info: CaptureInfo | null, error: unknown, inputBytes: number | null, ms: number, memGrowth: number): RunResult {
    const { violations, frames, kinds } = this;
    let totals: TrackerTotals | null = null;
    if (this.tracker !== null && !this.trackerDead) {
      try {
        const done = this.tracker.finish();
        totals = done.totals;
        if (totals.segments !== this.tcp) violations.push(`tracker counted ${totals.segments} segments, ${this.tcp} were pushed`);
        if (this.conns.length !== totals.connections) violations.push(`tracker emitted ${this.conns.length} connections but counts ${totals.connections}`);
        for (const c of this.conns) negativeIntervals(c, violations);
        const placed = this.conns.reduce((a, c) => a + c.packets.client + c.packets.server, 0);
        if (placed + totals.unplaced + totals.late !== totals.segments) {
          violations.push(`tracker: ${placed} packets in connections + ${totals.unplaced} unplaced + ${totals.late} late != ${totals.segments} segments`);
        }
      } catch (e) {
        violations.push(`Tracker.finish threw: ${errText(e)}`);
      }
    }
    if (info !== null) {
      if (info.frames !== frames.length) violations.push(`CaptureInfo.frames ${info.frames} but ${frames.length} frames delivered`);
      let lt = 0;
      for (const v of info.linkTypes.values()) lt += v;
      if (lt !== info.frames) violations.push(`CaptureInfo.linkTypes sum to ${lt}, frames ${info.frames}`);
      if (inputBytes !== null && info.bytes !== inputBytes) violations.push(`CaptureInfo.bytes ${info.bytes}, input ${inputBytes}`);
      for (const w of info.warnings) {
        if (!['truncated', 'corrupt', 'unsupported', 'time-backwards'].includes(w.kind) || typeof w.message !== 'string' || w.message.includes('\n')) {
          violations.push(`warning not one line of a known kind: ${JSON.stringify(w)}`);
        }
      }
    }
    const total = FRAME_KINDS.reduce((a, k) => a + kinds[k], 0);
    if (total !== frames.length) violations.push(`frame kinds sum to ${total}, ${frames.length} frames`);
    return { error, info, frames, caplens: this.caplens, kinds, tcp: this.tcp, totals, connections: this.conns.length, violations, ms, memGrowth };
  }
}

/** Feeds `bytes` to the push parser (whole or in chunks) through a FrameChecker. */
export function runCapture(name: string, bytes: Buffer, opts: RunOptions): RunResult {
  const checker = new FrameChecker(opts);
  const mem0 = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  const parser = createCaptureParser(name, checker.onFrame);
  let error: unknown = null;
  let info: CaptureInfo | null = null;
  try {
    if (opts.chunks === null) {
      parser.push(bytes);
    } else {
      let pos = 0;
      for (const n of opts.chunks) {
        parser.push(bytes.subarray(pos, pos + n));
        pos += n;
      }
      if (pos !== bytes.length) throw new Error(`fuzz harness: chunks cover ${pos} of ${bytes.length} bytes`);
    }
    info = parser.end();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const memGrowth = process.memoryUsage().arrayBuffers - mem0;
  return checker.result(info, error, bytes.length, ms, memGrowth);
}

/** CaptureInfo as comparable plain data (the Map made an array). */
export function infoDigest(info: CaptureInfo | null): string {
  if (info === null) return 'null';
  return JSON.stringify({ ...info, linkTypes: [...info.linkTypes.entries()].sort((a, b) => a[0] - b[0]) });
}
