import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../../src/flow/model.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { epb, idb, isb, isbOpt, pcapFile, shb } from '../capture/build.js';
import { eth, ip4tcp, type TcpSpec } from '../decode/build.js';
import { fixture, FIXTURES, synack } from '../helpers/cli.js';
import { schemaErrors, validateAnalyze, validateConnection } from '../helpers/schema.js';

const cache = new Map<string, string>();

/** One run per distinct argument list in this file (the documents are parsed afresh for each caller). */
function analyzeJson(args: string[]): AnalyzeDocument {
  const key = args.join('\0');
  let out = cache.get(key);
  if (out === undefined) {
    const r = synack(['analyze', '--json', ...args]);
    // Capture problems (drops, damage) are also said on stderr, as warnings; nothing else is.
    expect(r.stderr.split('\n').filter(Boolean).filter((l) => !l.startsWith('warning: '))).toEqual([]);
    expect(r.code).toBe(0);
    out = r.stdout;
    cache.set(key, out);
  }
  return JSON.parse(out) as AnalyzeDocument;
}

function expectValid(doc: unknown): void {
  const ok = validateAnalyze(doc);
  if (!ok) throw new Error(schemaErrors(validateAnalyze));
  expect(ok).toBe(true);
}

const allPcaps = readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).sort();

describe('analyze --json', () => {
  test('every fixture, read together, gives one document that matches the schema', () => {
    const doc = analyzeJson(allPcaps.map(fixture));
    expectValid(doc);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.inputs.map((i) => i.name)).toEqual(allPcaps.map(fixture));
    // Frame numbers run on across inputs: each input starts where the previous one ended.
    for (let i = 1; i < doc.inputs.length; i++) expect(doc.inputs[i]!.firstFrame).toBe(doc.inputs[i - 1]!.lastFrame + 1);
    expect(doc.summary.frames.frames).toBe(doc.inputs.reduce((n, i) => n + i.frames, 0));
    expect(doc.summary.connections).toBe(doc.connections.length);
  });

  test.each([['refused.pcap'], ['demo.pcap'], ['handshake-ipv6.pcap'], ['two-interfaces.pcapng'], ['handshake-ipv4.pcap.gz']])('%s matches the schema', (name) => {
    expectValid(analyzeJson([fixture(name)]));
  });

  test('refused.pcap: the refusal is found and counted', () => {
    const doc = analyzeJson([fixture('refused.pcap')]);
    const refused = doc.connections.filter((c) => c.handshake.outcome === 'refused');
    expect(refused.length).toBeGreaterThan(0);
    for (const c of refused) expect(c.anomalies.map((a) => a.id)).toContain('handshake-refused');
    expect(doc.summary.outcomes.refused).toBe(refused.length);
    expect(doc.summary.anomalies.find((a) => a.id === 'handshake-refused')?.connections).toBe(refused.length);
  });

  test('summary counts agree with the connections', () => {
    const doc = analyzeJson([fixture('demo.pcap')]);
    const total = Object.values(doc.summary.outcomes).reduce((a, b) => a + (b ?? 0), 0);
    expect(total).toBe(doc.connections.length);
    const rtts = doc.connections.filter((c) => c.handshake.outcome === 'complete' && c.handshake.rtt.total !== null).map((c) => c.handshake.rtt.total!);
    expect(doc.summary.handshakeRtt.samples).toBe(rtts.length);
    expect(doc.summary.handshakeRtt.min).toBe(Math.min(...rtts));
    expect(doc.summary.handshakeRtt.max).toBe(Math.max(...rtts));
  });

  test('the gzip fixture gives the same connections as the plain one', () => {
    const plain = analyzeJson([fixture('handshake-ipv4.pcap')]);
    const gz = analyzeJson([fixture('handshake-ipv4.pcap.gz')]);
    expect(gz.inputs[0]!.gzip).toBe(true);
    expect(gz.connections).toEqual(plain.connections);
  });

  test('standard input gives the same connections as the file', () => {
    const file = analyzeJson([fixture('demo.pcap')]);
    const r = synack(['analyze', '--json', '-'], { input: readFileSync(fixture('demo.pcap')) });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as AnalyzeDocument).connections).toEqual(file.connections);
  });

  test('filters narrow connections[], not the summary', () => {
    const all = analyzeJson([fixture('demo.pcap')]);
    const doc = analyzeJson([fixture('demo.pcap'), '--anomaly', 'handshake-refused']);
    expect(doc.summary).toEqual(all.summary);
    expect(doc.connections.length).toBe(all.connections.filter((c) => c.anomalies.some((a) => a.id === 'handshake-refused')).length);
    expect(doc.connections.length).toBeGreaterThan(0);
    const port = all.connections[0]!.server.port;
    const byPort = analyzeJson([fixture('demo.pcap'), '--port', String(port)]);
    expect(byPort.connections.every((c) => c.server.port === port || c.client.port === port)).toBe(true);
    const tw = analyzeJson([fixture('demo.pcap'), '--state', 'time_wait']);
    expect(tw.connections.every((c) => c.finalStates.client === 'TIME_WAIT' || c.finalStates.server === 'TIME_WAIT')).toBe(true);
  });
});

