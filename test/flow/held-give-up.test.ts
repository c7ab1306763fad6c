/**
 * A back-off inferred stopped waits for a slower sender's copy before it is decided (handshake.ts
 * `stopped`, backoff.ts stopShownBy): placed when its next copy was due by the Linux schedule, decided
 * only once no sender's copy is plausible, so a late copy with the same ISN stays in its connection.
 */
import type { Connection, FlowEvent } from '../../src/flow/model.js';
import { Conversation, ids, only, runConversations, steps, type RunResult } from './helpers.js';

const T0 = 1_700_000_000;
/** A connection on another client port, to move the capture clock to `at` (seconds after T0). */
const clockTo = (at: number) => ({ conv: new Conversation(7, 8, T0 + at).syn(), ends: { clientPort: 40001 } });
const mine = (r: RunResult): Connection[] => r.connections.filter((c) => c.client.port === 40000);

describe('a SYN re-sent later than the Linux schedule', () => {
  test('Windows SYNs at +0, +3, +9 s: one connection, each copy a syn-retransmission, the doubled wait learnt from 3 s', () => {
    const conv = new Conversation(1000, 5000, T0).syn().synRetransmit({ dt: 3 }).synRetransmit({ dt: 6 });
    const r = runConversations([{ conv }, clockTo(60)]);
    const [c, ...more] = mine(r);
    expect(more).toEqual([]);
    expect(ids(c!)).toEqual(['syn-retransmission', 'syn-retransmission', 'handshake-timeout']);
    const resent = c!.anomalies.filter((a) => a.id === 'syn-retransmission');
    expect(resent.map((a) => a.details!['attempt'])).toEqual([2, 3]);
    expect(resent.map((a) => a.details!['interval'])).toEqual([expect.closeTo(3, 6), expect.closeTo(6, 6)]);
    expect(c!.handshake.synRetransmissions).toBe(2);
    // The next wait doubles the 6 s seen: the give-up is placed at +9 + 12 s.
    const gaveUp = c!.timeline.find((x) => x.to === 'CLOSED')!;
    expect(gaveUp).toMatchObject({ endpoint: 'client', from: 'SYN_SENT', inferred: true, cause: expect.stringMatching(/^gave up/) });
    expect(gaveUp.t - c!.start).toBeCloseTo(21, 6);
  });

  test('a SYN captured twice, then re-sent 1 s later: the milliseconds apart are no timer, the copy stays', () => {
    const conv = new Conversation(1000, 5000, T0).syn().synRetransmit({ dt: 0.005 }).synRetransmit({ dt: 1 });
    const r = runConversations([{ conv }, clockTo(2.5)]);
    const [c, ...more] = mine(r);
    expect(more).toEqual([]);
    expect(c!.handshake.synRetransmissions).toBe(2);
    expect(ids(c!)).not.toContain('handshake-timeout');
  });
});

