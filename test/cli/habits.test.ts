/**
 * tcpdump's and tshark's habits (-r, -nn, -c, a filter after the files or with -f, -w), and the bugs
 * of issue 14 that live in analyze and packets: each test here failed before the change it covers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { BIN, fixture, hasCommand, STACK_LINE, synack } from '../helpers/cli.js';
import { schemaErrors, validateAnalyze } from '../helpers/schema.js';

const tmp = mkdtempSync(join(tmpdir(), 'synack-habits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DEMO = fixture('demo.pcap');

function json(args: string[], input?: Buffer): AnalyzeDocument {
  const r = synack(['analyze', '--json', ...args], input ? { input } : {});
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as AnalyzeDocument;
  if (!validateAnalyze(doc)) throw new Error(schemaErrors(validateAnalyze));
  return doc;
}

const tuples = (d: AnalyzeDocument) => d.connections.map((c) => `${c.client.ip}:${c.client.port}>${c.server.ip}:${c.server.port}`).sort();

/** Lines of `tcpdump -nn -S` (UTC), as `synack packets` prints them after its frame number. */
function tcpdumpLines(file: string, filter: string[]): string[] {
  const td = spawnSync('tcpdump', ['-nn', '-S', '-r', file, ...filter], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, timeout: 30000 });
  expect(td.status).toBe(0);
  return td.stdout.trimEnd().split('\n').filter(Boolean);
}
const withoutFrameNo = (out: string) => out.trimEnd().split('\n').filter(Boolean).map((l) => l.replace(/^\s*\d+ /, ''));

