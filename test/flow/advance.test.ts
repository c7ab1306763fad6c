/**
 * Tracker.advanceTo: the capture clock moved by a timer (live capture) instead of a packet runs the
 * same expiry as a packet would — closed connections after their 2×MSL linger (TIME_WAIT → CLOSED,
 * inferred), idle ones after idleTimeoutSeconds — and nothing before.
 */
import { newSegment } from '../../src/decode/segment.js';
import { DEFAULT_TRACKER_OPTIONS, type Connection, type FlowEvent, type TrackerOptions } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';
import { Conversation, fillSegment } from './helpers.js';

const OPTS: TrackerOptions = { ...DEFAULT_TRACKER_OPTIONS, mslSeconds: 5, idleTimeoutSeconds: 60 };
const TWO_MSL = 2 * OPTS.mslSeconds;

/** A tracker fed with `conv`, and what it has emitted so far (nothing is finished). */
function feed(conv: Conversation): { tracker: Tracker; connections: Connection[]; ends: FlowEvent[]; last: number } {
  const connections: Connection[] = [];
  const ends: FlowEvent[] = [];
  const tracker = new Tracker(OPTS, {
    onConnection: (c) => connections.push(c),
    onEvent: (e) => { if (e.type === 'connection-end') ends.push(e); },
  });
  const seg = newSegment();
  let frameNo = 0;
  for (const s of conv.segments) tracker.push(fillSegment(seg, s, {}, ++frameNo));
  return { tracker, connections, ends, last: conv.segments[conv.segments.length - 1]!.t };
}

describe('Tracker.advanceTo', () => {
  test('a closed connection is emitted after 2×MSL of advanced time, TIME_WAIT → CLOSED inferred', () => {
    // Client closes first: the client ends in TIME_WAIT, the server in CLOSED, at the final ACK.
    const conv = new Conversation().handshake().data('client', 100).ack('server').fin('client').fin('server').ack('client');
    const { tracker, connections, ends, last } = feed(conv);
    expect(connections).toHaveLength(0);

    tracker.advanceTo(last + TWO_MSL - 0.01);
    expect(connections).toHaveLength(0);
    expect(ends).toHaveLength(0);

    tracker.advanceTo(last + TWO_MSL);
    expect(connections).toHaveLength(1);
    expect(ends).toHaveLength(1);
    const c = connections[0]!;
    expect(c.endReason).toBe('closed');
    const lastClient = c.timeline.filter((x) => x.endpoint === 'client').pop()!;
    expect(lastClient).toMatchObject({ from: 'TIME_WAIT', to: 'CLOSED', inferred: true });
    // TIME_WAIT began when the server's FIN reached the client (as it passed the capture point).
    const serverFinT = conv.segments[conv.segments.length - 2]!.t;
    expect(lastClient.t).toBeCloseTo(serverFinT + TWO_MSL, 6);
    expect(c.timeline.filter((x) => x.endpoint === 'server').pop()!.to).toBe('CLOSED');

    // Emitted once: finish has nothing left.
    tracker.finish();
    expect(connections).toHaveLength(1);
  });

  test('an idle connection is emitted after idleTimeoutSeconds, left as it was', () => {
    const conv = new Conversation().handshake().data('client', 10).ack('server');
    const { tracker, connections, ends, last } = feed(conv);

    tracker.advanceTo(last + OPTS.idleTimeoutSeconds);
    expect(connections).toHaveLength(0);

    tracker.advanceTo(last + OPTS.idleTimeoutSeconds + 0.001);
    expect(connections).toHaveLength(1);
    expect(ends).toHaveLength(1);
    const c = connections[0]!;
    expect(c.endReason).toBe('idle');
    expect(c.timeline.filter((x) => x.endpoint === 'client').pop()!.to).toBe('ESTABLISHED');
    expect(c.timeline.filter((x) => x.endpoint === 'server').pop()!.to).toBe('ESTABLISHED');
    expect(c.timeline.some((x) => x.t > last)).toBe(false);
  });

  test('a time not later than the clock changes nothing; the clock never goes back', () => {
    const conv = new Conversation().handshake().fin('client').fin('server').ack('client');
    const { tracker, connections, last } = feed(conv);
    tracker.advanceTo(last - 100);
    tracker.advanceTo(last);
    expect(tracker.captureTime).toBe(last);
    expect(connections).toHaveLength(0);

    tracker.advanceTo(last + 1);
    tracker.advanceTo(last - 50);
    expect(tracker.captureTime).toBe(last + 1);
    expect(connections).toHaveLength(0);
  });

  test('after finish it is a no-op', () => {
    const conv = new Conversation().handshake();
    const { tracker, connections, last } = feed(conv);
    tracker.finish();
    expect(connections).toHaveLength(1);
    expect(connections[0]!.endReason).toBe('end-of-input');
    tracker.advanceTo(last + 1e6);
    expect(connections).toHaveLength(1);
  });

  test('advancing matches what a later packet would have done', () => {
    // The same closed connection, expired by the clock alone or by an unrelated later packet.
    const closed = new Conversation().handshake().fin('client').fin('server').ack('client');
    const byClock = feed(closed);
    byClock.tracker.advanceTo(byClock.last + TWO_MSL + 1);

    const withOther = new Conversation().handshake().fin('client').fin('server').ack('client');
    const other = new Conversation(7000, 9000, byClock.last + TWO_MSL + 1).syn();
    const connections: Connection[] = [];
    const tracker = new Tracker(OPTS, { onConnection: (c) => connections.push(c) });
    const seg = newSegment();
    let n = 0;
    for (const s of withOther.segments) tracker.push(fillSegment(seg, s, {}, ++n));
    tracker.push(fillSegment(seg, other.segments[0]!, { clientPort: 40001 }, ++n));

    expect(connections).toHaveLength(1);
    expect(byClock.connections).toHaveLength(1);
    expect(byClock.connections[0]).toEqual(connections[0]);
  });
});
