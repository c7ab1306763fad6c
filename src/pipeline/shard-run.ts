/**
 * One shard of a sharded run (shards.ts), in whichever thread runs it: the inputs through reader →
 * decoder → a tracker of this shard's connections, its events handed over after every read
 * (shard-log.ts), and what the command keeps (digest or verdict parts) at the end.
 */
import type { Policy } from '../check/policy.js';
import type { Connection, Listener, TrackerOptions, TrackerTotals } from '../flow/model.js';
import { DEFAULT_MAX_LINGERING } from '../flow/tracker.js';
import { analyzeInputs } from './analyze.js';
import { ConnectionDigest, type DigestParts } from './digest.js';
import type { ConnectionFilter } from './filter.js';
import type { Progress } from './inputs.js';
import { ShardGate } from './shard-gate.js';
import { ShardLog, type ShardBatch } from './shard-log.js';
import type { FrameCounts, InputSummary } from './types.js';
import { VerdictBuilder, type VerdictParts } from './verdict.js';

/** How every shard of a run analyses (the run's settings). */
export interface ShardSettings {
  mode: 'analyze' | 'check';
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  filter: ConnectionFilter;
  limit: number;
  policy?: Policy;
}

/** What one shard is asked to do (a worker's workerData). */
export interface ShardTask extends ShardSettings {
  paths: string[];
  index: number;
  count: number;
  /** Hand the selected connections over as they finish (--json, --ndjson). */
  stream: boolean;
  /** ...as JSON text (a worker: stringified in parallel) rather than objects (the main thread's shard). */
  streamJson: boolean;
  gate: SharedArrayBuffer;
  /** Frames a shard may run ahead of the slowest (shard-gate.ts LAG). */
  lag: number;
}

export interface ShardDone {
  inputs: InputSummary[];
  counts: FrameCounts;
  /** This shard's listeners (their counts add up; the half-open view is the merge's). */
  listeners: Listener[];
  totals: TrackerTotals;
  elapsedSeconds: number;
  /** Of which waiting for the other shards to catch up. */
  waitedSeconds: number;
  digest?: DigestParts;
  verdict?: VerdictParts;
}

export type FromShard =
  | { type: 'batch'; batch: ShardBatch }
  | { type: 'done'; done: ShardDone }
  | { type: 'error'; name: string; message: string; stack: string; exitCode: number | null };

/** A connection naming another (time-wait-reuse) travels as an object: the merge renumbers both ids. */
function namesAnother(c: Connection): boolean {
  for (const a of c.anomalies) if (a.details?.['previousConnection'] !== undefined) return true;
  return false;
}

export async function runShard(task: ShardTask, onBatch: (b: ShardBatch) => void,
  onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<ShardDone> {
  const log = new ShardLog();
  const gate = new ShardGate(task.gate, task.index, task.lag);
  const digest = task.mode === 'analyze' ? new ConnectionDigest(task.filter, task.limit) : null;
  const verdict = task.mode === 'check' && task.policy ? new VerdictBuilder(task.policy) : null;
  // The linger bound is the run's: each shard holds its share of it.
  const maxLingering = Math.ceil((task.tracker.maxLingering ?? DEFAULT_MAX_LINGERING) / task.count);
  const r = await analyzeInputs(task.paths, {
    tracker: { ...task.tracker, maxLingering },
    verifyChecksums: task.verifyChecksums,
    ...(digest && !task.stream
      // A report: only the connections it keeps are built.
      ? { onFinished: (f, build) => digest.addFinished(f, build) }
      : {
        onConnection: (c) => {
          verdict?.add(c);
          if (digest && digest.add(c) && task.stream) log.attach(task.streamJson && !namesAnother(c) ? JSON.stringify(c) : c);
        },
      }),
    shard: {
      index: task.index, count: task.count, log,
      flush: (through) => { onBatch(log.take(through)); gate.reached(through); },
    },
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  });
  return {
    inputs: r.inputs, counts: r.counts, listeners: r.listeners, totals: r.totals, elapsedSeconds: r.elapsedSeconds,
    waitedSeconds: gate.waited,
    ...(digest ? { digest: digest.parts() } : {}), ...(verdict ? { verdict: verdict.parts() } : {}),
  };
}
