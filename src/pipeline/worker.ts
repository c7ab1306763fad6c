/**
 * A worker thread of a sharded run (`--jobs`, shards.ts): one shard (its workerData), its event
 * batches posted as they fill (their buffers transferred, not copied), then what it kept.
 * Loaded from dist/pipeline/worker.js by shards.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type FromShard, type ShardTask } from './shard-run.js';

const port = parentPort!;
const post = (m: FromShard, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/** SYNACK_TEST_WORKER_FAIL=<n>: the worker fails after n batches (tests: a failed thread must end the run). */
const failAfter = Number(process.env['SYNACK_TEST_WORKER_FAIL'] ?? NaN);
let batches = 0;

runShard(workerData as ShardTask, (batch) => {
  if (++batches > failAfter) throw new Error(`worker failed on purpose after ${failAfter} batches (SYNACK_TEST_WORKER_FAIL)`);
  post({ type: 'batch', batch }, [batch.events.buffer as ArrayBuffer]);
})
  .then((done) => post({ type: 'done', done }))
  .catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    const exitCode = (err as { exitCode?: unknown }).exitCode;
    post({ type: 'error', name: err.name, message: err.message, stack: err.stack ?? '', exitCode: typeof exitCode === 'number' ? exitCode : null });
  });
