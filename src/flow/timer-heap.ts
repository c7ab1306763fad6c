/**
 * Connections' timers on capture time: a binary min-heap of (due time, record, token). A record keeps
 * the token of its latest scheduling; an older entry (the record was rescheduled, emitted, compacted or
 * reused) no longer matches and is skipped when it comes up. What the timers decide (a back-off that
 * stopped, silence confirming an ACK) is in handshake.ts and tracker.ts; this file only orders them.
 */
import { doubles } from '../util/field-shapes.js';

/** What the heap orders: a record that remembers its latest scheduling. */
export interface Timed { timerAt: number; timerToken: number }

export class TimerHeap<T extends Timed> {
  // Entries [0, n) of three parallel arrays. The arrays keep their stores as the heap shrinks: pop()
  // from a JS array trims the store once it is half empty, and a heap that breathes (a few thousand
  // timers, taken and scheduled every few packets) then regrew and copied it over and over.
  private readonly at: number[] = doubles();
  private readonly items: Array<T | null> = [];
  private readonly tokens: number[] = [];
  private n = 0;
  private lastToken = 0;

  get size(): number { return this.n; }

  /** Due time of the earliest entry (Infinity when empty). */
  get nextAt(): number { return this.n > 0 ? this.at[0]! : Infinity; }

  /** Schedule c at `at`; earlier entries for c no longer count. */
  push(c: T, at: number): void {
    const token = ++this.lastToken;
    c.timerAt = at;
    c.timerToken = token;
    const a = this.at, xs = this.items, ts = this.tokens;
    let i = this.n++;
    if (i === a.length) { a.push(at); xs.push(c); ts.push(token); }
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= at) break;
      a[i] = a[p]!; xs[i] = xs[p]!; ts[i] = ts[p]!;
      i = p;
    }
    a[i] = at; xs[i] = c; ts[i] = token;
  }

  /**
   * Drops the entries their records no longer answer to (rescheduled, emitted, compacted): each holds
   * its record until it comes due, which for an idle timer is minutes of capture time away. The memory
   * ceiling calls this after evicting (tracker.ts evict), so what it evicted can be collected. Returns
   * how many were dropped.
   */
  prune(): number {
    const a = this.at, xs = this.items, ts = this.tokens, n = this.n;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (xs[i]!.timerToken !== ts[i]) continue;
      a[k] = a[i]!; xs[k] = xs[i]!; ts[k] = ts[i]!; k++;
    }
    // Cut to what is left: this runs rarely, and the records past k may go.
    a.length = k; xs.length = k; ts.length = k;
    this.n = k;
    for (let i = (k >> 1) - 1; i >= 0; i--) this.siftDown(i);
    return n - k;
  }

  private siftDown(i: number): void {
    const a = this.at, xs = this.items, ts = this.tokens, n = this.n;
    const at = a[i]!, x = xs[i]!, t = ts[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && a[r]! < a[l]! ? r : l;
      if (a[m]! >= at) break;
      a[i] = a[m]!; xs[i] = xs[m]!; ts[i] = ts[m]!;
      i = m;
    }
    a[i] = at; xs[i] = x; ts[i] = t;
  }

  /** Removes the earliest entry; returns its record if that entry is its latest scheduling, else null. */
  pop(): T | null {
    const a = this.at, xs = this.items, ts = this.tokens;
    const top = xs[0]!, topToken = ts[0]!;
    const last = --this.n;
    if (last > 0) {
      // The last entry goes to the root and sinks to its place.
      a[0] = a[last]!; xs[0] = xs[last]!; ts[0] = ts[last]!;
      this.siftDown(0);
    }
    xs[last] = null; // the place it left keeps no record alive
    if (top.timerToken !== topToken) return null;
    top.timerAt = Infinity;
    top.timerToken = 0;
    return top;
  }
}
