import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, fixture, FIXTURES, hasCommand, synack } from '../helpers/cli.js';
import { assertValid, validatePacket } from '../helpers/schema.js';
import { readdirSync } from 'node:fs';
import { linkTypeName } from '../../src/capture/linktypes.js';
import { repeatedCapture } from '../helpers/big-capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'synack-packets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface PacketJson {
  frame: number; seq: number; ack: number; srcPort: number; dstPort: number; window: number; payloadLength: number;
  flags: Record<string, boolean>; options: Array<{ kind: string }>; issues: string[];
}

function packetsJson(file: string, extra: string[] = []): PacketJson[] {
  const r = synack(['packets', '--json', ...extra, file]);
  expect(r.code).toBe(0);
  return r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PacketJson);
}

// CI installs tcpdump and tshark (.ci/run); they are the oracles here.
describe('packets against the oracles', () => {
  test.each(['handshake-ipv4.pcap', 'handshake-ipv6.pcap', 'lossy-bulk.pcap', 'fastopen.pcap', 'rst-abort.pcap', 'nanosecond.pcap', 'simultaneous-open.pcap'])(
    '%s: lines are what `tcpdump -nn -S` prints (UTC), after the frame number', (name) => {
      expect(hasCommand('tcpdump')).toBe(true);
      const ours = synack(['packets', fixture(name)]);
      expect(ours.code).toBe(0);
      const td = spawnSync('tcpdump', ['-nn', '-S', '-r', fixture(name), 'tcp'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, timeout: 30000 });
      expect(td.status).toBe(0);
      // tcpdump prints a TFO option with two spaces ("tfo  cookiereq"); synack with one.
      const expected = td.stdout.trimEnd().split('\n').map((l) => l.replace('tfo  ', 'tfo '));
      const got = ours.stdout.trimEnd().split('\n').map((l) => l.replace(/^\s*\d+ /, ''));
      expect(got).toEqual(expected);
    });

  test.each(['demo.pcap', 'two-interfaces.pcapng', 'vlan.pcap', 'any-sll2.pcap'])('%s: --json frame numbers, raw seq/ack and flags equal tshark\'s', (name) => {
    expect(hasCommand('tshark')).toBe(true);
    const ours = packetsJson(fixture(name));
    const ts = spawnSync('tshark', ['-r', fixture(name), '-Y', 'tcp', '-T', 'fields', '-E', 'separator=,',
      '-e', 'frame.number', '-e', 'tcp.seq_raw', '-e', 'tcp.ack_raw', '-e', 'tcp.flags', '-e', 'tcp.len', '-e', 'tcp.window_size_value'],
    { encoding: 'utf8', timeout: 60000 });
    expect(ts.status).toBe(0);
    const theirs = ts.stdout.trim().split('\n').map((l) => l.split(','));
    expect(ours).toHaveLength(theirs.length);
    ours.forEach((p, i) => {
      const [frame, seq, ack, flags, len, win] = theirs[i]!;
      expect([p.frame, p.seq, p.payloadLength, p.window]).toEqual([Number(frame), Number(seq), Number(len), Number(win)]);
      if (p.flags['ack']) expect(p.ack).toBe(Number(ack));
      expect(p.flags['syn']).toBe((Number(flags) & 0x02) !== 0);
      expect(p.flags['fin']).toBe((Number(flags) & 0x01) !== 0);
      expect(p.flags['rst']).toBe((Number(flags) & 0x04) !== 0);
    });
  });
});

describe('packets --json', () => {
  test('every line of every fixture matches schema/packets.schema.json', () => {
    const files = readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).map(fixture);
    const r = synack(['packets', '--json', '--verify-checksums', ...files]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1000);
    for (const l of lines) assertValid(validatePacket, JSON.parse(l));
  });
});

