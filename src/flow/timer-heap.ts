/**
 * Connections' timers on capture time: a binary min-heap of (due time, connection, its id when
 * scheduled). The tracker keeps one entry per (re)scheduling; an entry whose connection was emitted
 * (the record reused under another id) or rescheduled (Conn.timerAt moved) is skipped when it comes up.
 * What the timers decide (a back-off that stopped, silence confirming an ACK) is in handshake.ts and
 * tracker.ts; this file only orders them.
 */
import type { Conn } from './conn.js';

export class TimerHeap {
  private readonly at: number[] = [];
  private readonly conns: Conn[] = [];
  private readonly ids: number[] = [];

  get size(): number { return this.at.length; }

  /** Due time of the earliest entry (Infinity when empty). */
  get nextAt(): number { return this.at.length > 0 ? this.at[0]! : Infinity; }

  push(c: Conn, at: number): void {
    const a = this.at, cs = this.conns, is = this.ids;
    let i = a.length;
    a.push(at); cs.push(c); is.push(c.id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= at) break;
      a[i] = a[p]!; cs[i] = cs[p]!; is[i] = is[p]!;
      i = p;
    }
    a[i] = at; cs[i] = c; is[i] = c.id;
  }

  /**
   * Removes the earliest entry and returns its connection if the entry is still current (the record
   * holds the same connection and is due at this time), else null.
   */
  pop(): Conn | null {
    const a = this.at, cs = this.conns, is = this.ids;
    const top = cs[0]!, topAt = a[0]!, topId = is[0]!;
    const lastAt = a.pop()!, lastC = cs.pop()!, lastId = is.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && a[r]! < a[l]! ? r : l;
        if (a[m]! >= lastAt) break;
        a[i] = a[m]!; cs[i] = cs[m]!; is[i] = is[m]!;
        i = m;
      }
      a[i] = lastAt; cs[i] = lastC; is[i] = lastId;
    }
    return top.id === topId && top.timerAt === topAt ? top : null;
  }
}
