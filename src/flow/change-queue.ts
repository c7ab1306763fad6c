/**
 * A listener's queue changes waiting to enter its series (listeners.ts), earliest first, and changes
 * at the same time in the order they came.
 *
 * The changes come mostly in time order, a few milliseconds late at most (a request leaves the queue
 * at its handshake's ACK, confirmed when the server next sends), and now and then much later (an idle
 * connection's ACK, confirmed by the server's silence a second or more on). So they wait in two
 * places: a time-ordered run that takes each change at its end, or after walking back over at most
 * MAX_WALK later ones; and a binary heap for the rest. A time-sorted array alone walked back over every
 * change since a late one (a busy listener's thousands a second: an idle pool of 100,000 handshakes
 * at 20,000 a second took 7.7 s instead of 4.2 s); a heap alone paid O(log n) for every change of a
 * busy listener (tens of thousands waiting).
 */
import { moveToFront, removeAt } from '../util/array-edit.js';
import { doubles, settleDoubleFields } from '../util/field-shapes.js';

const MAX_WALK = 32;

/** Does change (t1, arrival s1) come before (t2, s2)? */
function before(t1: number, s1: number, t2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && s1 < s2);
}

export class ChangeQueue {
  // The run: [head, len) of parallel arrays, in (time, arrival) order. The arrays keep their stores
  // as the run drains and refills (no `length` set lower: V8 would give the store back and regrow it).
  // All eight arrays hold doubles from the start, the small integers too (deltas, arrival numbers): the
  // arrays share moveToFront, whose compiled store learnt the small-integer-to-double transition from
  // the times and applied it to the others mid-run (--trace-elements-transitions: ~30 copies of
  // arrays of 15,000 on the bench's 1× capture, each a wrong-map deoptimization of whatever read them).
  private readonly rt: number[] = doubles();
  private readonly rd: number[] = doubles();
  private readonly rp: number[] = doubles(); // frame numbers, doubles in a Segment (segment.ts)
  private readonly rs: number[] = doubles();
  private head = 0;
  private len = 0;
  // The heap, for changes too late for the run: [0, hn).
  private readonly ht: number[] = doubles();
  private readonly hd: number[] = doubles();
  private readonly hp: number[] = doubles();
  private readonly hs: number[] = doubles();
  private hn = 0;
  /** Arrival order, for ties in time (and to find the latest of equal changes: retract). */
  private nextSeq = 0;
  /** The change the last take() removed. */
  takenT = 0;
  takenDelta = 0;
  takenPacket = 0;

  get size(): number { return this.len - this.head + this.hn; }

  /** Is the earliest change the run's (else the heap's)? Only when size > 0. */
  private runFirst(): boolean {
    if (this.hn === 0) return true;
    if (this.head === this.len) return false;
    return before(this.rt[this.head]!, this.rs[this.head]!, this.ht[0]!, this.hs[0]!);
  }

  /** Time of the earliest change (Infinity when none). */
  get minT(): number {
    if (this.size === 0) return Infinity;
    return this.runFirst() ? this.rt[this.head]! : this.ht[0]!;
  }

  /**
   * Is there a change at `upTo` or earlier? The flush's loop test: a boolean, where minT returned a
   * double V8 boxed into a new heap number at every change taken (6 MB on the bench's 1× capture).
   */
  hasDueBy(upTo: number): boolean {
    if (this.size === 0) return false;
    return (this.runFirst() ? this.rt[this.head]! : this.ht[0]!) <= upTo;
  }

  push(t: number, delta: number, packet: number): void {
    const s = this.nextSeq++;
    const rt = this.rt, n = this.len;
    let i = n;
    for (let walk = 0; i > this.head && rt[i - 1]! > t && walk < MAX_WALK; walk++) i--;
    if (i > this.head && rt[i - 1]! > t) { this.heapPush(t, delta, packet, s); return; }
    // Into the run at i: the tail [i, n) moves up one place. (The four arrays by hand, not through a
    // helper shared by arrays of several element kinds: its stores went polymorphic, ~300 ns a call.)
    const rd = this.rd, rp = this.rp, rs = this.rs;
    if (n === rt.length) { rt.push(0); rd.push(0); rp.push(0); rs.push(0); }
    for (let j = n; j > i; j--) { rt[j] = rt[j - 1]!; rd[j] = rd[j - 1]!; rp[j] = rp[j - 1]!; rs[j] = rs[j - 1]!; }
    rt[i] = t; rd[i] = delta; rp[i] = packet; rs[i] = s;
    this.len = n + 1;
  }

