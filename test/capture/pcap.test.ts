import { createCaptureParser } from '../../src/capture/parser.js';
import { InputError } from '../../src/util/errors.js';
import { parse, parseInChunks, payload, pcapFile, pcapHeader, pcapRecord, type PcapHeaderSpec } from './build.js';

const threeRecords = [
  { sec: 1700000000, frac: 1, data: payload(60, 1) },
  { sec: 1700000001, frac: 999999, data: payload(54, 2), origLen: 1514 },
  { sec: 4294967295, frac: 500000, data: payload(1, 3) },
];

describe('classic pcap: byte orders and timestamp units', () => {
  const cases: Array<[string, PcapHeaderSpec, number]> = [
    ['little-endian microsecond', { le: true, magic: 'us' }, 1000],
    ['big-endian microsecond', { le: false, magic: 'us' }, 1000],
    ['little-endian nanosecond', { le: true, magic: 'ns' }, 1],
    ['big-endian nanosecond', { le: false, magic: 'ns' }, 1],
  ];
  test.each(cases)('%s: every field exact', (_name, h, nsPerUnit) => {
    const { frames, info } = parse(pcapFile({ ...h, linkType: 113, snaplen: 262144 }, threeRecords));
    expect(frames.map((f) => [f.frameNo, f.tsSec, f.tsNsec, f.caplen, f.origLen, f.linkType, f.fcsLen, f.interfaceId])).toEqual([
      [1, 1700000000, 1 * nsPerUnit, 60, 60, 113, 0, 0],
      [2, 1700000001, 999999 * nsPerUnit, 54, 1514, 113, 0, 0],
      [3, 4294967295, 500000 * nsPerUnit, 1, 1, 113, 0, 0],
    ]);
    expect(frames.map((f) => f.bytes)).toEqual(threeRecords.map((r) => r.data));
    expect(info.format).toBe('pcap');
    expect(info.frames).toBe(3);
    expect(info.warnings).toEqual([]);
    expect(info.linkTypes).toEqual(new Map([[113, 3]]));
    expect(info.detail).toContain(h.le ? 'little-endian' : 'big-endian');
    expect(info.detail).toContain(h.magic === 'ns' ? 'nanosecond' : 'microsecond');
    expect(info.detail).toContain('snaplen 262144');
  });

  test('a nanosecond value keeps all nine digits', () => {
    const { frames } = parse(pcapFile({ magic: 'ns' }, [{ sec: 1, frac: 123456789, data: payload(4) }]));
    expect(frames[0]!.tsNsec).toBe(123456789);
  });

  test('Kuznetsov patched pcap: 24-byte record headers', () => {
    const { frames, info } = parse(pcapFile({ magic: 'kuz', le: false }, threeRecords));
    expect(frames.map((f) => f.bytes)).toEqual(threeRecords.map((r) => r.data));
    expect(frames[1]!.tsNsec).toBe(999999000);
    expect(info.detail).toContain('Kuznetsov');
  });

  test('any snaplen, including 1 and 0, is reported and never enforced on reading', () => {
    for (const snaplen of [0, 1, 68, 65535, 0xffffffff]) {
      const { frames, info } = parse(pcapFile({ snaplen }, threeRecords));
      expect(frames).toHaveLength(3);
      expect(info.detail).toContain(`snaplen ${snaplen}`);
      expect(info.counts!.caplenOverSnaplen).toBe(snaplen === 1 ? 2 : 0);
    }
  });

  test('the data of each frame is a view on the pushed chunk when the record lies inside it', () => {
    const file = pcapFile({}, threeRecords);
    const seen: Buffer[] = [];
    const p = createCaptureParser('x', (f) => seen.push(f.data));
    p.push(file);
    p.end();
    expect(seen.every((b) => b === file)).toBe(true);
  });
});

describe('classic pcap: the FCS bits of the link-type field', () => {
  test.each([
    // [link-type field, linkType, fcsLen]
    ['0x00000001', 1, 0],
    ['0x30000001', 1, 2], // F set, one 16-bit word (the fuzzed tcpdump test files)
    ['0x50000069', 105, 4], // F set, two words: 802.11 with a 32-bit FCS
    ['0xf0000001', 1, 14], // F set, seven words: the largest the 3-bit field holds
    ['0x10000001', 1, 0], // F set, zero words
    ['0x20000001', 1, 0], // length without the F bit: not meaningful
  ])('link-type field %s → linkType %i, fcsLen %i', (hexField, linkType, fcsLen) => {
    const field = Number(hexField);
    const { frames, info } = parse(pcapFile({ linkType: field }, threeRecords));
    expect(frames.every((f) => f.linkType === linkType && f.fcsLen === fcsLen)).toBe(true);
    expect(info.linkTypes).toEqual(new Map([[linkType, 3]]));
    if (fcsLen > 0) expect(info.detail).toContain(`FCS ${fcsLen} bytes`);
  });
});

