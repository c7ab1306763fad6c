/**
 * TCP header decoding. Real packets from the kernel captures in fixtures/ as hex, with the line
 * `tcpdump -n -S` prints for them; then the odd segments no kernel sends, built byte by byte.
 */
import { decodeOptions } from '../../src/decode/options.js';
import { formatSegmentLine } from '../../src/decode/format.js';
import { FLAG, ISSUE } from '../../src/decode/segment.js';
import { decode, eth, hex, ip4tcp, ip6tcp } from './build.js';

// fixtures/handshake-ipv4.pcap #3
// 13:43:29.443507 IP 198.18.0.1.41498 > 198.18.0.2.4040: Flags [S], seq 1889103526, win 64240,
//   options [mss 1460,sackOK,TS val 435673982 ecr 0,nop,wscale 10], length 0
const SYN4 = hex(`0200 5e12 0002 0200 5e12 0001 0800 4500 003c 203a 4000 4006 8e5a c612 0001 c612
  0002 a21a 0fc8 7099 6ea6 0000 0000 a002 faf0 3a4c 0000 0204 05b4 0402 080a 19f7 db7e 0000 0000 0103 030a`);

// fixtures/handshake-ipv4.pcap #4
// 13:43:29.443611 IP 198.18.0.2.4040 > 198.18.0.1.41498: Flags [S.], seq 2889082061, ack 1889103527,
//   win 65160, options [mss 1460,sackOK,TS val 2271562122 ecr 435673982,nop,wscale 10], length 0
const SYNACK4 = hex(`0200 5e12 0001 0200 5e12 0002 0800 4500 003c 0000 4000 4006 ae94 c612 0002 c612
  0001 0fc8 a21a ac33 e4cd 7099 6ea7 a012 fe88 d4b1 0000 0204 05b4 0402 080a 8765 498a 19f7 db7e 0103 030a`);

// fixtures/handshake-ipv4.pcap #6
// 13:43:29.443778 IP 198.18.0.1.41498 > 198.18.0.2.4040: Flags [P.], seq 1889103527:1889103535,
//   ack 2889082062, win 63, options [nop,nop,TS val 435673983 ecr 2271562122], length 8
const DATA4 = hex(`0200 5e12 0002 0200 5e12 0001 0800 4500 003c 203c 4000 4006 8e58 c612 0001 c612
  0002 a21a 0fc8 7099 6ea7 ac33 e4ce 8018 003f 1dea 0000 0101 080a 19f7 db7f 8765 498a 6363 2032 3030 300a`);

// fixtures/refused.pcap #2 (the capture before it was made again with a kernel view)
// 13:43:52.568603 IP 198.18.0.2.4041 > 198.18.0.1.50932: Flags [R.], seq 0, ack 1408216297, win 0, length 0
const RST4 = hex(`0200 5e12 0001 0200 5e12 0002 0800 4500 0028 0000 4000 4006 aea8 c612 0002 c612
  0001 0fc9 c6f4 0000 0000 53ef ace9 5014 0000 4c12 0000`);

// fixtures/close-client-first.pcap
// 13:43:47.972350 IP 198.18.0.1.56824 > 198.18.0.2.4040: Flags [F.], seq 1328053153, ack 3244143942,
//   win 69, options [nop,nop,TS val 1142387785 ecr 405861039], length 0
const FIN4 = hex(`0200 5e12 0002 0200 5e12 0001 0800 4500 0034 1fe5 4000 4006 8eb7 c612 0001 c612
  0002 ddf8 0fc8 4f28 7ba1 c15d b546 8011 0045 f7df 0000 0101 080a 4417 7449 1830 f2af`);

// fixtures/lossy-bulk.pcap
// 13:45:03.456442 IP 198.18.0.1.39310 > 198.18.0.2.4040: Flags [.], ack 701500529, win 129,
//   options [nop,nop,TS val 1259298866 ecr 1189654603,nop,nop,sack 1 {701501977:701503425}], length 0
const SACK4 = hex(`0200 5e12 0002 0200 5e12 0001 0800 4500 0040 2797 4000 4006 86f9 c612 0001 c612
  0002 998e 0fc8 f6ea 92b2 29d0 0c71 b010 0081 2ad8 0000 0101 080a 4b0f 6032 46e8 b04b 0101 050a 29d0 1219
  29d0 17c1`);

