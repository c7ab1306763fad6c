/**
 * The second pass behind `analyze --conn`: the tracker keeps no segments (memory stays flat), so the
 * inputs are read again and only frames inside a selected connection's packet range and 4-tuple are
 * decoded further and copied out. Reading stops once the last selected packet has passed.
 */
import { FLAG, type Segment, type TcpOption } from '../decode/segment.js';
import type { Connection } from '../flow/model.js';
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

/** "10.0.0.1" → [0x0a000001, 0, 0, 0]; IPv6 (with ::, or embedded IPv4) → four big-endian words. */
export function addressWords(ip: string): Uint32Array {
  const w = new Uint32Array(4);
  if (!ip.includes(':')) {
    const parts = ip.split('.').map(Number);
    w[0] = (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0);
    return w;
  }
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const dbl = text.indexOf('::');
  let groups: string[];
  if (dbl >= 0) {
    const h = text.slice(0, dbl).split(':').filter(Boolean);
    const r = text.slice(dbl + 2).split(':').filter(Boolean);
    groups = [...h, ...new Array<string>(Math.max(0, 8 - h.length - r.length)).fill('0'), ...r];
  } else {
    groups = text.split(':');
  }
  for (let i = 0; i < 4; i++) w[i] = ((parseInt(groups[2 * i] ?? '0', 16) << 16) | parseInt(groups[2 * i + 1] ?? '0', 16)) >>> 0;
  return w;
}

interface Want {
  conn: Connection;
  cAddr: Uint32Array;
  sAddr: Uint32Array;
  segs: LadderSegment[];
}

function sameAddr(a: Uint32Array, b: Uint32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

export async function collectLadders(
  paths: readonly string[], conns: readonly Connection[], verifyChecksums: boolean, maxSegments = 2000,
): Promise<Map<number, LadderSegment[]>> {
  const wants: Want[] = conns.map((conn) => ({
    conn, cAddr: addressWords(conn.client.ip), sAddr: addressWords(conn.server.ip), segs: [],
  }));
  const lo = Math.min(...conns.map((c) => c.firstPacket));
  const hi = Math.max(...conns.map((c) => c.lastPacket));
  const stop = new AbortController();
  const onTcp = (seg: Segment): void => {
    const no = seg.frameNo;
    if (no < lo) return;
    if (no > hi) { stop.abort(); return; }
    for (const w of wants) {
      const c = w.conn;
      if (no < c.firstPacket || no > c.lastPacket || w.segs.length >= maxSegments) continue;
      let fromClient: boolean;
      if (seg.srcPort === c.client.port && seg.dstPort === c.server.port && sameAddr(seg.src, w.cAddr) && sameAddr(seg.dst, w.sAddr)) fromClient = true;
      else if (seg.srcPort === c.server.port && seg.dstPort === c.client.port && sameAddr(seg.src, w.sAddr) && sameAddr(seg.dst, w.cAddr)) fromClient = false;
      else continue;
      w.segs.push({
        packet: no, t: seg.tsSec + seg.tsNsec / 1e9, fromClient, flags: seg.flags, seq: seg.seq, ack: seg.ack,
        len: seg.payloadLen, window: seg.window, options: seg.flags & FLAG.SYN ? decodeOptions(seg).options : [],
      });
    }
  };
  await readInputs(paths, new FrameSink(verifyChecksums, onTcp), { signal: stop.signal });
  return new Map(wants.map((w) => [w.conn.id, w.segs]));
}
