/**
 * The filter language: libpcap's grammar rules (precedence, inherited qualifiers, vlan depth),
 * evaluation on frames built byte by byte for the cases no kernel capture in fixtures/ holds (VLAN
 * stacks, MPLS, IP-in-IP, IPv6 extension headers, a load past the captured bytes), then those frames
 * written to a pcap and judged by tcpdump too, and the errors for what synack does not evaluate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFilter } from '../../src/filter/compile.js';
import { FilterError } from '../../src/filter/errors.js';
import { parseFilter } from '../../src/filter/parser.js';
import { decode, eth, ext6, ip4, ip4tcp, ip6, ip6tcp, tag, tcp, V4_DST, V4_SRC } from '../decode/build.js';
import { hasCommand } from '../helpers/cli.js';
import { compareWithTcpdump } from './tcpdump-oracle.js';

const tmp = mkdtempSync(join(tmpdir(), 'synack-filter-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SYN = 0x002, ACK = 0x010, RST = 0x004;
const v4 = (t = {}, ip = {}) => eth(ip4tcp(t, ip));
const v6 = (t = {}, ip = {}) => eth(ip6tcp(t, ip), 0x86dd);

/** Frames for the cases that matter, each with a name. */
const FRAMES: Array<[string, number[]]> = [
  ['v4 SYN 192.0.2.1:40000 > 192.0.2.2:80', v4({ flags: SYN })],
  ['v4 RST 192.0.2.2:80 > 192.0.2.1:40000', v4({ srcPort: 80, dstPort: 40000, flags: RST | ACK }, { src: V4_DST, dst: V4_SRC })],
  ['v4 data to 443 from 10.1.2.3', v4({ dstPort: 443, flags: ACK | 0x008, payload: [0x47, 0x45, 0x54, 0x20] }, { src: [10, 1, 2, 3] })],
  ['v6 SYN 2001:db8::1 > 2001:db8::2:80', v6({ flags: SYN })],
  ['vlan 42, v4 SYN', eth([...tag(42, 0x0800), ...ip4tcp({ flags: SYN })], 0x8100)],
  ['QinQ 100/200, v4 SYN', eth([...tag(100, 0x8100), ...tag(200, 0x0800), ...ip4tcp({ flags: SYN })], 0x88a8)],
  ['MPLS, v4 SYN', eth([0x00, 0x01, 0x01, 0x40, ...ip4tcp({ flags: SYN })], 0x8847)],
  ['IPv4 in IPv4 (outer 198.51.100.1 > .2)', eth(ip4(ip4tcp({ flags: SYN }), { proto: 4, src: [198, 51, 100, 1], dst: [198, 51, 100, 2] }))],
  ['v6 hop-by-hop, then TCP', eth(ip6([...ext6(6, [1, 4, 0, 0, 0, 0]), ...tcp({ flags: SYN })], { nextHeader: 0 }), 0x86dd)],
  ['v6 fragment header, then TCP', eth(ip6([6, 0, 0, 0, 0, 0, 0, 1, ...tcp({ flags: SYN })], { nextHeader: 44 }), 0x86dd)],
];

function seg(name: string) {
  const f = FRAMES.find(([n]) => n === name);
  if (!f) throw new Error(name);
  return decode(f[1], {}, false);
}

function selected(filter: string): string[] {
  const accept = compileFilter(filter);
  return FRAMES.filter(([n]) => accept(seg(n))).map(([n]) => n);
}

