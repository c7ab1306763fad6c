/**
 * Bad input never crashes the decoder: per-layer lists of malformed byte arrays that must each end in a
 * named kind or issue, then seeded random frames and mutations of real packets over every link type.
 */
import { decodeFrame } from '../../src/decode/decode.js';
import { formatSegmentLine } from '../../src/decode/format.js';
import { decodeOptions, readSynOptions } from '../../src/decode/options.js';
import { ISSUE, newSegment, newSynOptions, type FrameKind } from '../../src/decode/segment.js';
import { decode, eth, ext6, frame, hex, ip4, ip4tcp, ip6, ip6tcp, tag, tcp } from './build.js';

type Expect = FrameKind | { issue: number };

const LINK: Array<[string, number[], number, Expect]> = [
  ['Ethernet header of 13 bytes', eth([]).slice(0, 13), 1, 'malformed'],
  ['VLAN tag cut short', eth([0x00, 0x2a], 0x8100), 1, 'malformed'],
  ['VLAN tags forever (17 deep)', eth(Array.from({ length: 17 }, () => tag(1, 0x8100)).flat(), 0x8100), 1, 'malformed'],
  ['MPLS without bottom of stack', eth([0, 1, 0x40, 64], 0x8847), 1, 'malformed'],
  ['MPLS payload neither IP nor pseudowire', eth([0, 1, 0x41, 64, 0x70, 0, 0, 0], 0x8847), 1, 'not-ip'],
  ['PPPoE header cut', eth([0x11, 0, 0, 1], 0x8864), 1, 'malformed'],
  ['LLC cut', eth([0xaa, 0xaa], 20), 1, 'malformed'],
  ['SNAP cut', eth([0xaa, 0xaa, 0x03, 0, 0], 20), 1, 'malformed'],
  ['SLL of 15 bytes', new Array(15).fill(0), 113, 'malformed'],
  ['SLL2 of 19 bytes', new Array(19).fill(0), 276, 'malformed'],
  ['NULL of 3 bytes', [2, 0, 0], 0, 'malformed'],
  ['LOOP of 2 bytes', [0, 0], 108, 'malformed'],
  ['raw IP, empty', [], 101, 'malformed'],
];

const IP: Array<[string, number[], Expect]> = [
  ['version 7', ip4tcp({}, { version: 7 }), 'malformed'],
  ['IHL 0', ip4tcp({}, { ihl: 0 }), 'malformed'],
  ['IHL 15 past the frame', ip4tcp({}, { ihl: 15 }).slice(0, 40), 'malformed'],
  ['total length 19', ip4tcp({}, { totalLength: 19 }), 'malformed'],
  ['total length past the frame', ip4tcp({}, { totalLength: 1500 }), { issue: ISSUE.BAD_IP }],
  ['IPv4 header of 12 bytes', ip4tcp().slice(0, 12), 'malformed'],
  ['AH running past the datagram', ip4([6, 200, 0, 0, 0, 0, 0, 0], { proto: 51 }), 'malformed'],
  ['IPv6 header of 39 bytes', ip6tcp().slice(0, 39), 'malformed'],
  ['hop-by-hop header past the datagram', ip6([6, 9, 0, 0, 0, 0, 0, 0], { nextHeader: 0 }), 'malformed'],
  ['17 destination-option headers', ip6(Array.from({ length: 17 }, () => ext6(60, [])).flat(), { nextHeader: 60 }), 'malformed'],
  ['fragment header cut', ip6([6, 0, 0], { nextHeader: 44 }), 'malformed'],
  ['IPv6 payload length past the frame', ip6tcp({}, { payloadLength: 9000 }), { issue: ISSUE.BAD_IP }],
];

const TCP: Array<[string, number[], Expect]> = [
  ['TCP header of 19 bytes', ip4(tcp().slice(0, 19)), 'malformed'],
  ['data offset 0', ip4(tcp({ dataOffset: 0 })), { issue: ISSUE.BAD_HEADER_LENGTH }],
  ['data offset 4', ip4(tcp({ dataOffset: 4 })), { issue: ISSUE.BAD_HEADER_LENGTH }],
  ['data offset 15, 20-byte segment', ip4(tcp({ dataOffset: 15 })), { issue: ISSUE.BAD_HEADER_LENGTH }],
  ['option length 1', ip4(tcp({ options: [2, 1, 0, 0] })), { issue: ISSUE.MALFORMED_OPTION }],
  ['option past the header', ip4(tcp({ options: [8, 10, 0, 0] })), { issue: ISSUE.MALFORMED_OPTION }],
  ['SYN+RST from port 0', ip4(tcp({ srcPort: 0, flags: 0x006 })), { issue: ISSUE.INVALID_FLAGS | ISSUE.PORT_ZERO }],
];

