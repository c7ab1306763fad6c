/**
 * The hot loop shared by every command: one Frame in, decoded into ONE reused Segment, counted, and
 * handed on when it is TCP. Nothing is allocated per packet; the per-frame function is created once
 * per sink, not per packet.
 */
import type { Frame } from '../capture/frame.js';
import { ISSUE_NAMES, newSegment, type FrameKind, type Segment } from '../decode/segment.js';
import { shardOf, tupleHash } from '../flow/conn-table.js';
import { decodeFrame } from './stages.js';
import type { FrameCounts } from './types.js';

/**
 * A sink that serves one shard of a sharded run (shards.ts): segments of other shards' 4-tuples only
 * move its clock (`foreign`), and each frame is counted by one shard only (its owner: the 4-tuple's
 * shard for TCP, shard 0 for the rest), so the shards' counts add up to one thread's.
 */
export interface SinkShard {
  index: number;
  count: number;
  foreign(frameNo: number, t: number): void;
}

const ETHERNET = 1, ETH_HEADER = 14, ETHERTYPE_IPV4 = 0x0800, IPV4_MIN = 20, TCP_MIN = 20, PROTO_TCP = 6;
const src4 = new Uint32Array(4), dst4 = new Uint32Array(4);

/**
 * The 4-tuple hash of a plain Ethernet/IPv4/TCP frame read straight from its bytes, or -1 when the
 * frame is anything else (VLAN, IPv6, fragment, options cut short...): a shard skips the decoding of
 * its peers' segments. Only frames the decoder certainly makes a TCP segment of pass, with the
 * addresses and ports it would read, so the hash is the one tupleHash gives for the decoded segment.
 */
function plainTcpHash(f: Frame): number {
  if (f.linkType !== ETHERNET || f.fcsLen !== 0) return -1;
  const b = f.data, o = f.offset, cap = f.caplen;
  if (cap < ETH_HEADER + IPV4_MIN + TCP_MIN || o + cap > b.length) return -1;
  if (((b[o + 12]! << 8) | b[o + 13]!) !== ETHERTYPE_IPV4) return -1;
  const ip = o + ETH_HEADER, vihl = b[ip]!;
  const ihl = (vihl & 0x0f) * 4;
  if (vihl >> 4 !== 4 || ihl < IPV4_MIN || b[ip + 9] !== PROTO_TCP) return -1;
  // Fragments (offset or more-fragments set) and a zero or too short total length go the long way.
  if (((b[ip + 6]! << 8) | b[ip + 7]!) & 0x3fff) return -1;
  const total = (b[ip + 2]! << 8) | b[ip + 3]!;
  if (total < ihl + TCP_MIN || total > f.origLen - ETH_HEADER || cap < ETH_HEADER + ihl + TCP_MIN) return -1;
  // Big-endian words, as the decoder reads them (without Buffer's bounds checks: checked above).
  src4[0] = (b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!;
  dst4[0] = (b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!;
  const t = ip + ihl;
  return tupleHash(4, src4, (b[t]! << 8) | b[t + 1]!, dst4, (b[t + 2]! << 8) | b[t + 3]!);
}

const ISSUE_BITS = Object.keys(ISSUE_NAMES).map(Number).sort((a, b) => a - b);

export class FrameSink {
  readonly seg: Segment = newSegment();
  frames = 0;
  tcp = 0;
  private readonly kinds: Record<Exclude<FrameKind, 'tcp'>, number> = {
    'not-ip': 0, 'not-tcp': 0, fragment: 0, 'unsupported-link': 0, truncated: 0, malformed: 0,
  };
  private readonly issueCounts = new Float64Array(ISSUE_BITS.length);
  /** LINKTYPE → frames the decoder could not decode for lack of support (per current input). */
  unsupported = new Map<number, number>();
  /** Added to the reader's per-file frame numbers, so numbers run on across inputs. */
  frameBase = 0;
  /** Highest frame number (in the run's numbering) handed in. */
  lastFrameNo = 0;
  /** Captured bytes seen (caplen sum), for progress estimates. */
  capturedBytes = 0;

  private readonly opts: { verifyChecksums: boolean };

  /** onTcp's `hash`: the segment's tupleHash when a shard computed it, else -1. */
  constructor(verifyChecksums: boolean, private readonly onTcp: (seg: Segment, hash: number) => void,
    private readonly shard: SinkShard | null = null) {
    this.opts = { verifyChecksums };
  }

  /** The per-frame callback: pass `sink.frame` to a reader. */
  readonly frame = (f: Frame): void => {
    const seg = this.seg;
    this.frames++;
    this.capturedBytes += f.caplen;
    const no = f.frameNo + this.frameBase;
    this.lastFrameNo = no;
    const shard = this.shard;
    let hash = -1;
    if (shard !== null) {
      hash = plainTcpHash(f);
      if (hash >= 0 && shardOf(hash, shard.count) !== shard.index) { shard.foreign(no, f.tsSec + f.tsNsec / 1e9); return; }
    }
    const kind = decodeFrame(f, seg, this.opts);
    seg.frameNo = no;
    if (kind === 'tcp') {
      if (shard !== null && hash < 0) {
        hash = tupleHash(seg.ipVersion, seg.src, seg.srcPort, seg.dst, seg.dstPort);
        if (shardOf(hash, shard.count) !== shard.index) { shard.foreign(no, f.tsSec + f.tsNsec / 1e9); return; }
      }
      this.tcp++;
      if (seg.issues !== 0) this.countIssues(seg.issues);
      this.onTcp(seg, hash);
      return;
    }
    // Not TCP: counted by shard 0 (or, when it passed for plain TCP, by its 4-tuple's shard: this one).
    if (shard !== null && hash < 0 && shard.index !== 0) return;
    this.kinds[kind]++;
    if (kind === 'unsupported-link') this.unsupported.set(f.linkType, (this.unsupported.get(f.linkType) ?? 0) + 1);
  };

  private countIssues(bits: number): void {
    for (let i = 0; i < ISSUE_BITS.length; i++) if (bits & ISSUE_BITS[i]!) this.issueCounts[i]!++;
  }

  counts(): FrameCounts {
    const decodeIssues: Record<string, number> = {};
    ISSUE_BITS.forEach((bit, i) => { if (this.issueCounts[i]! > 0) decodeIssues[ISSUE_NAMES[bit]!] = this.issueCounts[i]!; });
    return { frames: this.frames, tcpSegments: this.tcp, nonTcp: { ...this.kinds }, decodeIssues };
  }
}