describe('classic pcap: damaged records', () => {
  const h = pcapHeader();
  const r1 = pcapRecord({ sec: 1, data: payload(40) });

  test('a caplen above 262144 is corruption: earlier frames kept, offset and frame number reported', () => {
    const bad = pcapRecord({ sec: 2, data: payload(8), caplen: 262145 });
    const { frames, info } = parse(Buffer.concat([h, r1, bad, r1]));
    expect(frames).toHaveLength(1);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toMatchObject({ kind: 'corrupt', offset: 24 + r1.length, frameNo: 2 });
    expect(info.warnings[0]!.message).toMatch(/^test\.pcap: frame 2 at offset 80: .*caplen 262145/);
  });

  test('a caplen of 4 GiB is reported from the header alone, even fed byte by byte', () => {
    const bad = pcapRecord({ sec: 2, data: Buffer.alloc(0), caplen: 0xfffffff0 });
    const { frames, info } = parseInChunks(Buffer.concat([h, r1, bad]), 1);
    expect(frames).toHaveLength(1);
    expect(info.warnings[0]).toMatchObject({ kind: 'corrupt', frameNo: 2 });
  });

  test('a caplen of exactly 262144 is accepted', () => {
    const big = payload(262144);
    const { frames } = parseInChunks(pcapFile({}, [{ data: big }]), 65536);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.bytes.equals(big)).toBe(true);
  });

  test('caplen > origLen: bytes and both lengths kept as recorded (as tshark), counted, one warning', () => {
    const { frames, info } = parse(pcapFile({}, [
      { data: payload(60), origLen: 50 }, { data: payload(60), origLen: 59 }, { data: payload(60) },
    ]));
    expect(frames.map((f) => [f.caplen, f.origLen])).toEqual([[60, 50], [60, 59], [60, 60]]);
    expect(frames[0]!.bytes).toEqual(payload(60));
    expect(info.counts!.caplenOverOrigLen).toBe(2);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toMatchObject({ kind: 'corrupt', frameNo: 1, offset: 24 });
  });

  test('a sub-second field of one second or more is carried into the seconds and counted', () => {
    const { frames, info } = parse(pcapFile({}, [{ sec: 10, frac: 2500000, data: payload(4) }]));
    expect([frames[0]!.tsSec, frames[0]!.tsNsec]).toEqual([12, 500000000]);
    expect(info.counts!.badTimestamp).toBe(1);
    const ns = parse(pcapFile({ magic: 'ns' }, [{ sec: 10, frac: 1000000000, data: payload(4) }]));
    expect([ns.frames[0]!.tsSec, ns.frames[0]!.tsNsec]).toEqual([11, 0]);
  });

  test('a file header with version other than 2.x is an InputError', () => {
    expect(() => parse(pcapFile({ major: 1, minor: 0 }, threeRecords))).toThrow(
      new InputError('test.pcap: this looks like pcap with a damaged header (version 1.0, expected 2.x)'),
    );
  });
});

describe('classic pcap: truncation at every byte', () => {
  const file = pcapFile({}, threeRecords);
  const recordEnds = [24];
  for (const r of threeRecords) recordEnds.push(recordEnds[recordEnds.length - 1]! + 16 + r.data.length);

  test('a cut inside the file header is an InputError', () => {
    for (let cut = 1; cut < 24; cut++) {
      expect(() => parse(file.subarray(0, cut))).toThrow(InputError);
    }
    expect(() => parse(file.subarray(0, 0))).toThrow(/empty/);
    expect(() => parse(file.subarray(0, 10))).toThrow(/pcap file header cut short \(10 of 24 bytes\)/);
  });

  test('a cut anywhere after it keeps every whole record and names the point', () => {
    for (let cut = 24; cut <= file.length; cut++) {
      const { frames, info } = parse(file.subarray(0, cut));
      const whole = recordEnds.filter((e) => e <= cut).length - 1;
      expect(frames).toHaveLength(whole);
      const start = recordEnds[whole]!;
      if (cut === start) {
        expect(info.warnings).toEqual([]);
      } else {
        expect(info.warnings).toHaveLength(1);
        const w = info.warnings[0]!;
        expect(w).toMatchObject({ kind: 'truncated', offset: start, frameNo: whole + 1 });
        expect(w.message).toContain(cut - start < 16 ? `in its record header (${cut - start} of 16 bytes)` : `in its data (${cut - start - 16} of`);
      }
    }
  });
});

describe('classic pcap: chunking', () => {
  const file = pcapFile({ le: false, magic: 'ns' }, threeRecords);
  const whole = parse(file);

  test('every two-chunk split gives the same frames as one push', () => {
    for (let s = 0; s <= file.length; s++) {
      const split = parse(file, [s]);
      expect(split.frames).toEqual(whole.frames);
      expect(split.info.warnings).toEqual([]);
    }
  });

  test('every three-chunk split around the second record gives the same frames', () => {
    const second = 24 + 16 + 60;
    for (let a = second - 20; a <= second + 20; a++) {
      for (let b = a; b <= second + 90; b += 7) expect(parse(file, [a, b]).frames).toEqual(whole.frames);
    }
  });

  test('byte-by-byte feeding gives the same frames', () => {
    expect(parseInChunks(file, 1).frames).toEqual(whole.frames);
    expect(parseInChunks(file, 3).frames).toEqual(whole.frames);
  });
});
