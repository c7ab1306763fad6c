/**
 * The pieces that keep `analyze` and `check` memory flat: the bounded top-K, the incremental summary
 * (and its merge across files), the incremental verdict, the streamed JSON document.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY, evaluatePolicy } from '../../src/check/policy.js';
import { DEFAULT_TRACKER_OPTIONS, type Connection } from '../../src/flow/model.js';
import { analyzeInputs } from '../../src/pipeline/analyze.js';
import { ConnectionDigest, connectionRows } from '../../src/pipeline/digest.js';
import { RELATIVE_ERROR as RTT_RELATIVE_ERROR } from '../../src/util/log-histogram.js';
import { byTrouble, summarize, SummaryBuilder } from '../../src/pipeline/summary.js';
import { TopK } from '../../src/pipeline/top-k.js';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { OFFENCE_CAP, VerdictBuilder } from '../../src/pipeline/verdict.js';
import { AnalyzeJsonStream, analyzeDocument } from '../../src/report/analyze-json.js';
import { FIXTURES } from '../helpers/cli.js';
import { anomalyAt, completeConnection, refusedConnection } from '../helpers/connection.js';
import { schemaErrors, validateAnalyze, validateConnection } from '../helpers/schema.js';

/** A deterministic mix: clean, refused, warnings; RTTs that differ. */
function mix(n: number): Connection[] {
  const out: Connection[] = [];
  for (let id = 1; id <= n; id++) {
    if (id % 7 === 0) out.push(refusedConnection(id));
    else if (id % 5 === 0) out.push(completeConnection({ id, anomalies: [anomalyAt('retransmission', 'warning', id), anomalyAt('retransmission', 'warning', id + 1)] }));
    else {
      const c = completeConnection({ id });
      const rtt = ((id * 7919) % 1000) / 1e5;
      c.handshake.rtt = { synToSynAck: rtt / 2, synAckToAck: rtt / 2, total: rtt };
      out.push(c);
    }
  }
  return out;
}

function result(conns: Connection[]): AnalysisResult {
  return {
    inputs: [], counts: { frames: 0, tcpSegments: 0, nonTcp: { 'not-ip': 0, 'not-tcp': 0, fragment: 0, 'unsupported-link': 0, truncated: 0, malformed: 0 }, decodeIssues: {} },
    connections: conns, listeners: [], anomalies: [], totals: { segments: 0, connections: conns.length, unplaced: 0, peakConcurrent: 1, late: 0 },
    tracker: DEFAULT_TRACKER_OPTIONS, elapsedSeconds: 0,
  };
}

describe('TopK', () => {
  test('keeps the k best in any arrival order, counts the rest', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const t = new TopK<number>(10, (a, b) => a - b);
    for (const x of xs) t.add(x);
    expect(t.sorted()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(t.dropped).toBe(990);
    const none = new TopK<number>(0, (a, b) => a - b);
    none.add(1);
    expect(none.sorted()).toEqual([]);
    expect(none.offered).toBe(1);
  });

  test('the table rows are the first `limit` of a full trouble sort', () => {
    const conns = mix(300).reverse();
    expect(connectionRows(conns, 25).shown.map((c) => c.id)).toEqual([...conns].sort(byTrouble).slice(0, 25).map((c) => c.id));
  });
});

