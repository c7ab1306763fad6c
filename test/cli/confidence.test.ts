/**
 * Verdicts that say how sure they are (flow/confidence.ts), as a user meets them. A lost final ACK is
 * a verdict on a packet's absence: certain in the kernel's capture (fixtures/lost-final-ack.pcap),
 * uncertain in copies of it that miss packets (test/handmade/make.sh: a segment removed with editcap,
 * or every frame cut to 70 bytes) and in a pcapng copy whose statistics block reports drops. `check`
 * lists an uncertain verdict with its reason and passes; `--strict` counts it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapngWriter } from '../../src/capture/pcapng-writer.js';
import { readCapture } from '../../src/capture/reader.js';
import type { AnomalyOccurrence, Connection } from '../../src/flow/model.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { fixture, ROOT, synack } from '../helpers/cli.js';
import { schemaErrors, validateAnalyze, validateCheck } from '../helpers/schema.js';

const handmade = (name: string): string => join(ROOT, 'test', 'handmade', name);
let dir = '';
let dropped = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'synack-confidence-'));
  // The kernel's packets as pcapng, closed with a statistics block saying the kernel dropped 1,204.
  dropped = join(dir, 'lost-final-ack-drops.pcapng');
  const w = new PcapngWriter(dropped, { linkType: 1, interfaceName: 'veth0' });
  let first = 0, last = 0;
  await readCapture(fixture('lost-final-ack.pcap'), (f) => {
    const t = f.tsSec + f.tsNsec / 1e9;
    if (first === 0) first = t;
    last = t;
    w.write({ tsSec: f.tsSec, tsNsec: f.tsNsec, caplen: f.caplen, origLen: f.origLen, data: f.data, offset: f.offset });
  });
  w.close({ start: first, end: last, received: 1218, ifDrop: 0, osDrop: 1204, userDeliv: 14 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function analyzed(file: string): Connection {
  const r = synack(['analyze', '--json', file]);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as AnalyzeDocument;
  if (!validateAnalyze(doc)) throw new Error(schemaErrors(validateAnalyze));
  expect(doc.connections).toHaveLength(1);
  return doc.connections[0]!;
}

const lostFinalAck = (c: Connection): AnomalyOccurrence => c.anomalies.find((a) => a.id === 'lost-final-ack')!;

test('the kernel capture: the lost final ACK is certain', () => {
  const c = analyzed(fixture('lost-final-ack.pcap'));
  expect(lostFinalAck(c).confidence).toBeUndefined();
  expect(c.uncertainBecause).toBeUndefined();
});

test('a segment removed: the gap makes it uncertain; verdicts on what was seen stay certain', () => {
  const c = analyzed(handmade('lost-final-ack-gap.pcap'));
  expect(c.gaps!.server.skippedSegments).toBe(1);
  expect(lostFinalAck(c)).toMatchObject({ confidence: 'uncertain', uncertainBecause: expect.stringMatching(/skipped 1 segment the server sent/) });
  expect(c.uncertainBecause).toEqual(['the capture skipped 1 segment the server sent', 'the client acknowledged data of the server the capture never showed']);
  expect(c.anomalies.filter((a) => a.id === 'fin-retransmission').every((a) => a.confidence === undefined)).toBe(true);
});

test('segments cut by the snaplen: uncertain, the count on the connection', () => {
  const c = analyzed(handmade('lost-final-ack-snap70.pcap'));
  expect(c.cutSegments).toBe(2);
  expect(lostFinalAck(c)).toMatchObject({ confidence: 'uncertain', uncertainBecause: '2 segments of this connection cut by the snaplen' });
});

test('kernel drops reported by a pcapng statistics block: uncertain, with the count', () => {
  const c = analyzed(dropped);
  expect(lostFinalAck(c)).toMatchObject({ confidence: 'uncertain', uncertainBecause: '1,204 packets dropped by the kernel during the capture' });
  const text = synack(['analyze', dropped, '--conn', '1', '--no-color']);
  expect(text.code).toBe(0);
  // Lines wrap to the width: read the words.
  const words = text.stdout.replace(/\s+/g, ' ');
  expect(words).toMatch(/\? lost-final-ack #11 .*\(uncertain: 1,204 packets dropped by the kernel during the capture\)/);
  expect(words).toMatch(/uncertain verdicts \(marked \?\): 1,204 packets dropped by the kernel during the capture/);
});

describe('check: an uncertain verdict is listed and passes; --strict counts it', () => {
  test.each([
    ['the kernel capture', () => fixture('lost-final-ack.pcap'), 1, 1],
    ['a segment removed', () => handmade('lost-final-ack-gap.pcap'), 0, 1],
    ['segments cut', () => handmade('lost-final-ack-snap70.pcap'), 0, 1],
    ['kernel drops', () => dropped, 0, 1],
  ])('%s', (_name, file, plain, strict) => {
    const r = synack(['check', file(), '--fail-on', 'lost-final-ack', '--format', 'json']);
    expect(r.code).toBe(plain);
    const doc = JSON.parse(r.stdout) as { rules: Array<{ count: number; uncertain?: { count: number; offences: Array<{ anomaly: string; uncertainBecause: string }> } }> };
    if (!validateCheck(doc)) throw new Error(schemaErrors(validateCheck));
    const rule = doc.rules[0]!;
    expect(rule.count + (rule.uncertain?.count ?? 0)).toBe(1);
    if (plain === 0) expect(rule.uncertain!.offences[0]).toMatchObject({ anomaly: 'lost-final-ack', uncertainBecause: expect.any(String) });
    expect(synack(['check', file(), '--fail-on', 'lost-final-ack', '--strict']).code).toBe(strict);
  });

  test('text lists the uncertain verdict with "?" and its reason', () => {
    const r = synack(['check', dropped, '--fail-on', 'lost-final-ack', '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 uncertain verdict not counted/);
    expect(r.stdout).toMatch(/\? connection #1 .*packet #11: lost-final-ack: 1,204 packets dropped by the kernel during the capture/);
  });
});

test('the handmade copies are what make.sh makes', async () => {
  // The gap copy lacks the fixture's frame 6 (the server's 1,000-byte reply); the cut copy keeps 70 bytes a frame.
  const lengths = async (file: string): Promise<Array<[number, number]>> => {
    const out: Array<[number, number]> = [];
    await readCapture(file, (f) => { out.push([f.caplen, f.origLen]); });
    return out;
  };
  const kernel = await lengths(fixture('lost-final-ack.pcap'));
  expect(await lengths(handmade('lost-final-ack-gap.pcap'))).toEqual(kernel.filter((_, i) => i !== 5));
  expect(await lengths(handmade('lost-final-ack-snap70.pcap'))).toEqual(kernel.map(([cap, orig]) => [Math.min(cap, 70), orig]));
});