describe('analyze --ndjson', () => {
  test('one schema-valid connection per line, the same set as --json', () => {
    const r = synack(['analyze', '--ndjson', fixture('demo.pcap')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const conns = lines.map((l) => JSON.parse(l) as Connection);
    for (const c of conns) {
      if (!validateConnection(c)) throw new Error(schemaErrors(validateConnection));
    }
    const doc = analyzeJson([fixture('demo.pcap')]);
    // Both stream connections as they finish: the same order.
    expect(conns).toEqual(doc.connections);
    expect(conns.map((c) => c.id).sort((a, b) => a - b)).toEqual(conns.map((_, i) => i + 1));
  });
});

describe('analyze text', () => {
  test('summary, anomalies, listeners and rows; no colour when piped', () => {
    const doc = analyzeJson([fixture('demo.pcap')]);
    const r = synack(['analyze', fixture('demo.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stdout).toContain(`Connections: ${doc.connections.length}`);
    for (const a of doc.summary.anomalies) expect(r.stdout).toMatch(new RegExp(`${a.severity}\\s+│ ${a.id}\\s+│\\s+${a.count} │`));
    expect(r.stdout).toContain('Busiest listeners');
    expect(r.stdout).toMatch(/handshake RTT \(SYN → ACK, \d+ samples\): min/);
  });

  test('--limit says how many rows were left out', () => {
    const doc = analyzeJson([fixture('demo.pcap')]);
    const r = synack(['analyze', '--limit', '3', fixture('demo.pcap')]);
    expect(r.stdout).toContain(`… ${doc.connections.length - 3} more connections not shown (--limit 3`);
  });

  test('FORCE_COLOR paints; --no-color wins', () => {
    expect(synack(['analyze', fixture('refused.pcap')], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(/\u001b\[/);
    expect(synack(['analyze', '--no-color', fixture('refused.pcap')], { env: { FORCE_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[/);
    expect(synack(['analyze', fixture('refused.pcap')], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[/);
  });
});

describe('analyze --conn', () => {
  test('detail view: timelines, options, anomalies and a ladder with one arrow per packet', () => {
    const doc = analyzeJson([fixture('lost-final-ack.pcap')]);
    const c = doc.connections.find((x) => x.anomalies.some((a) => a.id === 'lost-final-ack'))!;
    expect(c).toBeDefined();
    const r = synack(['analyze', '--conn', String(c.id), fixture('lost-final-ack.pcap')]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`Connection #${c.id}: ${c.client.ip}:${c.client.port} → ${c.server.ip}:${c.server.port}`);
    expect(out).toContain('State timelines');
    for (const t of c.timeline) expect(out).toContain(`${t.from} → ${t.to}`);
    expect(out).toMatch(/MSS\s+│/);
    const ladder = out.slice(out.indexOf('Ladder'));
    const arrows = ladder.split('\n').filter((l) => /#\d+\s/.test(l) && /[▶◀]/.test(l));
    expect(arrows).toHaveLength(c.packets.client + c.packets.server);
    // Arrows point the right way: client packets to the right.
    const firstSyn = arrows[0]!;
    expect(firstSyn).toMatch(/SYN seq 0 .*▶│/);
    expect(ladder).toContain('✗ lost-final-ack');
  });

  test('--no-ladder skips the diagram', () => {
    const r = synack(['analyze', '--conn', '1', '--no-ladder', fixture('refused.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('State timelines');
    expect(r.stdout).not.toContain('Ladder');
  });

  test('--detail with a filter details every selected connection', () => {
    const doc = analyzeJson([fixture('demo.pcap'), '--anomaly', 'handshake-refused']);
    const r = synack(['analyze', '--detail', '--anomaly', 'handshake-refused', fixture('demo.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^Connection #\d+:/gm)).toHaveLength(doc.connections.length);
  });
});

describe('a connection with more anomalies of one id than it lists', () => {
  // Handshake, one data segment, then the same segment 1,500 times more: 1,500 retransmissions.
  const V4_CLIENT = [198, 18, 0, 2], V4_SERVER = [198, 18, 0, 1];
  const seg = (i: number, fromClient: boolean, t: TcpSpec) => ({
    sec: 1_700_000_000 + Math.floor(i / 1000), frac: (i % 1000) * 1000,
    data: Buffer.from(eth(ip4tcp({ srcPort: fromClient ? 40000 : 80, dstPort: fromClient ? 80 : 40000, window: 1000, ...t },
      { src: fromClient ? V4_CLIENT : V4_SERVER, dst: fromClient ? V4_SERVER : V4_CLIENT }))),
  });
  const records = [
    seg(0, true, { seq: 1000, flags: 0x02 }), seg(1, false, { seq: 5000, ack: 1001, flags: 0x12 }), seg(2, true, { seq: 1001, ack: 5001, flags: 0x10 }),
    ...Array.from({ length: 1501 }, (_, k) => seg(3 + k * 300, true, { seq: 1001, ack: 5001, flags: 0x18, payload: Array(50).fill(120) })),
  ];
  let dir = '';
  let file = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'synack-omitted-'));
    file = join(dir, 'retransmissions.pcap');
    writeFileSync(file, pcapFile({}, records));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--json lists the first 1,000, counts the rest; the summary and check count all 1,500', () => {
    const doc = JSON.parse(synack(['analyze', '--json', file]).stdout) as AnalyzeDocument;
    if (!validateAnalyze(doc)) throw new Error(schemaErrors(validateAnalyze));
    const c = doc.connections[0]!;
    expect(c.anomalies.filter((a) => a.id === 'retransmission')).toHaveLength(1000);
    expect(c.anomaliesOmitted).toEqual({ retransmission: 500 });
    expect(doc.summary.anomalies.find((a) => a.id === 'retransmission')).toMatchObject({ count: 1500, connections: 1 });
    const check = synack(['check', '--format', 'json', '--max', 'retransmission=1200', file]);
    expect(check.code).toBe(1);
    const verdict = JSON.parse(check.stdout) as { rules: Array<{ rule: string; count: number; passed: boolean }> };
    expect(verdict.rules.find((r) => r.rule === 'max:retransmission')).toMatchObject({ count: 1500, passed: false });
  });

  test('the detail view says how many more there were', () => {
    const r = synack(['analyze', '--conn', '1', '--no-ladder', file]);
    expect(r.stdout).toMatch(/… and 500 more retransmission \(counted, not listed/);
  });
});

describe('capture statistics of a pcapng input (Interface Statistics Blocks)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synack-isb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const le = true;
  const us = (s: bigint) => s * 1000000n;
  const file = join(dir, 'drops.pcapng');
  writeFileSync(file, Buffer.concat([
    shb(le), idb(le, { extra: [{ code: 2, value: Buffer.from('eth0') }] }),
    epb(le, { ts: us(1700000000n), data: Buffer.from(eth(ip4tcp({ srcPort: 1, dstPort: 2, flags: 0x02 }))) }),
    isb(le, { ts: us(1700000060n), opts: [isbOpt(le, 2, us(1700000000n), true), isbOpt(le, 3, us(1700000060n), true),
      isbOpt(le, 4, 2000n), isbOpt(le, 5, 4n), isbOpt(le, 7, 1200n)] }),
  ]));

  test('--json: inputs[].interfaceStats per interface, with the window, valid against the schema', () => {
    const doc = analyzeJson([file]);
    expectValid(doc);
    expect(doc.inputs[0]!.interfaceStats).toEqual([{ interface: 0, name: 'eth0', linkType: 1, at: 1700000060, start: 1700000000,
      end: 1700000060, received: 2000, ifDrop: 4, osDrop: 1200, filterAccept: null, userDeliv: null, dropped: 1204, blocks: 1 }]);
  });

  test('the drops are a capture problem: on stderr beside --json, in check\'s integrity, failing with --fail-on damaged', () => {
    expect(synack(['analyze', '--json', file]).stderr).toMatch(/^warning: .*drops\.pcapng: the capture dropped 1204 packets of 2000 received on interface 0 \(eth0\)$/m);
    const v = JSON.parse(synack(['check', '--fail-on', 'damaged', '--format', 'json', file]).stdout) as { passed: boolean; integrity: { problems: Array<{ kind: string }> } };
    expect(v.passed).toBe(false);
    expect(v.integrity.problems.map((x) => x.kind)).toEqual(['dropped']);
    expect(synack(['check', '--fail-on', 'damaged', file]).code).toBe(1);
  });

  test('text: the input lines say how many were dropped, by whom, over which window', () => {
    const r = synack(['analyze', '--wide', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('capture statistics, interface 0 (eth0): 1,204 dropped (by the OS 1,200, by the interface 4) of 2,000 received, 22:13:20.000000 – 22:14:20.000000 UTC');
  });
});