describe('packets counts and warnings (stderr)', () => {
  test('closing counts: frames, TCP segments, non-TCP by reason, link types', () => {
    const r = synack(['packets', fixture('handshake-ipv4.pcap')]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(r.stderr).toMatch(new RegExp(`^\\d+ frames read, ${lines.length} TCP segments, \\d+ non-TCP frames`));
    expect(r.stderr).toMatch(/link types: EN10MB \d+/);
  });

  test('a truncated capture keeps what came before and warns, naming the frame', () => {
    const whole = readFileSync(fixture('demo.pcap'));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const all = packetsJson(fixture('demo.pcap'));
    const r = synack(['packets', cut]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(all.length - 1);
    expect(r.stderr).toMatch(/warning: .*cut\.pcap: .*frame \d+/);
    // analyze says the same in its Inputs section, and still exits 0.
    const a = synack(['analyze', cut]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/warning: .*cut\.pcap: .*frame \d+/);
    const doc = JSON.parse(synack(['analyze', '--json', cut]).stdout) as { inputs: Array<{ frames: number; warnings: Array<{ kind: string; frameNo?: number }> }> };
    expect(doc.inputs[0]!.frames).toBe(all.length - 1);
    expect(doc.inputs[0]!.warnings[0]).toMatchObject({ kind: 'truncated', frameNo: all.length });
  });

  test('frames of a link type synack does not decode are counted by name, not dropped', () => {
    // A classic pcap of LINKTYPE_USER0 (147) holding one 20-byte frame: hand-made, as no kernel sends it.
    const hdr = Buffer.alloc(24);
    hdr.writeUInt32LE(0xa1b2c3d4, 0); hdr.writeUInt16LE(2, 4); hdr.writeUInt16LE(4, 6); hdr.writeUInt32LE(65535, 16); hdr.writeUInt32LE(147, 20);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000, 0); rec.writeUInt32LE(20, 8); rec.writeUInt32LE(20, 12);
    const f = join(tmp, 'user0.pcap');
    writeFileSync(f, Buffer.concat([hdr, rec, Buffer.alloc(20, 0xab)]));
    const r = synack(['packets', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('1 frame read, 0 TCP segments, 1 non-TCP frame');
    expect(r.stderr).toContain('not TCP: unsupported-link 1');
    expect(r.stderr).toContain(`link types: ${linkTypeName(147)} (not decoded) 1`);
    const doc = JSON.parse(synack(['analyze', '--json', f]).stdout) as { inputs: Array<{ linkTypes: unknown[] }>; summary: { frames: { nonTcp: Record<string, number> } } };
    expect(doc.inputs[0]!.linkTypes).toEqual([{ linkType: 147, name: linkTypeName(147), frames: 1, supported: false }]);
    expect(doc.summary.frames.nonTcp['unsupported-link']).toBe(1);
  });

  test('--count stops early and says so', () => {
    const r = synack(['packets', '--count', '5', fixture('demo.pcap')]);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(5);
    expect(r.stderr).toContain('(stopped after 5 segments, -c 5)');
  });

  test('-c on an input of more than one read (1 MiB) is not reported as damage (file and stdin)', () => {
    const big = repeatedCapture('demo.pcap', 3 * 1024 * 1024);
    const f = join(tmp, 'big.pcap');
    writeFileSync(f, big);
    const whole = synack(['packets', f]);
    expect(whole.stderr).not.toMatch(/warning/);
    // Through a pipe (cat stops on SIGPIPE once synack has stopped reading: that is fine).
    const piped = spawnSync('sh', ['-c', `cat "${f}" | "${process.execPath}" "${BIN}" packets -c 5 -`], { encoding: 'utf8', timeout: 30000 });
    const pipe = { code: piped.status, stdout: piped.stdout, stderr: piped.stderr };
    const gz = join(tmp, 'big.pcap.gz');
    writeFileSync(gz, gzipSync(big));
    for (const r of [synack(['packets', '-c', '5', f]), pipe, synack(['packets', '-c', '5', gz])]) {
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toHaveLength(5);
      expect(r.stderr).not.toMatch(/warning|ends inside/);
      expect(r.stderr).toContain('stopped after 5 segments');
    }
  });

  test('--quiet drops the counts', () => {
    const r = synack(['packets', '--quiet', fixture('handshake-ipv4.pcap')]);
    expect(r.stderr).toBe('');
  });

  test('frame numbers run on across files', () => {
    const one = packetsJson(fixture('handshake-ipv4.pcap'));
    const frames = Number(/^(\d+) frames read/.exec(synack(['packets', fixture('handshake-ipv4.pcap')]).stderr)![1]);
    const two = packetsJson(fixture('handshake-ipv4.pcap'), [fixture('handshake-ipv4.pcap')]);
    expect(two).toHaveLength(2 * one.length);
    expect(two[one.length]!.frame).toBe(one[0]!.frame + frames);
  });

  test('--verify-checksums marks bad checksums as an issue', () => {
    // Flip one byte of the first TCP segment's payload-free header (its window): the checksum no longer holds.
    const buf = Buffer.from(readFileSync(fixture('handshake-ipv4.pcap')));
    const first = packetsJson(fixture('handshake-ipv4.pcap'))[0]!;
    const bad = join(tmp, 'badsum.pcap');
    // Classic pcap: 24-byte file header, 16-byte record headers; find the SYN's window bytes by value.
    const win = Buffer.alloc(2); win.writeUInt16BE(first.window);
    const at = buf.indexOf(win, 24 + 16 + 14 + 20 + 14 - 2);
    buf[at + 1] ^= 0xff;
    writeFileSync(bad, buf);
    const off = packetsJson(bad)[0]!;
    expect(off.issues).not.toContain('bad-checksum');
    const on = packetsJson(bad, ['--verify-checksums'])[0]!;
    expect(on.issues).toContain('bad-checksum');
    expect(synack(['packets', '--verify-checksums', bad]).stdout.split('\n')[0]).toContain('[bad-checksum]');
  });
});
