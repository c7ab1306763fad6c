/**
 * The flow stage's bounds: Tracker.evict (the memory ceiling's mechanism: the oldest idle first,
 * half-open before established, tombstones for what comes late) and listeners folded into counts
 * beyond maxListeners (the busiest kept).
 */
import { newSegment } from '../../src/decode/segment.js';
import { DEFAULT_TRACKER_OPTIONS, type Connection, type TrackerOptions } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';
import { Conversation, fillSegment, runConversations, type Endpoints, type SegSpec } from './helpers.js';

/** A tracker fed by hand, segment by segment, each conversation on its own client port. */
class Feed {
  readonly out: Connection[] = [];
  readonly tracker: Tracker;
  private readonly seg = newSegment();
  private frame = 0;
  constructor(opts: Partial<TrackerOptions> = {}) {
    this.tracker = new Tracker({ ...DEFAULT_TRACKER_OPTIONS, ...opts }, { onConnection: (c) => this.out.push(c) });
  }
  push(s: SegSpec, ends: Endpoints): void {
    this.tracker.push(fillSegment(this.seg, s, ends, ++this.frame));
  }
  all(conv: Conversation, ends: Endpoints): void {
    for (const s of conv.segments) this.push(s, ends);
  }
}

const port = (n: number): Endpoints => ({ clientPort: 40000 + n });

describe('Tracker.evict', () => {
  test('the oldest idle go first, half-open ones before established ones; each is reported evicted', () => {
    const f = new Feed();
    // Established first (oldest), then three half-open ones, one after another: within a second, so
    // that no silence past the first SYN-ACK re-send time has shown an answer stateless (a SYN cookie).
    f.all(new Conversation(1000, 5000, 100).handshake(), port(1));
    f.all(new Conversation(2000, 6000, 101).handshake(), port(2));
    for (let i = 0; i < 3; i++) f.all(new Conversation(3000 + i, 7000 + i, 102 + i / 4).syn().synAck(), port(3 + i));
    expect(f.tracker.held).toBe(5);

    expect(f.tracker.evict(2)).toBe(2);
    expect(f.out.map((c) => c.client.port)).toEqual([40003, 40004]);
    expect(f.tracker.evict(2)).toBe(2);
    expect(f.out.map((c) => c.client.port)).toEqual([40003, 40004, 40005, 40001]);
    expect(f.tracker.held).toBe(1);
    for (const c of f.out) {
      expect(c.endReason).toBe('evicted');
      expect(c.anomalies.map((a) => a.id)).toContain('evicted');
    }
    const done = f.tracker.finish();
    expect(done.totals).toMatchObject({ evicted: 4, evictedIncomplete: 3 });
    expect(f.out.find((c) => c.client.port === 40002)!.endReason).toBe('end-of-input');
  });

  test('a late segment of an evicted connection is counted, not taken for a new one; a new SYN reopens the 4-tuple', () => {
    const f = new Feed();
    const conv = new Conversation(1000, 5000, 100).syn().synAck();
    f.all(conv, port(1));
    f.tracker.evict(1);
    f.push(new Conversation(1000, 5000, 101).synAckRetransmit().segments[0]!, port(1));
    expect(f.tracker.held).toBe(0);
    f.push(new Conversation(99999, 5000, 102).syn().segments[0]!, port(1));
    expect(f.tracker.held).toBe(1);
    const done = f.tracker.finish();
    expect(done.totals.late).toBe(1);
    expect(f.out).toHaveLength(2);
    expect(f.out[1]!.handshake.client.isn).toBe(99999);
  });

  test('evicting more than is held evicts what there is', () => {
    const f = new Feed();
    f.all(new Conversation().syn(), port(1));
    expect(f.tracker.evict(10)).toBe(1);
    expect(f.tracker.evict(10)).toBe(0);
  });
});

describe('listeners beyond maxListeners', () => {
  /** `busy` connections to port 1, then one to each of ports 2..n+1 (each refused at once), then `late` more to port 2. */
  function scan(n: number, busy: number, late: number, opts: Partial<TrackerOptions>) {
    const parts: Array<{ conv: Conversation; ends: Endpoints }> = [];
    let t = 100;
    const add = (serverPort: number, clientPort: number) => {
      parts.push({ conv: new Conversation(clientPort, 5000, t).syn().rst('server'), ends: { clientPort, serverPort } });
      t += 1;
    };
    for (let k = 0; k < busy; k++) add(1, 31000 + k);
    for (let p = 2; p <= n + 1; p++) add(p, 30000 + p);
    for (let k = 0; k < late; k++) add(2, 32000 + k);
    return runConversations(parts, opts);
  }

  test('the quietest are folded into counts, the busiest keep full detail; kept plus folded is everything', () => {
    // A refused connection lingers 2×MSL (its listener holds it): the lingering bound lets them go at once.
    const r = scan(40, 6, 0, { maxListeners: 8, maxLingering: 1 });
    const folded = r.listenersFolded!;
    expect(folded).toBeDefined();
    expect(r.listeners.length).toBeLessThanOrEqual(8);
    expect(r.listeners.reduce((n, l) => n + l.connections, 0) + folded.connections).toBe(46);
    expect(r.listeners.reduce((n, l) => n + l.refused, 0) + folded.refused).toBe(46);
    expect(folded.listeners + r.listeners.length).toBe(41);
    expect(r.listeners.find((l) => l.port === 1)?.connections).toBe(6);
  });

  test('a listener folded and seen again is listed with what came after; the sums still hold', () => {
    const r = scan(40, 0, 3, { maxListeners: 8, maxLingering: 1 });
    expect(r.listeners.find((l) => l.port === 2)?.connections).toBe(3);
    expect(r.listeners.reduce((n, l) => n + l.connections, 0) + r.listenersFolded!.connections).toBe(43);
  });

  test('no fold below the bound', () => {
    const r = scan(40, 0, 0, {});
    expect(r.listenersFolded).toBeUndefined();
    expect(r.listeners).toHaveLength(40);
  });

  test('a listener holding a connection is never folded', () => {
    // Port 1's connection stays open (half-open) while 30 quieter listeners come and go.
    const open = { conv: new Conversation(1, 5000, 99).syn().synAck(), ends: { clientPort: 29999, serverPort: 1 } };
    const parts = [open];
    // All within a second of its SYN-ACK: longer silence would show that answer stateless (a SYN cookie).
    for (let p = 2; p <= 31; p++) parts.push({ conv: new Conversation(1000 + p, 5000, 99 + p / 40).syn().rst('server'), ends: { clientPort: 30000 + p, serverPort: p } });
    const r = runConversations(parts, { maxListeners: 4, maxLingering: 1 });
    const l1 = r.listeners.find((l) => l.port === 1)!;
    expect(l1).toMatchObject({ connections: 1, halfOpenNow: 1, halfOpenPeak: 1 });
    expect(r.listenersFolded!.connections + r.listeners.reduce((n, l) => n + l.connections, 0)).toBe(31);
  });
});
