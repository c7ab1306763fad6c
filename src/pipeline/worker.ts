/**
 * One `--jobs` worker thread: capture files one after another (a task message each; the thread
 * stays, so its compiled code is reused), each through reader → decoder → tracker, numbered from 1,
 * sending back what the command keeps (digest or verdict parts) and, when the output streams
 * connections (--json, --ndjson), the selected connections as JSON strings in batches as they finish
 * (stringified here, in parallel, not in the main thread).
 * Loaded from dist/pipeline/worker.js by jobs.ts.
 */
import { parentPort } from 'node:worker_threads';
import type { Connection } from '../flow/model.js';
import { analyzeInputs } from './analyze.js';
import { ConnectionDigest } from './digest.js';
import { shiftConnection, type Shift } from './renumber.js';
import type { FileTask, FromWorker } from './jobs.js';
import { VerdictBuilder } from './verdict.js';

/** Connection strings per message: fewer, larger messages cost less than one per connection. */
const BATCH = 256;

async function run(task: FileTask): Promise<void> {
  const port = parentPort!;
  const post = (m: FromWorker): void => port.postMessage(m);
  const digest = task.mode === 'analyze' ? new ConnectionDigest(task.filter, task.limit) : null;
  const verdict = task.mode === 'check' && task.policy ? new VerdictBuilder(task.policy) : null;
  // The gate: [0] turns 1 when the files before this one are done; then [ids, frames] (at byte 8)
  // hold this file's shift, and connections go out as JSON strings already in the run's numbering.
  const flag = new Int32Array(task.gate, 0, 1);
  const shiftAt = new Float64Array(task.gate, 8, 2);
  let shift: Shift | null = null;
  let back: Shift = { ids: 0, frames: 0 };
  let held: Connection[] = [];
  let out: string[] = [];
  let emitted = 0;
  /** One connection's JSON in the run's numbering, the object left as it was (the digest holds it). */
  const json = (c: Connection): string => {
    shiftConnection(c, shift!);
    const s = JSON.stringify(c);
    shiftConnection(c, back);
    return s;
  };
  const send = (): void => {
    if (out.length) post({ type: 'json', items: out });
    out = [];
  };
  const released = (): boolean => {
    if (shift === null && Atomics.load(flag, 0) === 1) {
      shift = { ids: shiftAt[0]!, frames: shiftAt[1]! };
      back = { ids: -shift.ids, frames: -shift.frames };
      for (const c of held) out.push(json(c));
      held = [];
      send();
    }
    return shift !== null;
  };
  const stream = (c: Connection): void => {
    if (released()) {
      out.push(json(c));
      if (out.length >= BATCH) send();
      return;
    }
    held.push(c);
    // Past the cap, wait (this thread only) for our turn: memory stays bounded.
    if (held.length >= task.holdCap) {
      Atomics.wait(flag, 0, 0);
      released();
    }
  };
  const r = await analyzeInputs([task.path], {
    tracker: task.tracker, verifyChecksums: task.verifyChecksums,
    onConnection: (c) => {
      emitted++;
      verdict?.add(c);
      if (digest && digest.add(c) && task.stream) stream(c);
    },
  });
  // Not our turn yet: the main thread shifts what is held when it is.
  if (!released() && held.length) post({ type: 'connections', items: held });
  send();
  verdict?.addGlobal(r.anomalies);
  post({
    type: 'done', input: r.inputs[0]!, counts: r.counts, listeners: r.listeners, anomalies: r.anomalies,
    totals: r.totals, connections: emitted, elapsedSeconds: r.elapsedSeconds,
    ...(digest ? { digest: digest.parts() } : {}), ...(verdict ? { verdict: verdict.parts() } : {}),
  });
}

parentPort!.on('message', (task: FileTask) => {
  run(task).catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    const exitCode = (err as { exitCode?: unknown }).exitCode;
    parentPort!.postMessage({
      type: 'error', name: err.name, message: err.message, stack: err.stack ?? '',
      exitCode: typeof exitCode === 'number' ? exitCode : null,
    } satisfies FromWorker);
  });
});
