/**
 * `--jobs N`: capture files analysed on N threads (node:worker_threads), one file per worker, a queue
 * of files over N workers, merged into the report one process would give for files that share no
 * connection. What differs, and why:
 * - each file has its own tracker: a connection continued from one file into the next is two
 *   connections, and a listener's half-open peak is the largest per-file peak (not seen across files);
 *   `peakConcurrent` is the largest per-file peak;
 * - frame numbers and connection ids are renumbered to continue across inputs in argument order (as
 *   inputs[].firstFrame says). A file's shift is known only once the files before it are done: its
 *   worker holds the connections it streams (--json, --ndjson) until the main thread passes the
 *   shift through a SharedArrayBuffer, then stringifies them renumbered; past `holdCap` held it
 *   waits, which keeps memory bounded at the cost of that worker's parallelism. A file that ends
 *   before its turn hands its held connections to the main thread, which renumbers them there.
 * Connections stream out in file order, each file's in the order its tracker finished them.
 */
import type { Offence, Policy } from '../check/policy.js';
import type { AnomalyOccurrence, Connection, Listener, TrackerOptions, TrackerTotals } from '../flow/model.js';
import { InputError, SynackError, UsageError } from '../util/errors.js';
import { byTrouble, SummaryBuilder } from './summary.js';
import type { DigestParts } from './digest.js';
import type { ConnectionFilter } from './filter.js';
import { checkInputPath } from './inputs.js';
import { mergeListeners, shiftAnomaly, shiftConnection, shiftOffence, type Shift } from './renumber.js';
import type { AnalysisResult, FrameCounts, InputSummary } from './types.js';
import type { VerdictParts } from './verdict.js';

/** How every file of a parallel run is analysed (the same for the run and for each worker's file). */
export interface JobSettings {
  mode: 'analyze' | 'check';
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  filter: ConnectionFilter;
  limit: number;
  policy?: Policy;
}

/** What a worker is asked to do (its workerData). */
export interface FileTask extends JobSettings {
  path: string;
  /** Send the selected connections as they finish (--json, --ndjson). */
  stream: boolean;
  /** Connections a worker may hold before its file's turn, then it waits on `gate`. */
  holdCap: number;
  /** Int32 at 0: 0 = hold, 1 = the file's turn has come; Float64 ids, frames at byte 8: its shift. */
  gate: SharedArrayBuffer;
}

export type FromWorker =
  /** Connections still in the file's own numbering (its turn had not come when the file ended). */
  | { type: 'connections'; items: Connection[] }
  /** Connections as JSON, already in the run's numbering. */
  | { type: 'json'; items: string[] }
  | {
    type: 'done'; input: InputSummary; counts: FrameCounts; listeners: Listener[]; anomalies: AnomalyOccurrence[];
    totals: TrackerTotals; connections: number; elapsedSeconds: number; digest?: DigestParts; verdict?: VerdictParts;
  }
  | { type: 'error'; name: string; message: string; stack: string; exitCode: number | null };

type Done = Extract<FromWorker, { type: 'done' }>;

export interface ParallelOptions extends JobSettings {
  jobs: number;
  /**
   * Each selected connection, renumbered, in file order (asks workers to stream them): as JSON text
   * (stringified by the worker) or, rarely, as an object. Give both or neither.
   */
  onConnection?: (c: Connection) => void;
  onJson?: (json: string) => void;
  holdCap?: number;
}

export interface ParallelResult {
  /** As analyzeInputs returns it (connections empty: they were streamed or digested). */
  result: AnalysisResult;
  digest: DigestParts | null;
  verdict: VerdictParts | null;
}

/** `--jobs` value → thread count: 0 or 'auto' = the cores available. */
interface FileState {
  held: Connection[];
  done: Done | null;
  gate: SharedArrayBuffer;
  shift: Shift | null;
}

