/** Link layers: every link type synack decodes, tag stacks, LLC/SNAP, MPLS, PPPoE, FCS, the rest. */
import { LINKTYPE } from '../../src/decode/link.js';
import { decode, eth, ip4tcp, ip6tcp, tag, V4_SRC } from './build.js';

const SEG = ip4tcp({ srcPort: 1234, dstPort: 80, payload: [1, 2, 3] });
const SEG6 = ip6tcp({ srcPort: 1234, dstPort: 80 });
const srcWord = ((V4_SRC[0] << 24) | (V4_SRC[1] << 16) | (V4_SRC[2] << 8) | V4_SRC[3]) >>> 0;

function expectSegment(seg: ReturnType<typeof decode>, ipVersion = 4): void {
  expect(seg.kind).toBe('tcp');
  expect(seg.ipVersion).toBe(ipVersion);
  expect(seg.srcPort).toBe(1234);
  expect(seg.dstPort).toBe(80);
  expect(seg.checksumStatus).toBe('good');
}

describe('Ethernet (1)', () => {
  test('IPv4 and IPv6 ethertypes', () => {
    const s = decode(eth(SEG));
    expectSegment(s);
    expect(s.src[0]).toBe(srcWord);
    expect(s.payloadLen).toBe(3);
    expect(s.vlanCount).toBe(0);
    expectSegment(decode(eth(SEG6, 0x86dd)), 6);
  });

  test('ARP and other ethertypes are not-ip', () => {
    expect(decode(eth([0, 1, 8, 0, 6, 4, 0, 1], 0x0806)).kind).toBe('not-ip');
    expect(decode(eth([0, 0, 0, 0], 0x88cc)).kind).toBe('not-ip');
  });

  test('802.1Q tag: outermost VLAN id recorded, PCP bits ignored', () => {
    const s = decode(eth([...tag(42, 0x0800, 5), ...SEG], 0x8100));
    expectSegment(s);
    expect([s.vlanCount, s.vlan0]).toEqual([1, 42]);
  });

  test.each([
    ['802.1ad + 802.1Q (QinQ)', 0x88a8],
    ['0x9100 + 802.1Q', 0x9100],
    ['802.1Q + 802.1Q', 0x8100],
  ])('stacked tags: %s', (_name, outer) => {
    const s = decode(eth([...tag(100, 0x8100), ...tag(200, 0x0800), ...SEG], outer));
    expectSegment(s);
    expect([s.vlanCount, s.vlan0]).toEqual([2, 100]);
  });

  test('three tags (QinQinQ) and VLAN 0 (priority tag)', () => {
    const s = decode(eth([...tag(7, 0x8100), ...tag(8, 0x8100), ...tag(9, 0x86dd), ...SEG6], 0x88a8));
    expectSegment(s, 6);
    expect([s.vlanCount, s.vlan0]).toEqual([3, 7]);
    const p = decode(eth([...tag(0, 0x0800), ...SEG], 0x8100));
    expect([p.vlanCount, p.vlan0]).toEqual([1, 0]);
  });

  test('802.3 length field with LLC/SNAP (RFC 1042) carrying IPv4', () => {
    const llc = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];
    const s = decode(eth([...llc, ...SEG], 8 + SEG.length));
    expectSegment(s);
  });

  test('802.3 with other LLC (spanning tree) is not-ip', () => {
    expect(decode(eth([0x42, 0x42, 0x03, 0, 0, 0, 0, 0], 38)).kind).toBe('not-ip');
    // SNAP with a vendor OUI: the type is that vendor's, not an ethertype (Cisco CDP).
    expect(decode(eth([0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0x00, 1, 2], 10)).kind).toBe('not-ip');
  });

  test('MPLS: one label, a two-label stack, and a pseudowire carrying Ethernet', () => {
    const label = (bos: boolean): number[] => [0x00, 0x01, 0x40 | (bos ? 1 : 0), 64];
    expectSegment(decode(eth([...label(true), ...SEG], 0x8847)));
    expectSegment(decode(eth([...label(false), ...label(true), ...SEG6], 0x8847)), 6);
    const pw = [...label(true), 0, 0, 0, 0, ...eth(SEG)];
    expectSegment(decode(eth(pw, 0x8847)));
    // A label stack that never ends runs out of frame: malformed, not a crash.
    expect(decode(eth([...label(false), ...label(false)], 0x8847)).kind).toBe('malformed');
  });

  test('PPPoE session (inside QinQ) with IPv4 and IPv6; the PPPoE length bounds the datagram', () => {
    const pppoe = (proto: number, payload: number[], len = payload.length + 2): number[] =>
      [0x11, 0x00, 0x0f, 0x07, len >> 8, len & 0xff, proto >> 8, proto & 0xff, ...payload];
    expectSegment(decode(eth([...tag(10, 0x8100), ...tag(20, 0x8864), ...pppoe(0x0021, SEG)], 0x88a8)));
    expectSegment(decode(eth(pppoe(0x0057, SEG6), 0x8864)), 6);
    expect(decode(eth(pppoe(0xc021, [1, 2, 3, 4]), 0x8864)).kind).toBe('not-ip'); // LCP
    // PPPoE says 3 bytes fewer than the IP header claims: the datagram is cut to the PPPoE payload.
    const short = decode(eth(pppoe(0x0021, SEG, SEG.length + 2 - 3), 0x8864));
    expect(short.kind).toBe('tcp');
    expect(short.payloadLen).toBe(0);
    expect(short.issues & 0x40).toBe(0x40); // BAD_IP
  });

  test('FCS bytes are not payload, whole or partly captured', () => {
    const f = [...eth(SEG), 0xde, 0xad, 0xbe, 0xef];
    const s = decode(f, { fcsLen: 4 });
    expectSegment(s);
    expect(s.payloadLen).toBe(3);
    expect(s.capturedPayloadLen).toBe(3);
    // Snaplen cut inside the FCS: still the whole segment.
    expect(decode(f, { fcsLen: 4, caplen: f.length - 2 }).checksumStatus).toBe('good');
  });

  test('a frame shorter than its Ethernet header: truncated when cut by the capture, else malformed', () => {
    expect(decode(eth(SEG), { caplen: 10 }).kind).toBe('truncated');
    expect(decode([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).kind).toBe('malformed');
    expect(decode([]).kind).toBe('malformed');
  });
});

