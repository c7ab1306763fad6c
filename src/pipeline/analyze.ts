/**
 * capture → decode → flow over a list of inputs: `analyzeInputs` for the tracker's product,
 * `decodeInputs` for the decode stage alone (packets listing, bench).
 */
import type { Segment } from '../decode/segment.js';
import type { Connection, FlowEvent, TrackerOptions } from '../flow/model.js';
import type { ConnectionFacts } from '../flow/verdict.js';
import { connectionRtt } from './summary.js';
import { readInputs, type Progress } from './inputs.js';
import { END_FRAME, PHASE_END, PHASE_EXPIRE, PHASE_PACKET, type ShardLog } from './shard-log.js';
import { FrameSink } from './sink.js';
import { Tracker } from './stages.js';
import type { AnalysisResult, FrameCounts, InputSummary } from './types.js';

export interface AnalyzeOptions {
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  /** Each connection as the tracker finishes it (for --ndjson). */
  onConnection?: (c: Connection) => void;
  /**
   * Instead of onConnection: each finished connection's facts, and `build` for the Connection (valid
   * during the call): for a report that keeps only a few (TrackerSink.onFinished).
   */
  onFinished?: (facts: ConnectionFacts, build: () => Connection) => void;
  onEvent?: (e: FlowEvent) => void;
  /**
   * Keep finished connections in the result (default false: memory then follows the connections open
   * at once, not the capture; consume them through onConnection).
   */
  keepConnections?: boolean;
  onProgress?: (p: Progress, connections: number) => void;
  signal?: AbortSignal;
  /** This run is one shard of a sharded one (shards.ts): it tracks only its share of the connections. */
  shard?: ShardSetup;
}

export interface ShardSetup {
  index: number;
  count: number;
  log: ShardLog;
  /** Called after each read (every frame up to `through` handled) and once at the end. */
  flush(through: number): void;
}

/** The facts of a built connection (when the tracker built it anyway: its sink wants events too). */
function factsOf(c: Connection): ConnectionFacts {
  return {
    id: c.id, outcome: c.handshake.outcome, closeKind: c.close.kind, connState: c.zeek.connState,
    rtt: connectionRtt(c), start: c.start, end: c.end, roleInferred: c.roleInferred,
    anomalies: c.anomalies, anomaliesOmitted: c.anomaliesOmitted ?? null,
  };
}

export async function analyzeInputs(paths: readonly string[], opts: AnalyzeOptions): Promise<AnalysisResult> {
  const t0 = process.hrtime.bigint();
  const keep = opts.keepConnections ?? false;
  const connections: Connection[] = [];
  let finished = 0;
  const onConn = opts.onConnection;
  const onFinished = opts.onFinished;
  const tracker = new Tracker(opts.tracker, {
    // Connections built anyway (kept, or the sink wants events too) reach onFinished as well.
    onConnection: (c: Connection) => {
      finished++;
      if (keep) connections.push(c);
      if (onFinished) onFinished(factsOf(c), () => c);
      else onConn?.(c);
    },
    ...(onFinished && !keep ? { onFinished: (f: ConnectionFacts, build: () => Connection) => { finished++; onFinished(f, build); } } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  }, opts.shard?.log.hooks);
  const shard = opts.shard;
  let sink: FrameSink;
  if (shard) {
    // Every segment moves the clock (expiry is the same in every shard); only the shard's own
    // 4-tuples reach its tracker.
    const log = shard.log;
    sink = new FrameSink(opts.verifyChecksums, (seg, hash) => {
      log.at(seg.frameNo, PHASE_EXPIRE);
      tracker.advanceTo(seg.tsSec + seg.tsNsec / 1e9);
      log.at(seg.frameNo, PHASE_PACKET);
      tracker.push(seg, hash);
    }, {
      index: shard.index, count: shard.count,
      foreign: (frameNo, t) => { log.at(frameNo, PHASE_EXPIRE); tracker.advanceTo(t); },
    });
  } else {
    sink = new FrameSink(opts.verifyChecksums, (seg) => tracker.push(seg));
  }
  const progress = opts.onProgress;
  const onRead = shard
    ? (p: Progress): void => { shard.flush(sink.lastFrameNo); progress?.(p, finished); }
    : progress ? (p: Progress): void => progress(p, finished) : undefined;
  const inputs = await readInputs(paths, sink, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(onRead ? { onProgress: onRead } : {}),
  });
  if (shard) {
    shard.flush(sink.lastFrameNo);
    shard.log.at(END_FRAME, PHASE_END);
  }
  const done = tracker.finish();
  shard?.flush(END_FRAME + 1);
  connections.sort((a, b) => a.id - b.id);
  return {
    inputs,
    counts: sink.counts(),
    connections,
    listeners: done.listeners,
    anomalies: done.anomalies,
    totals: done.totals,
    tracker: opts.tracker,
    elapsedSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

export interface DecodeResult {
  inputs: InputSummary[];
  counts: FrameCounts;
  elapsedSeconds: number;
}

/** The decode stage alone: every TCP segment to `onSegment` (the reused Segment: copy what you keep). */
export async function decodeInputs(
  paths: readonly string[],
  opts: { verifyChecksums: boolean; signal?: AbortSignal; onProgress?: (p: Progress) => void },
  onSegment: (seg: Segment) => void,
): Promise<DecodeResult> {
  const t0 = process.hrtime.bigint();
  const sink = new FrameSink(opts.verifyChecksums, onSegment);
  const inputs = await readInputs(paths, sink, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { inputs, counts: sink.counts(), elapsedSeconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
