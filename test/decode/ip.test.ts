/** IPv4 and IPv6: options, fragments, lengths, extension header chains, tunnels. */
import { ISSUE } from '../../src/decode/segment.js';
import { decode, eth, ext6, ip4, ip4tcp, ip6, ip6tcp, tcp, V4_DST, V4_SRC, V6_DST, V6_SRC } from './build.js';

const PAYLOAD = [...Buffer.from('hello, world')];

describe('IPv4', () => {
  test('header fields: addresses as numbers, TTL, protocol', () => {
    const s = decode(eth(ip4tcp({}, { ttl: 57, src: [10, 1, 2, 3], dst: [255, 255, 255, 254] })));
    expect(s.kind).toBe('tcp');
    expect(s.src[0]).toBe(0x0a010203);
    expect(s.dst[0]).toBe(0xfffffffe); // unsigned
    expect([s.src[1], s.src[2], s.src[3]]).toEqual([0, 0, 0]);
    expect([s.ttl, s.ipProto, s.ipVersion]).toEqual([57, 6, 4]);
  });

  test('options (IHL 8): TCP found after them, checksum still good', () => {
    const rr = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0]; // record route, room for 2 addresses
    const s = decode(eth(ip4tcp({ payload: PAYLOAD }, { options: rr })));
    expect(s.kind).toBe('tcp');
    expect(s.tcpOffset).toBe(14 + 32);
    expect(s.payloadLen).toBe(PAYLOAD.length);
    expect(s.checksumStatus).toBe('good');
  });

  test('Ethernet padding is not payload: length from the IP header', () => {
    const f = [...eth(ip4tcp({ flags: 0x010 })), 0, 0, 0, 0, 0, 0]; // 54 bytes padded to 60
    const s = decode(f);
    expect([s.payloadLen, s.capturedPayloadLen]).toEqual([0, 0]);
    expect(s.checksumStatus).toBe('good');
  });

  test('snaplen cut: payload length from the IP header, captured part apart, checksum unverified', () => {
    const f = eth(ip4tcp({ payload: new Array(1000).fill(0x61) }));
    const s = decode(f, { caplen: 14 + 20 + 20 + 10 });
    expect(s.kind).toBe('tcp');
    expect([s.payloadLen, s.capturedPayloadLen]).toEqual([1000, 10]);
    expect(s.checksumStatus).toBe('unverified');
    expect(s.issues).toBe(0);
  });

  test('first fragment: TCP header decoded and marked, checksum not verifiable', () => {
    const s = decode(eth(ip4tcp({ payload: PAYLOAD }, { frag: 0x2000 })));
    expect(s.kind).toBe('tcp');
    expect(s.firstFragment).toBe(true);
    expect(s.payloadLen).toBe(PAYLOAD.length); // the bytes in this fragment
    expect(s.checksumStatus).toBe('unverified');
  });

  test('later fragments are counted as fragment, with their protocol', () => {
    const s = decode(eth(ip4([1, 2, 3, 4, 5, 6, 7, 8], { frag: 0x0003 })));
    expect(s.kind).toBe('fragment');
    expect(s.ipProto).toBe(6);
    expect(decode(eth(ip4([1, 2, 3, 4], { frag: 0x2005 }))).kind).toBe('fragment');
  });

  test('total length 0 (TSO / BIG TCP): the frame gives the length', () => {
    const s = decode(eth(ip4tcp({ payload: PAYLOAD }, { totalLength: 0 })));
    expect(s.kind).toBe('tcp');
    expect(s.payloadLen).toBe(PAYLOAD.length);
    expect(s.checksumStatus).toBe('good');
    expect(s.issues).toBe(0);
  });

  test('total length beyond the frame: bad-ip, length cut to the frame', () => {
    const s = decode(eth(ip4tcp({ payload: PAYLOAD }, { totalLength: 20 + 20 + PAYLOAD.length + 100 })));
    expect(s.kind).toBe('tcp');
    expect(s.issues & ISSUE.BAD_IP).toBe(ISSUE.BAD_IP);
    expect(s.payloadLen).toBe(PAYLOAD.length);
  });

  test('IHL < 5, total length < IHL: malformed', () => {
    expect(decode(eth(ip4tcp({}, { ihl: 4 }))).kind).toBe('malformed');
    expect(decode(eth(ip4tcp({}, { totalLength: 12 }))).kind).toBe('malformed');
  });

  test('cut inside the IP header or its options: truncated', () => {
    expect(decode(eth(ip4tcp()), { caplen: 14 + 12 }).kind).toBe('truncated');
    expect(decode(eth(ip4tcp({}, { options: [1, 1, 1, 1, 1, 1, 1, 1] })), { caplen: 14 + 24 }).kind).toBe('truncated');
  });

  test('UDP and ICMP are not-tcp, with the protocol kept for counting', () => {
    const udp = decode(eth(ip4([0, 53, 0, 53, 0, 8, 0, 0], { proto: 17 })));
    expect([udp.kind, udp.ipProto]).toEqual(['not-tcp', 17]);
    expect(decode(eth(ip4([8, 0, 0, 0], { proto: 1 }))).ipProto).toBe(1);
  });

  test('AH before TCP is skipped', () => {
    const ah = [6, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // (4 + 2) * 4 = 24
    const s = decode(eth(ip4([...ah, ...tcp({}, { src: V4_SRC, dst: V4_DST })], { proto: 51 })));
    expect(s.kind).toBe('tcp');
    expect(s.tcpOffset).toBe(14 + 20 + 24);
  });
});

