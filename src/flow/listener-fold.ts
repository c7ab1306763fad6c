/**
 * Listeners beyond a bound, folded into counts. A port scan makes a listener of every port it probes:
 * 300,000 listener records took ~320 MB, and writing them out as JSON 1.2 GB more. When the table is
 * full, the least busy listeners that hold no connection now (fewest connections, then lowest
 * half-open peak, then the oldest) are folded until it is three quarters full: their counts are added
 * here and their records let go, so the busiest keep their full detail (half-open series, anomalies).
 * A folded listener that gets connections again starts a new record; what it had before stays here.
 */
import type { ListenerRecord } from './listeners.js';

/** Listener records held at most, by default (`--max-listeners`). */
export const DEFAULT_MAX_LISTENERS = 10_000;

/** What the folded listeners add up to (the JSON summary's `listenersFolded`). */
export interface FoldedListeners {
  /** Listener records folded (a listener folded, seen again and folded again counts twice). */
  listeners: number;
  connections: number;
  completed: number;
  refused: number;
  /** The largest half-open peak among them. */
  halfOpenPeak: number;
}

export function noFoldedListeners(): FoldedListeners {
  return { listeners: 0, connections: 0, completed: 0, refused: 0, halfOpenPeak: 0 };
}

function lessBusy(a: ListenerRecord, b: ListenerRecord): number {
  return a.connections - b.connections || a.peak - b.peak;
}

/**
 * Fold records of `table` (key → record) until at most `keep` are left, or none may go: a listener
 * that holds a connection (`live` > 0) stays, since the connection still counts on it.
 */
export function foldListeners(table: Map<string, ListenerRecord>, keep: number, into: FoldedListeners): void {
  const idle: Array<[string, ListenerRecord]> = [];
  for (const e of table) if (e[1].live === 0) idle.push(e);
  // Array.prototype.sort is stable: among equals, the oldest (first inserted) goes first.
  idle.sort((x, y) => lessBusy(x[1], y[1]));
  const fold = Math.min(idle.length, table.size - keep);
  for (let i = 0; i < fold; i++) {
    const [key, l] = idle[i]!;
    table.delete(key);
    into.listeners++;
    into.connections += l.connections;
    into.completed += l.completed;
    into.refused += l.refused;
    if (l.peak > into.halfOpenPeak) into.halfOpenPeak = l.peak;
  }
}
