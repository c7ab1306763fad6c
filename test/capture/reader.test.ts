import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { osError, readCapture, readCaptureStream } from '../../src/capture/reader.js';
import { InputError } from '../../src/util/errors.js';
import { copyFrame, epb, idb, parse, payload, pcapFile, shb, type CopiedFrame } from './build.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'synack-capture-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function file(name: string, content: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** One short line per frame (fields and a hash of the bytes): deep-comparing megabytes of Buffers is slow. */
function digest(frames: CopiedFrame[]): string[] {
  return frames.map((f) => `${f.frameNo} ${f.tsSec}.${f.tsNsec} ${f.caplen}/${f.origLen} ${f.linkType} ${createHash('sha1').update(f.bytes).digest('hex')}`);
}

async function read(path: string, opts = {}): Promise<{ frames: CopiedFrame[]; info: Awaited<ReturnType<typeof readCapture>> }> {
  const frames: CopiedFrame[] = [];
  const info = await readCapture(path, (f) => frames.push(copyFrame(f)), opts);
  return { frames, info };
}

/** 3000 records of 1000 bytes: about 3 MB, so records straddle the 1 MiB reads. */
const bigPcap = pcapFile({ magic: 'ns' }, Array.from({ length: 3000 }, (_, i) => ({ sec: 1700000000 + i, frac: i, data: payload(1000, i) })));
const bigDigest = digest(parse(bigPcap).frames);

describe('readCapture: files', () => {
  test('reads a multi-megabyte pcap: every frame, in order, across read boundaries', async () => {
    const p = file('big.pcap', bigPcap);
    const progress: Array<[number, number | null]> = [];
    const { frames, info } = await read(p, { onProgress: (r: number, t: number | null) => progress.push([r, t]) });
    expect(digest(frames)).toEqual(bigDigest);
    expect(info).toMatchObject({ name: p, format: 'pcap', gzip: false, frames: 3000, bytes: bigPcap.length, warnings: [] });
    expect(progress[progress.length - 1]).toEqual([bigPcap.length, bigPcap.length]);
    expect(progress.length).toBeGreaterThan(2);
  });

  test('a gzip-compressed capture is recognised by its magic, whatever its name', async () => {
    const p = file('capture.pcap', gzipSync(bigPcap));
    const { frames, info } = await read(p);
    expect(digest(frames)).toEqual(bigDigest);
    expect(info.gzip).toBe(true);
    expect(info.bytes).toBe(bigPcap.length);
    expect(info.detail).toMatch(/gzip-compressed$/);
  });

  test('gzip pcapng', async () => {
    const ng = Buffer.concat([shb(false), idb(false, { tsresol: 9 }), epb(false, { ts: 5n, data: payload(9) })]);
    const { frames, info } = await read(file('x.gz', gzipSync(ng)));
    expect(frames.map((f) => [f.tsNsec, f.caplen])).toEqual([[5, 9]]);
    expect(info.format).toBe('pcapng');
  });

  test('a truncated gzip stream: the frames decoded before the cut are kept, with a warning', async () => {
    const gz = gzipSync(bigPcap);
    const { frames, info } = await read(file('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length * 0.6))));
    expect(frames.length).toBeGreaterThan(1000);
    expect(frames.length).toBeLessThan(3000);
    expect(digest(frames)).toEqual(bigDigest.slice(0, frames.length));
    expect(info.warnings.some((w) => w.kind === 'truncated' && /gzip stream ends early/.test(w.message))).toBe(true);
  });

  test('a corrupt gzip stream: frames before the damage kept, corrupt warning', async () => {
    const gz = Buffer.from(gzipSync(bigPcap));
    gz[gz.length - 6]! ^= 0xff; // inside the CRC-32 of the trailer
    const { frames, info } = await read(file('crc.pcap.gz', gz));
    expect(frames.length).toBeGreaterThan(2500);
    expect(digest(frames)).toEqual(bigDigest.slice(0, frames.length));
    expect(info.warnings.some((w) => w.kind === 'corrupt' && /gzip stream damaged/.test(w.message))).toBe(true);
  });

  test('a truncated pcap keeps the frames before the cut and warns with the offset', async () => {
    const { frames, info } = await read(file('cut.pcap', bigPcap.subarray(0, 24 + 1016 * 2 + 500)));
    expect(frames).toHaveLength(2);
    expect(info.warnings).toEqual([expect.objectContaining({ kind: 'truncated', offset: 24 + 1016 * 2, frameNo: 3 })]);
  });

  test('abort: resolves with what was read, marked aborted', async () => {
    const ac = new AbortController();
    let n = 0;
    const info = await readCapture(file('abort.pcap', bigPcap), () => { if (++n === 10) ac.abort(); }, { signal: ac.signal });
    expect(info.aborted).toBe(true);
    expect(info.frames).toBeLessThan(3000);
    expect(info.frames).toBeGreaterThanOrEqual(10);
  });
});

describe('readCapture: one-line errors naming the file', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['missing file', () => join(dir, 'nope.pcap'), /nope\.pcap: no such file$/],
    ['a directory', () => { const d = join(dir, 'adir'); mkdirSync(d, { recursive: true }); return d; }, /adir: is a directory, not a capture file$/],
    ['an empty file', () => file('empty.pcap', Buffer.alloc(0)), /empty\.pcap: the file is empty \(0 bytes\), not a capture$/],
    ['a text file', () => file('notes.pcap', 'GET / HTTP/1.1\r\nHost: example\r\n'), /notes\.pcap: this is a text file, not a capture$/],
    ['Network Monitor', () => file('nm.cap', Buffer.concat([Buffer.from('GMBU'), Buffer.alloc(100)])), /nm\.cap: this is a Microsoft Network Monitor 2\.x capture \(GMBU\), not supported/],
    ['unknown binary', () => file('x.bin', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4])), /x\.bin: unknown format \(binary data\), not pcap or pcapng$/],
    ['damaged pcapng header', () => file('d.pcapng', shb(true, { bom: 0x01020304 })), /d\.pcapng: this looks like pcapng with a damaged header/],
    ['pcapng with a damaged block type', () => { const b = shb(true); b[0] = 0x0b; return file('t.pcapng', b); }, /t\.pcapng: this looks like pcapng with a damaged header \(block type 0b 0d 0d 0a/],
    ['damaged pcap magic', () => file('m.pcap', Buffer.concat([Buffer.from([0xd4, 0xc3, 0xb2, 0xa0]), Buffer.alloc(40)])), /m\.pcap: this looks like pcap with a damaged header \(magic d4 c3 b2 a0\)$/],
    ['a short file', () => file('s.pcap', Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0])), /s\.pcap: pcap file header cut short \(6 of 24 bytes\)$/],
    ['bzip2', () => file('c.pcap.bz2', Buffer.from('BZh91AY&SY\x01\x02')), /c\.pcap\.bz2: this is bzip2-compressed data; decompress it first/],
    ['gzip of text', () => file('t.gz', gzipSync(Buffer.from('hello world\n'))), /t\.gz: gzip data that does not hold a capture \(this is a text file, not a capture\)$/],
    ['gzip of nothing', () => file('e.gz', gzipSync(Buffer.alloc(0))), /e\.gz: gzip data that decompresses to nothing$/],
  ];
  test.each(cases)('%s', async (_n, make, message) => {
    const p = make();
    const err = await readCapture(p, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(message);
    expect((err as InputError).message).not.toContain('\n');
    expect((err as InputError).exitCode).toBe(2);
  });

  test('permission denied and other OS errors map to one-line messages', () => {
    // As root the kernel lets every open through, so the mapping is checked directly.
    const err = (code: string) => osError(Object.assign(new Error(code), { code }), 'f.pcap')?.message;
    expect(err('EACCES')).toBe('f.pcap: permission denied');
    expect(err('EPERM')).toBe('f.pcap: permission denied');
    expect(err('EISDIR')).toBe('f.pcap: is a directory, not a capture file');
    expect(err('ENOENT')).toBe('f.pcap: no such file');
    expect(err('EWHATEVER')).toBeUndefined();
  });
});

describe('readCapture: standard input and streams', () => {
  test('a stream delivering odd-sized chunks gives the same frames as the file', async () => {
    const chunks: Buffer[] = [];
    for (let i = 0, k = 1; i < bigPcap.length; i += k, k = (k * 7 + 13) % 70001) chunks.push(bigPcap.subarray(i, i + k));
    const frames: CopiedFrame[] = [];
    const info = await readCaptureStream(Readable.from(chunks), '-', (f) => frames.push(copyFrame(f)));
    expect(digest(frames)).toEqual(bigDigest);
    expect(info.name).toBe('-');
  });

  test('an empty stream is an InputError', async () => {
    await expect(readCaptureStream(Readable.from([]), 'standard input', () => {})).rejects.toThrow(
      new InputError('standard input: the input is empty (0 bytes), not a capture'),
    );
  });

  test('a gzip stream from a pipe', async () => {
    const gz = gzipSync(bigPcap);
    const chunks = [gz.subarray(0, 1), gz.subarray(1, 5000), gz.subarray(5000)];
    let n = 0;
    const info = await readCaptureStream(Readable.from(chunks), '-', () => { n++; });
    expect([n, info.gzip]).toEqual([3000, true]);
  });
});
