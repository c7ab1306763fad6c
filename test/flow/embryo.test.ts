/**
 * Compacting connections stuck in their handshake (flow/embryo.ts) changes nothing but memory: every
 * fixture, and SYN floods of both shapes, give the same connections, listeners and anomalies with
 * compaction as without.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NO_LOG, type Conn } from '../../src/flow/conn.js';
import type { Embryo } from '../../src/flow/embryo.js';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';
import { newSegment } from '../../src/decode/segment.js';
import { analyzeFile, Conversation, fillSegment, runConversations } from './helpers.js';

/** The first place two analyses differ (path: their values), or null: short failure messages. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d !== null) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 300)} / ${JSON.stringify(b)?.slice(0, 300)}`;
}

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const captures = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f));

test.each(captures)('%s: the same analysis with and without compact embryos', async (f) => {
  const on = await analyzeFile(join(FIXTURES, f), { compactEmbryos: true });
  const off = await analyzeFile(join(FIXTURES, f), { compactEmbryos: false });
  expect(firstDifference(on.connections, off.connections)).toBeNull();
  expect(firstDifference(on.listeners, off.listeners)).toBeNull();
  expect(firstDifference(on.anomalies, off.anomalies)).toBeNull();
});

function flood(n: number, shape: 'cookie' | 'none' | 'stateful'): Array<{ conv: Conversation; ends: { clientIp: number[]; clientPort: number } }> {
  const parts = [];
  for (let i = 0; i < n; i++) {
    const conv = new Conversation(i * 7919, i * 104729 + 1, 1_700_000_000 + i * 0.01).syn();
    if (shape !== 'none') conv.synAck({ dt: 0.0001 });
    // A server that keeps the request re-sends its SYN-ACK at +1, +3, +7 s and gives up.
    if (shape === 'stateful') conv.synAckRetransmit({ dt: 1 }).synAckRetransmit({ dt: 2 }).synAckRetransmit({ dt: 4 });
    parts.push({ conv, ends: { clientIp: [0xc6130000 + i], clientPort: 1024 + (i % 60000) } });
  }
  // A real client at the end, its handshake complete: time goes on past every expiry.
  parts.push({ conv: new Conversation(1, 2, 1_700_000_000 + n * 0.01 + 30).handshake().data('client', 10), ends: { clientIp: [0xc6120001], clientPort: 999 } });
  return parts;
}

test.each(['cookie', 'none', 'stateful'] as const)('a SYN flood (%s answers): the same with and without compact embryos', (shape) => {
  const on = runConversations(flood(400, shape), { ...DEFAULT_TRACKER_OPTIONS, compactEmbryos: true });
  const off = runConversations(flood(400, shape), { ...DEFAULT_TRACKER_OPTIONS, compactEmbryos: false });
  expect(on.connections.length).toBe(401);
  expect(on.compactions).toBeGreaterThan(300);
  expect(off.compactions).toBe(0);
  expect(firstDifference(on.connections, off.connections)).toBeNull();
  expect(firstDifference(on.listeners, off.listeners)).toBeNull();
});

test.each(['cookie', 'none', 'stateful'] as const)('a SYN flood (%s answers): compaction starts once the tracker holds compactFrom connections, the output the same', (shape) => {
  // The flood's SYNs come 10 ms apart and none ends before 1 s: the tracker holds ~100 at once by then.
  const all = runConversations(flood(400, shape), { ...DEFAULT_TRACKER_OPTIONS, compactEmbryos: true, compactFrom: 0 });
  const at = runConversations(flood(400, shape), { ...DEFAULT_TRACKER_OPTIONS, compactEmbryos: true, compactFrom: 50 });
  const never = runConversations(flood(400, shape), { ...DEFAULT_TRACKER_OPTIONS, compactEmbryos: true, compactFrom: 1000 });
  const off = runConversations(flood(400, shape), { ...DEFAULT_TRACKER_OPTIONS, compactEmbryos: false });
  // The first 50 connections were held as full records, those after compacted (some more than once:
  // a timer rebuilds an embryo, and one still embryonic after it is compacted again).
  expect(at.compactions).toBeGreaterThan(250);
  expect(at.compactions).toBeLessThan(all.compactions);
  expect(never.compactions).toBe(0);
  expect(firstDifference(at.connections, off.connections)).toBeNull();
  expect(firstDifference(at.listeners, off.listeners)).toBeNull();
  expect(firstDifference(never.connections, off.connections)).toBeNull();
});

test('a connection not made ready for compaction keeps no handshake log (an idle pool held one per connection)', () => {
  // 200 handshakes that complete and stay open, then 20 stalled ones: below compactFrom, none is compacted.
  const tracker = new Tracker({ ...DEFAULT_TRACKER_OPTIONS, compactFrom: 100 }, { onConnection: () => {} });
  const seg = newSegment();
  const parts = [];
  for (let i = 0; i < 200; i++) parts.push({ conv: new Conversation(i * 7919, i * 104729 + 1, 1_700_000_000 + i * 0.001).handshake(), port: 2000 + i });
  for (let i = 0; i < 20; i++) parts.push({ conv: new Conversation(i * 31, i * 37 + 1, 1_700_000_001 + i * 0.001).syn(), port: 30000 + i });
  const all = parts.flatMap((p) => p.conv.segments.map((s) => ({ s, port: p.port }))).sort((a, b) => a.s.t - b.s.t);
  let frame = 0;
  for (const { s, port } of all) tracker.push(fillSegment(seg, s, { clientPort: port }, ++frame));
  const held = [...(tracker as unknown as { table: { values(): Iterable<Conn | Embryo> } }).table.values()];
  expect(held).toHaveLength(220);
  for (const x of held) {
    expect(x.embryo).toBe(false);
    expect((x as Conn).hsLog).toBe(NO_LOG);
  }
  expect(tracker.compactions).toBe(0);
});
