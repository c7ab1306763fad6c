/** Option-value parsers for commander: each throws InvalidArgumentError with what was expected. */
import { InvalidArgumentError, type Command } from 'commander';
import type { TcpState, TrackerOptions } from '../flow/model.js';
import { DEFAULT_MAX_LISTENERS } from '../flow/listener-fold.js';
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

/**
 * State names as every output prints them (RFC 793's, with underscores), in any case: TIME_WAIT or
 * time_wait. Another spelling (time-wait, "TIME WAIT") is refused with the name to write, so what a
 * user types is what they will read.
 */
export function collectStates(v: string, prev: TcpState[] | undefined): TcpState[] {
  const out = [...(prev ?? [])];
  for (const raw of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const s = raw.toUpperCase();
    if ((STATES as readonly string[]).includes(s)) { out.push(s as TcpState); continue; }
    const near = s.replace(/[-\s]+/g, '_');
    if ((STATES as readonly string[]).includes(near)) throw new InvalidArgumentError(`write ${near}, as the output prints it.`);
    throw new InvalidArgumentError(`expected a TCP state: ${STATES.join(', ')}.`);
  }
  return out;
}

export interface TrackerFlags { msl?: number; idleTimeout?: number; synFloodThreshold?: number; maxListeners?: number; maxMemory?: number }

export function trackerOptions(f: TrackerFlags, fromFile: TrackerFlags = {}): TrackerOptions {
  return {
    ...DEFAULT_TRACKER_OPTIONS,
    mslSeconds: f.msl ?? fromFile.msl ?? DEFAULT_TRACKER_OPTIONS.mslSeconds,
    idleTimeoutSeconds: f.idleTimeout ?? fromFile.idleTimeout ?? DEFAULT_TRACKER_OPTIONS.idleTimeoutSeconds,
    synFloodThreshold: f.synFloodThreshold ?? fromFile.synFloodThreshold ?? DEFAULT_TRACKER_OPTIONS.synFloodThreshold,
    ...(f.maxListeners !== undefined ? { maxListeners: f.maxListeners } : {}),
  };
}

/** --max-memory in bytes, or null (the ceiling is then V8's heap limit). */
export function maxMemoryBytes(f: TrackerFlags): number | null {
  return f.maxMemory === undefined ? null : f.maxMemory * 1024 * 1024;
}

/** Adds --msl, --idle-timeout, --syn-flood-threshold, --max-listeners and --max-memory to a command. */
export function addTrackerOptions(cmd: Command): Command {
  return cmd.option('--msl <seconds>', `maximum segment lifetime; TIME_WAIT lasts 2×MSL (default ${DEFAULT_TRACKER_OPTIONS.mslSeconds})`, positiveNumber)
    .option('--idle-timeout <seconds>', `capture-time idleness after which a connection is reported as is (default ${DEFAULT_TRACKER_OPTIONS.idleTimeoutSeconds})`, positiveNumber)
    .option('--syn-flood-threshold <n>', `half-open connections on one listener that raise syn-flood (default ${DEFAULT_TRACKER_OPTIONS.synFloodThreshold})`, positiveInt)
    .option('--max-listeners <n>', `listeners kept in full detail; beyond, the quietest are folded into counts (default ${DEFAULT_MAX_LISTENERS})`, positiveInt)
    .option('--max-memory <MB>', 'memory ceiling (JavaScript heap, MB); near it the oldest idle connections, half-open first, are finished early as "evicted" (default: node\'s heap limit)', positiveNumber);
}
