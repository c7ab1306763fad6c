import { InputError } from '../../src/util/errors.js';
import { block, epb, idb, isb, isbOpt, parse, parseInChunks, payload, pb, shb, spb } from './build.js';

const T = 1700000000n; // seconds used in timestamps below

describe('pcapng: one section', () => {
  test.each([['little-endian', true], ['big-endian', false]])('%s: EPB fields exact, default microseconds', (_n, le) => {
    const file = Buffer.concat([
      shb(le), idb(le, { linkType: 1, snaplen: 65535 }),
      epb(le, { ts: T * 1000000n + 123456n, data: payload(60, 1) }),
      epb(le, { ts: (T + 1n) * 1000000n, data: payload(57, 2), origLen: 1500 }),
    ]);
    const { frames, info } = parse(file, [], 'x.pcapng');
    expect(frames.map((f) => [f.frameNo, f.tsSec, f.tsNsec, f.caplen, f.origLen, f.linkType, f.fcsLen, f.interfaceId])).toEqual([
      [1, 1700000000, 123456000, 60, 60, 1, 0, 0],
      [2, 1700000001, 0, 57, 1500, 1, 0, 0],
    ]);
    expect(frames[1]!.bytes).toEqual(payload(57, 2));
    expect(info).toMatchObject({ format: 'pcapng', frames: 2, warnings: [] });
    expect(info.detail).toBe(`pcapng, ${le ? 'little' : 'big'}-endian, 1 section, 1 interface`);
  });

  test('EPB options after padded data are skipped by the block length', () => {
    const le = true;
    const { frames } = parse(Buffer.concat([shb(le), idb(le),
      epb(le, { data: payload(5), opts: [{ code: 1, value: Buffer.from('comment') }, { code: 2, value: Buffer.alloc(4, 1) }] }),
      epb(le, { data: payload(3, 9) })]));
    expect(frames.map((f) => f.bytes)).toEqual([payload(5), payload(3, 9)]);
  });
});

describe('pcapng: timestamp resolution and offset', () => {
  const le = true;
  const one = (i: Parameters<typeof idb>[1], ts: bigint) => {
    const { frames, info } = parse(Buffer.concat([shb(le), idb(le, i), epb(le, { ts, data: payload(4) })]));
    expect(info.warnings).toEqual([]);
    return [frames[0]!.tsSec, frames[0]!.tsNsec];
  };

  test('10^-9: a 64-bit count above 2^53 keeps every nanosecond', () => {
    expect(one({ tsresol: 9 }, 1700000000123456789n)).toEqual([1700000000, 123456789]);
    expect(one({ tsresol: 9 }, 1700000000999999999n)).toEqual([1700000000, 999999999]);
    expect(one({ tsresol: 9 }, 0xffffffffffffffffn)).toEqual([18446744073, 709551615]);
  });

  test('10^-6 (explicit) and 10^-3, 10^0', () => {
    expect(one({ tsresol: 6 }, 1700000000000001n)).toEqual([1700000000, 1000]);
    expect(one({ tsresol: 3 }, 1700000000999n)).toEqual([1700000000, 999000000]);
    expect(one({ tsresol: 0 }, 1700000000n)).toEqual([1700000000, 0]);
  });

  test('2^-20: the fraction is truncated to whole nanoseconds', () => {
    const frac = 0xabcden; // of 2^20
    expect(one({ tsresol: 0x80 | 20 }, (T << 20n) | frac)).toEqual([1700000000, Number((frac * 1000000000n) >> 20n)]);
    expect(one({ tsresol: 0x80 | 20 }, (T << 20n) | 0xfffffn)).toEqual([1700000000, 999999046]);
  });

  test('2^-32 and 10^-12 (the exact slow path)', () => {
    expect(one({ tsresol: 0x80 | 32 }, (T << 32n) | 0x80000000n)).toEqual([1700000000, 500000000]);
    expect(one({ tsresol: 0x80 | 32 }, (T << 32n) | 0xffffffffn)).toEqual([1700000000, 999999999]);
    // Picoseconds: 64 bits only reach 213 days past the epoch.
    expect(one({ tsresol: 12 }, 12345678901234567890n)).toEqual([12345678, 901234567]);
  });

  test('if_tsoffset adds whole seconds, positive or negative', () => {
    expect(one({ tsoffset: 3600n }, 1000000n)).toEqual([3601, 0]);
    expect(one({ tsoffset: -3600n, tsresol: 9 }, T * 1000000000n + 5n)).toEqual([1699996400, 5]);
    const be = parse(Buffer.concat([shb(false), idb(false, { tsoffset: 1700000000n }), epb(false, { ts: 2500000n, data: payload(1) })]));
    expect([be.frames[0]!.tsSec, be.frames[0]!.tsNsec]).toEqual([1700000002, 500000000]);
  });

  test('unknown options before the known ones are stepped over', () => {
    expect(one({ extra: [{ code: 2, value: Buffer.from('eth0') }, { code: 3, value: Buffer.from('x') }], tsresol: 9 }, 7n)).toEqual([0, 7]);
  });

  test('if_fcslen sets fcsLen for that interface only', () => {
    const { frames } = parse(Buffer.concat([shb(le), idb(le, { fcslen: 4 }), idb(le),
      epb(le, { ifId: 0, data: payload(64) }), epb(le, { ifId: 1, data: payload(60) })]));
    expect(frames.map((f) => [f.interfaceId, f.fcsLen])).toEqual([[0, 4], [1, 0]]);
  });
});

