/**
 * A listener's queue changes waiting to enter its series (listeners.ts), as a binary min-heap on
 * (time, arrival): earliest first, and changes at the same time in the order they came.
 *
 * The changes come mostly in time order, but not all: a request leaves the queue at its handshake's
 * ACK, which is only confirmed when the server next sends, or by its silence a second or more later.
 * A time-sorted array took each late change by walking back over every change since it (a busy
 * listener's thousands per second); the heap takes any change in O(log n), an in-order one in O(1).
 */
export class ChangeHeap {
  private readonly t: number[] = [];
  private readonly delta: number[] = [];
  private readonly packet: number[] = [];
  /** Arrival order, for ties in time (and to find the latest of equal changes: retract). */
  private readonly seq: number[] = [];
  private nextSeq = 0;
  size = 0;

  /** Time of the earliest change (Infinity when none). */
  get minT(): number { return this.size > 0 ? this.t[0]! : Infinity; }
  get minDelta(): number { return this.delta[0]!; }
  get minPacket(): number { return this.packet[0]!; }

  push(t: number, delta: number, packet: number): void {
    const s = this.nextSeq++;
    let i = this.size++;
    const ts = this.t, ds = this.delta, ps = this.packet, ss = this.seq;
    // The arrays keep their stores as the heap drains and refills (no `length` set lower).
    if (i === ts.length) { ts.push(t); ds.push(delta); ps.push(packet); ss.push(s); }
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ts[p]! < t || (ts[p] === t && ss[p]! < s)) break;
      ts[i] = ts[p]!; ds[i] = ds[p]!; ps[i] = ps[p]!; ss[i] = ss[p]!;
      i = p;
    }
    ts[i] = t; ds[i] = delta; ps[i] = packet; ss[i] = s;
  }

  /** Remove the earliest change (read it first: minT, minDelta, minPacket). */
  pop(): void {
    this.removeAt(0);
  }

  /**
   * Remove the latest-arrived change equal to (t, delta); false if none. Rare (a request that proved a
   * cookie), so a scan.
   */
  retract(t: number, delta: number): boolean {
    let found = -1;
    for (let i = 0; i < this.size; i++) {
      if (this.t[i] === t && this.delta[i] === delta && (found < 0 || this.seq[i]! > this.seq[found]!)) found = i;
    }
    if (found < 0) return false;
    this.removeAt(found);
    return true;
  }

  /** Forget every change and let the stores go (a folded listener). */
  clear(): void {
    this.size = 0;
    this.t.length = 0; this.delta.length = 0; this.packet.length = 0; this.seq.length = 0;
  }

  private removeAt(i: number): void {
    const n = --this.size;
    if (i === n) return;
    const ts = this.t, ds = this.delta, ps = this.packet, ss = this.seq;
    // The last entry fills the hole, then moves up or down to its place.
    const t = ts[n]!, d = ds[n]!, p = ps[n]!, s = ss[n]!;
    while (i > 0) {
      const q = (i - 1) >> 1;
      if (ts[q]! < t || (ts[q] === t && ss[q]! < s)) break;
      ts[i] = ts[q]!; ds[i] = ds[q]!; ps[i] = ps[q]!; ss[i] = ss[q]!;
      i = q;
    }
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && (ts[r]! < ts[l]! || (ts[r] === ts[l] && ss[r]! < ss[l]!)) ? r : l;
      if (ts[m]! > t || (ts[m] === t && ss[m]! > s)) break;
      ts[i] = ts[m]!; ds[i] = ds[m]!; ps[i] = ps[m]!; ss[i] = ss[m]!;
      i = m;
    }
    ts[i] = t; ds[i] = d; ps[i] = p; ss[i] = s;
  }
}