describe('a client that really gave up', () => {
  test('a lone SYN: the give-up is placed when Linux would have re-sent (+1 s), decided only after the slowest schedule (3 s + 25 %)', () => {
    const conv = new Conversation(1000, 5000, T0).syn();
    const r = runConversations([{ conv }, clockTo(2), { conv: new Conversation(9, 10, T0 + 5).syn(), ends: { clientPort: 40002 } }]);
    const c = only({ ...r, connections: mine(r) });
    const gaveUp = c.timeline.find((x) => x.to === 'CLOSED')!;
    expect(gaveUp).toMatchObject({ endpoint: 'client', from: 'SYN_SENT', inferred: true, cause: expect.stringMatching(/^gave up: no SYN came when the next copy was due/) });
    expect(gaveUp.t - c.start).toBeCloseTo(1, 6);
    expect(c.anomalies.find((a) => a.id === 'syn-unanswered')).toMatchObject({ details: { resent: false, syns: 1 } });
    // Held past the Linux decision (+1.25 s): still open when the connection at +2 s began, reported
    // before the one at +5 s.
    const order = r.events.filter((e): e is Extract<FlowEvent, { type: 'connection-start' | 'connection-end' }> =>
      e.type === 'connection-start' || e.type === 'connection-end')
      .map((e) => (e.type === 'connection-start' ? `start ${e.client.port}` : `end ${e.connection.client.port}`));
    expect(order.slice(0, 4)).toEqual(['start 40000', 'start 40001', 'end 40000', 'start 40002']);
  });

  test('the capture ends during the hold: no copy can come any more, the give-up is decided as the Linux schedule has it', () => {
    const conv = new Conversation(1000, 5000, T0).syn();
    const r = runConversations([{ conv }, clockTo(2)]);
    const c = only({ ...r, connections: mine(r) });
    expect(c.finalStates.client).toBe('CLOSED');
    expect(c.timeline.find((x) => x.to === 'CLOSED')!.t - c.start).toBeCloseTo(1, 6);
  });

  test('a SYN with another ISN during the hold is a new attempt on the port: the first gave up when its copy was due', () => {
    const first = new Conversation(1000, 5000, T0).syn();
    const second = new Conversation(900_000, 5000, T0 + 2).syn().synAck().ack();
    const r = runConversations([{ conv: first }, { conv: second }]);
    expect(r.connections).toHaveLength(2);
    const [a, b] = r.connections;
    expect(steps(a!, 'client')).toEqual(['SYN_SENT', 'CLOSED']);
    expect(a!.timeline.find((x) => x.to === 'CLOSED')!.t - a!.start).toBeCloseTo(1, 6);
    expect(b!.handshake).toMatchObject({ outcome: 'complete', synRetransmissions: 0 });
  });

  test('past maxHeldGiveUps held at once, a give-up is decided at the Linux time: that one\'s late copy opens a new connection', () => {
    const conv = (port: number, at: number) => ({ conv: new Conversation(1000 + port, 5000, T0 + at).syn().synRetransmit({ dt: 3 }), ends: { clientPort: port } });
    const r = runConversations([conv(40000, 0), conv(40010, 0.1), clockTo(30)], { maxHeldGiveUps: 1 });
    const on = (port: number) => r.connections.filter((c) => c.client.port === port);
    expect(on(40000).map((c) => c.handshake.synRetransmissions)).toEqual([1]);
    expect(on(40010).map((c) => c.handshake.synRetransmissions)).toEqual([0, 0]);
  });
});

describe('a SYN-ACK re-sent after the inferred end of the half-open schedule', () => {
  test('a SYN-ACK captured twice, then re-sent at +1 s: the request expiry inferred from the duplicate is revised by the copy', () => {
    // Before: the two copies 5 ms apart made the next one due at +10 ms, so the request expired at once
    // and the +1 s copy began a connection of its own.
    const conv = new Conversation(1000, 5000, T0).syn().synAck().synAckRetransmit({ dt: 0.005 }).synAckRetransmit({ dt: 1 });
    const r = runConversations([{ conv }, clockTo(60)]);
    const [c, ...more] = mine(r);
    expect(more).toEqual([]);
    const resent = c!.anomalies.filter((a) => a.id === 'synack-retransmission');
    expect(resent.map((a) => a.details!['attempt'])).toEqual([2, 3]);
    expect(resent[1]!.details!['interval']).toBeCloseTo(1, 6);
    // It expired once, after the last copy, and the listener counts it once.
    const expired = c!.anomalies.filter((a) => a.id === 'half-open-expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]!.details).toMatchObject({ resends: 2 });
    expect(steps(c!, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'CLOSED']);
    expect(c!.timeline.find((x) => x.endpoint === 'server' && x.to === 'CLOSED')!.packet).toBe(c!.lastPacket);
    const l = r.listeners.find((x) => x.port === 80)!;
    expect(l.halfOpenNow).toBe(0);
    expect(l.synQueue).toMatchObject({ expired: 1 });
  });
});

test('a compacted connection holds its give-up as its full record does', () => {
  const parts = () => [
    { conv: new Conversation(1000, 5000, T0).syn().synRetransmit({ dt: 3 }) },
    { conv: new Conversation(3, 4, T0 + 0.2).syn(), ends: { clientPort: 40002 } },
    clockTo(30),
  ];
  const full = runConversations(parts());
  const compact = runConversations(parts(), { compactEmbryos: true });
  expect(compact.connections).toEqual(full.connections);
  expect(mine(compact).map((c) => c.handshake.synRetransmissions)).toEqual([1]);
});