describe('-r, -nn, -f and a filter after the files', () => {
  test('-r FILE reads as the argument does; -nn and -n change nothing', () => {
    const plain = json([DEMO]);
    for (const args of [['-r', DEMO], ['-nn', DEMO], ['-n', '-r', DEMO]]) expect(json(args)).toEqual(plain);
    expect(synack(['packets', '-nn', '-r', DEMO]).stdout).toBe(synack(['packets', DEMO]).stdout);
    expect(synack(['check', '-nn', '-r', fixture('handshake-ipv4.pcap')]).code).toBe(0);
  });

  test('the filter selects the packets the analysis sees: after the files, with -f, or after -r', () => {
    const viaArgs = json([DEMO, 'tcp', 'port', '4041']);
    expect(json([DEMO, 'tcp port 4041'])).toEqual(viaArgs);
    expect(json(['-f', 'tcp port 4041', DEMO])).toEqual(viaArgs);
    expect(json(['-r', DEMO, 'tcp port 4041'])).toEqual(viaArgs);
    // A quoted filter with a network in it is a filter, not a path.
    expect(json([DEMO, 'net 198.18.0.0/16 and (port 4041)']).connections.map((c) => c.id)).toEqual(json([DEMO, 'ip', 'and', 'port', '4041']).connections.map((c) => c.id));
    expect(viaArgs.options.captureFilter).toBe('tcp port 4041');
    // The same connections as choosing them afterwards by port, every one refused.
    expect(tuples(viaArgs)).toEqual(tuples(json([DEMO, '--port', '4041'])));
    expect(viaArgs.connections.every((c) => c.handshake.outcome === 'refused')).toBe(true);
    expect(viaArgs.summary.frames.filteredOut).toBe(viaArgs.summary.frames.tcpSegments - viaArgs.connections.reduce((n, c) => n + c.packets.client + c.packets.server, 0));
  });

  test('packets with a filter prints what tcpdump -nn -S prints with it', () => {
    expect(hasCommand('tcpdump')).toBe(true);
    for (const filter of ['tcp[tcpflags] & (tcp-syn|tcp-fin) != 0 and not port 4043', 'ip6 or src portrange 4041-4042']) {
      const ours = synack(['packets', DEMO, filter]);
      expect(ours.code).toBe(0);
      expect(withoutFrameNo(ours.stdout)).toEqual(tcpdumpLines(DEMO, [filter]));
    }
    const vlan = synack(['packets', '-r', fixture('vlan.pcap'), 'vlan', '42', 'and', 'tcp']);
    expect(withoutFrameNo(vlan.stdout)).toEqual(tcpdumpLines(fixture('vlan.pcap'), ['vlan 42 and tcp']));
  });

  test('a bad filter is one line naming the position; exit 2', () => {
    for (const cmd of ['analyze', 'packets', 'check']) {
      const r = synack([cmd, DEMO, 'tcp', 'prot', '80']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/filter "tcp prot 80": .*"prot".*at character 5/);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    expect(synack(['analyze', DEMO, 'ether', 'host', '02:00:5e:12:00:01']).stderr).toMatch(/ether: link-layer \(MAC\) addresses/);
  });

  test('a filter and no file, two filters, a missing second file: each its own clear line', () => {
    expect(synack(['analyze', 'tcp port 80']).stderr).toMatch(/no capture file given: "tcp port 80" reads as a filter/);
    expect(synack(['analyze', DEMO, 'port 80', '-f', 'port 81']).stderr).toMatch(/two filters/);
    expect(synack(['analyze', DEMO, join(tmp, 'nope.pcap')]).stderr).toMatch(/nope\.pcap: no such file/);
    expect(synack(['analyze']).stderr).toMatch(/no capture file given/);
  });
});

describe('-c counts segments everywhere, and stopping is not damage', () => {
  test('analyze -c N analyses the first N segments that pass the filter, and says so', () => {
    const d = json([DEMO, '-c', '25']);
    expect(d.summary.frames.stoppedAtCount).toBe(25);
    expect(d.summary.frames.tcpSegments).toBe(25);
    expect(d.inputs[0]!.warnings).toEqual([]);
    expect(d.connections.reduce((n, c) => n + c.packets.client + c.packets.server, 0)).toBe(25);
    const filtered = json([DEMO, '-c', '3', 'port 4041']);
    expect(filtered.connections.reduce((n, c) => n + c.packets.client + c.packets.server, 0)).toBe(3);
    const text = synack(['analyze', DEMO, '-c', '25']).stdout;
    expect(text).toContain('stopped after 25 segments (-c 25)');
  });

  test('check -c is a count; the policy file is --config', () => {
    const cfg = join(tmp, 'policy.json');
    writeFileSync(cfg, JSON.stringify({ failOn: ['error'] }));
    // The first refused connection is at packet #113: 100 segments see no error-severity anomaly.
    expect(synack(['check', fixture('demo.pcap'), '-c', '100', '--config', cfg]).code).toBe(0);
    expect(synack(['check', fixture('demo.pcap'), '--config', cfg]).code).toBe(1);
    const r = synack(['check', fixture('demo.pcap'), '-c', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-c, --count/);
  });
});

describe('packets --host, --port, --conn and -w', () => {
  const doc = () => json([DEMO]);

  test('--conn N lists that connection\'s packets, numbered as analyze numbers connections', () => {
    const c = doc().connections.find((x) => x.id === 26)!;
    const r = synack(['packets', DEMO, '--conn', '26', '--json']);
    expect(r.code).toBe(0);
    const frames = r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { frame: number }).frame);
    expect(frames).toHaveLength(c.packets.client + c.packets.server);
    expect(frames[0]).toBe(c.firstPacket);
    expect(frames.at(-1)).toBe(c.lastPacket);
    // From standard input too (kept in a temporary file for the second pass).
    expect(synack(['packets', '-', '--conn', '26', '--json'], { input: readFileSync(DEMO) }).stdout).toBe(r.stdout);
    expect(synack(['packets', DEMO, '--conn', '999']).stderr).toMatch(/no connection #999 in .*demo\.pcap/);
  });

  test('--host and --port select either side; any spelling of an IPv6 address', () => {
    const lines = (args: string[]) => synack(['packets', DEMO, ...args]).stdout.trimEnd().split('\n').filter(Boolean);
    const v6 = lines(['--host', '2001:DB8:0::2']);
    expect(v6.length).toBeGreaterThan(0);
    expect(v6.every((l) => l.includes(' IP6 '))).toBe(true);
    // Untagged frames: the same as tcpdump's `port 4041`.
    expect(lines(['--port', '4041'])).toEqual(lines(['port 4041']));
    expect(lines(['--port', '4041'])).toHaveLength(8);
    expect(synack(['packets', DEMO, '--host', 'example.com']).stderr).toMatch(/--host example\.com: not an IPv4 or IPv6 address/);
  });

  test('-w writes the selected frames as read: tcpdump reads them back', () => {
    expect(hasCommand('tcpdump')).toBe(true);
    const out = join(tmp, 'conn26.pcap');
    const r = synack(['packets', DEMO, '--conn', '26', '-w', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/12 frames written to .*conn26\.pcap/);
    expect(tcpdumpLines(out, [])).toEqual(withoutFrameNo(synack(['packets', DEMO, '--conn', '26']).stdout));
    // -w - goes to standard output, for a pipe into another tool.
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" packets "${DEMO}" -c 5 -w - | tcpdump -nn -S -r - 2>/dev/null | wc -l`], { encoding: 'utf8', timeout: 30000 });
    expect(piped.stdout.trim()).toBe('5');
  });
});

describe('issue 14 bugs in analyze', () => {
  test('analyze --json on a damaged capture says so on stderr too (the document keeps it in inputs[])', () => {
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, readFileSync(DEMO).subarray(0, 5000));
    for (const format of ['json', 'ndjson', 'zeek', 'csv']) {
      const r = synack(['analyze', '--format', format, cut]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^warning: .*cut\.pcap: file ends inside frame \d+/m);
    }
  });

  test('RTTs in JSON carry no float noise: microseconds, as the capture has them', () => {
    for (const c of json([DEMO]).connections) {
      for (const v of Object.values(c.handshake.rtt)) if (v !== null) expect(Number(v.toFixed(6))).toBe(v);
    }
  });

  test('a gzip input says gzip once', () => {
    const r = synack(['analyze', fixture('handshake-ipv4.pcap.gz')]);
    expect(r.stdout.match(/gzip/g)).toHaveLength(1);
  });

  test('--host or --state that match nothing say so where the table was', () => {
    for (const args of [['--host', '192.0.2.99'], ['--state', 'CLOSING']]) {
      const r = synack(['analyze', DEMO, ...args]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/no connection matches --(host|state) .* \(of 51 connections in the capture\)/);
    }
  });

  test('--state takes the names the output prints (any case), and points a hyphenated one at its name', () => {
    expect(json([DEMO, '--state', 'time_wait'])).toEqual(json([DEMO, '--state', 'TIME_WAIT']));
    const r = synack(['analyze', DEMO, '--state', 'time-wait']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/write TIME_WAIT/);
  });

  test('--conn on standard input draws the ladder', () => {
    const fromFile = synack(['analyze', DEMO, '--conn', '26']);
    const fromStdin = synack(['analyze', '-', '--conn', '26'], { input: readFileSync(DEMO) });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain('Ladder');
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromStdin.stderr).toBe('');
  });
});