describe('pcapng: several sections and interfaces', () => {
  const file = Buffer.concat([
    shb(true), idb(true, { linkType: 1 }), idb(true, { linkType: 101, tsresol: 9 }),
    epb(true, { ifId: 1, ts: 1n, data: payload(20) }),
    epb(true, { ifId: 0, ts: 2n, data: payload(14) }),
    // Second section, other byte order: interfaces start again from 0.
    shb(false), idb(false, { linkType: 0, tsresol: 3 }),
    epb(false, { ifId: 0, ts: 1500n, data: payload(8) }),
    epb(false, { ifId: 1, ts: 1n, data: payload(8) }), // interface 1 belonged to the first section
    epb(false, { ifId: 0, ts: 2500n, data: payload(9) }),
  ]);

  test('mixed byte order: link types, resolutions and numbering per section', () => {
    const { frames, info } = parse(file);
    expect(frames.map((f) => [f.frameNo, f.interfaceId, f.linkType, f.tsSec, f.tsNsec, f.caplen])).toEqual([
      [1, 1, 101, 0, 1, 20],
      [2, 0, 1, 0, 2000, 14],
      [3, 0, 0, 1, 500000000, 8],
      [4, 0, 0, 2, 500000000, 9],
    ]);
    expect(info.detail).toBe('pcapng, mixed byte order, 2 sections, 3 interfaces');
    expect(info.linkTypes).toEqual(new Map([[101, 1], [1, 1], [0, 2]]));
  });

  test('a packet on an interface of an earlier section is skipped, counted and warned', () => {
    const { info } = parse(file);
    expect(info.counts!.skippedRecords).toBe(1);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]!.message).toMatch(/refers to interface 1, but the section has 1/);
    expect(info.warnings[0]!.frameNo).toBe(4);
  });

  test('every two-chunk split gives the same frames and warnings as one push', () => {
    const whole = parse(file);
    for (let s = 0; s <= file.length; s++) {
      const split = parse(file, [s]);
      expect(split.frames).toEqual(whole.frames);
      expect(split.info.warnings).toEqual(whole.info.warnings);
    }
    expect(parseInChunks(file, 1).frames).toEqual(whole.frames);
  });
});

