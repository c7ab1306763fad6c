/**
 * The K best items of a stream under an ordering, in O(K) memory: a binary heap whose root is the
 * WORST item kept, so a newcomer is compared once with the root and either dropped or swapped in.
 * Used for the "trouble first, capped with --limit" table and for check's offence lists.
 */
export class TopK<T> {
  private readonly heap: T[] = [];
  /** Items offered, kept or not. */
  offered = 0;

  /** `compare(a, b) < 0` when a ranks before (is better than) b. */
  constructor(readonly k: number, private readonly compare: (a: T, b: T) => number) {}

  add(x: T): void {
    this.offered++;
    if (this.k <= 0) return;
    const h = this.heap;
    if (h.length < this.k) {
      h.push(x);
      this.up(h.length - 1);
    } else if (this.compare(x, h[0]!) < 0) {
      h[0] = x;
      this.down(0);
    }
  }

  /**
   * The item a newcomer must rank before to be kept, or undefined while there is room: lets a caller
   * that builds items on demand build only those kept (then add them, or skip()).
   */
  bar(): T | undefined {
    return this.heap.length < this.k ? undefined : this.heap[0];
  }

  /** An item offered and not kept (it did not pass bar()). */
  skip(): void {
    this.offered++;
  }

  /** Items offered but not kept. */
  get dropped(): number {
    return this.offered - this.heap.length;
  }

  /** The kept items, best first (a new array; the heap is left as it is). */
  sorted(): T[] {
    return [...this.heap].sort(this.compare);
  }

  // Heap order: a parent ranks AFTER (is worse than, or equal to) its children.
  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(h[i]!, h[p]!) <= 0) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < h.length && this.compare(h[l]!, h[w]!) > 0) w = l;
      if (r < h.length && this.compare(h[r]!, h[w]!) > 0) w = r;
      if (w === i) return;
      [h[i], h[w]] = [h[w]!, h[i]!];
      i = w;
    }
  }
}
