/**
 * Real captures of clients that re-send their SYN later than Linux would (Windows: +3 s, then doubling),
 * or whose SYN the capture holds twice: each copy stays in its connection as a syn-retransmission
 * (flow/handshake.ts `stopped`). The client used to be taken to have given up 1.25 s after a lone
 * SYN, and each later copy (same ISN) began a connection of its own.
 */
import { join } from 'node:path';
import type { Connection } from '../../src/flow/model.js';
import { analyzeFile } from '../flow/helpers.js';
import { CORPUS } from './zeek-compare.js';

const intervals = (c: Connection): number[] =>
  c.anomalies.filter((a) => a.id === 'syn-retransmission').map((a) => a.details!['interval'] as number);
const ids = (c: Connection): string[] => c.anomalies.map((a) => a.id);

test('ppa/ftpclientdenied.pcap: SYNs at +0, +2.9, +9.0 s are one connection, still waiting for its next copy at the end', async () => {
  const { connections } = await analyzeFile(join(CORPUS, 'ppa/ftpclientdenied.pcap'));
  expect(connections).toHaveLength(1);
  const c = connections[0]!;
  expect(c.handshake.synRetransmissions).toBe(2);
  expect(intervals(c)).toEqual([expect.closeTo(2.944, 3), expect.closeTo(6.035, 3)]);
  // The capture ended 0.1 s after the third SYN, before the next (12 s later) was due: no give-up.
  expect(ids(c)).not.toContain('handshake-timeout');
  expect(c.anomalies.find((a) => a.id === 'syn-unanswered')!.details).not.toHaveProperty('resent');
  expect(c.finalStates.client).toBe('SYN_SENT');
});

test('ppa/gnutella.pcap: Windows SYN retries (+3, +6, +12 s) stay in their connection', async () => {
  const { connections } = await analyzeFile(join(CORPUS, 'ppa/gnutella.pcap'));
  const windows = connections.filter((c) => { const i = intervals(c); return i.length > 0 && Math.abs(i[0]! - 3) < 0.3; });
  expect(windows.length).toBeGreaterThan(120);
  // The four-SYN ones gave up when the next copy was due: 24 s after the fourth.
  const gaveUp = windows.filter((c) => ids(c).includes('handshake-timeout'));
  expect(gaveUp.length).toBeGreaterThan(80);
  for (const c of gaveUp) expect(c.anomalies.filter((a) => a.id === 'syn-unanswered')).toEqual([]);
  // A same-ISN SYN still opens a connection after a RST ended the one before (a new attempt from
  // CLOSED, RFC 9293 §3.10.7.3), or when it came later than any first wait (the capture missed the
  // copies in between): never after a silence a slower client's copy could fill.
  const byTuple = new Map<string, Connection[]>();
  for (const c of connections) {
    const k = `${c.client.ip}:${c.client.port}>${c.server.ip}:${c.server.port}`;
    byTuple.set(k, [...(byTuple.get(k) ?? []), c]);
  }
  const splits: string[] = [];
  for (const cs of byTuple.values()) {
    for (let i = 1; i < cs.length; i++) {
      const before = cs[i - 1]!, after = cs[i]!;
      if (before.handshake.client.isn !== after.handshake.client.isn || before.handshake.outcome === 'refused') continue;
      if (after.start - before.end <= 3.75) splits.push(`#${before.id} → #${after.id} after ${(after.start - before.end).toFixed(3)} s`);
    }
  }
  expect(splits).toEqual([]);
});

test('packetlife/Open_Network_Connection.pcapng.cap: a SYN answered only after its copy 2.9 s later is one complete connection', async () => {
  const { connections } = await analyzeFile(join(CORPUS, 'packetlife/Open_Network_Connection.pcapng.cap'));
  const c = connections.filter((x) => x.client.port === 1039);
  expect(c).toHaveLength(1);
  expect(c[0]!.handshake).toMatchObject({ outcome: 'complete', synRetransmissions: 1 });
  expect(intervals(c[0]!)).toEqual([expect.closeTo(2.909, 3)]);
});

test('chrissanders/nowebaccess3.pcapng: a SYN captured twice (5 ms apart), then re-sent at +1 s, is one connection', async () => {
  const { connections } = await analyzeFile(join(CORPUS, 'chrissanders/nowebaccess3.pcapng'));
  const c = connections.filter((x) => x.client.port === 1251);
  expect(c).toHaveLength(1);
  expect(c[0]!.handshake.synRetransmissions).toBe(2);
  expect(ids(c[0]!)).not.toContain('handshake-timeout');
});