describe('SummaryBuilder', () => {
  test('one connection at a time gives the RTT percentiles (within the histogram bound) and exact anomaly counts', () => {
    const conns = mix(500);
    const s = summarize(result(conns));
    const rtts = conns.filter((c) => c.handshake.outcome === 'complete').map((c) => c.handshake.rtt.total!).sort((a, b) => a - b);
    expect(s.handshakeRtt.samples).toBe(rtts.length);
    expect(s.handshakeRtt.min).toBe(rtts[0]);
    expect(s.handshakeRtt.max).toBe(rtts[rtts.length - 1]);
    const p95 = rtts[Math.ceil(0.95 * rtts.length) - 1]!;
    if (s.handshakeRtt.exact) expect(s.handshakeRtt.p95).toBe(p95);
    expect(Math.abs(s.handshakeRtt.p95! - p95)).toBeLessThanOrEqual(p95 * RTT_RELATIVE_ERROR);
    const retrans = s.anomalies.find((a) => a.id === 'retransmission')!;
    expect(retrans.connections).toBe(conns.filter((c) => c.id % 5 === 0 && c.id % 7 !== 0).length);
    expect(retrans.count).toBe(2 * retrans.connections);
  });

  test('a connection with thousands of anomalies of two ids: each id counted once for it, each occurrence read once', () => {
    const list = [
      ...Array.from({ length: 2000 }, (_, i) => anomalyAt('syn-retransmission', 'warning', i + 1)),
      ...Array.from({ length: 2000 }, (_, i) => anomalyAt('duplicate-ack', 'info', 2001 + i)),
    ];
    // Count reads of the list's entries: a look back along the list for each occurrence read it
    // n²/2 times (tens of seconds for a connection with 100,000 anomalies of one id after another's).
    let reads = 0;
    const anomalies = new Proxy(list, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const b = new SummaryBuilder();
    b.add(completeConnection({ id: 1, anomalies }));
    b.add(completeConnection({ id: 2, anomalies: [anomalyAt('duplicate-ack', 'info', 3)] }));
    expect(reads).toBeLessThanOrEqual(2 * list.length);
    const counts = b.parts().anomalies;
    expect(counts.find((x) => x.id === 'syn-retransmission')).toMatchObject({ count: 2000, connections: 1 });
    expect(counts.find((x) => x.id === 'duplicate-ack')).toMatchObject({ count: 2001, connections: 2 });
  });

  test('occurrences counted but not listed (anomaliesOmitted) count in the summary, the trouble order and check', () => {
    const listed = Array.from({ length: 1000 }, (_, i) => anomalyAt('retransmission', 'warning', 10 + i));
    const heavy = completeConnection({ id: 1, anomalies: listed, anomaliesOmitted: { retransmission: 1500 } });
    const light = completeConnection({ id: 2, anomalies: Array.from({ length: 1200 }, (_, i) => anomalyAt('retransmission', 'warning', 10 + i)) });
    expect(validateConnection(JSON.parse(JSON.stringify(heavy)))).toBe(true);
    const s = summarize(result([heavy, light]));
    expect(s.anomalies.find((a) => a.id === 'retransmission')).toMatchObject({ count: 3700, connections: 2 });
    // 2,500 occurrences are more trouble than 1,200, though fewer are listed.
    expect([light, heavy].sort(byTrouble).map((c) => c.id)).toEqual([1, 2]);
    const max = evaluatePolicy({ ...DEFAULT_POLICY, max: { retransmission: 2000 } }, [heavy]).rules.find((r) => r.rule === 'max:retransmission')!;
    expect(max).toMatchObject({ passed: false, count: 2500 });
    expect(max.offences).toHaveLength(1000);
    const warn = evaluatePolicy({ ...DEFAULT_POLICY, failOn: ['warning'] }, [heavy]).rules[0]!;
    expect(warn).toMatchObject({ passed: false, count: 2500 });
    const allowed = evaluatePolicy({ ...DEFAULT_POLICY, failOn: ['warning'], allow: ['retransmission'] }, [heavy]).rules[0]!;
    expect(allowed).toMatchObject({ passed: true, count: 0 });
    const v = new VerdictBuilder({ ...DEFAULT_POLICY, max: { retransmission: 2000 } });
    v.add(heavy);
    expect(v.finish().rules.find((r) => r.rule === 'max:retransmission')).toMatchObject({ passed: false, count: 2500 });
  });

  test('the digest keeps only what the filter selects, and finds asked ids', () => {
    const d = new ConnectionDigest({ anomalies: ['handshake-refused'], ids: [7, 8] }, 2);
    for (const c of mix(100)) d.add(c);
    const p = d.parts();
    // #8 exists but is not refused: found, not selected.
    expect(p.selected).toBe(1);
    expect(p.top.map((c) => c.id)).toEqual([7]);
    expect(p.foundIds).toEqual([7, 8]);
    expect(p.summary.connections).toBe(100);
    const all = new ConnectionDigest({ anomalies: ['handshake-refused'] }, 2);
    for (const c of mix(100)) all.add(c);
    expect(all.parts().selected).toBe(14);
    expect(all.parts().top.map((c) => c.id)).toEqual([7, 14]);
  });
});

describe('VerdictBuilder', () => {
  test('same verdict as a whole-capture evaluation, offences capped with the full count', () => {
    const conns = mix(1000);
    const policy = { ...DEFAULT_POLICY, failOn: ['error' as const, 'retransmission' as const], maxRttMs: 5, requireComplete: true };
    const whole = evaluatePolicy(policy, conns, []);
    const b = new VerdictBuilder(policy);
    for (const c of [...conns].reverse()) b.add(c);
    const v = b.finish();
    expect(v.passed).toBe(whole.passed);
    expect(v.connections).toBe(1000);
    for (const [i, r] of v.rules.entries()) {
      const w = whole.rules[i]!;
      expect([r.rule, r.passed, r.count]).toEqual([w.rule, w.passed, w.count]);
      expect(r.offences).toEqual(w.offences.slice(0, OFFENCE_CAP));
    }
    expect(v.rules.some((r) => r.count > OFFENCE_CAP)).toBe(true);
  });
});

describe('AnalyzeJsonStream', () => {
  test('the streamed document parses, equals the whole-document builder and matches the schema', () => {
    const conns = mix(20);
    const r = result(conns);
    const s = summarize(r);
    let out = '';
    const doc = new AnalyzeJsonStream((x) => { out += x; }, { version: '9.9.9', tracker: r.tracker, verifyChecksums: false });
    for (const c of conns) doc.connection(c);
    doc.end(r, s);
    const parsed = JSON.parse(out) as unknown;
    expect(parsed).toEqual(JSON.parse(JSON.stringify(analyzeDocument(r, s, conns, '9.9.9', false))));
    if (!validateAnalyze(parsed)) throw new Error(schemaErrors(validateAnalyze));
  });

  test('no connection at all is still one valid document', () => {
    const r = result([]);
    let out = '';
    const doc = new AnalyzeJsonStream((x) => { out += x; }, { version: '1', tracker: r.tracker, verifyChecksums: true });
    doc.end(r, summarize(r));
    expect((JSON.parse(out) as { connections: unknown[] }).connections).toEqual([]);
  });
});

describe('facts without building (TrackerSink.onFinished)', () => {
  const files = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng|pcap\.gz)$/.test(f)).sort().map((f) => join(FIXTURES, f));
  const opts = { tracker: DEFAULT_TRACKER_OPTIONS, verifyChecksums: false };

  test('each connection\'s facts are what its Connection says', async () => {
    let n = 0;
    await analyzeInputs(files, {
      ...opts,
      onFinished: (f, build) => {
        const c = build();
        n++;
        expect({ ...f, anomalies: [...f.anomalies] }).toEqual({
          id: c.id, outcome: c.handshake.outcome, closeKind: c.close.kind, connState: c.zeek.connState,
          rtt: c.handshake.rtt.total ?? c.handshake.rtt.synToSynAck, start: c.start, end: c.end, roleInferred: c.roleInferred,
          anomalies: c.anomalies, anomaliesOmitted: c.anomaliesOmitted ?? null,
        });
      },
    });
    expect(n).toBeGreaterThan(200);
  });

  test('the digest built from facts equals the one built from every connection', async () => {
    for (const limit of [0, 3, 40]) {
      const all = new ConnectionDigest({}, limit);
      const lazy = new ConnectionDigest({}, limit);
      let built = 0;
      await analyzeInputs(files, { ...opts, onConnection: (c) => { all.add(c); } });
      await analyzeInputs(files, { ...opts, onFinished: (f, build) => lazy.addFinished(f, () => { built++; return build(); }) });
      expect(lazy.parts()).toEqual(all.parts());
      expect(lazy.parts().top).toHaveLength(limit);
      // Only rows that were kept at some point were built: far fewer than the connections.
      expect(built).toBeLessThan(all.parts().summary.connections / 2);
    }
  });
});
