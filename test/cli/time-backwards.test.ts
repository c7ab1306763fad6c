/**
 * Time that runs backwards (capture/reader-context.ts, flow/clock-steps.ts), on two byte-exact
 * captures made by scripts/make-time-fixtures.js from real kernel frames (test/handmade/README.md):
 * one warning per input naming the frame and the size of the step, no negative RTT, duration or
 * interval anywhere, the RTT across a step left out and counted, the rest of the capture unharmed.
 */
import { join } from 'node:path';
import { newSegment } from '../../src/decode/segment.js';
import { DEFAULT_TRACKER_OPTIONS, type Connection } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { Conversation, fillSegment } from '../flow/helpers.js';
import { fixture, ROOT, synack } from '../helpers/cli.js';
import { assertValid, validateAnalyze } from '../helpers/schema.js';

const STEP_BACK = join(ROOT, 'test', 'handmade', 'time-step-back.pcap');
const EPOCH_JUMP = join(ROOT, 'test', 'handmade', 'time-epoch-jump.pcap');

function analyzeJson(...paths: string[]): AnalyzeDocument {
  const r = synack(['analyze', '--json', ...paths]);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as AnalyzeDocument;
  assertValid(validateAnalyze, doc);
  return doc;
}

/** The conversation's one connection, its segments pushed in the order written (capture order), not by time. */
function inCaptureOrder(conv: Conversation): Connection {
  const out: Connection[] = [];
  const tracker = new Tracker(DEFAULT_TRACKER_OPTIONS, { onConnection: (c) => out.push(c) });
  const seg = newSegment();
  conv.segments.forEach((s, i) => tracker.push(fillSegment(seg, s, {}, i + 1)));
  tracker.finish();
  expect(out).toHaveLength(1);
  return out[0]!;
}

/** Every interval the connection reports is >= 0, its timeline runs forward. */
function expectNoNegativeTime(c: Connection): void {
  for (const v of Object.values(c.handshake.rtt)) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
  expect(c.end).toBeGreaterThanOrEqual(c.start);
  for (let i = 1; i < c.timeline.length; i++) expect(c.timeline[i]!.t).toBeGreaterThanOrEqual(c.timeline[i - 1]!.t);
  for (const a of c.anomalies) for (const v of Object.values(a.details ?? {})) if (typeof v === 'number') expect(v).toBeGreaterThanOrEqual(0);
}

describe('a clock stepped back 1 s between a SYN and its SYN-ACK (time-step-back.pcap)', () => {
  const doc = analyzeJson(STEP_BACK);
  const [v4, v6] = [...doc.connections].sort((a, b) => a.id - b.id);

  test('one input warning: frame 4, 999.896 ms back, one step', () => {
    const w = doc.inputs[0]!.warnings.filter((x) => x.kind === 'time-backwards');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ frameNo: 4, steps: 1 });
    expect(w[0]!.stepSeconds).toBeCloseTo(0.999896, 6);
    expect(w[0]!.largestStepSeconds).toBeCloseTo(0.999896, 6);
  });

  test('the IPv4 connection: no RTT across the step (not -1 s), its segments timed in order, the step on record', () => {
    expect(v4!.handshake.rtt).toEqual({ synToSynAck: null, synAckToAck: null, total: null });
    expect(v4!.timeStepsBack).toEqual({ segments: 11, firstPacket: 4, largestSeconds: 0.999896 });
    expectNoNegativeTime(v4!);
    expect(v4!.handshake.outcome).toBe('complete');
  });

  test('the IPv6 connection after the step keeps the RTT the kernel capture gives', () => {
    const original = analyzeJson(fixture('handshake-ipv6.pcap')).connections[0]!;
    expect(v6!.timeStepsBack).toBeUndefined();
    expect(v6!.handshake.rtt.total).toBeCloseTo(original.handshake.rtt.total!, 6);
    expectNoNegativeTime(v6!);
  });

  test('the summary counts the steps and the RTT left out; the percentiles hold the one sound sample', () => {
    expect(doc.summary.timeStepsBack).toEqual({ segments: 11, connections: 1, rttExcluded: 1 });
    expect(doc.summary.handshakeRtt.samples).toBe(1);
    expect(doc.summary.handshakeRtt.min).toBeGreaterThan(0);
  });

  test('text report, packets and check show the warning; check --max-rtt has no negative RTT to pass', () => {
    // --wide: the warning names the file, so where a fitted line wraps depends on the checkout's path.
    const text = synack(['analyze', '--wide', STEP_BACK]);
    expect(text.stdout).toMatch(/warning: .*time steps back 999\.896 ms at frame 4/);
    expect(text.stdout).toMatch(/time runs backwards: 11 segments in 1 connection/);
    expect(synack(['packets', STEP_BACK]).stderr).toMatch(/time steps back .* at frame 4/);
    const check = synack(['check', '--max-rtt', '200', '--format', 'json', STEP_BACK]);
    const verdict = JSON.parse(check.stdout) as { rules: Array<{ rule: string; count: number }>; inputs: Array<{ warnings: Array<{ kind: string }> }> };
    expect(verdict.inputs[0]!.warnings.map((w) => w.kind)).toEqual(['time-backwards']);
    expect(verdict.rules.find((r) => r.rule === 'max-rtt')!.count).toBe(0);
  });
});

