/**
 * The merge of a sharded run, fed by hand: events replayed in one tracker's order (frame, then the
 * clock move before the frame, then within it the closing list before the idle list, each by last
 * packet), run-wide ids in creation order, nothing replayed before every shard has passed its frame,
 * and a listener's half-open backlog summed over shards.
 */
import type { Conn } from '../../src/flow/conn.js';
import { LIST_ACTIVE, LIST_CLOSING } from '../../src/flow/conn.js';
import { ListenerRecord } from '../../src/flow/listeners.js';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/flow/model.js';
import { END_FRAME, PHASE_END, PHASE_EXPIRE, PHASE_PACKET, ShardLog } from '../../src/pipeline/shard-log.js';
import { ShardMerger, type MergedPayload } from '../../src/pipeline/shard-merge.js';
import { gateBuffer, ShardGate } from '../../src/pipeline/shard-gate.js';

/** The fields of a record the log reads. */
const conn = (id: number, firstPacket: number, lastPacket: number): Conn => ({ id, firstPacket, lastPacket }) as unknown as Conn;

function setup(shards: number) {
  const out: string[] = [];
  const merger = new ShardMerger(shards, { ...DEFAULT_TRACKER_OPTIONS, synFloodThreshold: 2 }, (p: MergedPayload) => {
    out.push('json' in p ? p.json : JSON.stringify(p.connection));
  });
  const logs = Array.from({ length: shards }, () => new ShardLog());
  return { out, merger, logs };
}

/** A shard emits connection `c` (its own id) from list `list` at `frame`, streaming it as JSON. */
function emit(log: ShardLog, c: Conn, frame: number, phase: number, list: number): void {
  log.at(frame, phase);
  log.hooks.emitting(c, list);
  log.attach(JSON.stringify({ id: c.id, tag: `${c.firstPacket}` }));
}

describe('ShardMerger', () => {
  test('ids in creation order; emissions in one tracker\'s order; nothing before a shard passed the frame', () => {
    const { out, merger, logs } = setup(2);
    const [a, b] = logs as [ShardLog, ShardLog];
    // Shard 0 creates its #1 at frame 1 and #2 at frame 3; shard 1 its #1 at frame 2.
    a.at(1, PHASE_PACKET); a.hooks.created(conn(1, 1, 1));
    a.at(3, PHASE_PACKET); a.hooks.created(conn(2, 3, 3));
    b.at(2, PHASE_PACKET); b.hooks.created(conn(1, 2, 2));
    const bEarly = b.take(9);
    // At frame 10 the clock moves: shard 0's idle #1 (last packet 4) and shard 1's closing #1 (last
    // packet 6) expire; one tracker empties its closing list first.
    emit(a, conn(1, 1, 4), 10, PHASE_EXPIRE, LIST_ACTIVE);
    emit(b, conn(1, 2, 6), 10, PHASE_EXPIRE, LIST_CLOSING);
    merger.add(0, a.take(10));
    // Shard 1 has reported nothing: frame 1 may still be preceded by one of its events.
    expect(out).toEqual([]);
    expect(merger.peakHeld).toBe(0);
    merger.add(1, bEarly);
    // Shard 1 is through frame 9 only: the creations are replayed, not yet the frame-10 emissions.
    expect(out).toEqual([]);
    expect(merger.peakHeld).toBe(3);
    merger.add(1, b.take(10));
    expect(out).toEqual(['{"id":2,"tag":"2"}', '{"id":1,"tag":"1"}']);
    // End of input: the rest in id (first packet) order, whichever shard holds them.
    emit(a, conn(2, 3, 3), END_FRAME, PHASE_END, LIST_ACTIVE);
    merger.add(0, a.take(END_FRAME + 1));
    merger.add(1, b.take(END_FRAME + 1));
    expect(out).toEqual(['{"id":2,"tag":"2"}', '{"id":1,"tag":"1"}', '{"id":3,"tag":"3"}']);
    expect(merger.done).toBe(true);
    expect(merger.peakHeld).toBe(3);
    expect(merger.id(0, 2)).toBe(3);
  });

  test('a listener\'s half-open count adds up over shards, in capture order, and floods once', () => {
    const { merger, logs } = setup(2);
    const [a, b] = logs as [ShardLog, ShardLog];
    // The same listener, known to each shard by its own index.
    const la = new ListenerRecord('198.18.0.2', 80, 0), lb = new ListenerRecord('198.18.0.2', 80, 3);
    a.at(5, PHASE_PACKET); a.hooks.halfOpen(la, 1, 5.0, 5);
    b.at(6, PHASE_PACKET); b.hooks.halfOpen(lb, 1, 6.0, 6);
    a.at(7, PHASE_PACKET); a.hooks.halfOpen(la, 1, 7.0, 7); // 3 > threshold 2: syn-flood at packet 7
    b.at(8, PHASE_PACKET); b.hooks.halfOpen(lb, -1, 8.0, 8);
    merger.add(1, b.take(END_FRAME + 1));
    merger.add(0, a.take(END_FRAME + 1));
    const [l] = merger.listeners([]);
    expect(l).toMatchObject({ ip: '198.18.0.2', port: 80, halfOpenNow: 2, halfOpenPeak: 3, halfOpenPeakTime: 7.0 });
    expect(l!.halfOpenSeries).toEqual([[5, 1], [6, 2], [7, 3], [8, 2]]);
    expect(merger.anomalies.map((x) => [x.id, x.packet])).toEqual([['syn-flood', 7]]);
  });
});

describe('ShardGate', () => {
  test('a shard within the lag of the slowest goes on; one too far ahead waits, and not forever', () => {
    const buf = gateBuffer(2);
    const peer = new ShardGate(buf, 1, 100);
    const me = new ShardGate(buf, 0, 100);
    peer.reached(950);
    me.reached(1000);
    expect(me.waited).toBe(0);
    // The peer is 1,050 frames behind and reports nothing: waited for, then given up on.
    me.reached(2000);
    expect(me.waited).toBeGreaterThan(1.5);
  });
});