describe('grammar: libpcap\'s rules', () => {
  test('and/or share one precedence, left to right; not binds tightest', () => {
    expect(parseFilter('host 1.1.1.1 or host 2.2.2.2 and port 80')).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'port' } });
    expect(parseFilter('not tcp and ip')).toMatchObject({ kind: 'and', left: { kind: 'not', arg: { kind: 'tcp' } }, right: { kind: 'ip' } });
    expect(parseFilter('tcp && (port 1 || port 2)')).toMatchObject({ kind: 'and', right: { kind: 'or' } });
  });

  test('a bare value takes the qualifiers before it', () => {
    expect(parseFilter('src host 1.1.1.1 or 2.2.2.2')).toMatchObject({ kind: 'or', right: { kind: 'addr', dir: 'src', prefix: 32 } });
    expect(parseFilter('tcp port 80 or 443')).toMatchObject({ right: { kind: 'port', lo: 443, hi: 443 } });
    expect(parseFilter('net 10 or 172.16')).toMatchObject({ right: { kind: 'addr', prefix: 16 } });
    expect(parseFilter('10.0.0.1')).toMatchObject({ kind: 'addr', prefix: 32, dir: 'src-or-dst' });
  });

  test('each vlan moves what follows it in the text one tag deeper', () => {
    expect(parseFilter('tcp or vlan and tcp')).toMatchObject({ kind: 'and', left: { kind: 'or', left: { depth: 0 }, right: { kind: 'vlan', depth: 0 } }, right: { depth: 1 } });
    expect(parseFilter('vlan 100 and vlan 200 and host 1.1.1.1')).toMatchObject({ right: { kind: 'addr', depth: 2 }, left: { right: { kind: 'vlan', id: 200, depth: 1 } } });
  });

  test('directions, networks, ranges, numbers in three bases', () => {
    expect(parseFilter('src or dst port 22')).toMatchObject({ kind: 'port', dir: 'src-or-dst' });
    expect(parseFilter('src and dst net 192.168.0.0/16')).toMatchObject({ kind: 'addr', dir: 'src-and-dst', prefix: 16 });
    expect(parseFilter('net 10.0.0.0 mask 255.0.0.0')).toMatchObject({ kind: 'addr', prefix: 8 });
    expect(parseFilter('portrange 2000-1000')).toMatchObject({ kind: 'port', lo: 1000, hi: 2000 });
    expect(parseFilter('tcp[13] = 0x12 or tcp[13] = 022 or tcp[13] = 18')).toBeTruthy();
    expect(parseFilter('ip6 proto \\tcp')).toMatchObject({ kind: 'tcp', version: 6 });
  });

  test.each([
    ['', /empty/, 1],
    ['tcp prot 80', /"prot"/, 5],
    ['host example.com', /no host name/, 6],
    ['port http', /write 80 for http/, 6],
    ['ether host 02:00:00:00:00:01', /link-layer/, 1],
    ['tcp port 80 and (host 1.1.1.1', /expected "\)"/, 30],
    ['net 10.0.0.1/8', /bits set beyond/, 5],
    ['tcp[13:3] = 0', /1, 2 or 4/, 8],
    ['ip[0] = 0x45', /ip\[\.\.\.\] is not supported/, 1],
    ['less 100', /length tests/, 1],
    ['80', /bare number needs a keyword/, 1],
    ['tcp[13] & 2', /comparison/, 12],
    ['host 1.2.3.4 $', /unexpected character/, 14],
    ['ip6 host 10.0.0.1', /not an IPv6 address/, 10],
  ])('%j is refused: %s, at character %i', (expr, reason, pos) => {
    let err: unknown;
    try { compileFilter(expr); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).reason).toMatch(reason);
    expect((err as FilterError).position).toBe(pos);
    expect((err as FilterError).exitCode).toBe(2);
    expect((err as FilterError).message).not.toContain('\n');
  });
});

