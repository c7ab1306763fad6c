import { FLAG } from '../../src/decode/segment.js';
import { evaluatePolicy, DEFAULT_POLICY } from '../../src/check/policy.js';
import { summarize, rttStats, byTrouble } from '../../src/pipeline/summary.js';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { connectionRows } from '../../src/pipeline/digest.js';
import { renderAnalyzeText, renderListeners, renderOverview } from '../../src/report/analyze-text.js';
import { renderCheckText, renderGitHub, renderJUnit, xmlEscape } from '../../src/report/check.js';
import { captureProblems } from '../../src/pipeline/integrity.js';
import { renderConnectionDetail } from '../../src/report/detail.js';
import { renderLadder, type LadderSegment } from '../../src/report/ladder.js';
import { colorLevel, makePaint } from '../../src/report/style.js';
import { num, timestamp, visibleLength } from '../../src/report/text.js';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/flow/model.js';
import { anomalyAt, completeConnection, refusedConnection, T0 } from '../helpers/connection.js';

const plain = makePaint(0);

function result(conns = [completeConnection(), refusedConnection(2)]): AnalysisResult {
  return {
    inputs: [{
      name: 'x.pcap', format: 'pcap', detail: 'pcap, little-endian, microsecond, snaplen 65535', gzip: false, frames: 30, bytes: 3000,
      firstFrame: 1, lastFrame: 30, linkTypes: [{ linkType: 1, name: 'EN10MB', frames: 30, supported: true }],
      warnings: [{ kind: 'truncated', message: 'x.pcap: truncated record at byte 2990 (frame 31); kept 30 frames', offset: 2990, frameNo: 31 }],
    }],
    counts: { frames: 30, tcpSegments: 28, nonTcp: { 'not-ip': 2, 'not-tcp': 0, fragment: 0, 'unsupported-link': 0, truncated: 0, malformed: 0 }, decodeIssues: {} },
    connections: conns, listeners: [], anomalies: [],
    totals: { segments: 28, connections: conns.length, unplaced: 0, peakConcurrent: 2, late: 0 },
    tracker: DEFAULT_TRACKER_OPTIONS, elapsedSeconds: 0.01,
  };
}

describe('summary numbers', () => {
  test('RTT figures: mean of the middle two for an even count, nearest-rank p95', () => {
    expect(rttStats([4, 1, 3, 2])).toEqual({ samples: 4, min: 1, median: 2.5, p95: 4, max: 4, exact: true });
    expect(rttStats([])).toEqual({ samples: 0, min: null, median: null, p95: null, max: null, exact: true });
  });

  test('outcomes, RTT only from completed handshakes, anomaly counts by severity', () => {
    const s = summarize(result());
    expect(s.outcomes).toEqual({ complete: 1, refused: 1 });
    expect(s.handshakeRtt.samples).toBe(1);
    expect(s.handshakeRtt.max).toBeCloseTo(0.002);
    expect(s.anomalies).toEqual([{ id: 'handshake-refused', severity: 'error', count: 1, connections: 1 }]);
    expect(s.captureWarnings).toBe(1);
  });

  test('trouble first: errors, then warnings, then clean', () => {
    const warn = completeConnection({ id: 3, anomalies: [anomalyAt('retransmission', 'warning', 4)] });
    const sorted = [completeConnection(), warn, refusedConnection(2)].sort(byTrouble).map((c) => c.id);
    expect(sorted).toEqual([2, 3, 1]);
  });
});

describe('num', () => {
  test('groups thousands exactly as toLocaleString(\'en-US\') does', () => {
    const xs = [0, 7, -7, 999, 1000, -1000, 65535, 1_000_000, -1_234_567, 3_526_658, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5, -0.25, 1e21];
    for (let i = 0, x = 1; i < 200; i++) { x = (x * 48271) % 2147483647; xs.push(x * (i % 2 ? -1 : 1) * 10 ** (i % 7)); }
    for (const n of xs) expect(num(n)).toBe(n.toLocaleString('en-US'));
  });
});

