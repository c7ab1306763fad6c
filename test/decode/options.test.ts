/** TCP options: byte-exact decodes per kind, malformed byte arrays, the SYN extractor, the hot-path scan. */
import { decodeOptionBytes, readSynOptions, scanOptions } from '../../src/decode/options.js';
import { ISSUE, newSynOptions, type DecodedOptions, type TcpOption } from '../../src/decode/segment.js';
import { decode, eth, hex, ip4tcp } from './build.js';

/** Decode option bytes as a whole, uncut option area. */
function opts(bytes: number[] | Buffer): DecodedOptions {
  const b = Buffer.from(bytes);
  return decodeOptionBytes(b, 0, b.length, false, b.length);
}
const one = (bytes: number[] | Buffer): TcpOption => {
  const d = opts(bytes);
  expect(d.malformed).toBeNull();
  expect(d.options).toHaveLength(1);
  return d.options[0];
};

describe('byte-exact decodes', () => {
  test.each<[string, string, TcpOption]>([
    ['EOL', '00', { kind: 'eol' }],
    ['NOP', '01', { kind: 'nop' }],
    ['MSS 1460', '0204 05b4', { kind: 'mss', value: 1460 }],
    ['MSS 65535', '0204 ffff', { kind: 'mss', value: 65535 }],
    ['window scale 7', '0303 07', { kind: 'wscale', shift: 7 }],
    ['window scale 15 (decoded, judged later)', '0303 0f', { kind: 'wscale', shift: 15 }],
    ['SACK permitted', '0402', { kind: 'sackOK' }],
    ['SACK, one block', '050a 29d0 1219 29d0 17c1', { kind: 'sack', blocks: [[701501977, 701503425]] }],
    ['SACK, four blocks, edges above 2^31', `0522 ${'ffff fff0 0000 0010 '.repeat(4)}`,
      { kind: 'sack', blocks: [[0xfffffff0, 16], [0xfffffff0, 16], [0xfffffff0, 16], [0xfffffff0, 16]] }],
    ['timestamps', '080a 19f7 db7e 8765 498a', { kind: 'timestamp', val: 435673982, ecr: 2271562122 }],
    ['TFO cookie request (34)', '2202', { kind: 'fastopen', experimental: false, cookie: '' }],
    ['TFO cookie (34)', '220a 5850 1075 69e4 73df', { kind: 'fastopen', experimental: false, cookie: '5850107569e473df' }],
    ['experimental TFO cookie request (254, 0xF989)', 'fe04 f989', { kind: 'fastopen', experimental: true, cookie: '' }],
    ['experimental TFO cookie (254, 0xF989)', 'fe0a f989 0909 0909 0000', { kind: 'fastopen', experimental: true, cookie: '090909090000' }],
    ['254 with another ExID (AccECN) kept as unknown', 'fe04 acc0', { kind: 'unknown', code: 254, bytes: 'acc0' }],
    ['MPTCP MP_CAPABLE v1 (subtype 0)', '1e0c 0181 0102 0304 0506 0708',
      { kind: 'mptcp', subtype: 0, bytes: '1e0c01810102030405060708' }],
    ['MPTCP DSS (subtype 2)', '1e04 2001', { kind: 'mptcp', subtype: 2, bytes: '1e042001' }],
    ['MD5 signature (19)', '1312 8b9b b793 1de5 5ab9 3223 f5b0 43dc 9e88',
      { kind: 'md5', digest: '8b9bb7931de55ab93223f5b043dc9e88' }],
    ['TCP-AO (29)', '1d10 3031 0102 0304 0506 0708 090a 0b0c',
      { kind: 'tcp-ao', keyId: 0x30, rNextKeyId: 0x31, mac: '0102030405060708090a0b0c' }],
    ['user timeout, minutes (28)', '1c04 812c', { kind: 'user-timeout', granularityMinutes: true, timeout: 300 }],
    ['user timeout, seconds (28)', '1c04 001e', { kind: 'user-timeout', granularityMinutes: false, timeout: 30 }],
    ['unknown kind keeps its bytes', '4c04 aabb', { kind: 'unknown', code: 76, bytes: 'aabb' }],
    ['unknown kind with no data', '4c02', { kind: 'unknown', code: 76, bytes: '' }],
  ])('%s', (_name, bytes, expected) => {
    expect(one(hex(bytes))).toEqual(expected);
  });

  test('a kernel SYN\'s options in order; EOL ends the list (the rest is padding)', () => {
    expect(opts(hex('0204 05b4 0402 080a 19f7 db7e 0000 0000 0103 030a')).options.map((o) => o.kind))
      .toEqual(['mss', 'sackOK', 'timestamp', 'nop', 'wscale']);
    expect(opts(hex('0204 05b4 0001 0101')).options).toEqual([{ kind: 'mss', value: 1460 }, { kind: 'eol' }]);
  });
});

