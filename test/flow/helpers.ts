/**
 * Test helpers for the flow stage: build TCP segments as a conversation ("client sends SYN, server
 * answers SYN-ACK...") so a test says only what differs, and run them through a Tracker.
 *
 * Segments are pushed through ONE reused Segment record, as the decoder does, so a tracker that
 * kept a reference instead of copying fails these tests.
 */
import { FLAG, newSegment, type Segment } from '../../src/decode/segment.js';
import { DEFAULT_TRACKER_OPTIONS, type AnomalyOccurrence, type Connection, type FlowEvent, type Listener, type TrackerOptions, type TrackerTotals } from '../../src/flow/model.js';
import type { FoldedListeners } from '../../src/flow/listener-fold.js';
import { Tracker } from '../../src/flow/tracker.js';

export { FLAG };

export interface SegSpec {
  from: 'client' | 'server';
  flags: number;
  seq: number;
  ack: number;
  t: number;
  len: number;
  window: number;
  /** Raw TCP option bytes (SYN offers). */
  options?: number[];
  issues?: number;
}

export interface Offer { mss?: number; wscale?: number; sackOk?: boolean; ts?: boolean; tfo?: string }

/** TCP option bytes for a SYN offer. */
export function offerBytes(o: Offer): number[] {
  const b: number[] = [];
  if (o.mss !== undefined) b.push(2, 4, o.mss >> 8, o.mss & 0xff);
  if (o.sackOk) b.push(4, 2);
  if (o.ts) b.push(8, 10, 0, 0, 0, 1, 0, 0, 0, 0);
  if (o.wscale !== undefined) b.push(1, 3, 3, o.wscale);
  if (o.tfo !== undefined) {
    const cookie = Buffer.from(o.tfo, 'hex');
    b.push(34, 2 + cookie.length, ...cookie);
  }
  while (b.length % 4 !== 0) b.push(1);
  return b;
}

interface Step { dt?: number; seq?: number; ack?: number; len?: number; window?: number; options?: Offer; issues?: number; flags?: number }

/**
 * A conversation between one client and one server. Each builder appends one segment with the
 * sequence and acknowledgement numbers a correct stack would use; pass `seq`/`ack` to lie.
 */
export class Conversation {
  readonly segments: SegSpec[] = [];
  t: number;
  cNext: number;
  sNext: number;
  /** Highest sequence each side has acknowledged so far (what a correct ACK carries). */
  cAcked = 0;
  sAcked = 0;

  constructor(readonly cIsn = 1000, readonly sIsn = 5000, t0 = 1_700_000_000) {
    this.t = t0;
    this.cNext = cIsn;
    this.sNext = sIsn;
  }

  private add(from: 'client' | 'server', flags: number, step: Step, consumes: number): this {
    this.t += step.dt ?? 0.001;
    const isClient = from === 'client';
    const seq = step.seq ?? (isClient ? this.cNext : this.sNext);
    const ack = step.ack ?? (flags & FLAG.ACK ? (isClient ? this.sNext : this.cNext) : 0);
    const len = step.len ?? 0;
    const spec: SegSpec = { from, flags: step.flags ?? flags, seq: seq >>> 0, ack: ack >>> 0, t: this.t, len, window: step.window ?? 65535 };
    if (step.options) spec.options = offerBytes(step.options);
    if (step.issues !== undefined) spec.issues = step.issues;
    this.segments.push(spec);
    if (step.seq === undefined) {
      if (isClient) this.cNext = (this.cNext + len + consumes) >>> 0; else this.sNext = (this.sNext + len + consumes) >>> 0;
    }
    return this;
  }

