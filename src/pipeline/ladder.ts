/**
 * Second passes over the inputs for chosen connections: the tracker keeps no segments (memory stays
 * flat), so `analyze --conn` (the ladder) and `packets --conn` read the inputs again and pick the frames
 * inside a chosen connection's packet range and 4-tuple. The ladder's pass stops once the last chosen
 * packet has passed. Both apply the capture filter of the first pass, so they see what the tracker saw.
 */
import { FLAG, type Segment, type TcpOption } from '../decode/segment.js';
import type { Connection } from '../flow/model.js';
import { parseAddress } from '../util/address.js';
import { readInputs } from './inputs.js';
import { FrameSink } from './sink.js';
import { decodeOptions } from './stages.js';

/** One segment of the connection, copied out of the reused Segment during the second pass. */
export interface LadderSegment {
  packet: number;
  t: number;
  fromClient: boolean;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  window: number;
  /** Decoded options of SYN segments (the ones a reader of a ladder needs); [] for the rest. */
  options: TcpOption[];
}

/** The decoder's address words of a printed address (a Connection's client or server ip). */
export function addressWords(ip: string): Uint32Array {
  const a = parseAddress(ip);
  if (a === null) throw new Error(`not an address: ${ip}`);
  return a.words;
}

function sameAddr(a: Uint32Array, b: Uint32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Which chosen connection a segment belongs to, by 4-tuple and packet range. */
export class ConnectionFrames {
  /** The first and last packet of all chosen connections. */
  readonly lo: number;
  readonly hi: number;
  /** Set by match(): whether the matched segment came from the client. */
  fromClient = false;
  private readonly cAddr: Uint32Array[];
  private readonly sAddr: Uint32Array[];

  constructor(readonly conns: readonly Connection[]) {
    this.cAddr = conns.map((c) => addressWords(c.client.ip));
    this.sAddr = conns.map((c) => addressWords(c.server.ip));
    this.lo = Math.min(...conns.map((c) => c.firstPacket));
    this.hi = Math.max(...conns.map((c) => c.lastPacket));
  }

  /** Index in `conns` of the connection `seg` belongs to, or -1. */
  match(seg: Segment): number {
    const no = seg.frameNo;
    if (no < this.lo || no > this.hi) return -1;
    for (let i = 0; i < this.conns.length; i++) {
      const c = this.conns[i]!;
      if (no < c.firstPacket || no > c.lastPacket) continue;
      if (seg.srcPort === c.client.port && seg.dstPort === c.server.port && sameAddr(seg.src, this.cAddr[i]!) && sameAddr(seg.dst, this.sAddr[i]!)) {
        this.fromClient = true;
        return i;
      }
      if (seg.srcPort === c.server.port && seg.dstPort === c.client.port && sameAddr(seg.src, this.sAddr[i]!) && sameAddr(seg.dst, this.cAddr[i]!)) {
        this.fromClient = false;
        return i;
      }
    }
    return -1;
  }
}

/** What a second pass found for one connection: the first `maxSegments` copies, out of `found`. */
export interface Collected<T> {
  items: T[];
  found: number;
}

/**
 * Reads the inputs again and hands each segment of the chosen connections (their packet range and
 * 4-tuple, either direction; only what the first pass's capture filter `accept`ed) to `copy` while it
 * is valid; keeps the first `maxSegments` copies of each connection and counts the rest. Stops once
 * the last chosen packet has passed.
 */
export async function collectSegments<T>(
  paths: readonly string[], conns: readonly Connection[], verifyChecksums: boolean, maxSegments: number,
  copy: (seg: Segment, fromClient: boolean) => T,
  accept: ((seg: Segment) => boolean) | null = null, names?: readonly string[],
): Promise<Map<number, Collected<T>>> {
  if (conns.length === 0) return new Map();
  const frames = new ConnectionFrames(conns);
  const found: Array<Collected<T>> = conns.map(() => ({ items: [], found: 0 }));
  const stop = new AbortController();
  const onTcp = (seg: Segment): void => {
    if (seg.frameNo > frames.hi) { stop.abort(); return; }
    if (accept !== null && !accept(seg)) return;
    const i = frames.match(seg);
    if (i < 0) return;
    const f = found[i]!;
    if (f.found++ < maxSegments) f.items.push(copy(seg, frames.fromClient));
  };
  await readInputs(paths, new FrameSink(verifyChecksums, onTcp), { signal: stop.signal, ...(names ? { names } : {}) });
  return new Map(conns.map((c, i) => [c.id, found[i]!]));
}

/** The ladder's copy of a segment: what the diagram draws (options only for SYNs). */
function ladderSegment(seg: Segment, fromClient: boolean): LadderSegment {
  return {
    packet: seg.frameNo, t: seg.tsSec + seg.tsNsec / 1e9, fromClient, flags: seg.flags, seq: seg.seq, ack: seg.ack,
    len: seg.payloadLen, window: seg.window, options: seg.flags & FLAG.SYN ? decodeOptions(seg).options : [],
  };
}

export async function collectLadders(
  paths: readonly string[], conns: readonly Connection[], verifyChecksums: boolean,
  accept: ((seg: Segment) => boolean) | null = null, maxSegments = 2000, names?: readonly string[],
): Promise<Map<number, LadderSegment[]>> {
  const found = await collectSegments(paths, conns, verifyChecksums, maxSegments, ladderSegment, accept, names);
  return new Map(conns.map((c) => [c.id, found.get(c.id)?.items ?? []]));
}