function check(seg: ReturnType<typeof decode>, expected: Expect): void {
  if (typeof expected === 'string') expect(seg.kind).toBe(expected);
  else {
    expect(seg.kind).toBe('tcp');
    expect(seg.issues & expected.issue).toBe(expected.issue);
  }
}

describe('link layer: malformed byte arrays', () => {
  test.each(LINK)('%s', (_n, bytes, linkType, expected) => check(decode(bytes, { linkType }), expected));
});
describe('IP layer: malformed byte arrays (raw IP)', () => {
  test.each(IP)('%s', (_n, bytes, expected) => check(decode(bytes, { linkType: 101 }), expected));
});
describe('TCP layer: malformed byte arrays (raw IP)', () => {
  test.each(TCP)('%s', (_n, bytes, expected) => check(decode(bytes, { linkType: 101 }), expected));
});

const KINDS: ReadonlySet<string> = new Set(['tcp', 'not-ip', 'not-tcp', 'fragment', 'unsupported-link', 'truncated', 'malformed']);
const LINKTYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105];

describe('random input never throws', () => {
  let x = 0x2545f491;
  const rnd = (n: number): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
  const seg = newSegment();
  const syn = newSynOptions();

  /** Decode and use everything a consumer might call; a description of what broke, or null. */
  function exercise(bytes: Buffer, linkType: number, caplen: number, fcsLen: number, verify: boolean): string | null {
    const f = frame(bytes, { linkType, caplen, fcsLen });
    if (rnd(2)) f.origLen += rnd(100);
    const kind = decodeFrame(f, seg, { verifyChecksums: verify });
    if (!KINDS.has(kind)) return `kind ${kind}`;
    formatSegmentLine(seg);
    if (kind !== 'tcp') return null;
    const d = decodeOptions(seg);
    readSynOptions(seg, syn);
    // The hot path's MALFORMED_OPTION bit and the lazy decode must agree.
    if ((d.malformed !== null) !== ((seg.issues & ISSUE.MALFORMED_OPTION) !== 0)) {
      return `malformed-option disagreement (${d.malformed}): ${bytes.toString('hex')} lt ${linkType} caplen ${caplen}`;
    }
    const ok = seg.optionsLen >= 0 && seg.tcpOffset + 20 + seg.optionsLen <= f.offset + f.caplen
      && seg.capturedPayloadLen >= 0 && seg.capturedPayloadLen <= seg.payloadLen
      && seg.srcPort <= 0xffff && seg.seq >= 0 && seg.seq <= 0xffffffff && seg.flags <= 0x1ff;
    return ok ? null : `invariant broken: ${bytes.toString('hex')} lt ${linkType} caplen ${caplen}`;
  }

  test('30,000 random frames over every link type', () => {
    const problems: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const len = rnd(140);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = rnd(256);
      // Steer some frames into the deeper layers.
      if (len > 14 && rnd(2)) { b[12] = 0x08; b[13] = 0x00; b[14] = 0x45; b[23] = 6; }
      const lt = LINKTYPES[rnd(LINKTYPES.length)];
      const bad = exercise(b, lt, rnd(4) ? len : rnd(len + 1), rnd(5) === 0 ? 4 : 0, rnd(2) === 0);
      if (bad) problems.push(bad);
    }
    expect(problems).toEqual([]);
  });

  test('20,000 mutations of real TCP/IP packets (bit flips, cuts, FCS)', () => {
    const problems: string[] = [];
    const seeds = [
      Buffer.from(eth(ip4tcp({ options: [...hex('0204 05b4 0402 080a 19f7 db7e 0000 0000 0103 030a')] }))),
      Buffer.from(eth(ip6tcp({ payload: [1, 2, 3, 4, 5, 6], options: [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2] }), 0x86dd)),
      Buffer.from(eth([...tag(5, 0x86dd), ...ip6([...ext6(44, []), 6, 0, 0, 1, 0, 0, 0, 1, ...tcp()], { nextHeader: 0 })], 0x8100)),
      Buffer.from(eth(ip4(ip6tcp(), { proto: 41 }))),
    ];
    for (let i = 0; i < 20_000; i++) {
      const b = Buffer.from(seeds[rnd(seeds.length)]);
      const flips = 1 + rnd(4);
      for (let k = 0; k < flips; k++) b[rnd(b.length)] ^= 1 << rnd(8);
      const bad = exercise(b, 1, rnd(3) ? b.length : rnd(b.length + 1), rnd(4) === 0 ? 4 : 0, true);
      if (bad) problems.push(bad);
    }
    expect(problems).toEqual([]);
  });
});
