/**
 * capture → decode → flow over a list of inputs: `analyzeInputs` for the tracker's product,
 * `decodeInputs` for the decode stage alone (packets listing, bench).
 */
import type { Frame } from '../capture/frame.js';
import type { Segment } from '../decode/segment.js';
import type { Connection, FlowEvent, TrackerOptions } from '../flow/model.js';
import { judgeConfidence, judgeGlobalConfidence, type CaptureDrops } from '../flow/confidence.js';
import { factsOfConnection, type ConnectionFacts } from '../flow/verdict.js';
import { compareEndpoints } from '../util/address.js';
import { documentsAhead } from '../util/heap-tuning.js';
import { readInputs, type Progress } from './inputs.js';
import { captureDrops } from './integrity.js';
import { guarded, MemoryGuard } from './memory-guard.js';
import { FrameSink, type Selection } from './sink.js';
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
  /** The memory ceiling in bytes (--max-memory); default: V8's heap limit (memory-guard.ts). */
  maxMemoryBytes?: number | null;
  /** A capture filter and a count (`-c`): which segments reach the tracker. */
  selection?: Selection;
  /** Display names of the paths (standard input spooled to a file is still '-'). */
  names?: readonly string[];
}

export async function analyzeInputs(paths: readonly string[], opts: AnalyzeOptions): Promise<AnalysisResult> {
  const t0 = process.hrtime.bigint();
  const keep = opts.keepConnections ?? false;
  let drops: CaptureDrops[] = [];
  const connections: Connection[] = [];
  let finished = 0;
  const onConn = opts.onConnection;
  const onFinished = opts.onFinished;
  // The tracker builds a Connection for each one unless it may hand over facts alone (onFinished, no
  // events, none kept): then the young generation may grow (heap-tuning.ts).
  if (keep || opts.onEvent !== undefined || onFinished === undefined) documentsAhead();
  const tracker = new Tracker(opts.tracker, {
    // Connections built anyway (kept, or the sink wants events too) reach onFinished as well.
    // Each connection leaves judged on its own doubts (gaps, cut segments) and the capture's drop
    // counts once the inputs are read (pcapng writes its statistics last): those still open then (most
    // absence verdicts: half-open, unanswered, half-closed) have them; consumers judge the rest again.
    onConnection: (built: Connection) => {
      const c = judgeConfidence(built, drops);
      finished++;
      if (keep) connections.push(c);
      if (onFinished) onFinished(factsOfConnection(c), () => c);
      else onConn?.(c);
    },
    ...(onFinished && !keep ? { onFinished: (f: ConnectionFacts, build: () => Connection) => { finished++; onFinished(f, () => judgeConfidence(build(), drops)); } } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  const guard = new MemoryGuard(opts.maxMemoryBytes ?? null, tracker);
  const sink = new FrameSink(opts.verifyChecksums, guarded((seg) => tracker.push(seg), guard), opts.selection ?? null);
  const progress = opts.onProgress;
  const onRead = progress ? (p: Progress): void => progress(p, finished) : undefined;
  const inputs = await readInputs(paths, sink, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(onRead ? { onProgress: onRead } : {}),
    ...(opts.names ? { names: opts.names } : {}),
  });
  drops = captureDrops(inputs);
  const done = tracker.finish();
  connections.sort((a, b) => a.id - b.id);
  return {
    inputs,
    counts: sink.counts(),
    connections: drops.length ? connections.map((c) => judgeConfidence(c, drops)) : connections,
    // Numeric order (10.0.0.2 before 10.0.0.10), not the order of the text.
    listeners: done.listeners.sort(compareEndpoints),
    ...(done.listenersFolded ? { listenersFolded: done.listenersFolded } : {}),
    anomalies: judgeGlobalConfidence(done.anomalies, drops),
    totals: done.totals,
    memory: guard.status,
    tracker: opts.tracker,
    elapsedSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

export interface DecodeResult {
  inputs: InputSummary[];
  counts: FrameCounts;
  elapsedSeconds: number;
}

/**
 * The decode stage alone: every TCP segment to `onSegment` with its frame (both reused: copy what you
 * keep).
 */
export async function decodeInputs(
  paths: readonly string[],
  opts: { verifyChecksums: boolean; signal?: AbortSignal; onProgress?: (p: Progress) => void; selection?: Selection; names?: readonly string[] },
  onSegment: (seg: Segment, frame: Frame) => void,
): Promise<DecodeResult> {
  const t0 = process.hrtime.bigint();
  const sink = new FrameSink(opts.verifyChecksums, onSegment, opts.selection ?? null);
  const inputs = await readInputs(paths, sink, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.names ? { names: opts.names } : {}),
  });
  return { inputs, counts: sink.counts(), elapsedSeconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