describe('Linux cooked captures', () => {
  test('SLL (113): 16-byte header, protocol last', () => {
    const sll = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
    expectSegment(decode([...sll, ...SEG], { linkType: LINKTYPE.LINUX_SLL }));
    const sll6 = [...sll.slice(0, 14), 0x86, 0xdd];
    expectSegment(decode([...sll6, ...SEG6], { linkType: 113 }), 6);
  });

  test('SLL with a VLAN-tagged payload', () => {
    const sll = [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x81, 0x00];
    const s = decode([...sll, ...tag(33, 0x0800), ...SEG], { linkType: 113 });
    expectSegment(s);
    expect(s.vlan0).toBe(33);
  });

  test('SLL2 (276): 20-byte header, protocol first', () => {
    const sll2 = [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    expectSegment(decode([...sll2, ...SEG], { linkType: LINKTYPE.LINUX_SLL2 }));
    const sll2v6 = [0x86, 0xdd, ...sll2.slice(2)];
    expectSegment(decode([...sll2v6, ...SEG6], { linkType: 276 }), 6);
  });

  test('SLL carrying ARP is not-ip; a cut cooked header is truncated', () => {
    const sll = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x06];
    expect(decode([...sll, 0, 1, 8, 0], { linkType: 113 }).kind).toBe('not-ip');
    expect(decode([...sll, ...SEG], { linkType: 113, caplen: 12 }).kind).toBe('truncated');
    expect(decode([...sll, ...SEG], { linkType: 276, caplen: 12 }).kind).toBe('truncated');
  });
});

