/**
 * Listeners beyond a bound, folded into counts. A port scan makes a listener of every port it probes:
 * 300,000 listener records took ~320 MB, and writing them out as JSON 1.2 GB more. When the table is
 * full, the least busy listeners that are quiet now (no connection held, an empty SYN queue, no queue
 * change waiting) are folded, fewest connections first, then lowest half-open peak, then the oldest,
 * until it is three quarters full: their counts are added here and their records let go, so the
 * busiest keep their full detail (queue series, SYN-queue facts, anomalies; listener anomalies stay in
 * the run's list too). A folded listener that gets connections again starts a new record; what it had
 * before stays here.
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
  /** Their SYN queues' counts (Listener.synQueue): answers, stateless ones, drops, expired requests. */
  answered: number;
  stateless: number;
  dropped: number;
  expired: number;
}

export function noFoldedListeners(): FoldedListeners {
  return { listeners: 0, connections: 0, completed: 0, refused: 0, halfOpenPeak: 0, answered: 0, stateless: 0, dropped: 0, expired: 0 };
}

function lessBusy(a: ListenerRecord, b: ListenerRecord): number {
  return a.connections - b.connections || a.peak - b.peak;
}

/**
 * Nothing will change l's counts but a new connection: no connection held, its queue empty. Changes
 * still waiting to enter its series (listeners.ts QUEUE_LAG) are settled first (`settle`): waiting
 * for them kept a connect() scan's listeners from folding for the first 10 s of capture, 250,000 of
 * 300,000 over 12 s.
 */
function quiet(l: ListenerRecord): boolean {
  return l.held === 0 && l.live === 0;
}

/**
 * Fold quiet records of `table` (key → record) until at most `keep` are left, or no quiet one is;
 * `settle` first puts a record's waiting changes in its series (its peak) and lets its lists go.
 * Returns how many it folded.
 */
export function foldListeners(table: Map<string, ListenerRecord>, keep: number, into: FoldedListeners,
  settle: (l: ListenerRecord) => void): number {
  const idle: Array<[string, ListenerRecord]> = [];
  for (const e of table) if (quiet(e[1])) idle.push(e);
  // Array.prototype.sort is stable: among equals, the oldest (first inserted) goes first.
  idle.sort((x, y) => lessBusy(x[1], y[1]));
  const fold = Math.min(idle.length, table.size - keep);
  for (let i = 0; i < fold; i++) {
    const [key, l] = idle[i]!;
    settle(l);
    table.delete(key);
    into.listeners++;
    into.connections += l.connections;
    into.completed += l.completed;
    into.refused += l.refused;
    if (l.peak > into.halfOpenPeak) into.halfOpenPeak = l.peak;
    into.answered += l.answered;
    into.stateless += l.stateless;
    into.dropped += l.dropped;
    into.expired += l.expired;
  }
  return fold;
}