// fixtures/handshake-ipv6.pcap #3
// 13:43:31.755087 IP6 2001:db8::1.37358 > 2001:db8::2.4040: Flags [S], seq 2218574490, win 64800,
//   options [mss 1440,sackOK,TS val 1928197121 ecr 0,nop,wscale 10], length 0
const SYN6 = hex(`0200 5e12 0002 0200 5e12 0001 86dd 6000 0c81 0028 0640 2001 0db8 0000 0000 0000
  0000 0000 0001 2001 0db8 0000 0000 0000 0000 0000 0002 91ee 0fc8 843c c29a 0000 0000 a002 fd20 9ffe 0000
  0204 05a0 0402 080a 72ed f401 0000 0000 0103 030a`);

// fixtures/refused.pcap #4 (the capture before it was made again with a kernel view)
// 13:43:52.838977 IP6 2001:db8::2.4041 > 2001:db8::1.57784: Flags [R.], seq 0, ack 1055262886, win 0, length 0
const RST6 = hex(`0200 5e12 0001 0200 5e12 0002 86dd 600a 1155 0014 0640 2001 0db8 0000 0000 0000
  0000 0000 0002 2001 0db8 0000 0000 0000 0000 0000 0001 0fc9 e1b8 0000 0000 3ee6 08a6 5014 0000 1b4e 0000`);

// fixtures/any-sll2.pcap #1 (LINUX_SLL2)
// 13:43:37.840504 ifb0  Out IP 198.18.0.1.38324 > 198.18.0.2.4040: Flags [S], seq 3380649183, win 64240,
//   options [mss 1460,sackOK,TS val 4116216504 ecr 0,nop,wscale 10], length 0
const SYN_SLL2 = hex(`0800 0000 0000 0002 0001 0406 0200 5e12 0001 0000 4500 003c 8279 4000 4006 2c1b
  c612 0001 c612 0002 95b4 0fc8 c980 9cdf 0000 0000 a002 faf0 44f6 0000 0204 05b4 0402 080a f558 7ab8 0000
  0000 0103 030a`);

const line = (b: Buffer, linkType = 1): string => formatSegmentLine(decode(b, { linkType }), { time: 'none' });

describe('real packets (kernel captures)', () => {
  test('IPv4 SYN: every header field', () => {
    const s = decode(SYN4);
    expect(s.kind).toBe('tcp');
    expect({
      srcPort: s.srcPort, dstPort: s.dstPort, seq: s.seq, ack: s.ack, dataOffset: s.dataOffset, flags: s.flags,
      window: s.window, checksum: s.checksum, urgentPtr: s.urgentPtr, payloadLen: s.payloadLen,
      optionsLen: s.optionsLen, tcpOffset: s.tcpOffset, issues: s.issues, checksumStatus: s.checksumStatus,
    }).toEqual({
      srcPort: 41498, dstPort: 4040, seq: 1889103526, ack: 0, dataOffset: 10, flags: FLAG.SYN, window: 64240,
      checksum: 0x3a4c, urgentPtr: 0, payloadLen: 0, optionsLen: 20, tcpOffset: 34, issues: 0, checksumStatus: 'good',
    });
    expect(decodeOptions(s)).toEqual({
      options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'timestamp', val: 435673982, ecr: 0 },
        { kind: 'nop' }, { kind: 'wscale', shift: 10 }],
      malformed: null, truncated: false,
    });
  });

  test.each([
    ['SYN', SYN4, 1, 'IP 198.18.0.1.41498 > 198.18.0.2.4040: Flags [S], seq 1889103526, win 64240, options [mss 1460,sackOK,TS val 435673982 ecr 0,nop,wscale 10], length 0'],
    ['SYN-ACK', SYNACK4, 1, 'IP 198.18.0.2.4040 > 198.18.0.1.41498: Flags [S.], seq 2889082061, ack 1889103527, win 65160, options [mss 1460,sackOK,TS val 2271562122 ecr 435673982,nop,wscale 10], length 0'],
    ['data', DATA4, 1, 'IP 198.18.0.1.41498 > 198.18.0.2.4040: Flags [P.], seq 1889103527:1889103535, ack 2889082062, win 63, options [nop,nop,TS val 435673983 ecr 2271562122], length 8'],
    ['RST', RST4, 1, 'IP 198.18.0.2.4041 > 198.18.0.1.50932: Flags [R.], seq 0, ack 1408216297, win 0, length 0'],
    ['FIN', FIN4, 1, 'IP 198.18.0.1.56824 > 198.18.0.2.4040: Flags [F.], seq 1328053153, ack 3244143942, win 69, options [nop,nop,TS val 1142387785 ecr 405861039], length 0'],
    ['SACK', SACK4, 1, 'IP 198.18.0.1.39310 > 198.18.0.2.4040: Flags [.], ack 701500529, win 129, options [nop,nop,TS val 1259298866 ecr 1189654603,nop,nop,sack 1 {701501977:701503425}], length 0'],
    ['IPv6 SYN', SYN6, 1, 'IP6 2001:db8::1.37358 > 2001:db8::2.4040: Flags [S], seq 2218574490, win 64800, options [mss 1440,sackOK,TS val 1928197121 ecr 0,nop,wscale 10], length 0'],
    ['IPv6 RST', RST6, 1, 'IP6 2001:db8::2.4041 > 2001:db8::1.57784: Flags [R.], seq 0, ack 1055262886, win 0, length 0'],
    ['SLL2 SYN', SYN_SLL2, 276, 'IP 198.18.0.1.38324 > 198.18.0.2.4040: Flags [S], seq 3380649183, win 64240, options [mss 1460,sackOK,TS val 4116216504 ecr 0,nop,wscale 10], length 0'],
  ])('%s: the summary line is tcpdump -n -S\'s, checksum good', (_name, bytes, lt, expected) => {
    expect(line(bytes, lt)).toBe(expected);
    expect(decode(bytes, { linkType: lt }).checksumStatus).toBe('good');
  });

  test('the data segment: payload is where the header says', () => {
    const s = decode(DATA4);
    expect([s.payloadLen, s.capturedPayloadLen]).toEqual([8, 8]);
    const start = s.tcpOffset + s.dataOffset * 4;
    expect(s.data.toString('latin1', start, start + s.capturedPayloadLen)).toBe('cc 2000\n');
  });

  test('bad checksum, IPv4 and IPv6: one flipped payload / header bit', () => {
    const bad4 = Buffer.from(DATA4);
    bad4[bad4.length - 1] ^= 0x01;
    const s4 = decode(bad4);
    expect(s4.checksumStatus).toBe('bad');
    expect(s4.issues).toBe(ISSUE.BAD_CHECKSUM);
    const bad6 = Buffer.from(RST6);
    bad6[14 + 40 + 14] ^= 0x80; // window
    expect(decode(bad6).checksumStatus).toBe('bad');
  });

  test('verification off: unverified, no issue', () => {
    const bad4 = Buffer.from(DATA4);
    bad4[bad4.length - 1] ^= 0x01;
    const s = decode(bad4, {}, false);
    expect([s.checksumStatus, s.issues]).toEqual(['unverified', 0]);
  });
});

