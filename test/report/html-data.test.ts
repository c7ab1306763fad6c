/**
 * The HTML report's data, without a browser: it matches its schema, says what `analyze --json`
 * says for the same capture (counts, rows in the terminal's trouble order, detailed connections),
 * its segments agree with tshark's fields (test/oracle), and its bounds hold.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportCommand } from '../../src/cli/commands/report.js';
import { ANOMALIES } from '../../src/flow/anomalies.js';
import type { AnomalyId, Connection } from '../../src/flow/model.js';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/flow/model.js';
import { binEdges } from '../../src/pipeline/report-digest.js';
import { RowStore, type RowInput } from '../../src/pipeline/row-store.js';
import { byTrouble } from '../../src/pipeline/summary.js';
import { boundAnomalies, DEFAULT_REPORT_LIMITS, type ReportLimits } from '../../src/report/html/build.js';
import { LISTENER_EVENT_IDS, ROW_DETAILED, type ReportData } from '../../src/report/html/data.js';
import { renderReportPage, scriptJson, scriptJsonPieces } from '../../src/report/html/page.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { parseRow } from '../decode/tshark-oracle.js';
import { anomalyAt, completeConnection } from '../helpers/connection.js';
import { fixture, ROOT, synack } from '../helpers/cli.js';
import { assertValid, validateReportData } from '../helpers/schema.js';

async function report(names: string[], o: { limits?: Partial<ReportLimits>; ids?: number[]; packets?: boolean } = {}): Promise<ReportData> {
  const { data } = await reportCommand({
    paths: names.map(fixture), tracker: DEFAULT_TRACKER_OPTIONS, verifyChecksums: false, filter: {}, ids: o.ids ?? [],
    limits: { ...DEFAULT_REPORT_LIMITS, ...o.limits }, packets: o.packets ?? true, version: 'test',
  });
  // Through JSON, as the page reads it (the rows' columns are made when read).
  return JSON.parse(scriptJson(data)) as ReportData;
}

function analyzeJson(names: string[]): AnalyzeDocument {
  const r = synack(['analyze', '--json', ...names.map(fixture)]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as AnalyzeDocument;
}

const COLUMNS = ['id', 'cip', 'cport', 'sip', 'sport', 'start', 'duration', 'outcome', 'close', 'clientState', 'serverState', 'zeek', 'rtt',
  'packetsClient', 'packetsServer', 'bytesClient', 'bytesServer', 'anomalies', 'flags'] as const;

describe('report data of demo.pcap', () => {
  let d: ReportData;
  let doc: AnalyzeDocument;
  beforeAll(async () => {
    d = await report(['demo.pcap']);
    doc = analyzeJson(['demo.pcap']);
  });

  test('matches schema/report-data.schema.json', () => {
    assertValid(validateReportData, d);
    expect(d.reportVersion).toBe(1);
  });

  test('summary, inputs and listeners are analyze --json\'s', () => {
    expect(d.summary).toEqual(doc.summary);
    expect(d.inputs).toEqual(doc.inputs);
    expect(d.listeners).toEqual([...doc.listeners].sort((a, b) => b.connections - a.connections || b.halfOpenPeak - a.halfOpenPeak));
    expect(d.listenersTotal).toBe(doc.listeners.length);
  });

  test('one row per connection, in the terminal table\'s trouble order, with --json\'s facts', () => {
    const r = d.rows;
    expect(r.total).toBe(doc.connections.length);
    expect(r.embedded).toBe(doc.connections.length);
    for (const k of COLUMNS) expect(r[k]).toHaveLength(r.embedded);
    expect(r.id).toEqual([...doc.connections].sort(byTrouble).map((c) => c.id));
    const byId = new Map(doc.connections.map((c) => [c.id, c]));
    r.id.forEach((id, k) => {
      const c = byId.get(id)!;
      expect(`${r.ips[r.cip[k]!]}:${r.cport[k]} ${r.ips[r.sip[k]!]}:${r.sport[k]}`).toBe(`${c.client.ip}:${c.client.port} ${c.server.ip}:${c.server.port}`);
      expect(d.enums.outcomes[r.outcome[k]!]).toBe(c.handshake.outcome);
      expect(d.enums.closes[r.close[k]!]).toBe(c.close.kind);
      expect([d.enums.states[r.clientState[k]!], d.enums.states[r.serverState[k]!]]).toEqual([c.finalStates.client, c.finalStates.server]);
      expect(d.enums.zeek[r.zeek[k]!]).toBe(c.zeek.connState);
      expect(r.start[k]).toBeCloseTo(c.start - doc.summary.start!, 6);
      expect(r.duration[k]).toBeCloseTo(c.end - c.start, 6);
      expect([r.packetsClient[k], r.packetsServer[k], r.bytesClient[k], r.bytesServer[k]]).toEqual([c.packets.client, c.packets.server, c.bytes.client, c.bytes.server]);
      const counts = new Map<string, number>();
      for (const a of c.anomalies) counts.set(a.id, (counts.get(a.id) ?? 0) + 1);
      const pairs = r.anomalies[k] ? r.anomalies[k]!.split(',').map((p) => p.split(':').map(Number) as [number, number]) : [];
      expect(new Map(pairs.map(([i, n]) => [d.enums.anomalies[i]!, n]))).toEqual(counts);
    });
  });

  test('every connection is detailed (51 < the bound) and equals --json\'s, worst first', () => {
    expect(d.details.map((c) => c.id)).toEqual([...doc.connections].sort(byTrouble).map((c) => c.id));
    const byId = new Map(doc.connections.map((c) => [c.id, c]));
    for (const c of d.details) expect(c).toEqual(byId.get(c.id));
    expect(d.rows.flags.every((f) => (f & ROW_DETAILED) !== 0)).toBe(true);
  });

  test('RTT histograms count both halves of every completed handshake', () => {
    const done = doc.connections.filter((c) => c.handshake.outcome === 'complete');
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(sum(d.rtt.synToSynAck.counts)).toBe(done.filter((c) => c.handshake.rtt.synToSynAck !== null).length);
    expect(sum(d.rtt.synAckToAck.counts)).toBe(done.filter((c) => c.handshake.rtt.synAckToAck !== null).length);
    expect(d.rtt.synToSynAck.counts).toHaveLength(d.rtt.synToSynAck.edges.length - 1);
    // Each value falls in its bin.
    const edges = d.rtt.synToSynAck.edges;
    for (const c of done) {
      const v = c.handshake.rtt.synToSynAck!;
      const bin = edges.findIndex((e, i) => v >= e && v < edges[i + 1]!);
      expect(bin).toBeGreaterThanOrEqual(0);
    }
    expect(binEdges()[0]).toBe(1e-6);
  });

  test('the segments of every frame, each in its connection, with tshark\'s header fields', () => {
    const oracle = JSON.parse(readFileSync(join(ROOT, 'test', 'oracle', 'demo.pcap.json'), 'utf8')) as { rows: string[][] };
    const tshark = new Map(oracle.rows.map((row) => { const t = parseRow(row); return [t.frame, t]; }));
    const seen = new Set<number>();
    for (const c of d.details) {
      const p = d.packets[String(c.id)]!;
      expect(p.found).toBe(c.packets.client + c.packets.server);
      expect(p.embedded).toBe(p.found);
      for (let i = 0; i < p.embedded; i++) {
        const t = tshark.get(p.packet[i]!)!;
        seen.add(p.packet[i]!);
        expect([p.seq[i], p.ack[i], p.flags[i], p.window[i], p.len[i], p.headerLen[i], p.checksum[i], p.urgent[i], p.ttl[i]])
          .toEqual([t.seq, t.ack, t.flags, t.window, t.len, t.hdrLen, t.checksum, t.urgentPtr, t.ttl]);
        expect(p.fromClient[i]).toBe(t.srcPort === c.client.port && t.src === c.client.ip ? 1 : 0);
        const sack: number[] = [];
        t.sackLe.forEach((l, k) => sack.push(l, t.sackRe[k]!));
        expect(p.sack[i]).toEqual(sack);
        if (t.mss.length) expect(p.options[i]).toContain(`mss ${t.mss[0]}`);
      }
    }
    expect(seen.size).toBe(doc.summary.frames.tcpSegments);
  });

  test('a listener\'s SYN-queue events are its connections\' anomalies of those ids', async () => {
    const flood = await report(['syn-flood.pcap']);
    const fdoc = analyzeJson(['syn-flood.pcap']);
    const want = new Map<string, Array<[number, number]>>();
    for (const c of fdoc.connections) {
      for (const a of c.anomalies) {
        if (!LISTENER_EVENT_IDS.includes(a.id)) continue;
        const k = `${c.server.ip} ${c.server.port} ${a.id}`;
        want.set(k, [...(want.get(k) ?? []), [a.t, a.packet]]);
      }
    }
    expect(want.get('198.18.0.2 4040 syn-dropped')?.length).toBeGreaterThan(0);
    const got = new Map<string, Array<[number, number]>>();
    for (const [l, events] of Object.entries(flood.listenerEvents)) {
      for (const e of events) {
        expect(e.count).toBe(e.t.length);
        got.set(`${l} ${e.id}`, e.t.map((t, i) => [t, e.packet[i]!]));
      }
    }
    const sorted = (m: Map<string, Array<[number, number]>>) => new Map([...m].map(([k, v]) => [k, [...v].sort((a, b) => a[1] - b[1])]));
    expect(sorted(got)).toEqual(sorted(want));
  });

  test('the catalogue has every anomaly id, each with the catalogue\'s teaching text (synack explain <id>)', () => {
    const ids = Object.keys(ANOMALIES) as AnomalyId[];
    expect(d.catalogue.map((e) => e.id)).toEqual(ids);
    for (const e of d.catalogue) {
      const c = ANOMALIES[e.id];
      expect(e.detection).toBe(c.detection);
      expect(e.related).toEqual(c.related);
      for (const cause of c.causes) expect(e.causes).toContain(cause.slice(1));
      for (const step of c.check) expect(e.check).toContain(`${step.command}: ${step.look}`);
    }
  });
});

describe('bounds', () => {
  test('--max-rows keeps the most troubled rows and counts them all', async () => {
    const d = await report(['demo.pcap'], { limits: { rows: 10, details: 3 } });
    const all = analyzeJson(['demo.pcap']).connections.sort(byTrouble);
    expect(d.rows.total).toBe(51);
    expect(d.rows.embedded).toBe(10);
    expect(d.rows.id).toEqual(all.slice(0, 10).map((c) => c.id));
    expect(d.details.map((c) => c.id)).toEqual(all.slice(0, 3).map((c) => c.id));
    expect(Object.keys(d.packets).sort()).toEqual(all.slice(0, 3).map((c) => String(c.id)).sort());
    assertValid(validateReportData, d);
  });

  test('--conn details a connection whatever its trouble; --packets cuts its segments and says so', async () => {
    const d = await report(['demo.pcap', 'lossy-bulk.pcap'], { ids: [52], limits: { details: 0, packetsPerConnection: 5 } });
    expect(d.details.map((c) => c.id)).toEqual([52]);
    expect(d.details[0]!.server.port).toBe(4040);
    const p = d.packets['52']!;
    expect(p.embedded).toBe(5);
    expect(p.found).toBe(d.details[0]!.packets.client + d.details[0]!.packets.server);
    expect(p.found).toBe(414);
    expect(p.packet).toEqual([388, 389, 390, 391, 392]);
  });

  test('a connection\'s listed anomalies are bounded per id; the rest are counted as omitted', () => {
    const c: Connection = completeConnection({
      anomalies: [...Array.from({ length: 5 }, (_, i) => anomalyAt('retransmission', 'warning', 10 + i)), anomalyAt('reset', 'warning', 30)],
      anomaliesOmitted: { retransmission: 7 },
    });
    const b = boundAnomalies(c, 2);
    expect(b.anomalies.map((a) => a.id)).toEqual(['retransmission', 'retransmission', 'reset']);
    expect(b.anomaliesOmitted).toEqual({ retransmission: 10 });
    expect(boundAnomalies(c, 5)).toBe(c);
  });

  test('RowStore keeps the max most troubled of any number of rows, compacting as it goes', () => {
    const rows: RowInput[] = Array.from({ length: 1000 }, (_, i) => ({
      id: i + 1, cip: `10.0.${i % 7}.1`, cport: 1000 + i, sip: '10.0.0.2', sport: 80, start: i, duration: 1, outcome: 0, close: 0,
      clientState: 0, serverState: 0, zeek: 0, rtt: i % 3 ? 0.001 * i : null, packetsClient: 1, packetsServer: 1, bytesClient: 0, bytesServer: 0,
      anomalies: '', trouble: (i * 7919) % 101, roleInferred: i % 2 === 0,
    }));
    const st = new RowStore(37);
    for (const r of rows) st.add(r);
    expect(st.offered).toBe(1000);
    const expected = [...rows].sort((a, b) => a.trouble - b.trouble || a.id - b.id).slice(0, 37);
    const order = st.order();
    const ids = st.numeric('id');
    expect(Array.from(order, (i) => ids[i])).toEqual(expected.map((r) => r.id));
    const cip = st.text('cip');
    const rtt = st.numeric('rtt');
    expect(Array.from(order, (i) => cip[i])).toEqual(expected.map((r) => r.cip));
    expect(Array.from(order, (i) => (Number.isNaN(rtt[i]!) ? null : rtt[i]))).toEqual(expected.map((r) => r.rtt));
  });
});

describe('the page', () => {
  const assets = { script: 'document.body.dataset.x = "</script>";', style: 'body{color:red}' };

  test('the data in pieces is the same JSON as in one piece', async () => {
    const d = await report(['demo.pcap', 'refused.pcap']);
    expect([...scriptJsonPieces(d)].join('')).toBe(scriptJson(d));
    expect(JSON.parse([...scriptJsonPieces({})].join(''))).toEqual({});
  });

  test('nothing from the capture can end the data element or add markup; the policy allows only the page\'s own code', async () => {
    const d = await report(['refused.pcap']);
    d.inputs[0]!.name = '</script><script>alert(1)</script><!--';
    const html = renderReportPage(d, assets);
    const start = html.indexOf('<script type="application/json" id="synack-data">');
    const end = html.indexOf('</script>', start);
    expect(JSON.parse(html.slice(html.indexOf('>', start) + 1, end)).inputs[0].name).toBe(d.inputs[0]!.name);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
    // The script's own "</script" is written so that it does not close the element.
    expect(html).toContain('"<\\/script>"');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe');
    // No reference to anything outside the file: only in-page anchors and data: URLs.
    for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) expect(m[1]).toMatch(/^(#|data:)/);
  });
});