  syn(step: Step = {}): this { return this.add('client', FLAG.SYN, step, 1); }
  synRetransmit(step: Step = {}): this { return this.add('client', FLAG.SYN, { seq: this.cIsn, ...step }, 0); }
  synAck(step: Step = {}): this { return this.add('server', FLAG.SYN | FLAG.ACK, step, 1); }
  synAckRetransmit(step: Step = {}): this { return this.add('server', FLAG.SYN | FLAG.ACK, { seq: this.sIsn, ...step }, 0); }
  /** The server's own SYN (simultaneous open). */
  serverSyn(step: Step = {}): this { return this.add('server', FLAG.SYN, step, 1); }
  /** The client's SYN-ACK (simultaneous open). */
  clientSynAck(step: Step = {}): this { return this.add('client', FLAG.SYN | FLAG.ACK, { seq: this.cIsn, ...step }, 0); }
  ack(from: 'client' | 'server' = 'client', step: Step = {}): this { return this.add(from, FLAG.ACK, step, 0); }
  data(from: 'client' | 'server', len: number, step: Step = {}): this { return this.add(from, FLAG.ACK | FLAG.PSH, { len, ...step }, 0); }
  fin(from: 'client' | 'server', step: Step = {}): this { return this.add(from, FLAG.FIN | FLAG.ACK, step, 1); }
  /** A FIN re-sent at its original sequence number. */
  finRetransmit(from: 'client' | 'server', step: Step = {}): this {
    const seq = (from === 'client' ? this.cNext : this.sNext) - 1;
    return this.add(from, FLAG.FIN | FLAG.ACK, { seq, ...step }, 0);
  }
  rst(from: 'client' | 'server', step: Step = {}): this { return this.add(from, FLAG.RST | FLAG.ACK, step, 0); }
  /** A bare RST (no ACK), as a SYN_SENT abort or a refusal of a stack that sets no ACK. */
  rstNoAck(from: 'client' | 'server', step: Step = {}): this { return this.add(from, FLAG.RST, step, 0); }
  /** Let capture time pass (nothing is sent). */
  wait(seconds: number): this { this.t += seconds; return this; }

  /** The usual three-way handshake. */
  handshake(offer: Offer = { mss: 1460, wscale: 7, sackOk: true, ts: true }): this {
    return this.syn({ options: offer }).synAck({ options: offer }).ack();
  }
}

export interface Endpoints {
  clientIp?: number[]; clientPort?: number; serverIp?: number[]; serverPort?: number; ipVersion?: 4 | 6;
}

const DEFAULT_ENDPOINTS = { clientIp: [0xc6120001], clientPort: 40000, serverIp: [0xc6120002], serverPort: 80, ipVersion: 4 as const };

/** Fill the reused segment record from a spec (addresses per direction). */
export function fillSegment(seg: Segment, s: SegSpec, ends: Endpoints = {}, frameNo = 1): Segment {
  const e = { ...DEFAULT_ENDPOINTS, ...ends };
  const fromClient = s.from === 'client';
  const src = fromClient ? e.clientIp : e.serverIp, dst = fromClient ? e.serverIp : e.clientIp;
  seg.kind = 'tcp';
  seg.frameNo = frameNo;
  seg.tsSec = Math.floor(s.t);
  seg.tsNsec = Math.round((s.t - Math.floor(s.t)) * 1e9);
  seg.ipVersion = e.ipVersion;
  seg.src.fill(0); seg.dst.fill(0);
  for (let i = 0; i < src.length; i++) seg.src[i] = src[i]! >>> 0;
  for (let i = 0; i < dst.length; i++) seg.dst[i] = dst[i]! >>> 0;
  seg.srcPort = fromClient ? e.clientPort : e.serverPort;
  seg.dstPort = fromClient ? e.serverPort : e.clientPort;
  seg.seq = s.seq >>> 0;
  seg.ack = s.ack >>> 0;
  const opts = s.options ?? [];
  seg.dataOffset = 5 + opts.length / 4;
  seg.flags = s.flags;
  seg.window = s.window;
  seg.payloadLen = s.len;
  seg.capturedPayloadLen = s.len;
  seg.tcpOffset = 0;
  seg.optionsLen = opts.length;
  seg.issues = s.issues ?? 0;
  seg.checksumStatus = 'unverified';
  const data = Buffer.alloc(20 + opts.length + s.len);
  Buffer.from(opts).copy(data, 20);
  seg.data = data;
  return seg;
}