describe('pcapng: other packet blocks', () => {
  test('Simple Packet Block: no timestamp (0, counted), origLen from the block, cut to the snaplen', () => {
    const le = false;
    const { frames, info } = parse(Buffer.concat([shb(le), idb(le, { linkType: 1, snaplen: 64 }),
      spb(le, { origLen: 100, data: payload(64) }),
      spb(le, { origLen: 5, data: payload(5) }),
    ]));
    expect(frames.map((f) => [f.tsSec, f.tsNsec, f.caplen, f.origLen, f.interfaceId])).toEqual([[0, 0, 64, 100, 0], [0, 0, 5, 5, 0]]);
    expect(frames[1]!.bytes).toEqual(payload(5));
    expect(info.counts!.untimed).toBe(2);
  });

  test('Simple Packet Block without snaplen: caplen is what the block holds', () => {
    const { frames } = parse(Buffer.concat([shb(true), idb(true), spb(true, { origLen: 1514, data: payload(60) })]));
    expect([frames[0]!.caplen, frames[0]!.origLen]).toEqual([60, 1514]);
  });

  test('obsolete Packet Block (type 2): 16-bit interface id, same timestamp rules', () => {
    const le = true;
    const { frames } = parse(Buffer.concat([shb(le), idb(le, { linkType: 113 }), idb(le, { linkType: 1, tsresol: 9 }),
      pb(le, { ifId: 1, drops: 3, ts: 1700000000000000001n, data: payload(30), origLen: 40 })]));
    expect(frames.map((f) => [f.interfaceId, f.linkType, f.tsSec, f.tsNsec, f.caplen, f.origLen])).toEqual([[1, 1, 1700000000, 1, 30, 40]]);
  });

  test('known non-packet blocks are skipped quietly; unknown ones are skipped and counted', () => {
    const le = true;
    const { frames, info } = parse(Buffer.concat([shb(le), idb(le),
      block(le, 4, Buffer.alloc(8)), // NRB
      block(le, 5, Buffer.alloc(12)), // ISB
      block(le, 0x12345678, payload(21)),
      block(le, 0x00000bad, payload(8)), // custom block
      epb(le, { data: payload(10) })]));
    expect(frames).toHaveLength(1);
    expect(info.counts!.unknownBlocks).toBe(1);
    expect(info.warnings).toEqual([]);
  });

  test('after 20 warnings the rest are counted in one last line, and every skipped record is counted', () => {
    const le = true;
    const strays = Array.from({ length: 30 }, () => epb(le, { ifId: 9, data: payload(4) }));
    const { frames, info } = parse(Buffer.concat([shb(le), idb(le), ...strays, epb(le, { data: payload(4) })]));
    expect(frames).toHaveLength(1);
    expect(info.counts!.skippedRecords).toBe(30);
    expect(info.warnings).toHaveLength(21);
    expect(info.warnings[20]!.message).toBe('test.pcap: 10 more warning(s) not shown');
  });

  test('an EPB above 262144 bytes is taken when its block holds it (the block length frames it)', () => {
    const big = payload(300000);
    const { frames, info } = parseInChunks(Buffer.concat([shb(true), idb(true), epb(true, { data: big })]), 65536);
    expect(frames.map((f) => f.caplen)).toEqual([300000]);
    expect(frames[0]!.bytes.equals(big)).toBe(true);
    expect(info.warnings).toEqual([]);
  });

  test('an EPB whose caplen runs past its block is skipped with a warning, later frames kept', () => {
    const le = true;
    const bad = epb(le, { data: payload(8) });
    bad.writeUInt32LE(200, 20); // caplen
    const { frames, info } = parse(Buffer.concat([shb(le), idb(le), bad, epb(le, { data: payload(4) })]));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.frameNo).toBe(1);
    expect(info.counts!.skippedRecords).toBe(1);
    expect(info.warnings[0]!.message).toMatch(/caplen 200/);
  });
});

describe('pcapng: damaged block structure', () => {
  const le = true;
  const head = Buffer.concat([shb(le), idb(le), epb(le, { data: payload(10) })]);
  const tail = epb(le, { data: payload(10, 5) });

  test.each([
    ['length not a multiple of 4', block(le, 6, Buffer.alloc(20), { len: 30, trailer: 30 }), /impossible length 30/],
    ['length below the minimum', block(le, 6, Buffer.alloc(20), { len: 8 }), /impossible length 8/],
    ['absurd length', block(le, 6, Buffer.alloc(20), { len: 0x7ffffff0 }), /impossible length 2147483632/],
    ['trailing length differs', block(le, 6, Buffer.alloc(20), { trailer: 36 }), /trailing length 36 differs/],
  ])('%s → corrupt warning with the offset, frames before kept, nothing after', (_n, bad, msg) => {
    for (const chunk of [0, 1, 7]) {
      const input = Buffer.concat([head, bad, tail]);
      const { frames, info } = chunk === 0 ? parse(input) : parseInChunks(input, chunk);
      expect(frames).toHaveLength(1);
      expect(info.warnings).toHaveLength(1);
      expect(info.warnings[0]).toMatchObject({ kind: 'corrupt', offset: head.length, frameNo: 2 });
      expect(info.warnings[0]!.message).toMatch(msg);
    }
  });

  test('a damaged byte-order magic in the first section header is an InputError', () => {
    expect(() => parse(Buffer.concat([shb(le, { bom: 0x11223344 }), idb(le)]), [], 'd.pcapng')).toThrow(
      new InputError('d.pcapng: this looks like pcapng with a damaged header (section header with a damaged byte-order magic)'),
    );
  });

  test('a damaged byte-order magic in a later section header is a warning', () => {
    const { frames, info } = parse(Buffer.concat([head, shb(le, { bom: 0x11223344 }), tail]));
    expect(frames).toHaveLength(1);
    expect(info.warnings[0]).toMatchObject({ kind: 'corrupt', offset: head.length });
  });

  test('pcapng major version 2 is refused up front, and stops a later section', () => {
    expect(() => parse(Buffer.concat([shb(le, { major: 2 }), idb(le)]))).toThrow(/pcapng version 2\.0 is not supported/);
    const { frames, info } = parse(Buffer.concat([head, shb(le, { major: 2 }), idb(le), tail]));
    expect(frames).toHaveLength(1);
    expect(info.warnings[0]).toMatchObject({ kind: 'unsupported' });
  });

  test('truncation at every byte keeps the whole blocks before the cut', () => {
    const file = Buffer.concat([head, tail]);
    const shbLen = shb(le).length;
    const ends = [shbLen, shbLen + idb(le).length, head.length, file.length];
    for (let cut = 1; cut <= file.length; cut++) {
      if (cut < shbLen) {
        expect(() => parse(file.subarray(0, cut))).toThrow(InputError);
        continue;
      }
      const { frames, info } = parse(file.subarray(0, cut));
      expect(frames).toHaveLength(cut >= file.length ? 2 : cut >= head.length ? 1 : 0);
      const atBoundary = ends.includes(cut);
      expect(info.warnings).toHaveLength(atBoundary ? 0 : 1);
      if (!atBoundary) {
        const start = [...ends].reverse().find((e) => e < cut)!;
        expect(info.warnings[0]).toMatchObject({ kind: 'truncated', offset: start });
      }
    }
  });
});

