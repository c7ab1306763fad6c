/** Text helpers: addresses as tshark/tcpdump print them, flags, options, time, the one-line summary. */
import {
  formatAddress, formatFlagsTcpdump, formatFlagsTshark, formatFlagsTsharkStr, formatOptionsTcpdump,
  formatSegmentLine, formatTime, ipv4ToString, ipv6ToString, issueNames,
} from '../../src/decode/format.js';
import { decodeOptionBytes } from '../../src/decode/options.js';
import { FLAG, ISSUE } from '../../src/decode/segment.js';
import { decode, eth, hex, ip4, ip4tcp, ip6tcp } from './build.js';

const words = (a: string): number[] => {
  const b = hex(a);
  return [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)];
};

describe('addresses', () => {
  test('IPv4, including the high bit', () => {
    expect(ipv4ToString(0xc0000201)).toBe('192.0.2.1');
    expect(ipv4ToString(0xffffffff)).toBe('255.255.255.255');
    expect(ipv4ToString(0)).toBe('0.0.0.0');
    expect(formatAddress([0x0a000001, 0, 0, 0], 4)).toBe('10.0.0.1');
  });

  // Expected strings are what tshark 4.0 (ipv6.src) and tcpdump 4.99 print for these addresses.
  test.each([
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // first of two equal runs
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['fe800000000000000001000000000000', 'fe80::1:0:0:0'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['00010000000000000000000000000000', '1::'],
    ['00010000000000020000000000000003', '1:0:0:2::3'], // the longer run wins
    ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'], // IPv4-mapped
    ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
    ['000000000000000000000000c0000201', '::192.0.2.1'], // IPv4-compatible (deprecated)
    ['0064ff9b0000000000000000c0000221', '64:ff9b::c000:221'], // NAT64: hex, not dotted
    ['20010DB8ABCD00000000000000000000', '2001:db8:abcd::'],
  ])('IPv6 %s → %s', (a, expected) => {
    expect(ipv6ToString(words(a))).toBe(expected);
  });

  test('no IP layer', () => {
    expect(formatAddress([0, 0, 0, 0], 0)).toBe('?');
  });
});

describe('flags', () => {
  test.each([
    [FLAG.SYN, '[S]', '[SYN]', '··········S·'],
    [FLAG.SYN | FLAG.ACK, '[S.]', '[SYN, ACK]', '·······A··S·'],
    [FLAG.FIN | FLAG.ACK, '[F.]', '[FIN, ACK]', '·······A···F'],
    [FLAG.RST, '[R]', '[RST]', '·········R··'],
    [FLAG.PSH | FLAG.ACK, '[P.]', '[PSH, ACK]', '·······AP···'],
    [FLAG.ACK, '[.]', '[ACK]', '·······A····'],
    [FLAG.SYN | FLAG.ECE | FLAG.CWR, '[SEW]', '[SYN, ECE, CWR]', '····CE····S·'],
    [FLAG.SYN | FLAG.ECE | FLAG.CWR | FLAG.NS, '[SEWe]', '[SYN, ECE, CWR, AE]', '···ACE····S·'],
    [0x1ff, '[FSRP.UEWe]', '[FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE]', '···ACEUAPRSF'],
    [0, '[none]', '[<None>]', '············'],
  ])('0x%s', (flags, tcpdump, tshark, tsharkStr) => {
    expect(formatFlagsTcpdump(flags)).toBe(tcpdump);
    expect(formatFlagsTshark(flags)).toBe(tshark);
    expect(formatFlagsTsharkStr(flags)).toBe(tsharkStr);
  });
});

describe('options, tcpdump style', () => {
  const text = (h: string, cut = false, hdr?: number): string => {
    const b = hex(h);
    return formatOptionsTcpdump(decodeOptionBytes(b, 0, b.length, cut, hdr ?? b.length));
  };

  test.each([
    ['0204 05b4 0402 080a 0000 0001 0000 0000 0103 0307', '[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]'],
    ['0101 050a 29d0 1219 29d0 17c1', '[nop,nop,sack 1 {701501977:701503425}]'],
    ['0101 0512 0000 0001 0000 0002 0000 0003 0000 0004', '[nop,nop,sack 2 {1:2}{3:4}]'],
    ['fe04 f989', '[exp-tfo cookiereq]'],
    ['0204 05dc fe0a f989 0909 0909 0000 0101', '[mss 1500,exp-tfo cookie 090909090000,nop,nop]'],
    ['2202 0101', '[tfo cookiereq,nop,nop]'],
    ['fe04 acc0', '[exp-acc0]'],
    ['1e0c 0181 0102 0304 0506 0708', '[mptcp 12 capable]'],
    ['1e04 2001', '[mptcp 4 dss]'],
    ['1312 8b9b b793 1de5 5ab9 3223 f5b0 43dc 9e88 00', '[md5 8b9bb7931de55ab93223f5b043dc9e88,eol]'],
    ['1d08 3030 3030 3030', '[tcp-ao keyid 48 rnextkeyid 48 mac 0x30303030]'],
    ['1c04 812c', '[uto 300min]'],
    ['300a 3030 3030 3030 3030', '[unknown-48 0x3030303030303030]'],
    ['0204 05b4 0301', '[mss 1460,[bad opt]]'],
  ])('%s', (h, expected) => {
    expect(text(h)).toBe(expected);
  });

  test('cut by the capture', () => {
    expect(text('0204 05b4 080a', true, 16)).toBe('[mss 1460,[|tcp]]');
  });
});

describe('time', () => {
  test.each([
    ['time', false, '17:16:09.924505'],
    ['time', true, '17:16:09.924505488'],
    ['datetime', false, '2014-12-09 17:16:09.924505'],
    ['epoch', true, '1418145369.924505488'],
    ['none', false, ''],
  ] as const)('%s (nanos %s)', (style, nanos, expected) => {
    // tcpdump/tcp-handshake-nano.pcap #1, as tcpdump -tttt / -tt print it (TZ=GMT0).
    expect(formatTime(1418145369, 924505488, style, nanos)).toBe(expected);
  });
});

describe('one-line summary', () => {
  test('time, addresses.ports, flags, seq:end, ack, win, urg, options, length, issues', () => {
    const s = decode(eth(ip4tcp({
      srcPort: 5555, dstPort: 80, seq: 0xfffffffe, ack: 7, flags: FLAG.PSH | FLAG.ACK | FLAG.URG, window: 501,
      urgent: 3, options: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], payload: [1, 2, 3, 4],
    }, { src: [10, 0, 0, 1], dst: [10, 0, 0, 2] })), { tsSec: 1418145369, tsNsec: 924505488 });
    // seq wraps: 4294967294 + 4 = 2 (mod 2^32)
    expect(formatSegmentLine(s)).toBe('17:16:09.924505 IP 10.0.0.1.5555 > 10.0.0.2.80: Flags [P.U], '
      + 'seq 4294967294:2, ack 7, win 501, urg 3, options [nop,nop,TS val 1 ecr 2], length 4');
  });

  test('IPv6, and decode issues in braces', () => {
    const s = decode(eth(ip6tcp({ srcPort: 0, flags: FLAG.SYN | FLAG.FIN, checksum: 1 }), 0x86dd));
    expect(formatSegmentLine(s, { time: 'epoch' })).toBe('1700000000.123456 IP6 2001:db8::1.0 > 2001:db8::2.80: '
      + 'Flags [FS], seq 1000, win 64240, length 0 {invalid-flags,port-zero,bad-checksum}');
  });

  test('frames that are not TCP segments say what they are', () => {
    const udp = decode(eth(ip4([0, 53, 0, 53, 0, 8, 0, 0], { proto: 17 })));
    expect(formatSegmentLine(udp, { time: 'none' })).toBe('frame 1: not-tcp (ip proto 17) IP 192.0.2.1 > 192.0.2.2');
    expect(formatSegmentLine(decode([1, 2], { linkType: 105, frameNo: 4 }), { time: 'none' }))
      .toBe('frame 4: unsupported-link (link type 105)');
    expect(formatSegmentLine(decode(eth([0, 1], 0x0806)), { time: 'none' })).toBe('frame 1: not-ip');
  });

  test('issue names, lowest bit first', () => {
    expect(issueNames(ISSUE.BAD_IP | ISSUE.TRUNCATED)).toEqual(['truncated', 'bad-ip']);
    expect(issueNames(0)).toEqual([]);
  });
});