describe('raw IP', () => {
  test.each([
    ['RAW (101)', 101], ['DLT_RAW as BSD writes it (12)', 12], ['DLT_RAW as OpenBSD writes it (14)', 14],
  ])('%s: version from the first nibble', (_n, lt) => {
    expectSegment(decode(SEG, { linkType: lt }));
    expectSegment(decode(SEG6, { linkType: lt }), 6);
  });

  test('IPV4 (228) and IPV6 (229)', () => {
    expectSegment(decode(SEG, { linkType: LINKTYPE.IPV4 }));
    expectSegment(decode(SEG6, { linkType: LINKTYPE.IPV6 }), 6);
  });

  test('IPV6 (229) holding an IPv4 packet is malformed; version 5 anywhere is malformed', () => {
    expect(decode(SEG, { linkType: 229 }).kind).toBe('malformed');
    const v5 = [...SEG];
    v5[0] = 0x55;
    expect(decode(v5, { linkType: 101 }).kind).toBe('malformed');
  });

  test('IPv4 ethertype carrying IPv6 is decoded as IPv6 (as tshark) and flagged bad-ip', () => {
    const s = decode(eth(SEG6, 0x0800));
    expectSegment(s, 6);
    expect(s.issues & 0x40).toBe(0x40);
  });
});

describe('BSD loopback', () => {
  const le = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, 0, 0];
  const be = (n: number): number[] => [0, 0, (n >> 8) & 0xff, n & 0xff];

  test.each([
    ['little-endian AF_INET', le(2), 4], ['big-endian AF_INET', be(2), 4],
    ['AF_INET6 = 24 (NetBSD/OpenBSD)', le(24), 6], ['AF_INET6 = 28 (FreeBSD)', be(28), 6],
    ['AF_INET6 = 30 (Darwin)', le(30), 6],
  ])('NULL (0), %s', (_n, family, v) => {
    expectSegment(decode([...family, ...(v === 4 ? SEG : SEG6)], { linkType: LINKTYPE.NULL }), v);
  });

  test('NULL with a 16-bit family, or an ethertype in place of the family (read as tshark does)', () => {
    expectSegment(decode([0x00, 0x02, 0, 0, ...SEG], { linkType: 0 })); // AF_INET written big-endian in 16 bits
    expectSegment(decode([0x0f, 0x00, 0x08, 0x00, ...SEG], { linkType: 0 })); // ethertype 0x0800
    expectSegment(decode([0, 0, 0x86, 0xdd, ...SEG6], { linkType: 0 }), 6);
  });

  test('NULL with another family (OSI, 7) is not-ip', () => {
    expect(decode([...le(7), 1, 2, 3, 4], { linkType: 0 }).kind).toBe('not-ip');
  });

  test('LOOP (108): family in network byte order', () => {
    expectSegment(decode([...be(2), ...SEG], { linkType: LINKTYPE.LOOP }));
    expectSegment(decode([...be(30), ...SEG6], { linkType: LINKTYPE.LOOP }), 6);
    expect(decode([...le(2), ...SEG], { linkType: 108 }).kind).toBe('not-ip');
  });
});