  /** Remove the earliest change (size > 0), leaving it in takenT, takenDelta, takenPacket. */
  take(): void {
    if (this.runFirst()) {
      const h = this.head;
      this.takenT = this.rt[h]!; this.takenDelta = this.rd[h]!; this.takenPacket = this.rp[h]!;
      this.runTake();
    } else {
      this.takenT = this.ht[0]!; this.takenDelta = this.hd[0]!; this.takenPacket = this.hp[0]!;
      this.heapRemoveAt(0);
    }
  }

  /**
   * Remove the latest-arrived change equal to (t, delta); false if none. Rare (a request that proved a
   * cookie), so a scan.
   */
  retract(t: number, delta: number): boolean {
    let run = -1, heap = -1;
    for (let i = this.head; i < this.len; i++) {
      if (this.rt[i] === t && this.rd[i] === delta && (run < 0 || this.rs[i]! > this.rs[run]!)) run = i;
    }
    for (let i = 0; i < this.hn; i++) {
      if (this.ht[i] === t && this.hd[i] === delta && (heap < 0 || this.hs[i]! > this.hs[heap]!)) heap = i;
    }
    if (run < 0 && heap < 0) return false;
    if (heap < 0 || (run >= 0 && this.rs[run]! > this.hs[heap]!)) {
      const n = this.len;
      removeAt(this.rt, n, run); removeAt(this.rd, n, run); removeAt(this.rp, n, run); removeAt(this.rs, n, run);
      this.len = n - 1;
      if (this.head === this.len) { this.head = 0; this.len = 0; }
    } else this.heapRemoveAt(heap);
    return true;
  }

  /** Forget every change and let the stores go (a folded listener). */
  clear(): void {
    this.head = 0; this.len = 0; this.hn = 0;
    for (const a of [this.rt, this.rd, this.rp, this.rs, this.ht, this.hd, this.hp, this.hs]) a.length = 0;
  }

  private runTake(): void {
    const h = ++this.head, n = this.len;
    if (h === n) { this.head = 0; this.len = 0; return; }
    if (h > 16 && h > n / 2) {
      // Compact: the waiting part moves to the front (amortized: it is at most as long as what was
      // taken). A floor of 1,024 here made every busy listener's run hold over 2,000 places: 983
      // listeners of a steady stream kept 64 MB in a model of the bench's 0.1x capture.
      moveToFront(this.rt, h, n); moveToFront(this.rd, h, n); moveToFront(this.rp, h, n); moveToFront(this.rs, h, n);
      this.head = 0; this.len = n - h;
    }
  }

  private heapPush(t: number, delta: number, packet: number, s: number): void {
    const ts = this.ht, ds = this.hd, ps = this.hp, ss = this.hs;
    let i = this.hn++;
    if (i === ts.length) { ts.push(0); ds.push(0); ps.push(0); ss.push(0); }
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(ts[p]!, ss[p]!, t, s)) break;
      ts[i] = ts[p]!; ds[i] = ds[p]!; ps[i] = ps[p]!; ss[i] = ss[p]!;
      i = p;
    }
    ts[i] = t; ds[i] = delta; ps[i] = packet; ss[i] = s;
  }

  private heapRemoveAt(i: number): void {
    const n = --this.hn;
    if (i === n) return;
    const ts = this.ht, ds = this.hd, ps = this.hp, ss = this.hs;
    // The last entry fills the hole, then moves up or down to its place.
    const t = ts[n]!, d = ds[n]!, p = ps[n]!, s = ss[n]!;
    while (i > 0) {
      const q = (i - 1) >> 1;
      if (before(ts[q]!, ss[q]!, t, s)) break;
      ts[i] = ts[q]!; ds[i] = ds[q]!; ps[i] = ps[q]!; ss[i] = ss[q]!;
      i = q;
    }
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && before(ts[r]!, ss[r]!, ts[l]!, ss[l]!) ? r : l;
      if (before(t, s, ts[m]!, ss[m]!)) break;
      ts[i] = ts[m]!; ds[i] = ds[m]!; ps[i] = ps[m]!; ss[i] = ss[m]!;
      i = m;
    }
    ts[i] = t; ds[i] = d; ps[i] = p; ss[i] = s;
  }
}

// The change taken last: its time and frame number are doubles, and its delta (always +1 or -1) turned
// into a double field mid-run on the bench's 1x capture too (seen with %DebugPrint; where the first
// double delta came from was not found), so all three are settled (field-shapes.ts).
settleDoubleFields(new ChangeQueue(), ['takenT', 'takenDelta', 'takenPacket']);
