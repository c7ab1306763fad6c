/**
 * `--jobs N`: one analysis on N threads. Every thread reads every input (the decoder is cheap next to
 * the tracker) and tracks the connections whose 4-tuple hash falls in its share; the main thread
 * runs shard 0 and merges. The result is what one thread gives: the same connections with the same
 * ids, timelines and anomalies, the same listeners (their half-open backlog replayed across shards in
 * capture order), summary and verdict, and streamed connections in the same order (shard-merge.ts).
 *
 * One difference, by design: the bound on closed connections held for their 2×MSL linger
 * (maxLingering) is split between the shards, so when a capture closes connections faster than that
 * bound allows, which ones are let go early (and which late segments are then only counted) can
 * differ, and with it the peak of records held.
 */
import { ISSUE_NAMES } from '../decode/segment.js';
import type { Connection } from '../flow/model.js';
import { InputError, SynackError, UsageError } from '../util/errors.js';
import type { DigestParts } from './digest.js';
import { checkInputPath, type Progress } from './inputs.js';
import { gateBuffer, LAG, STREAM_LAG } from './shard-gate.js';
import { ShardMerger, type MergedPayload } from './shard-merge.js';
import { runShard, type FromShard, type ShardDone, type ShardSettings, type ShardTask } from './shard-run.js';
import { byTrouble, SummaryBuilder } from './summary.js';
import type { AnalysisResult, FrameCounts } from './types.js';
import { VerdictBuilder, type VerdictParts } from './verdict.js';

export interface ShardedOptions extends ShardSettings {
  jobs: number;
  /** Each selected connection as it finishes, in the run's numbering: JSON text from a worker, or the object. */
  onConnection?: (c: Connection) => void;
  onJson?: (json: string) => void;
  onProgress?: (p: Progress, connections: number) => void;
}

export interface ShardedResult {
  /** As analyzeInputs returns it (connections empty: they were streamed or digested). */
  result: AnalysisResult;
  digest: DigestParts | null;
  verdict: VerdictParts | null;
  /** Per thread (shard 0 first): the connections it tracked and its seconds (what --debug shows). */
  shards: Array<{ connections: number; seconds: number; waited: number }>;
}

export async function analyzeSharded(paths: readonly string[], o: ShardedOptions): Promise<ShardedResult> {
  const t0 = process.hrtime.bigint();
  if (paths.length === 0) throw new InputError('no input file given');
  if (paths.includes('-')) throw new UsageError("--jobs: standard input ('-') cannot be read by several threads; give files");
  // The same plain-words refusal, in the same order, as one thread gives.
  paths.forEach(checkInputPath);
  // Loaded only when threads run, so the other commands start as light as before.
  const { Worker } = await import('node:worker_threads');

  const count = Math.max(1, o.jobs);
  const stream = o.onConnection !== undefined || o.onJson !== undefined;
  const deliver = stream
    ? (p: MergedPayload): void => { if ('json' in p) o.onJson?.(p.json); else o.onConnection?.(p.connection); }
    : undefined;
  const merger = new ShardMerger(count, o.tracker, deliver);
  const gate = gateBuffer(count);
  // SYNACK_SHARD_LAG (frames): a smaller bound makes the threads wait for each other often (tests).
  // Streamed connections wait in the merge while the threads are apart: keep them closer then.
  const lag = Number(process.env['SYNACK_SHARD_LAG']) > 0 ? Number(process.env['SYNACK_SHARD_LAG']) : stream ? STREAM_LAG : LAG;
  const task = (index: number): ShardTask => ({
    mode: o.mode, tracker: o.tracker, verifyChecksums: o.verifyChecksums, filter: o.filter, limit: o.limit,
    ...(o.policy ? { policy: o.policy } : {}),
    paths: [...paths], index, count, stream, streamJson: index > 0, gate, lag,
  });

  // A failed worker: the others stop waiting for it (its progress is set past everything) and the
  // main thread's shard stops reading; the failure is then reported.
  const stop = new AbortController();
  const progress = new Float64Array(gate, 8);
  const workers = Array.from({ length: count - 1 }, (_, i) => new Worker(new URL('./worker.js', import.meta.url), { workerData: task(i + 1) }));
  const finished = workers.map((w, i) => new Promise<ShardDone>((resolve, reject) => {
    // A worker exits by itself once it has sent 'done': only what comes before that is a failure.
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      progress[i + 1] = Infinity;
      stop.abort();
      reject(e);
    };
    w.on('message', (m: FromShard) => {
      if (m.type === 'batch') merger.add(i + 1, m.batch);
      else if (m.type === 'done') { settled = true; resolve(m.done); }
      else fail(m.exitCode !== null ? new SynackError(m.message, m.exitCode) : Object.assign(new Error(m.message), { stack: m.stack }));
    });
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`a --jobs worker exited with code ${code}`)));
  }));
  // A failure of one shard is reported once; the others' rejections are then of no interest.
  for (const f of finished) f.catch(() => undefined);

  let dones: ShardDone[];
  try {
    const onProgress = o.onProgress;
    const mine = await runShard(task(0), (b) => merger.add(0, b), onProgress ? (p) => onProgress(p, merger.finished) : undefined, stop.signal);
    dones = [mine, ...(await Promise.all(finished))];
  } finally {
    await Promise.all(workers.map((w) => { w.removeAllListeners('exit'); return w.terminate(); }));
  }
  if (!merger.done) throw new Error('sharded run: events left unmerged'); // a bug, not an input problem
  return merge(dones, merger, o, Number(process.hrtime.bigint() - t0) / 1e9);
}