describe('analyze text', () => {
  test('inputs, outcomes, RTT, anomalies and the connection table, without colour codes', () => {
    const r = result();
    const text = renderAnalyzeText(plain, r, summarize(r), connectionRows(r.connections, 50), { limit: 50 });
    expect(text).not.toMatch(/\u001b\[/);
    expect(text).toContain('x.pcap');
    expect(text).toContain('warning: x.pcap: truncated record at byte 2990 (frame 31); kept 30 frames');
    expect(text).toContain('not analysed: 2 not-ip');
    expect(text).toMatch(/handshake: complete 1\s+refused 1/);
    expect(text).toContain('handshake RTT (SYN → ACK, 1 sample): min 2.000 ms');
    expect(text).toContain('handshake-refused');
    // Trouble first: the refused connection's row comes before the clean one.
    expect(text.indexOf('10.0.0.1:40002')).toBeLessThan(text.indexOf('10.0.0.1:40000'));
  });

  test('--limit caps the rows and says how many were left out', () => {
    const conns = [completeConnection(), ...[2, 3, 4].map((i) => refusedConnection(i))];
    const r = result(conns);
    const text = renderAnalyzeText(plain, r, summarize(r), connectionRows(conns, 2), { limit: 2 });
    expect(text).toContain('… 2 more connections not shown (--limit 2');
    expect(text).not.toContain('10.0.0.1:40000 ');
  });

  test('colour when asked: severity and states are painted', () => {
    const r = result();
    const text = renderAnalyzeText(makePaint(1), r, summarize(r), connectionRows(r.connections, 50), { limit: 50 });
    expect(text).toMatch(/\u001b\[31m/); // red for the error
  });
});

describe('issue 14: words and numbers as a reader expects them', () => {
  test('no "≈" when every sample prints the same (min and max alike), even read from a histogram bucket', () => {
    const s = summarize(result());
    const same = { ...s, handshakeRtt: { samples: 40, min: 0.0008956, median: 0.000896, p95: 0.000896, max: 0.0008964, exact: false } };
    expect(renderOverview(plain, same)).toContain('min 896 µs  median 896 µs  p95 896 µs  max 896 µs');
    const apart = { ...same, handshakeRtt: { ...same.handshakeRtt, max: 0.002 } };
    expect(renderOverview(plain, apart)).toContain('median ≈896 µs');
  });

  test('one packet, one byte, one connection: singular', () => {
    const one = completeConnection({ packets: { client: 1, server: 0 }, bytes: { client: 1, server: 0 } });
    const text = renderConnectionDetail(plain, one, null, Infinity);
    expect(text).toContain('client sent 1 packet / 1 byte; server sent 0 packets / 0 bytes');
    const r = result([one]);
    expect(renderAnalyzeText(plain, r, summarize(r), connectionRows([one], 5), { limit: 5 })).toContain('Connections: 1 ');
  });

  test('listeners with as many connections are listed in address order, not text order', () => {
    const synQueue = { answered: 1, stateless: 0, statelessFrom: null, dropped: 0, dropsFrom: null, inferredBacklog: null, expired: 0, survival: null, resendLimit: null, initialTimeout: null, acceptOverflows: 0 };
    const l = (ip: string) => ({ ip, port: 80, connections: 1, completed: 1, refused: 0, halfOpenNow: 0, halfOpenPeak: 0, halfOpenPeakTime: null, halfOpenSeries: [], anomalies: [], synQueue });
    const text = renderListeners(plain, ['12.32.0.1', '100.19.0.1', '0.102.0.1', '1.213.0.1', '2001:db8::1'].map(l), 10, Infinity);
    const order = ['0.102.0.1', '1.213.0.1', '12.32.0.1', '100.19.0.1', '[2001:db8::1]'].map((ip) => text.indexOf(`${ip}:80`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i > 0)).toBe(true);
  });
});

describe('colour policy', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  test.each([
    ['TTY, nothing set', tty, true, {}, true],
    ['pipe', pipe, true, {}, false],
    ['--no-color on a TTY', tty, false, {}, false],
    ['NO_COLOR on a TTY', tty, true, { NO_COLOR: '1' }, false],
    ['FORCE_COLOR on a pipe', pipe, true, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a TTY', tty, true, { FORCE_COLOR: '0' }, false],
    ['NO_COLOR beats FORCE_COLOR', pipe, true, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
    ['--no-color beats FORCE_COLOR', pipe, false, { FORCE_COLOR: '3' }, false],
  ])('%s', (_name, stream, flag, env, on) => {
    expect(colorLevel(stream, flag, env as NodeJS.ProcessEnv) > 0).toBe(on);
  });
});

describe('connection detail and ladder', () => {
  const c = completeConnection({ anomalies: [anomalyAt('retransmission', 'warning', 5, T0 + 0.3)] });
  const seg = (packet: number, dt: number, fromClient: boolean, flags: number, seq: number, ack: number, len = 0): LadderSegment =>
    ({ packet, t: T0 + dt, fromClient, flags, seq, ack, len, window: 512, options: [] });
  const segs: LadderSegment[] = [
    { ...seg(1, 0, true, FLAG.SYN, 1000, 0), options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }] },
    seg(2, 0.001, false, FLAG.SYN | FLAG.ACK, 5000, 1001),
    seg(3, 0.002, true, FLAG.ACK, 1001, 5001),
    seg(4, 0.1, true, FLAG.PSH | FLAG.ACK, 1001, 5001, 100),
    seg(5, 0.3, true, FLAG.PSH | FLAG.ACK, 1001, 5001, 100),
  ];

  test('ladder: one arrow per segment, relative seq/ack, states beside the arrows, marks', () => {
    const lines = renderLadder(plain, c, segs, Infinity).split('\n');
    expect(lines).toHaveLength(1 + segs.length);
    expect(lines[0]).toContain('client 10.0.0.1:40000');
    expect(lines[0]).toContain('server 10.0.0.2:80');
    const syn = lines[1]!;
    expect(syn).toMatch(/#1\s+SYN_SENT\s+│─ SYN seq 0 win 512 \[mss 1460,sack\] ─*▶│ SYN_RECEIVED/);
    expect(lines[2]).toMatch(/│◀─ SYN,ACK seq 0 ack 1 win 512/);
    expect(lines[2]).toMatch(/^\s+\+0\.001000s #2\s+ESTABLISHED/);
    expect(lines[3]).toMatch(/ACK seq 1 ack 1 .*│ ESTABLISHED/);
    expect(lines[4]).toContain('PSH,ACK seq 1 ack 1 win 512 len 100');
    expect(lines[5]).toContain('╌'); // retransmission drawn dashed
    expect(lines[5]).toContain('✗ retransmission');
    // Every arrow row has the same width up to the right rail.
    const rails = lines.slice(1).map((l) => l.lastIndexOf('│'));
    expect(new Set(rails).size).toBe(1);
  });

  test.each([80, 100, 110])('ladder at %i columns: no line wider, marks between the rails when they do not fit beside', (w) => {
    const lines = renderLadder(plain, c, segs, w).split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(w);
    const at = lines.findIndex((l) => l.includes('#5 '));
    expect(lines[at]! + lines[at + 1]!).toContain('✗ retransmission');
    const rails = lines.filter((l) => l.includes('│')).map((l) => l.lastIndexOf('│'));
    expect(new Set(rails).size).toBe(1);
  });

  test('detail: header, options table, both timelines, anomalies, ladder', () => {
    const text = renderConnectionDetail(plain, c, segs, 110);
    expect(text).toContain('Connection #1: 10.0.0.1:40000 → 10.0.0.2:80 (IPv4)');
    expect(text).toMatch(/MSS\s+│ 1460\s+│ 1460/);
    expect(text).toContain('client 10.0.0.1:40000');
    expect(text).toMatch(/\+0\.000000s\s+#1\s+CLOSED → SYN_SENT\s+sent SYN/);
    expect(text).toMatch(/warning\s+retransmission\s+#5/);
    expect(text).toContain('Ladder');
  });
});

describe('check renderers', () => {
  const r = result();
  const inputs = r.inputs;
  const problems = captureProblems(inputs, r.counts);
  const v = evaluatePolicy({ ...DEFAULT_POLICY, maxRttMs: 10 }, [completeConnection(), refusedConnection(2)]);

  test('text lists each rule with PASS/FAIL and the offending packets', () => {
    const t = renderCheckText(plain, v, inputs, problems);
    expect(t).toContain('FAIL no error-severity anomalies (1)');
    expect(t).toContain('connection #2 10.0.0.1:40002 → 10.0.0.2:81, packet #23: handshake-refused');
    expect(t).toContain('PASS handshake RTT at most 10 ms');
    expect(t.trim().split('\n').at(-1)).toBe('failed: 1 rule violated');
  });

  test('JUnit: one testcase per rule and one for capture integrity, failures carry connections and packets, XML escaped', () => {
    const x = renderJUnit(v, inputs, problems);
    expect(x).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(x.match(/<testcase /g)).toHaveLength(3);
    expect(x).toContain('tests="3" failures="1"');
    expect(x).toMatch(/<testcase [^>]*name="capture integrity: not judged[^"]*"[^>]*>\s*<system-err>warning: x\.pcap: truncated/);
    expect(x).toContain('packet #23');
    expect(x).toContain('→');
    expect(xmlEscape('a<b & "c"')).toBe('a&lt;b &amp; &quot;c&quot;');
  });

  test('GitHub: one ::error per offence with escaped properties', () => {
    const g = renderGitHub(v, inputs, problems);
    const lines = g.trim().split('\n');
    expect(lines[0]).toBe('::error file=x.pcap,title=synack fail-on%3Aerror::connection #2 10.0.0.1:40002 → 10.0.0.2:81, packet #23: handshake-refused: RST answered the SYN (synack explain handshake-refused)');
    expect(lines.some((l) => l.startsWith('::warning file=x.pcap,title=synack capture integrity::x.pcap: truncated'))).toBe(true);
    expect(lines.at(-1)).toBe('synack check: failed (1 of 2 rules)');
  });

  test('visibleLength ignores colour codes', () => {
    expect(visibleLength(makePaint(1).red('abc'))).toBe(3);
  });
});

test('a time no date can hold (a pcapng with a wrong if_tsresol) prints as seconds instead of failing', () => {
  // corpus pcapplusplus/PcapExamples/pcapng-example.pcapng: `analyze --conn 13` was an internal error.
  expect(timestamp(18446744073204.25)).toBe('18446744073204.250000 s since 1970 (not a date)');
  expect(timestamp(1_700_000_000.5)).toBe('2023-11-14 22:13:20.500000 UTC');
});
