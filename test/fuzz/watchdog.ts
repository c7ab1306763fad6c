/**
 * A hang detector for synchronous code. The parser and decoder run synchronously, so an endless loop in
 * them would block jest's own timeout forever. A worker thread watches a shared heartbeat: each case
 * writes its label and bumps a counter; if one case runs longer than the limit, the worker writes the
 * case (with its seed) straight to fd 2 and kills the process, so CI fails loudly and names the case
 * instead of hanging until the job times out.
 */
import { Worker } from 'node:worker_threads';

const LABEL_BYTES = 1024;
/** Int32 slots: [0] case counter, [1] 1 while a case runs, [2] label length, [3] stop flag. */
const SLOTS = 4;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { shared, limitMs, pid } = workerData;
const state = new Int32Array(shared, 0, ${SLOTS});
const label = new Uint8Array(shared, ${SLOTS * 4}, ${LABEL_BYTES});
let seen = -1, since = Date.now();
for (;;) {
  Atomics.wait(state, 3, 0, 250);
  if (Atomics.load(state, 3) !== 0) break;
  const n = Atomics.load(state, 0);
  if (n !== seen || Atomics.load(state, 1) === 0) { seen = n; since = Date.now(); continue; }
  if (Date.now() - since > limitMs) {
    const len = Atomics.load(state, 2);
    const text = Buffer.from(label.slice(0, len)).toString('utf8');
    fs.writeSync(2, '\\nFUZZ HANG: one case ran for more than ' + limitMs + ' ms: ' + text + '\\n');
    process.kill(pid, 'SIGKILL');
    break;
  }
}
`;

export class Watchdog {
  private readonly shared = new SharedArrayBuffer(SLOTS * 4 + LABEL_BYTES);
  private readonly state = new Int32Array(this.shared, 0, SLOTS);
  private readonly label = new Uint8Array(this.shared, SLOTS * 4, LABEL_BYTES);
  private readonly worker: Worker;

  constructor(limitMs: number) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared: this.shared, limitMs, pid: process.pid } });
    this.worker.unref();
  }

  /** A case starts: remember what it is. */
  enter(what: string): void {
    const n = Buffer.from(what, 'utf8').copy(this.label, 0, 0, LABEL_BYTES);
    Atomics.store(this.state, 2, n);
    Atomics.add(this.state, 0, 1);
    Atomics.store(this.state, 1, 1);
  }

  leave(): void {
    Atomics.store(this.state, 1, 0);
  }

  async stop(): Promise<void> {
    Atomics.store(this.state, 3, 1);
    Atomics.notify(this.state, 3);
    await this.worker.terminate();
  }
}