/** Gives a worker its file's shift and lets it go. */
function release(f: FileState): void {
  const at = new Float64Array(f.gate, 8, 2);
  at[0] = f.shift!.ids;
  at[1] = f.shift!.frames;
  const flag = new Int32Array(f.gate, 0, 1);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

export async function analyzeInParallel(paths: readonly string[], o: ParallelOptions): Promise<ParallelResult> {
  const t0 = process.hrtime.bigint();
  // Loaded only when threads run, so the other commands start as light as before.
  const { Worker } = await import('node:worker_threads');
  if (paths.length === 0) throw new InputError('no input file given');
  if (paths.includes('-')) throw new UsageError("--jobs: standard input ('-') cannot be shared out; give files");
  // The same plain-words refusal, in the same order, as reading them in turn.
  paths.forEach(checkInputPath);
  const files: FileState[] = paths.map(() => ({ held: [], done: null, gate: new SharedArrayBuffer(24), shift: null }));
  files[0]!.shift = { ids: 0, frames: 0 };
  release(files[0]!);
  let head = 0;
  const emit = o.onConnection;
  const emitJson = o.onJson;

  /** The head file is done: the next one's shift is now known; release what it holds. */
  const advance = (): void => {
    while (head < files.length && files[head]!.done) {
      const f = files[head]!;
      const next = files[head + 1];
      head++;
      if (!next) break;
      next.shift = { ids: f.shift!.ids + f.done!.connections, frames: f.shift!.frames + f.done!.input.frames };
      for (const c of next.held) { shiftConnection(c, next.shift); emit?.(c); }
      next.held = [];
      release(next);
    }
  };

  // N threads, each taking the next file in argument order when it is free (so the head file always
  // runs); a thread is kept for all its files, so the code it compiled stays warm.
  let nextFile = 0;
  const lane = (w: InstanceType<typeof Worker>): Promise<void> => new Promise((resolve, reject) => {
    let current = -1;
    const start = (): void => {
      if (nextFile >= paths.length) { resolve(); return; }
      current = nextFile++;
      const f = files[current]!;
      const task: FileTask = {
        path: paths[current]!, mode: o.mode, tracker: o.tracker, verifyChecksums: o.verifyChecksums, filter: o.filter,
        limit: o.limit, stream: emit !== undefined || emitJson !== undefined, holdCap: o.holdCap ?? 2_000, gate: f.gate,
        ...(o.policy ? { policy: o.policy } : {}),
      };
      w.postMessage(task);
    };
    w.on('message', (m: FromWorker) => {
      const f = files[current]!;
      if (m.type === 'json') {
        for (const s of m.items) emitJson?.(s);
      } else if (m.type === 'connections') {
        if (current === head) for (const c of m.items) { shiftConnection(c, f.shift!); emit?.(c); }
        else for (const c of m.items) f.held.push(c);
      } else if (m.type === 'done') {
        f.done = m;
        advance();
        start();
      } else {
        reject(m.exitCode !== null ? new SynackError(m.message, m.exitCode) : Object.assign(new Error(m.message), { stack: m.stack }));
      }
    });
    w.on('error', reject);
    w.on('exit', (code) => reject(new Error(`a --jobs worker exited with code ${code} (reading ${paths[current] ?? 'nothing'})`)));
    start();
  });

  const workers = Array.from({ length: Math.max(1, Math.min(o.jobs, paths.length)) }, () => new Worker(new URL('./worker.js', import.meta.url)));
  try {
    await Promise.all(workers.map(lane));
  } finally {
    // After a failure a worker may still wait at its gate: wake it, then stop every worker.
    for (const f of files) {
      const flag = new Int32Array(f.gate, 0, 1);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
    await Promise.all(workers.map((w) => { w.removeAllListeners('exit'); return w.terminate(); }));
  }
  return merge(files.map((f) => f.done!), o, Number(process.hrtime.bigint() - t0) / 1e9);
}

function addCounts(into: FrameCounts, c: FrameCounts): void {
  into.frames += c.frames;
  into.tcpSegments += c.tcpSegments;
  for (const k of Object.keys(c.nonTcp) as Array<keyof FrameCounts['nonTcp']>) into.nonTcp[k] += c.nonTcp[k];
  for (const [k, n] of Object.entries(c.decodeIssues)) into.decodeIssues[k] = (into.decodeIssues[k] ?? 0) + n;
}

function merge(done: readonly Done[], o: ParallelOptions, elapsedSeconds: number): ParallelResult {
  const counts: FrameCounts = { frames: 0, tcpSegments: 0, nonTcp: { ...done[0]!.counts.nonTcp }, decodeIssues: {} };
  for (const k of Object.keys(counts.nonTcp) as Array<keyof FrameCounts['nonTcp']>) counts.nonTcp[k] = 0;
  const totals: TrackerTotals = { segments: 0, connections: 0, unplaced: 0, peakConcurrent: 0, late: 0 };
  const inputs: InputSummary[] = [];
  const anomalies: AnomalyOccurrence[] = [];
  const summary = new SummaryBuilder();
  const top: Connection[] = [];
  let selected = 0;
  let roleInferred = false;
  let verdict: VerdictParts | null = null;
  let shift: Shift = { ids: 0, frames: 0 };
  for (const d of done) {
    addCounts(counts, d.counts);
    totals.segments += d.totals.segments;
    totals.connections += d.totals.connections;
    totals.unplaced += d.totals.unplaced;
    totals.late += d.totals.late ?? 0;
    totals.peakConcurrent = Math.max(totals.peakConcurrent, d.totals.peakConcurrent);
    inputs.push({ ...d.input, firstFrame: d.input.firstFrame + shift.frames, lastFrame: d.input.lastFrame + shift.frames });
    // A listener's anomalies are the same objects as the run's (a structured clone keeps that):
    // shift the global ones only, the listeners' follow.
    for (const a of d.anomalies) { shiftAnomaly(a, shift); anomalies.push(a); }
    const global = new Set(d.anomalies);
    for (const l of d.listeners) for (const a of l.anomalies) if (!global.has(a)) shiftAnomaly(a, shift);
    if (d.digest) {
      summary.merge(d.digest.summary);
      for (const c of d.digest.top) { shiftConnection(c, shift); top.push(c); }
      selected += d.digest.selected;
      roleInferred ||= d.digest.roleInferred;
    }
    if (d.verdict) {
      for (const r of d.verdict.rules) for (const x of r.offences) shiftOffence(x as Offence, shift);
      if (!verdict) verdict = { connections: 0, rules: d.verdict.rules.map((r) => ({ ...r, count: 0, offences: [] })) };
      verdict.connections += d.verdict.connections;
      d.verdict.rules.forEach((r, i) => { verdict!.rules[i]!.count += r.count; verdict!.rules[i]!.offences.push(...r.offences); });
    }
    shift = { ids: shift.ids + d.connections, frames: shift.frames + d.input.frames };
  }
  const result: AnalysisResult = {
    inputs, counts, connections: [], listeners: mergeListeners(done.map((d) => d.listeners)), anomalies, totals,
    tracker: o.tracker, elapsedSeconds,
  };
  const digest: DigestParts | null = o.mode === 'analyze'
    ? { summary: summary.parts(), top: top.sort(byTrouble).slice(0, Math.max(0, o.limit)), selected, roleInferred, foundIds: [] }
    : null;
  return { result, digest, verdict };
}