describe('IPv6', () => {
  test('header fields: four big-endian words, hop limit', () => {
    const s = decode(eth(ip6tcp({}, { hopLimit: 3 }), 0x86dd));
    expect(s.kind).toBe('tcp');
    expect([...s.src]).toEqual([0x20010db8, 0, 0, 1]);
    expect([...s.dst]).toEqual([0x20010db8, 0, 0, 2]);
    expect([s.ttl, s.ipProto, s.ipVersion]).toEqual([3, 6, 6]);
    expect(s.checksumStatus).toBe('good');
  });

  test('extension chain: hop-by-hop → destination options → routing → fragment (first) → TCP', () => {
    const t = tcp({ payload: PAYLOAD }, { src: V6_SRC, dst: V6_DST });
    const frag = [6, 0, 0x00, 0x01, 0, 0, 0, 42]; // offset 0, M = 1
    const rh = ext6(44, [0, 0]); // type 0, segments left 0
    const dst = ext6(43, [1, 4, 0, 0, 0, 0]); // PadN
    const hbh = ext6(60, [1, 4, 0, 0, 0, 0]);
    const s = decode(eth(ip6([...hbh, ...dst, ...rh, ...frag, ...t], { nextHeader: 0 }), 0x86dd));
    expect(s.kind).toBe('tcp');
    expect(s.firstFragment).toBe(true);
    expect(s.tcpOffset).toBe(14 + 40 + 8 + 8 + 8 + 8);
    expect(s.payloadLen).toBe(PAYLOAD.length);
  });

  test('a non-first fragment is a fragment; ESP and no-next-header are not-tcp', () => {
    const frag = [6, 0, 0x05, 0x00, 0, 0, 0, 42];
    expect(decode(eth(ip6([...frag, 1, 2, 3, 4, 5, 6, 7, 8], { nextHeader: 44 }), 0x86dd)).kind).toBe('fragment');
    const esp = decode(eth(ip6([0, 0, 1, 0, 0, 0, 0, 1, 9, 9, 9, 9], { nextHeader: 50 }), 0x86dd));
    expect([esp.kind, esp.ipProto]).toEqual(['not-tcp', 50]);
    const none = decode(eth(ip6(ext6(59, []), { nextHeader: 60 }), 0x86dd));
    expect([none.kind, none.ipProto]).toEqual(['not-tcp', 59]);
  });

  test('AH in the chain is skipped by its own length unit', () => {
    const ah = [6, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const s = decode(eth(ip6([...ah, ...tcp({}, { src: V6_SRC, dst: V6_DST })], { nextHeader: 51 }), 0x86dd));
    expect(s.kind).toBe('tcp');
    expect(s.tcpOffset).toBe(14 + 40 + 24);
    expect(s.checksumStatus).toBe('good');
  });

  test('routing header type 0 with segments left: the checksum uses the final destination', () => {
    const final = [...Buffer.from('20010db8ffff00000000000000000009', 'hex')];
    const t = tcp({}, { src: V6_SRC, dst: final });
    const rh = [6, 2, 0, 1, 0, 0, 0, 0, ...final]; // type 0, 1 segment left, one address
    const s = decode(eth(ip6([...rh, ...t], { nextHeader: 43 }), 0x86dd));
    expect(s.kind).toBe('tcp');
    expect(s.checksumStatus).toBe('good');
    expect([...s.dst]).toEqual([0x20010db8, 0, 0, 2]); // the header's destination is reported
  });

  test('home address destination option: the checksum uses the home address as source', () => {
    const home = [...Buffer.from('20010db8aaaa00000000000000000077', 'hex')];
    const t = tcp({}, { src: home, dst: V6_DST });
    const dopt = [6, 2, 1, 2, 0, 0, 0xc9, 16, ...home]; // PadN(2), HAO → 24 bytes
    const s = decode(eth(ip6([...dopt, ...t], { nextHeader: 60 }), 0x86dd));
    expect(s.checksumStatus).toBe('good');
  });

  test('payload length 0 (jumbogram / BIG TCP): the frame gives the length', () => {
    const s = decode(eth(ip6tcp({ payload: PAYLOAD }, { payloadLength: 0 }), 0x86dd));
    expect(s.kind).toBe('tcp');
    expect(s.payloadLen).toBe(PAYLOAD.length);
  });

  test('payload length beyond the frame: bad-ip; extension header beyond the datagram: malformed', () => {
    const s = decode(eth(ip6tcp({}, { payloadLength: 500 }), 0x86dd));
    expect(s.issues & ISSUE.BAD_IP).toBe(ISSUE.BAD_IP);
    const long = [6, 200, 0, 0, 0, 0, 0, 0, ...new Array(40).fill(0)];
    expect(decode(eth(ip6(long, { nextHeader: 0 }), 0x86dd)).kind).toBe('malformed');
  });

  test('cut in the fixed header or in an extension header: truncated', () => {
    expect(decode(eth(ip6tcp(), 0x86dd), { caplen: 14 + 30 }).kind).toBe('truncated');
    const f = eth(ip6([...ext6(6, new Array(20).fill(1)), ...tcp()], { nextHeader: 0 }), 0x86dd);
    expect(decode(f, { caplen: 14 + 40 + 10 }).kind).toBe('truncated');
  });
});

describe('tunnels', () => {
  test('IPv4 in IPv4, IPv6 in IPv4 (6in4), IPv4 in IPv6: the inner header is the segment\'s', () => {
    const inner4 = ip4tcp({ payload: PAYLOAD }, { src: [10, 0, 0, 1], dst: [10, 0, 0, 2] });
    const a = decode(eth(ip4(inner4, { proto: 4 })));
    expect([a.kind, a.src[0], a.payloadLen, a.checksumStatus]).toEqual(['tcp', 0x0a000001, PAYLOAD.length, 'good']);
    const b = decode(eth(ip4(ip6tcp(), { proto: 41 })));
    expect([b.kind, b.ipVersion, b.checksumStatus]).toEqual(['tcp', 6, 'good']);
    const c = decode(eth(ip6(inner4, { nextHeader: 4 }), 0x86dd));
    expect([c.kind, c.ipVersion, c.src[0]]).toEqual(['tcp', 4, 0x0a000001]);
  });

  test('the outer datagram bounds the inner one', () => {
    const inner = ip4tcp({ payload: PAYLOAD }, { totalLength: 20 + 20 + PAYLOAD.length + 50 });
    const s = decode(eth([...ip4(inner, { proto: 4 }), 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(s.issues & ISSUE.BAD_IP).toBe(ISSUE.BAD_IP);
    expect(s.payloadLen).toBe(PAYLOAD.length);
  });

  test('tunnels nested deeper than 4 are malformed, not a stack overflow', () => {
    let p = ip4tcp();
    for (let i = 0; i < 6; i++) p = ip4(p, { proto: 4 });
    expect(decode(eth(p)).kind).toBe('malformed');
  });
});