describe('pcapng: Interface Statistics Blocks', () => {
  const ifName = (s: string) => ({ code: 2, value: Buffer.from(s) });

  test.each([['little-endian', true], ['big-endian', false]])('%s: every counter and the time window; the last block counts', (_n, le) => {
    const us = (s: bigint) => s * 1000000n;
    const file = Buffer.concat([
      shb(le), idb(le, { extra: [ifName('eth0')] }), idb(le, { linkType: 113, tsresol: 9 }),
      epb(le, { ts: us(T), data: payload(60) }),
      isb(le, { ifId: 0, ts: us(T + 1n), opts: [isbOpt(le, 4, 10n), isbOpt(le, 7, 1n)] }),
      epb(le, { ts: us(T + 2n), data: payload(60) }),
      // Running totals: the later block replaces the earlier counters; received is left out, so kept.
      isb(le, { ifId: 0, ts: us(T + 3n), opts: [
        isbOpt(le, 2, us(T), true), isbOpt(le, 3, us(T + 3n), true), isbOpt(le, 5, 2n), isbOpt(le, 6, 12n),
        isbOpt(le, 7, 5_000_000_000n), isbOpt(le, 8, 11n)] }),
      isb(le, { ifId: 1, ts: (T + 4n) * 1000000000n + 5n }),
    ]);
    const { info } = parse(file, [], 'x.pcapng');
    expect(info.warnings).toEqual([]);
    expect(info.interfaceStats).toEqual([
      { interface: 0, name: 'eth0', linkType: 1, at: 1700000003, start: 1700000000, end: 1700000003, received: 10, ifDrop: 2,
        osDrop: 5_000_000_000, filterAccept: 12, userDeliv: 11, dropped: 5_000_000_002, blocks: 2 },
      { interface: 1, linkType: 113, at: 1700000004.000000005, start: null, end: null, received: null, ifDrop: null,
        osDrop: null, filterAccept: null, userDeliv: null, dropped: null, blocks: 1 },
    ]);
    // The same in chunks of any size.
    expect(parseInChunks(file, 7).info.interfaceStats).toEqual(info.interfaceStats);
  });

  test('dumpcap <= 4.0 writes microsecond ISB times into a nanosecond interface: read as microseconds', () => {
    const le = true;
    const us = T * 1000000n + 250000n;
    const { info } = parse(Buffer.concat([shb(le), idb(le, { tsresol: 9 }),
      isb(le, { ts: us, opts: [isbOpt(le, 2, us - 1000000n, true), isbOpt(le, 3, us, true), isbOpt(le, 4, 3n), isbOpt(le, 5, 0n)] })]));
    expect(info.interfaceStats![0]).toMatchObject({ at: 1700000000.25, start: 1699999999.25, end: 1700000000.25, received: 3, dropped: 0 });
  });

  test('a block naming an interface the section lacks is ignored with a warning; no blocks, no interfaceStats', () => {
    const le = true;
    const { info } = parse(Buffer.concat([shb(le), idb(le), isb(le, { ifId: 3, opts: [isbOpt(le, 5, 9n)] })]), [], 'x.pcapng');
    expect(info.interfaceStats).toBeUndefined();
    expect(info.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^x\.pcapng: statistics block at offset \d+ refers to interface 3, but the section has 1; ignored$/)]);
    expect(parse(Buffer.concat([shb(le), idb(le), epb(le, { data: payload(4) })])).info.interfaceStats).toBeUndefined();
  });

  test('interfaces are numbered over all sections', () => {
    const le = true;
    const { info } = parse(Buffer.concat([shb(le), idb(le), shb(le), idb(le), isb(le, { ifId: 0, opts: [isbOpt(le, 5, 1n)] })]));
    expect(info.interfaceStats!.map((s) => [s.interface, s.dropped])).toEqual([[1, 1]]);
  });
});