describe('FDDI, Cisco HDLC, IP over InfiniBand, NFLOG', () => {
  const SNAP_IP4 = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];
  const MACS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

  test('FDDI (10): frame control + two MACs, then LLC/SNAP', () => {
    expectSegment(decode([0x50, ...MACS, ...SNAP_IP4, ...SEG], { linkType: LINKTYPE.FDDI }));
    expectSegment(decode([0x50, ...MACS, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd, ...SEG6], { linkType: 10 }), 6);
    expect(decode([0x50, ...MACS, 0x42, 0x42, 0x03, 0], { linkType: 10 }).kind).toBe('not-ip'); // STP
    expect(decode([0x50, ...MACS, ...SNAP_IP4, ...SEG], { linkType: 10, caplen: 10 }).kind).toBe('truncated');
  });

  test('Cisco HDLC (104): address, control, ethertype', () => {
    expectSegment(decode([0x0f, 0x00, 0x08, 0x00, ...SEG], { linkType: LINKTYPE.C_HDLC }));
    expectSegment(decode([0x8f, 0x00, 0x86, 0xdd, ...SEG6], { linkType: 104 }), 6);
    expect(decode([0x8f, 0x00, 0x80, 0x35, 1, 2, 3, 4], { linkType: 104 }).kind).toBe('not-ip'); // SLARP
    expect(decode([0x0f, 0x00], { linkType: 104 }).kind).toBe('malformed');
  });

  test('IPoIB (242): 40 bytes of hardware addresses, ethertype, reserved', () => {
    const hw = new Array<number>(40).fill(0);
    expectSegment(decode([...hw, 0x08, 0x00, 0, 0, ...SEG], { linkType: LINKTYPE.IPOIB }));
    expectSegment(decode([...hw, 0x86, 0xdd, 0, 0, ...SEG6], { linkType: 242 }), 6);
    expect(decode([...hw, 0x08, 0x06, 0, 0, 0, 1], { linkType: 242 }).kind).toBe('not-ip'); // ARP
  });

  describe('NFLOG (239)', () => {
    const tlv = (type: number, value: number[], le = true): number[] => {
      const len = 4 + value.length;
      const head = le ? [len & 0xff, len >> 8, type & 0xff, type >> 8] : [len >> 8, len & 0xff, type >> 8, type & 0xff];
      return [...head, ...value, ...new Array<number>((4 - (value.length % 4)) % 4).fill(0)];
    };
    const head = (family: number): number[] => [family, 0, 0, 42];

    test('the packet is the payload TLV, after others (prefix, hardware header, padded)', () => {
      const f = [...head(2), ...tlv(1, [0, 0, 3, 0]), ...tlv(10, [0x61]), ...tlv(9, SEG)];
      const s = decode(f, { linkType: LINKTYPE.NFLOG });
      expectSegment(s);
      expect(s.payloadLen).toBe(3);
      expectSegment(decode([...head(10), ...tlv(9, SEG6)], { linkType: 239 }), 6);
    });

    test('a big-endian host\'s TLVs', () => {
      expectSegment(decode([...head(2), ...tlv(1, [0, 0, 3, 0], false), ...tlv(9, SEG, false)], { linkType: 239 }));
    });

    test('no payload TLV is not-ip; a TLV shorter than its header is malformed; a cut record is truncated', () => {
      expect(decode([...head(2), ...tlv(1, [0, 0, 3, 0])], { linkType: 239 }).kind).toBe('not-ip');
      expect(decode([...head(2), 0, 3, 0, 9, ...SEG], { linkType: 239 }).kind).toBe('malformed');
      expect(decode([...head(2), ...tlv(1, [0, 0, 3, 0]), ...tlv(9, SEG)], { linkType: 239, caplen: 10 }).kind).toBe('truncated');
    });
  });
});

describe('unsupported link types', () => {
  test.each([[105, '802.11'], [9, 'PPP'], [205, 'C_HDLC_WITH_DIR'], [147, 'user 0']])('%i (%s)', (lt) => {
    const s = decode(eth(SEG), { linkType: lt });
    expect(s.kind).toBe('unsupported-link');
    expect(s.linkType).toBe(lt);
  });
});

test('the frame fields are copied and the frame may sit anywhere in a bigger buffer', () => {
  const s = decode(eth(SEG), { offset: 37, frameNo: 99 });
  expectSegment(s);
  expect([s.frameNo, s.tsSec, s.tsNsec, s.linkType]).toEqual([99, 1_700_000_000, 123_456_789, 1]);
  expect(s.tcpOffset).toBe(37 + 14 + 20);
});