/** Option areas that are wrong; each must give a `malformed` message, never a throw. */
const MALFORMED: Array<[string, string]> = [
  ['kind with no room for its length', '02'],
  ['length 0', '0200'],
  ['length 1', '0201 0000'],
  ['length 1 after a good option', '0204 05b4 0301'],
  ['length runs past the header', '080a 0102 03'],
  ['MSS of length 3', '0203 05'],
  ['MSS of length 6', '0206 0000 05b4'],
  ['window scale of length 2', '0302'],
  ['SACK-permitted of length 3', '0403 00'],
  ['SACK with no block', '0502'],
  ['SACK of length 12 (not 2 + 8n)', '050c 0000 0010 0000 0020 0000'],
  ['timestamps of length 8', '0808 0000 0001 0000'],
  ['MD5 of length 4', '1304 0000'],
  ['user timeout of length 3', '1c03 00'],
  ['TCP-AO of length 3', '1d03 00'],
  ['MPTCP with no subtype byte', '1e02'],
  ['TFO cookie of 1 byte', '2203 00'],
  ['TFO cookie of 18 bytes', `2214 ${'00'.repeat(18)}`],
  ['experimental option too short for its ExID', 'fe03 f9'],
  ['experimental TFO cookie of 2 bytes', 'fe06 f989 0000'],
];

describe('malformed options: a decode issue, not a crash', () => {
  test.each(MALFORMED)('%s', (_name, bytes) => {
    const b = hex(bytes);
    const d = opts(b);
    expect(d.malformed).toEqual(expect.any(String));
    expect(d.truncated).toBe(false);
    expect(scanOptions(b, 0, b.length, false, b.length)).toBe(ISSUE.MALFORMED_OPTION);
    // In a real segment (padded with EOL to a whole header) decodeFrame flags it too.
    const padded = [...b];
    while (padded.length % 4) padded.push(0);
    const s = decode(eth(ip4tcp({ options: padded })));
    expect(s.kind).toBe('tcp');
    expect(s.issues & ISSUE.MALFORMED_OPTION).toBe(ISSUE.MALFORMED_OPTION);
    expect(readSynOptions(s, newSynOptions()).incomplete).toBe(true);
  });

  test('everything decodable before a fatal problem is kept', () => {
    const d = opts(hex('0204 05b4 0101 0301 0000'));
    expect(d.options).toEqual([{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'nop' }]);
    expect(d.malformed).toMatch(/length 1/);
  });

  test('a wrong length for a known kind is kept as unknown and the walk goes on (tshark does the same)', () => {
    const d = opts(hex('0203 05 01 0402 01'));
    expect(d.options).toEqual([{ kind: 'unknown', code: 2, bytes: '05' }, { kind: 'nop' }, { kind: 'sackOK' }, { kind: 'nop' }]);
    expect(d.malformed).toMatch(/kind 2 .* wrong/);
  });

  test('a SACK whose length is not 2 + 8n keeps its whole blocks', () => {
    const d = opts(hex('050c 0000 0010 0000 0020 0000'));
    expect(d.options).toEqual([{ kind: 'sack', blocks: [[16, 32]] }]);
    expect(d.malformed).not.toBeNull();
  });

  test('an option cut by the capture is truncated, not malformed', () => {
    const b = hex('0204 05b4 080a 0102');
    const d = decodeOptionBytes(b, 0, b.length, true, 16);
    expect(d).toEqual({ options: [{ kind: 'mss', value: 1460 }], malformed: null, truncated: true });
    expect(scanOptions(b, 0, b.length, true, 16)).toBe(0);
    // ...unless it would run past the header anyway (14 > 12).
    expect(decodeOptionBytes(b, 0, b.length, true, 12).malformed).not.toBeNull();
    expect(scanOptions(b, 0, b.length, true, 12)).toBe(ISSUE.MALFORMED_OPTION);
  });
});

