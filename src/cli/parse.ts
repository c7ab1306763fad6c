/** Option-value parsers for commander: each throws InvalidArgumentError with what was expected. */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { TcpState, TrackerOptions } from '../flow/model.js';
import { DEFAULT_TRACKER_OPTIONS } from '../flow/model.js';

export function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a whole number (0 or more).');
  return Number(v);
}

export function positiveInt(v: string): number {
  const n = nonNegativeInt(v);
  if (n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

export function positiveNumber(v: string): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

export function nonNegativeNumber(v: string): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number, 0 or more.');
  return n;
}

/** --jobs: a thread count, or JOBS_AUTO (0 or 'auto'): see threadsFor. */
export function jobs(v: string): number {
  if (v.trim().toLowerCase() === 'auto') return JOBS_AUTO;
  return nonNegativeInt(v);
}

export const JOBS_AUTO = 0;
/**
 * Below this much input, `--jobs auto` stays on one thread: each thread reads and decodes every input
 * and compiles the code afresh, which a small capture does not win back (on the 2-core bench machine
 * two threads lost on 77 MB and tied at 233 MB).
 */
export const AUTO_THREADS_MIN_BYTES = 256 * 1024 * 1024;
/**
 * Fewest cores for `auto` to use threads. On the 2-vCPU bench machine two concurrent analyses get
 * only 1.4-1.6× the throughput of one (memory, GC and compiler threads share the cores), and a sharded
 * run spends ~50 % more CPU than one thread (every thread decodes everything): two threads gave
 * 1.0-1.16× on the 777 MB capture, not worth the CPU. With 4 cores and more, each thread's share of
 * the tracking shrinks while its decoding stays (not measured here: no such machine).
 */
export const AUTO_THREADS_MIN_CORES = 4;
/** Most threads `auto` picks: each reads and decodes every input, so more threads add less. */
const AUTO_THREADS_MAX = 4;

/**
 * The threads an analysis runs on: 1 for standard input (it cannot be read twice) and when asked for
 * connections by id (--conn: ids are the run's, known only after the merge); `auto`: one per core (at
 * most 4) on machines of AUTO_THREADS_MIN_CORES or more, for inputs of AUTO_THREADS_MIN_BYTES or more, except when every connection is streamed out (--json,
 * --ndjson): the main thread then builds, renumbers and writes them all, and on the bench machine two
 * threads were no faster and held three times the memory.
 */
export function threadsFor(requested: number, paths: readonly string[], byId: boolean, streamed = false): number {
  if (paths.includes('-') || byId) return 1;
  if (requested !== JOBS_AUTO) return requested;
  if (streamed) return 1;
  let bytes = 0;
  for (const p of paths) {
    try { bytes += statSync(p).size; } catch { return 1; } // the reader names the file in its error
  }
  const cores = availableParallelism();
  return bytes >= AUTO_THREADS_MIN_BYTES && cores >= AUTO_THREADS_MIN_CORES ? Math.min(cores, AUTO_THREADS_MAX) : 1;
}

export function port(v: string): number {
  const n = nonNegativeInt(v);
  if (n > 65535) throw new InvalidArgumentError('expected a port number 0..65535.');
  return n;
}

/** Repeatable, comma-separated list option: `--x a,b --x c` → ['a','b','c']. */
export function collectList(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), ...v.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** Repeatable option keeping each value whole. */
export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function collectInts(v: string, prev: number[] | undefined): number[] {
  return [...(prev ?? []), ...v.split(',').map((s) => s.trim()).filter(Boolean).map(positiveInt)];
}

export function collectPorts(v: string, prev: number[] | undefined): number[] {
  return [...(prev ?? []), ...v.split(',').map((s) => s.trim()).filter(Boolean).map(port)];
}

export const STATES: readonly TcpState[] = [
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT',
  'CLOSING', 'LAST_ACK', 'TIME_WAIT',
];

/** Accepts "time_wait", "TIME-WAIT", "TIME_WAIT". */
export function collectStates(v: string, prev: TcpState[] | undefined): TcpState[] {
  const out = [...(prev ?? [])];
  for (const raw of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const s = raw.toUpperCase().replace(/-/g, '_');
    if (!(STATES as readonly string[]).includes(s)) throw new InvalidArgumentError(`expected a TCP state: ${STATES.join(', ')}.`);
    out.push(s as TcpState);
  }
  return out;
}

export interface TrackerFlags { msl?: number; idleTimeout?: number; synFloodThreshold?: number }

export function trackerOptions(f: TrackerFlags, fromFile: TrackerFlags = {}): TrackerOptions {
  return {
    ...DEFAULT_TRACKER_OPTIONS,
    mslSeconds: f.msl ?? fromFile.msl ?? DEFAULT_TRACKER_OPTIONS.mslSeconds,
    idleTimeoutSeconds: f.idleTimeout ?? fromFile.idleTimeout ?? DEFAULT_TRACKER_OPTIONS.idleTimeoutSeconds,
    synFloodThreshold: f.synFloodThreshold ?? fromFile.synFloodThreshold ?? DEFAULT_TRACKER_OPTIONS.synFloodThreshold,
  };
}

/** Adds --msl, --idle-timeout, --syn-flood-threshold to a command. */
export function addTrackerOptions(cmd: Command): Command {
  return cmd.option('--msl <seconds>', `maximum segment lifetime; TIME_WAIT lasts 2×MSL (default ${DEFAULT_TRACKER_OPTIONS.mslSeconds})`, positiveNumber)
    .option('--idle-timeout <seconds>', `capture-time idleness after which a connection is reported as is (default ${DEFAULT_TRACKER_OPTIONS.idleTimeoutSeconds})`, positiveNumber)
    .option('--syn-flood-threshold <n>', `half-open connections on one listener that raise syn-flood (default ${DEFAULT_TRACKER_OPTIONS.synFloodThreshold})`, positiveInt);
}
