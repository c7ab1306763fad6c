import { TimerHeap, type Timed } from '../../src/flow/timer-heap.js';
import { lcg } from '../helpers/lcg.js';

interface Rec extends Timed { name: number }
const rec = (name: number): Rec => ({ name, timerAt: Infinity, timerToken: 0 });

describe('TimerHeap (records\' timers on capture time)', () => {
  test('gives the latest scheduling of each record, earliest first, while it grows and shrinks many times', () => {
    const rnd = lcg(11);
    const h = new TimerHeap<Rec>();
    const recs = Array.from({ length: 300 }, (_, i) => rec(i));
    const latest = new Map<Rec, number>();
    let now = 0;
    for (let round = 0; round < 40; round++) {
      // Schedule a burst (some records again: their earlier entries no longer count), then drain part.
      const burst = 50 + Math.floor(rnd() * 250);
      for (let i = 0; i < burst; i++) {
        const r = recs[Math.floor(rnd() * recs.length)]!;
        const at = now + rnd() * 10;
        h.push(r, at);
        latest.set(r, at);
      }
      const upTo = now + rnd() * 10;
      let last = -Infinity;
      while (h.nextAt <= upTo) {
        const at = h.nextAt;
        expect(at).toBeGreaterThanOrEqual(last);
        last = at;
        const r = h.pop();
        if (r === null) continue;
        expect(latest.get(r)).toBe(at);
        expect(r.timerAt).toBe(Infinity);
        latest.delete(r);
      }
      now = upTo;
    }
    // What is left comes out too, each record once, at its latest time.
    while (h.size > 0) {
      const at = h.nextAt, r = h.pop();
      if (r !== null) { expect(latest.get(r)).toBe(at); latest.delete(r); }
    }
    expect(latest.size).toBe(0);
    expect(h.nextAt).toBe(Infinity);
  });

  test('prune drops only the entries their records no longer answer to, and keeps the order', () => {
    const h = new TimerHeap<Rec>();
    const a = rec(1), b = rec(2), c = rec(3);
    h.push(a, 5); h.push(b, 3); h.push(a, 1); h.push(c, 4); h.push(b, 2);
    expect(h.size).toBe(5);
    expect(h.prune()).toBe(2); // a@5 and b@3 were rescheduled
    expect(h.size).toBe(3);
    const out: Array<[number, number]> = [];
    while (h.size > 0) { const at = h.nextAt, r = h.pop(); if (r !== null) out.push([r.name, at]); }
    expect(out).toEqual([[1, 1], [2, 2], [3, 4]]);
  });
});
