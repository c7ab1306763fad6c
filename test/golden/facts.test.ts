/**
 * The goldens show what fixtures/README.md says each kernel capture contains. golden.test.ts proves
 * the goldens are what the tracker produces; this file proves they are right, fact by fact.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnomalyOccurrence, Connection, Listener } from '../../src/flow/model.js';

interface Golden { connections: Connection[]; listeners: Listener[]; anomalies: AnomalyOccurrence[] }

function golden(name: string): Golden {
  return JSON.parse(readFileSync(join(process.cwd(), 'test', 'golden', `${name}.json`), 'utf8')) as Golden;
}
const ids = (c: Connection) => c.anomalies.map((a) => a.id);
const states = (c: Connection, ep: 'client' | 'server') => c.timeline.filter((t) => t.endpoint === ep).map((t) => t.to);
const where = (c: Connection, id: string) => c.anomalies.filter((a) => a.id === id).map((a) => `${a.endpoint}@${a.packet}`);

test('close-client-first: client FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT, server CLOSE_WAIT → LAST_ACK → CLOSED, no anomalies', () => {
  const [c] = golden('close-client-first.pcap').connections;
  expect(states(c!, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
  expect(states(c!, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
  expect(c!.close).toMatchObject({ kind: 'four-way', initiator: 'client' });
  expect(c!.timeline.find((t) => t.to === 'FIN_WAIT_1')!.packet).toBe(12);
  expect(ids(c!)).toEqual([]);
});

test('close-server-first: the server ends in TIME_WAIT', () => {
  const [c] = golden('close-server-first.pcap').connections;
  expect(c!.close).toMatchObject({ kind: 'four-way', initiator: 'server' });
  expect(c!.finalStates).toEqual({ client: 'CLOSED', server: 'TIME_WAIT' });
  expect(c!.close.finTimes.server).toBeLessThan(c!.close.finTimes.client!);
});

test('handshake-ipv4: MSS 1460, SACK, timestamps, window scale 10 on both sides', () => {
  const [c] = golden('handshake-ipv4.pcap').connections;
  expect(c!.handshake.negotiated).toEqual({ windowScaling: true, clientWscale: 10, serverWscale: 10, sackPermitted: true, timestamps: true, effectiveMss: 1460 });
  expect(c!.handshake).toMatchObject({ outcome: 'complete', synAckAckValid: true, finalAckValid: true });
  expect(c!.bytes).toEqual({ client: 8, server: 2000 });
});

test('handshake-ipv6: IPv6, MSS 1440', () => {
  const [c] = golden('handshake-ipv6.pcap').connections;
  expect(c!.ipVersion).toBe(6);
  expect(c!.client.ip).toBe('2001:db8::1');
  expect(c!.handshake.negotiated.effectiveMss).toBe(1440);
});

test('refused: two refused attempts (IPv4, IPv6) to port 4041', () => {
  const g = golden('refused.pcap');
  expect(g.connections.map((c) => [c.ipVersion, c.server.port, c.handshake.outcome, c.zeek.connState])).toEqual([[4, 4041, 'refused', 'REJ'], [6, 4041, 'refused', 'REJ']]);
  expect(g.connections.map((c) => where(c, 'handshake-refused'))).toEqual([['server@2'], ['server@4']]);
  expect(g.listeners.filter((l) => l.port === 4041).map((l) => l.refused)).toEqual([1, 1]);
});

test('lost-handshake-ack (client view): SYN-ACK re-sent at 4 and 6 after the ACK at 3 passed', () => {
  const [c] = golden('lost-handshake-ack.pcap').connections;
  expect(where(c!, 'synack-retransmission')).toEqual(['server@4', 'server@6']);
  expect(where(c!, 'lost-handshake-ack')).toEqual(['client@4']);
  expect(c!.handshake.synAckRetransmissions).toBe(2);
  const intervals = c!.anomalies.filter((a) => a.id === 'synack-retransmission').map((a) => Math.round(a.details!['interval'] as number));
  expect(intervals).toEqual([1, 2]);
  // Each re-sent SYN-ACK proves the ACK before it never arrived (3, then 5): the server stayed in
  // SYN_RECEIVED until the ACK that reached it (7); the lost ones are marked, no backward arc.
  const server = c!.timeline.filter((t) => t.endpoint === 'server').map((t) => `${t.from}>${t.to}@${t.packet}${t.inferred ? '?' : ''}`);
  expect(server.slice(0, 3)).toEqual(['CLOSED>LISTEN@1?', 'LISTEN>SYN_RECEIVED@2', 'SYN_RECEIVED>ESTABLISHED@7']);
  expect(c!.lostSegments).toEqual([3, 5]);
  expect(golden('lost-handshake-ack.pcap').listeners[0]!.completed).toBe(1);
});

test('lost-handshake-ack-server (server view): the handshake completes only through the retransmissions', () => {
  const [c] = golden('lost-handshake-ack-server.pcap').connections;
  expect(where(c!, 'synack-retransmission')).toEqual(['server@3', 'server@4']);
  expect(c!.anomalies.find((a) => a.id === 'lost-handshake-ack')).toMatchObject({ endpoint: 'client', packet: 5, details: { case: 'completed-after-synack-retransmission' } });
  expect(c!.handshake.ackTime).not.toBeNull();
});

test('lost-final-ack (client view): the LAST_ACK server re-sends its FIN (11, 13) after the final ACK (10) passed', () => {
  const [c] = golden('lost-final-ack.pcap').connections;
  expect(c!.anomalies.filter((a) => a.id === 'lost-final-ack')).toEqual([expect.objectContaining({ endpoint: 'server', packet: 11, details: { case: 'fin-resent-after-ack', lostPacket: 10 } })]);
  expect(where(c!, 'fin-retransmission')).toEqual(['server@11', 'server@13']);
  expect(c!.close.finRetransmissions).toBe(2);
  expect(c!.timeline.find((t) => t.endpoint === 'server' && t.from === 'CLOSE_WAIT')).toMatchObject({ to: 'LAST_ACK', packet: 9 });
  // The FIN re-sent at 11 and 13 proves the ACKs at 10 and 12 never arrived: the server was in
  // LAST_ACK once, until the ACK that reached it (14), then CLOSED once.
  const server = c!.timeline.filter((t) => t.endpoint === 'server' && t.packet >= 10).map((t) => `${t.from}>${t.to}@${t.packet}${t.inferred ? '?' : ''}`);
  expect(server).toEqual(['LAST_ACK>CLOSED@14']);
  expect(c!.lostSegments).toEqual([10, 12]);
  expect(c!.finalStates.server).toBe('CLOSED');
});

test('lost-final-ack-server (server view): FIN re-sent from LAST_ACK, the ACK arrives at 12', () => {
  const [c] = golden('lost-final-ack-server.pcap').connections;
  expect(c!.anomalies.find((a) => a.id === 'lost-final-ack')).toMatchObject({ endpoint: 'server', packet: 10, details: { case: 'fin-resent-in-last-ack' } });
  expect(c!.timeline.find((t) => t.endpoint === 'server' && t.to === 'CLOSED')!.packet).toBe(12);
});

test('syn-timeout: 6 SYNs with the same ISN, ~1 s apart (linear), never answered; the capture ends before the give-up', () => {
  const g = golden('syn-timeout.pcap');
  expect(g.connections).toHaveLength(1);
  const c = g.connections[0]!;
  expect(c.handshake).toMatchObject({ outcome: 'no-answer', synRetransmissions: 5 });
  const intervals = c.anomalies.filter((a) => a.id === 'syn-retransmission').map((a) => a.details!['interval'] as number);
  expect(intervals.every((x) => x > 0.9 && x < 1.2)).toBe(true);
  // The capture ends at the 6th SYN (+5.1 s); the kernel gave up at +7.1 s, after the capture: the SYN
  // is unanswered so far, not timed out (the next copy was due by +7.1 s).
  expect(ids(c)).toContain('syn-unanswered');
  expect(ids(c)).not.toContain('handshake-timeout');
  expect(c.finalStates.client).toBe('SYN_SENT');
  expect(c.zeek).toEqual({ connState: 'S0', history: 'S' });
});

test('syn-flood: 97 connections stuck in SYN_RECEIVED on 198.18.0.2:4040, syn-flood raised past 64', () => {
  const g = golden('syn-flood.pcap');
  expect(g.connections).toHaveLength(150);
  const l = g.listeners.find((x) => x.ip === '198.18.0.2' && x.port === 4040)!;
  expect(l).toMatchObject({ connections: 150, completed: 0, halfOpenNow: 97, halfOpenPeak: 97 });
  // From frame 195 the kernel dropped new SYNs: its queue held 97 (more than tcp_max_syn_backlog − 1/4 = 96).
  expect(l.anomalies.map((a) => `${a.id}@${a.packet}`)).toEqual(['syn-flood@130', 'syn-queue-overflow@195']);
  expect(g.anomalies.map((a) => a.id)).toEqual(['syn-flood', 'syn-queue-overflow']);
  expect(l.synQueue).toMatchObject({ answered: 97, dropped: 53, inferredBacklog: 97, stateless: 0 });
  expect(g.connections.filter((c) => c.handshake.outcome === 'half-open')).toHaveLength(97);
  expect(g.connections.filter((c) => c.handshake.outcome === 'no-answer')).toHaveLength(53);
  expect(g.connections.filter((c) => c.handshake.synAckRetransmissions === 1)).toHaveLength(97);
});

test('simultaneous-close: the FINs (8, 9) cross, both sides FIN_WAIT_1 → CLOSING → TIME_WAIT', () => {
  const [c] = golden('simultaneous-close.pcap').connections;
  expect(states(c!, 'client').slice(-3)).toEqual(['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
  expect(states(c!, 'server').slice(-3)).toEqual(['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
  expect(c!.close.kind).toBe('simultaneous');
  expect(c!.anomalies.find((a) => a.id === 'simultaneous-close')!.details).toEqual({ closing: ['client', 'server'] });
});

test('simultaneous-open: both sides SYN_SENT → SYN_RECEIVED → ESTABLISHED', () => {
  const [c] = golden('simultaneous-open.pcap').connections;
  expect(c!.handshake.outcome).toBe('simultaneous-open');
  expect(states(c!, 'client').slice(0, 3)).toEqual(['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
  expect(states(c!, 'server')).toContain('SYN_RECEIVED');
  expect(states(c!, 'server')).toContain('ESTABLISHED');
  // 5 and 7: each side's first ACK states its window in scaled units after its SYN-ACK's unscaled one
  // (64240 → 63 << 10): a window update, as Wireshark says too.
  expect(ids(c!)).toEqual(['simultaneous-open', 'window-update', 'window-update']);
  expect(where(c!, 'window-update')).toEqual(['client@5', 'server@7']);
});

test('rst-abort: the client resets (14) instead of a FIN', () => {
  const [c] = golden('rst-abort.pcap').connections;
  expect(c!.close).toMatchObject({ kind: 'reset', resetBy: 'client', finTimes: { client: null, server: null } });
  expect(c!.anomalies.find((a) => a.id === 'reset')).toMatchObject({ endpoint: 'client', packet: 14, details: { state: 'ESTABLISHED' } });
  expect(c!.zeek.connState).toBe('RSTO');
});

test('zero-window: TLP retransmission (8), zero window (9), probes (10, 12, 13) and answers (11, 14), window update (15)', () => {
  const [c] = golden('zero-window.pcap').connections;
  expect(where(c!, 'retransmission')).toEqual(['client@8']);
  expect(where(c!, 'zero-window')).toEqual(['server@9']);
  // Linux probes a zero window in keep-alive form (seq = SND.UNA − 1, no data): zero-window probes, not keep-alives.
  expect(where(c!, 'zero-window-probe')).toEqual(['client@10', 'client@12', 'client@13']);
  expect(where(c!, 'zero-window-probe-ack')).toEqual(['server@11', 'server@14']);
  expect(where(c!, 'keep-alive')).toEqual([]);
  expect(where(c!, 'window-update')[0]).toBe('server@15');
  // The transfer resumes in bursts that fill the window (tshark: 20 "window full").
  expect(where(c!, 'window-full')).toHaveLength(20);
});

test('keepalive: 4 keep-alive probes from the client (8, 10, 12, 14), each answered (9, 11, 13, 15)', () => {
  const [c] = golden('keepalive.pcap').connections;
  expect(where(c!, 'keep-alive')).toEqual(['client@8', 'client@10', 'client@12', 'client@14']);
  expect(where(c!, 'keep-alive-ack')).toEqual(['server@9', 'server@11', 'server@13', 'server@15']);
  expect(c!.close.kind).toBe('four-way');
});

test('fastopen: a cookie request, then a SYN carrying the cookie and 7 bytes', () => {
  const [a, b] = golden('fastopen.pcap').connections;
  expect(a!.handshake.client.fastOpen).toBe('');
  expect(a!.handshake.server.fastOpen).toMatch(/^[0-9a-f]{16}$/);
  expect(b!.handshake.client.fastOpen).toBe(a!.handshake.server.fastOpen);
  expect(b!.anomalies.find((x) => x.id === 'syn-with-data')).toMatchObject({ endpoint: 'client', details: { bytes: 7, fastOpen: true } });
  expect(b!.handshake.synAckAckValid).toBe(true);
});

test('lossy-bulk: 46 duplicate ACKs, 7 fast retransmissions, 5 out-of-order (tshark\'s counts)', () => {
  const [c] = golden('lossy-bulk.pcap').connections;
  expect(c!.anomalies.filter((a) => a.id === 'duplicate-ack')).toHaveLength(46);
  expect(c!.anomalies.filter((a) => a.id === 'retransmission' && a.details!['fast'] === true).map((a) => a.packet)).toEqual([161, 209, 229, 239, 336, 392, 409]);
  expect(c!.anomalies.filter((a) => a.id === 'out-of-order').map((a) => a.packet)).toEqual([181, 338, 340, 394, 411]);
  expect(c!.close).toMatchObject({ kind: 'four-way', initiator: 'server' });
});

test('port-reuse: the second connection reuses the 4-tuple while the first client side is in TIME_WAIT', () => {
  const [a, b] = golden('port-reuse.pcap').connections;
  expect(a!.client.port).toBe(40000);
  expect(b!.client.port).toBe(40000);
  expect(a!.handshake.client.isn).toBe(2249709310);
  expect(b!.handshake.client.isn).toBe(2249774857);
  expect(a!.timeline[a!.timeline.length - 1]).toMatchObject({ endpoint: 'client', from: 'TIME_WAIT', to: 'CLOSED', packet: 11 });
  expect(b!.anomalies.find((x) => x.id === 'time-wait-reuse')).toMatchObject({ endpoint: 'client', packet: 11, details: { previousConnection: a!.id } });
});

test('demo: 51 connections; refusals, resets, lost final ACK, lost handshake ACK, SYN timeout, 24 half-open', () => {
  const g = golden('demo.pcap');
  expect(g.connections).toHaveLength(51);
  const at = (id: string) => g.connections.flatMap((c) => c.anomalies.filter((a) => a.id === id).map((a) => a.packet));
  expect(at('handshake-refused')).toEqual([114, 184, 216, 288]);
  expect(at('reset')).toEqual([200, 286]);
  expect(at('lost-final-ack')).toEqual([299]);
  expect(at('lost-handshake-ack')).toEqual([304]);
  expect(at('syn-retransmission')).toHaveLength(2);
  expect(at('handshake-timeout')).toHaveLength(1);
  expect(at('half-open')).toHaveLength(24);
  expect(g.listeners.find((l) => l.port === 4043)).toMatchObject({ connections: 24, halfOpenNow: 24, halfOpenPeak: 24 });
});

test('capture formats do not change the verdicts: SLL, SLL2, VLAN, nanosecond, two interfaces', () => {
  for (const name of ['any-sll.pcap', 'any-sll2.pcap', 'vlan.pcap', 'nanosecond.pcap', 'two-interfaces.pcapng']) {
    const g = golden(name);
    for (const c of g.connections) {
      expect([name, c.handshake.outcome, c.close.kind, c.anomalies.length]).toEqual([name, 'complete', 'four-way', 0]);
    }
  }
  expect(golden('two-interfaces.pcapng').connections).toHaveLength(4);
});