describe('evaluation on built frames', () => {
  test('host, net, port, portrange, direction', () => {
    expect(selected('host 192.0.2.2 and port 80')).toEqual(['v4 SYN 192.0.2.1:40000 > 192.0.2.2:80', 'v4 RST 192.0.2.2:80 > 192.0.2.1:40000']);
    expect(selected('src host 192.0.2.2')).toEqual(['v4 RST 192.0.2.2:80 > 192.0.2.1:40000']);
    expect(selected('net 10')).toEqual(['v4 data to 443 from 10.1.2.3']);
    expect(selected('ip6 net 2001:db8::/32 and dst port 80')).toEqual(['v6 SYN 2001:db8::1 > 2001:db8::2:80']);
    expect(selected('portrange 400-500')).toEqual(['v4 data to 443 from 10.1.2.3']);
  });

  test('tcp[...] reads the IPv4 TCP header (libpcap reads no IPv6 one)', () => {
    expect(selected('tcp[tcpflags] & tcp-rst != 0')).toEqual(['v4 RST 192.0.2.2:80 > 192.0.2.1:40000']);
    expect(selected('tcp[tcpflags] == tcp-syn and ip6')).toEqual([]);
    expect(selected('tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420')).toEqual(['v4 data to 443 from 10.1.2.3']);
  });

  test('a tagged frame matches only after as many vlan keywords as it has tags', () => {
    expect(selected('tcp and tcp[13] = 2')).not.toContain('vlan 42, v4 SYN');
    expect(selected('vlan and tcp')).toEqual(['vlan 42, v4 SYN']);
    expect(selected('vlan')).toEqual(['vlan 42, v4 SYN', 'QinQ 100/200, v4 SYN']);
    expect(selected('vlan 42 and host 192.0.2.1')).toEqual(['vlan 42, v4 SYN']);
    expect(selected('vlan 100 and vlan 200 and tcp')).toEqual(['QinQ 100/200, v4 SYN']);
    expect(selected('vlan 200')).toEqual([]);
  });

  test('MPLS, tunnels and IPv6 extension headers hide what libpcap cannot see', () => {
    expect(selected('tcp')).not.toContain('MPLS, v4 SYN');
    expect(selected('ip')).toContain('IPv4 in IPv4 (outer 198.51.100.1 > .2)');
    expect(selected('tcp or host 192.0.2.1')).not.toContain('IPv4 in IPv4 (outer 198.51.100.1 > .2)');
    expect(selected('ip6 and host 2001:db8::1')).toEqual(['v6 SYN 2001:db8::1 > 2001:db8::2:80', 'v6 hop-by-hop, then TCP', 'v6 fragment header, then TCP']);
    expect(selected('ip6 and tcp')).toEqual(['v6 SYN 2001:db8::1 > 2001:db8::2:80', 'v6 fragment header, then TCP']);
    expect(selected('ip6 and port 80')).toEqual(['v6 SYN 2001:db8::1 > 2001:db8::2:80']);
  });

  test('a read past the captured bytes rejects the packet, even under "not"; so does a division by zero', () => {
    const short = decode(v4({ flags: SYN }), { caplen: 14 + 20 + 20 }, false);
    expect(compileFilter('tcp[13] = 2')(short)).toBe(true);
    expect(compileFilter('tcp[40] = 0')(short)).toBe(false);
    expect(compileFilter('not tcp[40] = 0')(short)).toBe(false);
    expect(compileFilter('tcp or tcp[40] = 0')(short)).toBe(true);
    expect(compileFilter('tcp[13] / (tcp[13] - 2) = 1')(short)).toBe(false);
  });

  test('tcpdump selects the same of these frames', async () => {
    expect(hasCommand('tcpdump')).toBe(true);
    const hdr = Buffer.alloc(24);
    hdr.writeUInt32LE(0xa1b2c3d4, 0); hdr.writeUInt16LE(2, 4); hdr.writeUInt16LE(4, 6); hdr.writeUInt32LE(262144, 16); hdr.writeUInt32LE(1, 20);
    const recs = FRAMES.map(([, b], i) => {
      const r = Buffer.alloc(16);
      r.writeUInt32LE(1_700_000_000 + i, 0); r.writeUInt32LE(b.length, 8); r.writeUInt32LE(b.length, 12);
      return Buffer.concat([r, Buffer.from(b)]);
    });
    const f = join(tmp, 'built.pcap');
    writeFileSync(f, Buffer.concat([hdr, ...recs]));
    const filters = ['tcp', 'ip', 'ip6', 'vlan and tcp', 'vlan 42 and host 192.0.2.1', 'vlan 100 and vlan 200 and tcp', 'ip6 and port 80',
      'ip6 proto \\tcp', 'tcp[tcpflags] & tcp-syn != 0', 'host 192.0.2.1 or 2001:db8::1', 'not net 10', 'src or dst portrange 80-443'];
    for (const filter of filters) {
      const r = await compareWithTcpdump(f, filter);
      expect({ filter, skipped: r.skipped, differences: r.differences }).toEqual({ filter, skipped: undefined, differences: [] });
    }
  });
});
