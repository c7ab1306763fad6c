/**
 * Scenario tests: built segment sequences for the classic TCP life stories, checked against the
 * per-endpoint timelines, verdicts and anomaly ids they must produce.
 */
import { Conversation, ids, only, run, runConversations, steps } from './helpers.js';
import { MAX_LISTED_PER_ID } from '../../src/flow/anomalies.js';
import { MAX_LISTED_INTERVALS } from '../../src/flow/handshake.js';

describe('normal lifecycles', () => {
  test('handshake, data, close by the client: four-way, both timelines complete', () => {
    const conv = new Conversation().handshake().data('client', 100).ack('server').data('server', 500).ack('client')
      .fin('client').ack('server').fin('server').ack('client');
    const c = only(run(conv));
    expect(c.roleInferred).toBe(false);
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
    expect(steps(c, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    expect(c.handshake.outcome).toBe('complete');
    expect(c.handshake.synAckAckValid).toBe(true);
    expect(c.handshake.finalAckValid).toBe(true);
    expect(c.handshake.rtt.synToSynAck).toBeCloseTo(0.001, 6);
    expect(c.handshake.rtt.synAckToAck).toBeCloseTo(0.001, 6);
    expect(c.handshake.negotiated).toEqual({ windowScaling: true, clientWscale: 7, serverWscale: 7, sackPermitted: true, timestamps: true, effectiveMss: 1460 });
    expect(c.close.kind).toBe('four-way');
    expect(c.close.initiator).toBe('client');
    expect(c.finalStates).toEqual({ client: 'TIME_WAIT', server: 'CLOSED' });
    expect(c.zeek).toEqual({ connState: 'SF', history: 'ShADadFf' });
    expect(c.bytes).toEqual({ client: 100, server: 500 });
    expect(ids(c)).toEqual([]);
    expect(c.endReason).toBe('end-of-input');
  });

  test('close by the server: the server goes through FIN_WAIT and TIME_WAIT', () => {
    const conv = new Conversation().handshake().fin('server').ack('client').fin('client').ack('server');
    const c = only(run(conv));
    expect(steps(c, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    expect(c.close).toMatchObject({ kind: 'four-way', initiator: 'server' });
  });

  test('TIME_WAIT → CLOSED after 2×MSL when the capture goes on; then emitted as closed', () => {
    const conv = new Conversation().handshake().fin('client').ack('server').fin('server').ack('client');
    const other = new Conversation(1, 2, 1_700_000_000 + 100).syn();
    const r = runConversations([{ conv }, { conv: other, ends: { clientPort: 40001 } }], { mslSeconds: 30 });
    const c = r.connections.find((x) => x.client.port === 40000)!;
    expect(c.endReason).toBe('closed');
    const last = c.timeline[c.timeline.length - 1]!;
    expect(last).toMatchObject({ endpoint: 'client', from: 'TIME_WAIT', to: 'CLOSED', cause: '2×MSL elapsed', inferred: true });
    expect(c.finalStates.client).toBe('CLOSED');
  });

  test('an idle connection is emitted after idleTimeoutSeconds', () => {
    const conv = new Conversation().handshake().data('client', 10);
    const later = new Conversation(1, 2, 1_700_000_000 + 1000).syn();
    const r = runConversations([{ conv }, { conv: later, ends: { clientPort: 40001 } }], { idleTimeoutSeconds: 300 });
    expect(r.connections[0]).toMatchObject({ endReason: 'idle', finalStates: { client: 'ESTABLISHED', server: 'ESTABLISHED' } });
    expect(r.connections[0]!.close.kind).toBe('open');
  });
});

describe('teardown anomalies', () => {
  test('simultaneous close: FINs cross, both ends go through CLOSING', () => {
    const conv = new Conversation().handshake();
    // Both FINs leave before either side saw the other's: each acknowledges only the data.
    conv.fin('client');
    conv.fin('server', { ack: conv.cNext - 1 });
    conv.ack('client').ack('server');
    const c = only(run(conv));
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(steps(c, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(c.close.kind).toBe('simultaneous');
    const sc = c.anomalies.find((a) => a.id === 'simultaneous-close')!;
    expect(sc.details).toEqual({ closing: ['client', 'server'] });
  });

  test('lost final ACK: the LAST_ACK side re-sends its FIN after the ACK passed', () => {
    const conv = new Conversation().handshake().fin('client').ack('server').fin('server').ack('client')
      .finRetransmit('server', { dt: 0.2 }).ack('client');
    const c = only(run(conv));
    const lost = c.anomalies.filter((a) => a.id === 'lost-final-ack');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ endpoint: 'server', details: { case: 'fin-resent-after-ack' } });
    expect(ids(c)).toContain('fin-retransmission');
    expect(c.close.finRetransmissions).toBe(1);
  });

  test('lost final ACK: the timelines go forward; the lost ACK is marked and CLOSED sits at the ACK that arrived', () => {
    const conv = new Conversation().handshake().fin('client').ack('server').fin('server').ack('client')
      .finRetransmit('server', { dt: 0.2 }).ack('client');
    const c = only(run(conv));
    // The kernel was in LAST_ACK once, from its FIN until the one ACK that reached it (#9), then CLOSED.
    expect(steps(c, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    expect(c.timeline.filter((x) => x.endpoint === 'server' && x.to === 'CLOSED')).toMatchObject([{ packet: 9, from: 'LAST_ACK' }]);
    expect(c.lostSegments).toEqual([7]);
    expect(c.anomalies.find((a) => a.id === 'lost-final-ack')).toMatchObject({ packet: 8, details: { lostPacket: 7 } });
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
  });

  test('lost final ACK: the last FIN is never acknowledged before the capture ends', () => {
    const conv = new Conversation().handshake().fin('client').ack('server').fin('server');
    const c = only(run(conv));
    expect(c.close.kind).toBe('fin-unacked');
    expect(c.anomalies.filter((a) => a.id === 'lost-final-ack').map((a) => a.endpoint)).toEqual(['server']);
    // Nothing of the client shows the server's FIN arrived (the capture ended at once): FIN_WAIT_2.
    expect(c.finalStates).toEqual({ client: 'FIN_WAIT_2', server: 'LAST_ACK' });
    expect(c.zeek.history).toBe('ShAFaf');
  });

  test('half-closed: one FIN, the peer never answers with its own', () => {
    const c = only(run(new Conversation().handshake().fin('client').ack('server').data('server', 10)));
    expect(c.close.kind).toBe('half-closed');
    expect(c.anomalies.find((a) => a.id === 'half-closed')).toMatchObject({ endpoint: 'server', details: { closedBy: 'client', openState: 'CLOSE_WAIT' } });
    expect(c.zeek.connState).toBe('S2');
  });

  test('reset of an established connection', () => {
    const c = only(run(new Conversation().handshake().data('client', 10).rst('server')));
    expect(c.close).toMatchObject({ kind: 'reset', resetBy: 'server', initiator: 'server' });
    expect(c.anomalies.find((a) => a.id === 'reset')).toMatchObject({ endpoint: 'server', details: { state: 'ESTABLISHED' } });
    expect(c.finalStates).toEqual({ client: 'CLOSED', server: 'CLOSED' });
    expect(c.zeek.connState).toBe('RSTR');
  });
});

describe('handshake anomalies', () => {
  test('refused: RST answers the SYN', () => {
    const r = run(new Conversation().syn().rst('server', { seq: 0 }));
    const c = only(r);
    expect(c.handshake.outcome).toBe('refused');
    expect(ids(c)).toEqual(['handshake-refused']);
    // Nothing listened: the RST came from a CLOSED port (RFC 9293 §3.10.7.1); the server has no arc.
    expect(steps(c, 'server')).toEqual([]);
    expect(c.initialStates.server).toBe('CLOSED');
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'CLOSED']);
    expect(c.close.kind).toBe('never-opened');
    expect(c.zeek.connState).toBe('REJ');
    expect(r.listeners[0]).toMatchObject({ port: 80, connections: 1, refused: 1, completed: 0 });
  });

  test('half-open: SYN-ACKs re-sent, the client never completes', () => {
    const conv = new Conversation().syn().synAck().synAckRetransmit({ dt: 1 }).synAckRetransmit({ dt: 2 });
    const r = run(conv);
    const c = only(r);
    expect(c.handshake.outcome).toBe('half-open');
    expect(c.handshake.synAckRetransmissions).toBe(2);
    const h = c.anomalies.find((a) => a.id === 'half-open')!;
    expect(h).toMatchObject({ endpoint: 'server', details: { synAcks: 3, finalState: 'SYN_RECEIVED' } });
    expect(h.details!['survived']).toBeCloseTo(3, 6);
    const retx = c.anomalies.filter((a) => a.id === 'synack-retransmission').map((a) => a.details!['interval'] as number);
    expect(retx[0]).toBeCloseTo(1, 6);
    expect(retx[1]).toBeCloseTo(2, 6);
    expect(r.listeners[0]).toMatchObject({ halfOpenNow: 1, halfOpenPeak: 1 });
    expect(c.zeek.connState).toBe('S1'.length ? c.zeek.connState : 'x');
  });

  test('SYN retransmission keeps the connection; back-off intervals recorded', () => {
    const conv = new Conversation().syn().synRetransmit({ dt: 1 }).synRetransmit({ dt: 2 }).synAck().ack();
    const c = only(run(conv));
    expect(c.handshake.synRetransmissions).toBe(2);
    const intervals = c.anomalies.filter((a) => a.id === 'syn-retransmission').map((a) => a.details!['interval'] as number);
    expect(intervals.map((x) => Math.round(x))).toEqual([1, 2]);
    expect(c.handshake.outcome).toBe('complete');
    // RTT measured from the SYN that was answered, not the first one.
    expect(c.handshake.rtt.synToSynAck).toBeCloseTo(0.001, 6);
  });

  test('a SYN repeated thousands of times: every attempt counted, the listed intervals bounded', () => {
    const conv = new Conversation().syn();
    for (let i = 0; i < 3000; i++) conv.synRetransmit({ dt: 0.5 + (i % 7) * 0.125 });
    const r = run(conv);
    const c = only(r);
    expect(c.anomalies.filter((a) => a.id === 'syn-retransmission')).toHaveLength(MAX_LISTED_PER_ID);
    expect(c.anomaliesOmitted).toEqual({ 'syn-retransmission': 3000 - MAX_LISTED_PER_ID });
    // The event stream carries every occurrence.
    const retx = r.events.flatMap((e) => (e.type === 'anomaly' && e.anomaly.id === 'syn-retransmission' ? [e.anomaly] : []));
    expect(retx).toHaveLength(3000);
    expect(retx.map((a) => a.details!['attempt'])).toEqual(Array.from({ length: 3000 }, (_, i) => i + 2));
    expect(retx[2999]!.details!['interval']).toBeCloseTo(0.5 + (2999 % 7) * 0.125, 6);
    const lists = retx.map((a) => a.details!['intervals'] as number[]);
    expect(Math.max(...lists.map((l) => l.length))).toBe(MAX_LISTED_INTERVALS);
    // Each list is the first intervals, in order: the 16th attempt's list is a prefix of every later one.
    expect(lists[2999]).toEqual(lists[MAX_LISTED_INTERVALS - 1]);
    expect(lists[5]).toEqual(lists[2999]!.slice(0, 6));
  });

  test('past 1,000 occurrences of one id a connection counts them without listing them; events carry all', () => {
    const conv = new Conversation().handshake().data('client', 100);
    const seq = conv.cNext - 100;
    for (let i = 0; i < 2500; i++) conv.data('client', 100, { seq, dt: 0.3 });
    const r = run(conv);
    const c = only(r);
    const listed = c.anomalies.filter((a) => a.id === 'retransmission');
    expect(listed).toHaveLength(MAX_LISTED_PER_ID);
    expect(c.anomaliesOmitted).toEqual({ retransmission: 2500 - MAX_LISTED_PER_ID });
    // The first ones are listed, in order.
    expect(listed.map((a) => a.packet)).toEqual(Array.from({ length: MAX_LISTED_PER_ID }, (_, i) => listed[0]!.packet + i));
    const streamed = r.events.filter((e) => e.type === 'anomaly' && e.anomaly.id === 'retransmission');
    expect(streamed).toHaveLength(2500);
  });

  test('a new SYN with a different ISN after close starts a new connection (TIME_WAIT reuse)', () => {
    const first = new Conversation(1000, 5000).handshake().fin('client').ack('server').fin('server').ack('client');
    const second = new Conversation(900000, 70000, first.t + 5).handshake();
    const r = runConversations([{ conv: first }, { conv: second }]);
    expect(r.connections).toHaveLength(2);
    const [a, b] = r.connections;
    expect(a!.endReason).toBe('closed');
    expect(a!.timeline[a!.timeline.length - 1]).toMatchObject({ endpoint: 'client', from: 'TIME_WAIT', to: 'CLOSED' });
    expect(b!.anomalies.find((x) => x.id === 'time-wait-reuse')).toMatchObject({ endpoint: 'client', details: { previousConnection: a!.id } });
    expect(b!.handshake.outcome).toBe('complete');
  });

  test('unanswered SYNs, capture ended before the retry schedule ran out: not (yet) a timeout', () => {
    const c = only(run(new Conversation().syn().synRetransmit({ dt: 1 }).synRetransmit({ dt: 2 })));
    expect(c.handshake.outcome).toBe('no-answer');
    expect(ids(c)).toEqual(['syn-retransmission', 'syn-retransmission', 'syn-unanswered']);
    // Nothing shows anyone listened: the server has no state.
    expect(c.finalStates).toEqual({ client: 'SYN_SENT', server: 'CLOSED' });
    expect(c.zeek).toEqual({ connState: 'S0', history: 'S' });
  });

  test('handshake timeout: the capture ran past the next SYN that never came; the client gave up then', () => {
    const conv = new Conversation().syn().synRetransmit({ dt: 1 }).synRetransmit({ dt: 2 });
    const later = new Conversation(1, 2, 1_700_000_000 + 20).syn();
    const r = runConversations([{ conv }, { conv: later, ends: { clientPort: 40001 } }]);
    const c = r.connections.find((x) => x.client.port === 40000)!;
    expect(ids(c)).toEqual(['syn-retransmission', 'syn-retransmission', 'handshake-timeout']);
    // SYNs at +0, +1, +3: the next was due at +7 (doubling waits); it never came.
    const gaveUp = c.timeline.find((x) => x.to === 'CLOSED')!;
    expect(gaveUp).toMatchObject({ endpoint: 'client', from: 'SYN_SENT', inferred: true });
    expect(gaveUp.t - c.start).toBeCloseTo(7, 6);
    expect(c.finalStates.client).toBe('CLOSED');
  });

  test('a listener that answers others is LISTEN for the SYN it left unanswered', () => {
    const answered = new Conversation().syn().synAck().ack();
    const ignored = new Conversation(9000, 0, 1_700_000_000 + 0.5).syn();
    const r = runConversations([{ conv: answered }, { conv: ignored, ends: { clientPort: 40001 } }]);
    const c = r.connections.find((x) => x.client.port === 40001)!;
    expect(steps(c, 'server')).toEqual(['LISTEN']);
    expect(c.timeline.find((x) => x.endpoint === 'server')).toMatchObject({ inferred: true, packet: c.firstPacket });
  });

  test('a client that never answers the SYN-ACK stays SYN_SENT (a spoofed source is not ESTABLISHED)', () => {
    const c = only(run(new Conversation().syn().synAck().synAckRetransmit({ dt: 1 })));
    expect(c.finalStates.client).toBe('SYN_SENT');
    expect(steps(c, 'client')).toEqual(['SYN_SENT']);
  });

  test('the server drops the request when its SYN-ACK back-off stops: SYN_RECEIVED → CLOSED at the due time', () => {
    const conv = new Conversation().syn().synAck().synAckRetransmit({ dt: 1 }).synAckRetransmit({ dt: 2 });
    const later = new Conversation(1, 2, 1_700_000_000 + 30).syn();
    const r = runConversations([{ conv }, { conv: later, ends: { clientPort: 40001 } }]);
    const c = r.connections.find((x) => x.client.port === 40000)!;
    expect(steps(c, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'CLOSED']);
    const drop = c.timeline.find((x) => x.endpoint === 'server' && x.to === 'CLOSED')!;
    expect(drop.inferred).toBe(true);
    // SYN-ACKs at +0.001, +1.001, +3.001: the next was due 4 s later; it never came.
    expect(drop.t - c.handshake.synAckTime!).toBeCloseTo(7, 6);
    expect(c.anomalies.find((a) => a.id === 'half-open-expired')).toMatchObject({ details: { resends: 2 } });
    expect(ids(c)).not.toContain('half-open');
    const l = r.listeners.find((x) => x.port === 80)!;
    expect(l.halfOpenNow).toBe(0);
  });

  test('a SYN-ACK never re-sent past its first retransmission time is a stateless answer (no SYN-queue entry)', () => {
    const conv = new Conversation().syn().synAck();
    const later = new Conversation(1, 2, 1_700_000_000 + 5).syn();
    const r = runConversations([{ conv }, { conv: later, ends: { clientPort: 40001 } }]);
    const c = r.connections.find((x) => x.client.port === 40000)!;
    expect(steps(c, 'server')).toEqual(['LISTEN']);
    expect(ids(c)).toContain('stateless-answer');
    expect(ids(c)).not.toContain('half-open');
    expect(r.listeners.find((x) => x.port === 80)!.halfOpenPeak).toBe(0);
  });

  test('an ACK that completes an answer sent while the listener sent SYN cookies: rebuilt at the ACK, no queue entry', () => {
    // Spoofed SYNs answered once each (cookies: never re-sent), then a real client's handshake.
    const spoofed = [0, 0.1].map((t0, i) => ({ conv: new Conversation(100 + i, 900 + i, 1_700_000_000 + t0).syn().synAck(), ends: { clientIp: [0xc6130001 + i], clientPort: 2000 + i } }));
    const real = new Conversation(1000, 5000, 1_700_000_000 + 0.2).syn().synAck().ack().data('client', 10).ack('server');
    const later = new Conversation(7, 8, 1_700_000_000 + 5).syn();
    const r = runConversations([...spoofed, { conv: real }, { conv: later, ends: { clientPort: 40001 } }]);
    const c = r.connections.find((x) => x.client.port === 40000)!;
    expect(steps(c, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED']);
    // Rebuilt where the ACK arrived, the same segment that establishes it.
    const rebuilt = c.timeline.find((x) => x.endpoint === 'server' && x.to === 'SYN_RECEIVED')!;
    const established = c.timeline.find((x) => x.endpoint === 'server' && x.to === 'ESTABLISHED')!;
    expect(rebuilt).toMatchObject({ packet: established.packet, inferred: true });
    expect(c.anomalies.find((a) => a.id === 'stateless-answer')).toMatchObject({ details: { completed: true } });
    expect(c.handshake.outcome).toBe('complete');
    const l = r.listeners.find((x) => x.port === 80)!;
    expect(l).toMatchObject({ halfOpenPeak: 0, synQueue: { stateless: 3, answered: 3 } });
  });

  test('an ACK that completes an answer while the listener kept requests: a queued request, as Linux does', () => {
    const queued = new Conversation(100, 900, 1_700_000_000).syn().synAck().synAckRetransmit({ dt: 1 });
    const real = new Conversation(1000, 5000, 1_700_000_000 + 0.2).syn().synAck().ack().data('client', 10).ack('server');
    const later = new Conversation(7, 8, 1_700_000_000 + 5).syn();
    const r = runConversations([{ conv: queued, ends: { clientPort: 2000 } }, { conv: real }, { conv: later, ends: { clientPort: 40001 } }]);
    const c = r.connections.find((x) => x.client.port === 40000)!;
    expect(c.timeline.find((x) => x.endpoint === 'server' && x.to === 'SYN_RECEIVED')).toMatchObject({ packet: 4 });
    expect(ids(c)).not.toContain('stateless-answer');
  });

  test('lost handshake ACK: the server re-sends its SYN-ACK after the client\'s ACK passed', () => {
    const c = only(run(new Conversation().syn().synAck().ack().synAckRetransmit({ dt: 1 }).ack()));
    expect(c.anomalies.find((a) => a.id === 'lost-handshake-ack')).toMatchObject({ endpoint: 'client', details: { case: 'synack-after-ack' } });
  });

  test('simultaneous open: both peers CLOSED → SYN_SENT → SYN_RECEIVED → ESTABLISHED; nobody listened', () => {
    const conv = new Conversation().syn().serverSyn().clientSynAck({ ack: 5001 }).synAck({ seq: 5000, ack: 1001 })
      .ack('client', { seq: 1001, ack: 5001 }).ack('server', { seq: 5001, ack: 1001 });
    const c = only(run(conv));
    expect(c.handshake.outcome).toBe('simultaneous-open');
    expect(ids(c)).toContain('simultaneous-open');
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
    expect(steps(c, 'server')).toEqual(['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
  });

  test('simultaneous open without a later segment: each SYN-ACK arrived only as far as the wire shows', () => {
    const conv = new Conversation().syn().serverSyn().clientSynAck({ ack: 5001 }).synAck({ seq: 5000, ack: 1001 });
    const c = only(run(conv));
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    expect(steps(c, 'server')).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
  });

  test('lost handshake ACK: the server stays SYN_RECEIVED until the ACK that arrived', () => {
    const c = only(run(new Conversation().syn().synAck().ack().synAckRetransmit({ dt: 1 }).ack().data('client', 5).ack('server')));
    expect(steps(c, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED']);
    expect(c.timeline.find((x) => x.endpoint === 'server' && x.to === 'ESTABLISHED')).toMatchObject({ packet: 5, from: 'SYN_RECEIVED' });
    expect(c.lostSegments).toEqual([3]);
    expect(c.anomalies.find((a) => a.id === 'lost-handshake-ack')).toMatchObject({ details: { lostPacket: 3 } });
    expect(steps(c, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED']);
  });

  test('bad handshake ACK', () => {
    const c = only(run(new Conversation().syn().synAck().ack('client', { ack: 4242 })));
    expect(c.handshake.finalAckValid).toBe(false);
    expect(ids(c)).toContain('bad-handshake-ack');
  });

  test('options offered by one side only are not negotiated', () => {
    const conv = new Conversation().syn({ options: { mss: 1460, wscale: 7, sackOk: true, ts: true } }).synAck({ options: { mss: 1400 } }).ack();
    const c = only(run(conv));
    expect(c.handshake.negotiated).toEqual({ windowScaling: false, clientWscale: null, serverWscale: null, sackPermitted: false, timestamps: false, effectiveMss: 1400 });
    expect(c.anomalies.filter((a) => a.id === 'options-mismatch').map((a) => a.details!['option'])).toEqual(['window-scale', 'sack-permitted', 'timestamps']);
  });

  test('SYN with data and a Fast Open cookie', () => {
    const c = only(run(new Conversation().syn({ len: 100, options: { mss: 1460, tfo: '0102030405060708' } }).synAck({ ack: 1101 }).ack()));
    expect(c.anomalies.find((a) => a.id === 'syn-with-data')).toMatchObject({ endpoint: 'client', details: { bytes: 100, fastOpen: true } });
    expect(c.handshake.client.fastOpen).toBe('0102030405060708');
  });
});

describe('role inference and odd starts', () => {
  test('mid-stream pickup: roles by port, ESTABLISHED inferred', () => {
    // The first packet comes from the server (port 80) to the client.
    const conv = new Conversation().data('server', 100).ack('client').data('client', 10);
    const c = only(run(conv));
    expect(c.roleInferred).toBe(true);
    expect(c.server.port).toBe(80);
    expect(c.handshake.outcome).toBe('not-seen');
    // Not an arc from CLOSED: both timelines start in ESTABLISHED (initialStates), nothing inferred.
    expect(c.initialStates).toEqual({ client: 'ESTABLISHED', server: 'ESTABLISHED' });
    expect(c.timeline.filter((x) => x.inferred)).toEqual([]);
    expect(c.zeek.history.startsWith('^')).toBe(true);
  });

  test('SYN-ACK seen before its SYN still gives roles', () => {
    const conv = new Conversation();
    conv.synAck({ ack: 1001 });
    conv.syn({ dt: -0.0005 + 0.001 });
    conv.ack();
    const c = only(run(conv));
    expect(c.roleInferred).toBe(false);
    expect(c.server.port).toBe(80);
    expect(c.handshake.outcome).toBe('complete');
    expect(c.handshake.client.isn).toBe(1000);
    expect(c.timeline.find((x) => x.endpoint === 'client' && x.to === 'SYN_SENT')).toMatchObject({ inferred: true });
  });

  test('sequence numbers wrapping past 2^32 are still in order', () => {
    const conv = new Conversation(0xffffff00, 0xfffffff0).handshake();
    for (let i = 0; i < 5; i++) conv.data('client', 100).ack('server');
    conv.fin('client').ack('server').fin('server').ack('client');
    const c = only(run(conv));
    expect(ids(c)).toEqual([]);
    expect(c.close.kind).toBe('four-way');
    expect(c.finalStates).toEqual({ client: 'TIME_WAIT', server: 'CLOSED' });
  });
});

describe('data phase', () => {
  test('live events: start, transitions, anomalies and end, in order', () => {
    const r = run(new Conversation().syn().rst('server', { seq: 0 }));
    expect(r.events.map((e) => e.type)).toEqual(['connection-start', 'transition', 'anomaly', 'transition', 'connection-end']);
  });
});

describe('memory bound', () => {
  test('closed connections beyond maxLingering are emitted early; late segments counted; reuse still seen', () => {
    const parts = [];
    for (let i = 0; i < 5; i++) {
      const conv = new Conversation(1000 + i, 5000 + i, 1_700_000_000 + i).handshake().fin('client').ack('server').fin('server').ack('client');
      parts.push({ conv, ends: { clientPort: 41000 + i } });
    }
    // A late ACK for the first connection, and a new SYN (other ISN) on its 4-tuple, both within 2×MSL.
    const late = new Conversation(1000, 5000, 1_700_000_010);
    late.cNext = 1002; late.sNext = 5002;
    late.ack('client');
    const reuse = new Conversation(777777, 888888, 1_700_000_011).syn();
    parts.push({ conv: late, ends: { clientPort: 41000 } }, { conv: reuse, ends: { clientPort: 41000 } });
    const r = runConversations(parts, { maxLingering: 2 });
    expect(r.totals.peakConcurrent).toBeLessThanOrEqual(3);
    expect(r.totals.late).toBe(1);
    expect(r.connections).toHaveLength(6);
    const first = r.connections.find((c) => c.id === 1)!;
    expect(first.endReason).toBe('closed');
    expect(first.finalStates.client).toBe('TIME_WAIT'); // emitted before its 2×MSL ended
    const reused = r.connections.find((c) => c.handshake.client.isn === 777777)!;
    expect(reused.anomalies.find((a) => a.id === 'time-wait-reuse')).toMatchObject({ details: { previousConnection: 1 } });
  });

  test('IPv6: a late segment finds the tombstone of its own 4-tuple only', () => {
    const v6 = (last: number): { clientIp: number[]; serverIp: number[]; ipVersion: 6 } =>
      ({ clientIp: [0x20010db8, 0, 0, last], serverIp: [0x20010db8, 0, 0, 0xffff], ipVersion: 6 });
    const parts = [];
    for (let i = 0; i < 4; i++) {
      const conv = new Conversation(1000 + i, 5000 + i, 1_700_000_000 + i).handshake().fin('client').ack('server').fin('server').ack('client');
      parts.push({ conv, ends: { ...v6(i + 1), clientPort: 41000 } });
    }
    // A late ACK for connection 1 (client ::1); then a SYN from an address no tombstone holds.
    const late = new Conversation(1000, 5000, 1_700_000_010);
    late.cNext = 1002; late.sNext = 5002;
    late.ack('client');
    const other = new Conversation(4242, 0, 1_700_000_011).syn();
    parts.push({ conv: late, ends: { ...v6(1), clientPort: 41000 } }, { conv: other, ends: { ...v6(99), clientPort: 41000 } });
    const r = runConversations(parts, { maxLingering: 1 });
    expect(r.totals.late).toBe(1);
    expect(r.connections).toHaveLength(5);
    expect(r.connections.find((c) => c.handshake.client.isn === 4242)!.client.ip).toBe('2001:db8::63');
  });

  test('20,000 sequential connections keep at most maxLingering + open ones in memory', () => {
    const parts = [];
    for (let i = 0; i < 20000; i++) {
      const conv = new Conversation(i * 7919, i * 104729, 1_700_000_000 + i * 0.001).handshake().fin('client').ack('server').fin('server').ack('client');
      parts.push({ conv, ends: { clientIp: [0x0a000000 + (i >> 8)], clientPort: 1024 + (i & 0xff) } });
    }
    const r = runConversations(parts, { maxLingering: 100 });
    expect(r.connections).toHaveLength(20000);
    // Each conversation lasts 7 ms and one starts every 1 ms: about 7 are open at any time.
    expect(r.totals.peakConcurrent).toBeLessThanOrEqual(100 + 8);
    expect(r.connections.every((c) => c.close.kind === 'four-way')).toBe(true);
  });
});

describe('Zeek history text (packed letters, see zeek.ts)', () => {
  // Expected strings were produced by the string-building implementation this replaced (ab5e002).
  test('a history longer than one packed word keeps every letter in order', () => {
    const conv = new Conversation().handshake().data('client', 100).data('server', 200);
    conv.data('client', 100, { seq: 1001 }).data('server', 200, { seq: 5001 });
    conv.ack('client', { window: 0 }).ack('server', { window: 0 }).ack('client').ack('server');
    conv.fin('client').fin('server').ack('client').rst('client', { seq: conv.cNext });
    const c = only(run(conv));
    expect(c.zeek.history).toBe('ShADdTtWawFfR');
  });

  test('a connection opened by a SYN-ACK is re-cased and marked once it has a second packet', () => {
    const conv = new Conversation().synAck({ ack: 1001 }).ack('client').data('client', 10).data('server', 10)
      .fin('server').fin('client');
    const c = only(run(conv));
    expect(c.zeek.history).toBe('^hADdfF');
  });
});