function merge(dones: readonly ShardDone[], merger: ShardMerger, o: ShardedOptions, elapsedSeconds: number): ShardedResult {
  // Every shard read the same frames: shard 0's view of the inputs is everyone's.
  const first = dones[0]!;
  const totals = { ...first.totals, segments: 0, connections: 0, unplaced: 0, late: 0, peakConcurrent: merger.peakHeld };
  for (const d of dones) {
    totals.segments += d.totals.segments;
    totals.connections += d.totals.connections;
    totals.unplaced += d.totals.unplaced;
    totals.late += d.totals.late ?? 0;
  }
  // Frames were counted by one shard each (sink.ts): the counts add up.
  const counts: FrameCounts = { ...first.counts, tcpSegments: 0, nonTcp: { ...first.counts.nonTcp }, decodeIssues: {} };
  for (const k of Object.keys(counts.nonTcp) as Array<keyof FrameCounts['nonTcp']>) counts.nonTcp[k] = 0;
  for (const d of dones) {
    counts.tcpSegments += d.counts.tcpSegments;
    for (const k of Object.keys(d.counts.nonTcp) as Array<keyof FrameCounts['nonTcp']>) counts.nonTcp[k] += d.counts.nonTcp[k];
    for (const [k, n] of Object.entries(d.counts.decodeIssues)) counts.decodeIssues[k] = (counts.decodeIssues[k] ?? 0) + n;
  }
  // In the decoder's order of issues, as one thread lists them.
  counts.decodeIssues = Object.fromEntries(Object.values(ISSUE_NAMES).filter((k) => k in counts.decodeIssues).map((k) => [k, counts.decodeIssues[k]!]));
  const result: AnalysisResult = {
    inputs: first.inputs, counts, connections: [],
    listeners: merger.listeners(dones.map((d) => d.listeners)), anomalies: merger.anomalies, totals,
    tracker: o.tracker, elapsedSeconds,
  };

  let digest: DigestParts | null = null;
  if (o.mode === 'analyze') {
    const summary = new SummaryBuilder();
    const top: Connection[] = [];
    let selected = 0;
    let roleInferred = false;
    dones.forEach((d, shard) => {
      const p = d.digest!;
      summary.merge(p.summary);
      for (const c of p.top) { merger.renumber(shard, c); top.push(c); }
      selected += p.selected;
      roleInferred ||= p.roleInferred;
    });
    digest = { summary: summary.parts(), top: top.sort(byTrouble).slice(0, Math.max(0, o.limit)), selected, roleInferred, foundIds: [] };
  }

  let verdict: VerdictParts | null = null;
  if (o.mode === 'check' && o.policy) {
    const v = new VerdictBuilder(o.policy);
    dones.forEach((d, shard) => {
      const p = d.verdict!;
      for (const r of p.rules) for (const x of r.offences) merger.renumberOffence(shard, x);
      v.merge(p);
    });
    v.addGlobal(merger.anomalies);
    verdict = v.parts();
  }
  return { result, digest, verdict, shards: dones.map((d) => ({ connections: d.totals.connections, seconds: d.elapsedSeconds, waited: d.waitedSeconds })) };
}