describe('fields', () => {
  test('seq and ack above 2^31 stay unsigned', () => {
    const s = decode(eth(ip4tcp({ seq: 0xfffffff0, ack: 0x80000001, flags: FLAG.ACK })));
    expect([s.seq, s.ack]).toEqual([0xfffffff0, 0x80000001]);
  });

  test('all nine flag bits, including NS/AE; urgent pointer', () => {
    const s = decode(eth(ip4tcp({ flags: 0x1ff, urgent: 777 })));
    expect(s.flags).toBe(0x1ff);
    expect(s.urgentPtr).toBe(777);
    expect(decode(eth(ip4tcp({ flags: FLAG.NS | FLAG.ACK }))).flags).toBe(0x110);
  });

  test('the reserved bits are not flags', () => {
    const b = eth(ip4tcp({ flags: FLAG.ACK }));
    b[14 + 20 + 12] |= 0x0e;
    const s = decode(b, {}, false);
    expect(s.flags).toBe(FLAG.ACK);
    expect(s.dataOffset).toBe(5);
  });
});

describe('odd segments are decoded and marked, never dropped', () => {
  test.each([
    ['SYN+FIN', FLAG.SYN | FLAG.FIN],
    ['SYN+RST', FLAG.SYN | FLAG.RST],
    ['no flags (null scan)', 0],
    ['all flags (christmas tree)', 0x1ff],
    ['FIN without ACK', FLAG.FIN],
    ['FIN+PSH+URG without ACK (nmap -sX)', FLAG.FIN | FLAG.PSH | FLAG.URG],
    ['only ECE+CWR', FLAG.ECE | FLAG.CWR],
  ])('%s → invalid-flags', (_n, flags) => {
    const s = decode(eth(ip4tcp({ flags })));
    expect(s.kind).toBe('tcp');
    expect(s.flags).toBe(flags);
    expect(s.issues).toBe(ISSUE.INVALID_FLAGS);
  });

  test.each([
    ['SYN', FLAG.SYN], ['SYN-ACK', FLAG.SYN | FLAG.ACK], ['RST', FLAG.RST], ['RST-ACK', FLAG.RST | FLAG.ACK],
    ['FIN-ACK', FLAG.FIN | FLAG.ACK], ['PSH-ACK', FLAG.PSH | FLAG.ACK], ['SYN with ECE+CWR', FLAG.SYN | FLAG.ECE | FLAG.CWR],
  ])('%s is normal', (_n, flags) => {
    expect(decode(eth(ip4tcp({ flags }))).issues).toBe(0);
  });

  test('port 0 on either side', () => {
    expect(decode(eth(ip4tcp({ srcPort: 0 }))).issues).toBe(ISSUE.PORT_ZERO);
    expect(decode(eth(ip4tcp({ dstPort: 0 }))).issues).toBe(ISSUE.PORT_ZERO);
  });

  test('data offset < 5: fields decoded, bad-header-length, no options or payload', () => {
    const s = decode(eth(ip4tcp({ dataOffset: 3, payload: [1, 2, 3, 4] })));
    expect(s.kind).toBe('tcp');
    expect(s.dataOffset).toBe(3);
    expect([s.srcPort, s.seq, s.window]).toEqual([40000, 1000, 64240]);
    expect(s.issues & ISSUE.BAD_HEADER_LENGTH).toBe(ISSUE.BAD_HEADER_LENGTH);
    expect([s.optionsLen, s.payloadLen]).toEqual([0, 0]);
  });

  test('data offset beyond the segment: bad-header-length, options only up to the segment end', () => {
    const s = decode(eth(ip4tcp({ dataOffset: 15, payload: [1, 1, 1, 1] })));
    expect(s.kind).toBe('tcp');
    expect(s.issues & ISSUE.BAD_HEADER_LENGTH).toBe(ISSUE.BAD_HEADER_LENGTH);
    expect([s.optionsLen, s.payloadLen]).toEqual([4, 0]);
  });

  test('IP length leaves less than a TCP header (padding holds the rest): bad-header-length', () => {
    const f = eth(ip4tcp({}, { totalLength: 30 }));
    const s = decode(f, {}, true);
    expect(s.kind).toBe('tcp');
    expect(s.issues & ISSUE.BAD_HEADER_LENGTH).toBe(ISSUE.BAD_HEADER_LENGTH);
    expect(s.payloadLen).toBe(0);
    expect(s.checksumStatus).toBe('unverified');
  });

  test('capture cut inside the fixed 20 bytes: kind truncated', () => {
    expect(decode(SYN4, { caplen: 34 + 19 }).kind).toBe('truncated');
    expect(decode(SYN4, { caplen: 34 }).kind).toBe('truncated');
  });

  test('a frame whose IP datagram ends inside the TCP header, not cut by the capture: malformed', () => {
    const f = eth(ip4tcp({}, { totalLength: 30 })).slice(0, 14 + 30);
    expect(decode(f).kind).toBe('malformed');
  });

  test('capture cut inside the options: header decoded, truncated issue, options as far as captured', () => {
    const s = decode(SYN4, { caplen: 34 + 20 + 9 });
    expect(s.kind).toBe('tcp');
    expect(s.issues).toBe(ISSUE.TRUNCATED);
    expect(s.optionsLen).toBe(9);
    expect(s.checksumStatus).toBe('unverified');
    const d = decodeOptions(s);
    expect(d.options).toEqual([{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }]);
    expect([d.truncated, d.malformed]).toEqual([true, null]);
  });

  test('cut by the snaplen AND declaring a header past the segment: an option past the segment is malformed', () => {
    // 24-byte segment (4 option bytes), data offset 8; the capture kept 2 option bytes: 08 0a (length 10).
    const f = eth(ip4tcp({ dataOffset: 8, payload: [8, 10, 0, 0] }));
    const s = decode(f, { caplen: 14 + 20 + 22 });
    expect(s.issues & (ISSUE.BAD_HEADER_LENGTH | ISSUE.TRUNCATED | ISSUE.MALFORMED_OPTION))
      .toBe(ISSUE.BAD_HEADER_LENGTH | ISSUE.TRUNCATED | ISSUE.MALFORMED_OPTION);
    expect([s.optionsLen, s.optionsDeclaredLen]).toEqual([2, 4]);
    expect(decodeOptions(s).malformed).not.toBeNull();
  });

  test('checksum of an odd-length segment (IPv6)', () => {
    const s = decode(eth(ip6tcp({ payload: [1, 2, 3, 4, 5] }), 0x86dd));
    expect(s.checksumStatus).toBe('good');
    const b = eth(ip6tcp({ payload: [1, 2, 3, 4, 5] }), 0x86dd);
    b[b.length - 1] ^= 0x10;
    expect(decode(b).checksumStatus).toBe('bad');
  });
});
