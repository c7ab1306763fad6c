/**
 * Connections' timers on capture time: a binary min-heap of (due time, record, token). A record keeps
 * the token of its latest scheduling; an older entry (the record was rescheduled, emitted, compacted or
 * reused) no longer matches and is skipped when it comes up. What the timers decide (a back-off that
 * stopped, silence confirming an ACK) is in handshake.ts and tracker.ts; this file only orders them.
 */

/** What the heap orders: a record that remembers its latest scheduling. */
export interface Timed { timerAt: number; timerToken: number }

export class TimerHeap<T extends Timed> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];
  private readonly tokens: number[] = [];
  private lastToken = 0;

  get size(): number { return this.at.length; }

  /** Due time of the earliest entry (Infinity when empty). */
  get nextAt(): number { return this.at.length > 0 ? this.at[0]! : Infinity; }

  /** Schedule c at `at`; earlier entries for c no longer count. */
  push(c: T, at: number): void {
    const token = ++this.lastToken;
    c.timerAt = at;
    c.timerToken = token;
    const a = this.at, xs = this.items, ts = this.tokens;
    let i = a.length;
    a.push(at); xs.push(c); ts.push(token);
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
    const a = this.at, xs = this.items, ts = this.tokens, n = a.length;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (xs[i]!.timerToken !== ts[i]) continue;
      a[k] = a[i]!; xs[k] = xs[i]!; ts[k] = ts[i]!; k++;
    }
    a.length = k; xs.length = k; ts.length = k;
    for (let i = (k >> 1) - 1; i >= 0; i--) this.siftDown(i);
    return n - k;
  }

  private siftDown(i: number): void {
    const a = this.at, xs = this.items, ts = this.tokens, n = a.length;
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
    const lastAt = a.pop()!, lastX = xs.pop()!, lastToken = ts.pop()!;
    if (a.length > 0) {
      // The last entry goes to the root and sinks to its place.
      a[0] = lastAt; xs[0] = lastX; ts[0] = lastToken;
      this.siftDown(0);
    }
    if (top.timerToken !== topToken) return null;
    top.timerAt = Infinity;
    top.timerToken = 0;
    return top;
  }
}