describe('readSynOptions (allocation-free, for the tracker)', () => {
  test('a Linux SYN', () => {
    const s = decode(eth(ip4tcp({ options: [...hex('0204 05b4 0402 080a 19f7 db7e 0000 0000 0103 030a')] })));
    const out = newSynOptions();
    expect(readSynOptions(s, out)).toBe(out);
    expect(out).toEqual({
      mss: 1460, wscale: 10, sackOk: true, tsPresent: true, tsVal: 435673982, tsEcr: 0, tfoCookieLen: -1,
      mptcpSubtype: -1, md5: false, tcpAo: false, incomplete: false,
    });
  });

  test('absent options read as -1 / false, and a reused record is reset', () => {
    const out = newSynOptions();
    readSynOptions(decode(eth(ip4tcp({ options: [...hex('0204 05b4 0402 080a 0000 0001 0000 0002 0103 030a')] }))), out);
    readSynOptions(decode(eth(ip4tcp({ flags: 0x010 }))), out);
    expect(out).toEqual(newSynOptions());
  });

  test('TFO cookie request and cookie, both kinds; MPTCP; MD5; TCP-AO', () => {
    const read = (o: string): ReturnType<typeof newSynOptions> =>
      readSynOptions(decode(eth(ip4tcp({ options: [...hex(o)] }))), newSynOptions());
    expect(read('2202 0101').tfoCookieLen).toBe(0);
    expect(read('220a 5850 1075 69e4 73df 0101').tfoCookieLen).toBe(8);
    expect(read('fe04 f989').tfoCookieLen).toBe(0);
    expect(read('fe0a f989 0909 0909 0000 0101').tfoCookieLen).toBe(6);
    expect(read('fe04 acc0').tfoCookieLen).toBe(-1);
    expect(read('1e0c 0181 0102 0304 0506 0708').mptcpSubtype).toBe(0);
    expect(read(`1312 ${'00'.repeat(16)} 0101`).md5).toBe(true);
    expect(read(`1d10 3031 ${'00'.repeat(12)}`).tcpAo).toBe(true);
  });

  test('a wrong-length option is skipped, later ones still read', () => {
    const o = readSynOptions(decode(eth(ip4tcp({ options: [...hex('0203 05 0303 07 01')] }))), newSynOptions());
    expect([o.mss, o.wscale, o.incomplete]).toEqual([-1, 7, true]);
  });

  test('options cut by the capture: what was captured is read', () => {
    const s = decode(eth(ip4tcp({ options: [...hex('0204 05b4 0402 080a 19f7 db7e 0000 0000 0103 030a')] })), { caplen: 14 + 20 + 20 + 8 });
    const o = readSynOptions(s, newSynOptions());
    expect([o.mss, o.sackOk, o.tsPresent, o.incomplete]).toEqual([1460, true, false, true]);
  });

  test('not a TCP segment: nothing', () => {
    expect(readSynOptions(decode([1, 2, 3]), newSynOptions())).toEqual(newSynOptions());
  });
});

describe('the hot-path scan agrees with the full decode', () => {
  // xorshift32: fixed seed, so a failure reproduces.
  let x = 0x9e3779b9;
  const rnd = (n: number): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
  const KINDS = [0, 1, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 253, 254, 76];

  test('20,000 random option areas, some cut: decodeOptions finds a problem exactly when the scan does', () => {
    const disagree: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const len = rnd(41);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = rnd(4) === 0 ? rnd(256) : (j % 3 === 0 ? KINDS[rnd(KINDS.length)] : rnd(20));
      const cut = rnd(3) === 0;
      const hdrEnd = cut ? len + 1 + rnd(20) : len;
      const d = decodeOptionBytes(b, 0, len, cut, hdrEnd);
      const scanned = scanOptions(b, 0, len, cut, hdrEnd);
      if ((scanned === ISSUE.MALFORMED_OPTION) !== (d.malformed !== null)) {
        disagree.push(`${b.toString('hex')} cut ${cut} hdrEnd ${hdrEnd}: scan ${scanned}, decode ${d.malformed}`);
      }
    }
    expect(disagree).toEqual([]);
  });
});
