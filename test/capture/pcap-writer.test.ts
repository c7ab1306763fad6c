import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { nanoHalves, PcapngWriter } from '../../src/capture/pcapng-writer.js';
import { newFrame } from '../../src/capture/frame.js';
import { InputError } from '../../src/util/errors.js';
import { parse, payload } from './build.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'synack-writer-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function frame(tsSec: number, tsNsec: number, data: Buffer, origLen = data.length) {
  // A frame whose bytes sit in the middle of a larger buffer, as readers hand them over.
  const f = newFrame();
  f.data = Buffer.concat([Buffer.alloc(7, 0xaa), data, Buffer.alloc(3, 0xbb)]);
  f.offset = 7;
  f.caplen = data.length;
  f.origLen = origLen;
  f.tsSec = tsSec;
  f.tsNsec = tsNsec;
  return f;
}

describe('PcapWriter', () => {
  test('microsecond file: byte-exact header, records read back with µs timestamps', () => {
    const path = join(dir, 'us.pcap');
    const w = new PcapWriter(path, { linkType: 113, snaplen: 65535 });
    w.write(frame(1700000000, 123456789, payload(60)));
    w.write(frame(1700000001, 999, payload(54, 9), 1514));
    w.close();
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 24).toString('hex')).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '71000000');
    const { frames, info } = parse(bytes);
    expect(frames.map((f) => [f.tsSec, f.tsNsec, f.caplen, f.origLen, f.linkType])).toEqual([
      [1700000000, 123456000, 60, 60, 113], [1700000001, 0, 54, 1514, 113],
    ]);
    expect(frames.map((f) => f.bytes)).toEqual([payload(60), payload(54, 9)]);
    expect(info.detail).toBe('pcap, little-endian, microsecond, version 2.4, snaplen 65535');
    expect(w.records).toBe(2);
  });

  test('nanosecond file keeps nanoseconds; frames longer than the snaplen are cut, origLen kept', () => {
    const path = join(dir, 'ns.pcap');
    const w = new PcapWriter(path, { linkType: 1, snaplen: 64, nanosecond: true });
    w.write(frame(5, 123456789, payload(100), 1500));
    w.close();
    const { frames, info } = parse(readFileSync(path));
    expect(frames.map((f) => [f.tsSec, f.tsNsec, f.caplen, f.origLen])).toEqual([[5, 123456789, 64, 1500]]);
    expect(frames[0]!.bytes).toEqual(payload(64));
    expect(info.detail).toContain('nanosecond');
  });

  test('records are buffered and written on close; close twice is harmless; write after close throws', () => {
    const path = join(dir, 'buf.pcap');
    const w = new PcapWriter(path, { linkType: 1 });
    expect(readFileSync(path)).toHaveLength(24); // the header goes out at once
    for (let i = 0; i < 100; i++) w.write(frame(i, 0, payload(10, i)));
    w.close();
    w.close();
    expect(parse(readFileSync(path)).frames).toHaveLength(100);
    expect(() => w.write(frame(1, 0, payload(1)))).toThrow(/after close/);
  });

  test('more than the buffer holds is written as it fills, in order', () => {
    const path = join(dir, 'many.pcap');
    const w = new PcapWriter(path, { linkType: 1, snaplen: 262144 });
    for (let i = 0; i < 400; i++) w.write(frame(i, 0, payload(1500, i)));
    expect(readFileSync(path).length).toBeGreaterThan(24); // flushed before close
    w.write(frame(400, 0, payload(262144)));
    w.close();
    const { frames } = parse(readFileSync(path));
    expect(frames).toHaveLength(401);
    expect(frames[399]!.bytes).toEqual(payload(1500, 399));
    expect(frames[400]!.caplen).toBe(262144);
  });

  test('a file that cannot be created is an InputError naming it', () => {
    expect(() => new PcapWriter(join(dir, 'no', 'such', 'dir.pcap'), { linkType: 1 })).toThrow(InputError);
    expect(() => new PcapWriter(join(dir, 'no', 'x.pcap'), { linkType: 1 })).toThrow(/x\.pcap: cannot create capture file \(no such directory\)/);
  });
});

describe('PcapngWriter', () => {
  test('nanoHalves: sec·10^9 + ns split exactly, as BigInt would', () => {
    const out = { hi: 0, lo: 0 };
    for (const [s, ns] of [[0, 0], [1, 999999999], [1700000000, 123456789], [4294967295, 999999999], [65535, 1], [65536, 0]] as const) {
      nanoHalves(s, ns, out);
      const v = BigInt(s) * 1000000000n + BigInt(ns);
      expect([out.hi, out.lo]).toEqual([Number(v >> 32n), Number(v & 0xffffffffn)]);
    }
  });

  test('frames read back with nanoseconds; the statistics block carries the counters and the window', () => {
    const path = join(dir, 'stats.pcapng');
    const w = new PcapngWriter(path, { linkType: 1, snaplen: 64, interfaceName: 'lo', filter: 'tcp port 80', application: 'synack test' });
    w.write(frame(1700000000, 123456789, payload(60)));
    w.write(frame(1700000001, 5, payload(100, 3), 1500));
    w.close({ start: 1699999999.5, end: 1700000002.25, received: 40, ifDrop: 0, osDrop: 7, userDeliv: 2 }, 'counters from tcpdump');
    w.close();
    const { frames, info } = parse(readFileSync(path), [], 'stats.pcapng');
    expect(frames.map((f) => [f.tsSec, f.tsNsec, f.caplen, f.origLen, f.linkType])).toEqual([
      [1700000000, 123456789, 60, 60, 1], [1700000001, 5, 64, 1500, 1],
    ]);
    expect(frames[1]!.bytes).toEqual(payload(64, 3));
    expect(info.warnings).toEqual([]);
    expect(info.interfaceStats).toEqual([{ interface: 0, name: 'lo', linkType: 1, at: 1700000002.25, start: 1699999999.5, end: 1700000002.25,
      received: 40, ifDrop: 0, osDrop: 7, filterAccept: null, userDeliv: 2, dropped: 7, blocks: 1 }]);
    expect(w.records).toBe(2);
    expect(() => w.write(frame(1, 0, payload(1)))).toThrow(/after close/);
  });

  test('tshark reads the file: same frames, nanosecond precision, the interface name and filter', () => {
    const path = join(dir, 'tshark.pcapng');
    const w = new PcapngWriter(path, { linkType: 1, interfaceName: 'eth7', filter: 'tcp' });
    for (let i = 0; i < 3; i++) w.write(frame(1700000000 + i, 1000 * i + 7, payload(60 + i, i)));
    w.write(frame(1700000009, 0, payload(300000, 9)));
    w.close({ start: null, end: null, received: null, ifDrop: null, osDrop: 0, userDeliv: null });
    const r = spawnSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_name'], { encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      '1700000000.000000007\t60\t60\teth7', '1700000001.000001007\t61\t61\teth7', '1700000002.000002007\t62\t62\teth7',
      '1700000009.000000000\t300000\t262144\teth7',
    ]);
    const c = spawnSync('capinfos', ['-m', '-T', path], { encoding: 'utf8', timeout: 30000 });
    expect(c.status).toBe(0);
  });
});