export interface RunResult {
  connections: Connection[];
  listeners: Listener[];
  listenersFolded?: FoldedListeners;
  totals: TrackerTotals;
  anomalies: AnomalyOccurrence[];
  events: FlowEvent[];
  /** Connections the tracker compacted into embryos (Tracker.compactions). */
  compactions: number;
}

/**
 * A test that asks for compaction compacts from the first connection (TrackerOptions.compactFrom 0)
 * unless it sets a threshold: its few connections never reach the default one.
 */
function trackerOptions(opts: Partial<TrackerOptions>): TrackerOptions {
  return { ...DEFAULT_TRACKER_OPTIONS, ...(opts.compactEmbryos === true ? { compactFrom: 0 } : {}), ...opts };
}

/** Feed conversations (each with its own endpoints) through one tracker, in time order. */
export function runConversations(parts: Array<{ conv: Conversation; ends?: Endpoints }>, opts: Partial<TrackerOptions> = {}): RunResult {
  const all: Array<{ s: SegSpec; ends: Endpoints | undefined }> = [];
  for (const p of parts) for (const s of p.conv.segments) all.push({ s, ends: p.ends });
  all.sort((a, b) => a.s.t - b.s.t);
  const connections: Connection[] = [];
  const events: FlowEvent[] = [];
  // Live events turn compaction off (embryo.ts); a test that asks for it goes without them.
  const tracker = new Tracker(trackerOptions(opts),
    opts.compactEmbryos === true ? { onConnection: (c) => connections.push(c) } : { onConnection: (c) => connections.push(c), onEvent: (e) => events.push(e) });
  const seg = newSegment();
  let frameNo = 0;
  for (const { s, ends } of all) tracker.push(fillSegment(seg, s, ends, ++frameNo));
  const end = tracker.finish();
  return {
    connections, listeners: end.listeners, totals: end.totals, anomalies: end.anomalies, events, compactions: tracker.compactions,
    ...(end.listenersFolded ? { listenersFolded: end.listenersFolded } : {}),
  };
}

export function run(conv: Conversation, opts: Partial<TrackerOptions> = {}, ends?: Endpoints): RunResult {
  return runConversations([{ conv, ends }], opts);
}

/** The one connection a scenario produced (fails loudly otherwise). */
export function only(r: RunResult): Connection {
  if (r.connections.length !== 1) throw new Error(`expected 1 connection, got ${r.connections.length}`);
  return r.connections[0]!;
}

export function ids(c: Connection): string[] {
  return c.anomalies.map((a) => a.id);
}

/** "endpoint from→to" steps of a connection's timeline, for compact assertions. */
export function steps(c: Connection, endpoint: 'client' | 'server'): string[] {
  return c.timeline.filter((x) => x.endpoint === endpoint).map((x) => x.to);
}

/** Run a capture file through reader → decoder → tracker (the real stages), collecting everything. */
export async function analyzeFile(path: string, opts: Partial<TrackerOptions> = {}, decode: { verifyChecksums?: boolean } = {}): Promise<RunResult> {
  const { readCapture } = await import('../../src/capture/reader.js');
  const { decodeFrame } = await import('../../src/decode/decode.js');
  const connections: Connection[] = [];
  const events: FlowEvent[] = [];
  // Live events turn compaction off (embryo.ts); a test that asks for it goes without them.
  const tracker = new Tracker(trackerOptions(opts),
    opts.compactEmbryos === true ? { onConnection: (c) => connections.push(c) } : { onConnection: (c) => connections.push(c), onEvent: (e) => events.push(e) });
  const seg = newSegment();
  const decodeOpts = { verifyChecksums: decode.verifyChecksums ?? false };
  await readCapture(path, (frame) => {
    if (decodeFrame(frame, seg, decodeOpts) === 'tcp') tracker.push(seg);
  });
  const end = tracker.finish();
  connections.sort((a, b) => a.id - b.id);
  return { connections, listeners: end.listeners, totals: end.totals, anomalies: end.anomalies, events, compactions: tracker.compactions };
}