describe('a clock reset to the epoch for a SYN-ACK and its ACK (time-epoch-jump.pcap)', () => {
  const doc = analyzeJson(EPOCH_JUMP);
  const c = doc.connections[0]!;

  test('one input warning: frame 4, 1.8×10⁹ s back', () => {
    const w = doc.inputs[0]!.warnings.filter((x) => x.kind === 'time-backwards');
    expect(w).toHaveLength(1);
    expect(w[0]!.frameNo).toBe(4);
    expect(w[0]!.stepSeconds).toBeGreaterThan(1.7e9);
  });

  test('no SYN → SYN-ACK of -1.7×10⁹ s: the RTT is left out, the connection lasts its 1.1 ms, not 57 years', () => {
    expect(c.handshake.rtt.synToSynAck).toBeNull();
    expect(c.timeStepsBack).toMatchObject({ segments: 2, firstPacket: 4 });
    expectNoNegativeTime(c);
    expect(c.end - c.start).toBeLessThan(0.01);
    expect(doc.summary.start).toBe(c.start);
  });
});

describe('what is not time running backwards', () => {
  test('two-interfaces.pcapng: frames of different interfaces out of file order (dumpcap) warn of nothing', () => {
    const doc = analyzeJson(fixture('two-interfaces.pcapng'));
    expect(doc.inputs[0]!.warnings).toEqual([]);
    expect(doc.summary.timeStepsBack).toBeUndefined();
  });

  test('a step after the handshake completed keeps its RTT; the step is still counted', () => {
    const conv = new Conversation().handshake().data('client', 100).data('server', 200, { dt: -0.5 }).ack('client');
    const c = inCaptureOrder(conv);
    expect(c.handshake.rtt.total).toBeCloseTo(0.002, 6);
    expect(c.timeStepsBack).toMatchObject({ segments: 2, firstPacket: 5 });
    expectNoNegativeTime(c);
  });

  test('a SYN-ACK stamped before its SYN: SYN → SYN-ACK left out, never negative', () => {
    const conv = new Conversation().syn().synAck({ dt: -0.25 }).ack();
    const c = inCaptureOrder(conv);
    expect(c.handshake.rtt.synToSynAck).toBeNull();
    expect(c.handshake.rtt.total).toBeNull();
    expectNoNegativeTime(c);
  });

  test('a SYN-ACK without a timestamp (0: a pcapng Simple Packet Block): no SYN → SYN-ACK of -1.7×10⁹ s, nor of 0', () => {
    const conv = new Conversation().syn().synAck().ack();
    conv.segments[1]!.t = 0;
    const c = inCaptureOrder(conv);
    expect(c.handshake.rtt.synToSynAck).toBeNull();
    expect(c.timeStepsBack).toMatchObject({ segments: 1, firstPacket: 2 });
    expectNoNegativeTime(c);
  });

  test('a connection whose first segment has no timestamp starts about when the capture is, not in 1970', () => {
    const first = new Conversation(1000, 5000, 1_700_000_000).syn();
    const second = new Conversation(2000, 6000, 1_700_000_001).syn().synAck().ack();
    second.segments[0]!.t = 0;
    const out: Connection[] = [];
    const tracker = new Tracker(DEFAULT_TRACKER_OPTIONS, { onConnection: (c) => out.push(c) });
    const seg = newSegment();
    tracker.push(fillSegment(seg, first.segments[0]!, { clientPort: 1 }, 1));
    second.segments.forEach((s, i) => tracker.push(fillSegment(seg, s, { clientPort: 2 }, i + 2)));
    tracker.finish();
    const c = out.find((x) => x.client.port === 2)!;
    expect(c.start).toBeGreaterThan(1_600_000_000);
    expectNoNegativeTime(c);
  });
});
