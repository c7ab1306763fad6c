import { ChangeQueue } from '../../src/flow/change-queue.js';
import { lcg } from '../helpers/lcg.js';
import { moveRecordsToFront, moveToFront, removeAt } from '../../src/util/array-edit.js';

/** Drain the heap: [t, delta, packet] in the order it gives them. */
function drain(h: ChangeQueue): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  while (h.size > 0) { h.take(); out.push([h.takenT, h.takenDelta, h.takenPacket]); }
  return out;
}

describe('ChangeQueue (a listener\'s queue changes waiting for the series)', () => {
  test('gives changes earliest first, and changes at the same time in the order they came', () => {
    const rnd = lcg(7);
    const h = new ChangeQueue();
    const pushed: Array<[number, number, number]> = [];
    for (let i = 0; i < 2000; i++) {
      // Mostly in order, some late by up to 2 s, many ties (times on a 10 ms grid).
      const t = Math.round((i * 0.01 - (rnd() < 0.3 ? rnd() * 2 : 0)) * 100) / 100;
      const d = rnd() < 0.5 ? 1 : -1;
      h.push(t, d, i + 1);
      pushed.push([t, d, i + 1]);
    }
    const expected = pushed.slice().sort((a, b) => a[0] - b[0] || a[2] - b[2]); // stable by arrival
    expect(drain(h)).toEqual(expected);
  });

  test('drains and refills with the same order (its arrays keep their stores)', () => {
    const h = new ChangeQueue();
    for (const t of [5, 3, 4]) h.push(t, 1, t);
    expect(drain(h).map((x) => x[0])).toEqual([3, 4, 5]);
    for (const t of [2, 9, 1, 9]) h.push(t, -1, t * 10);
    expect(drain(h)).toEqual([[1, -1, 10], [2, -1, 20], [9, -1, 90], [9, -1, 90]]);
    expect(h.minT).toBe(Infinity);
  });

  test('retract removes the latest-arrived equal change, and says when there is none', () => {
    const h = new ChangeQueue();
    h.push(1, 1, 100); h.push(2, 1, 200); h.push(1, 1, 300); h.push(1, -1, 400);
    expect(h.retract(1, 1)).toBe(true);
    expect(h.retract(7, 1)).toBe(false);
    expect(drain(h)).toEqual([[1, 1, 100], [1, -1, 400], [2, 1, 200]]);
  });

  test('keeps the order across a long in-order run that drains in part and compacts', () => {
    const h = new ChangeQueue();
    for (let i = 0; i < 3000; i++) h.push(i, 1, i);
    for (let i = 0; i < 2000; i++) { expect(h.minT).toBe(i); h.take(); expect(h.takenT).toBe(i); }
    // Each more than MAX_WALK changes before the run's end: the heap takes them.
    h.push(1500.5, -1, 9999);
    h.push(2000.5, -1, 9998);
    h.push(2990.5, -1, 9997); // 9 changes before the end: into the run
    h.push(2990.5, 1, 9996);  // the same time: after the one before
    const all = drain(h);
    expect(all.filter((x) => x[0] === 2990.5).map((x) => x[2])).toEqual([9997, 9996]);
    const got = all.map((x) => x[0]);
    expect(got.slice(0, 3)).toEqual([1500.5, 2000, 2000.5]);
    expect(got.length).toBe(1004);
    expect(got.every((t, i) => i === 0 || got[i - 1]! <= t)).toBe(true);
  });

  test('hasDueBy says whether the earliest change, in the run or the heap, is at or before a time', () => {
    const h = new ChangeQueue();
    expect(h.hasDueBy(Infinity)).toBe(false);
    // 10 … 49 in the run; 2 would walk back over all 40 (more than MAX_WALK, 32): it goes to the heap.
    for (let i = 0; i < 40; i++) h.push(10 + i, 1, i + 1);
    h.push(2, -1, 99);
    expect(h.minT).toBe(2);
    expect(h.hasDueBy(1.999)).toBe(false);
    expect(h.hasDueBy(2)).toBe(true);
    h.take(); // the heap's 2
    expect(h.hasDueBy(9.999)).toBe(false);
    expect(h.hasDueBy(10)).toBe(true);
    let taken = 0;
    while (h.hasDueBy(29.5)) { h.take(); taken++; }
    expect(taken).toBe(20); // 10 … 29
    expect(h.minT).toBe(30);
  });

  test('clear forgets every change', () => {
    const h = new ChangeQueue();
    h.push(1, 1, 1); h.push(0.5, -1, 2);
    h.clear();
    expect(h.size).toBe(0);
    h.push(3, 1, 3);
    expect(drain(h)).toEqual([[3, 1, 3]]);
  });
});

describe('array edits with a fill count', () => {
  test('removeAt closes the gap in a[0, len)', () => {
    const a = [1, 2, 3, 4, 9];
    removeAt(a, 4, 1);
    expect(a.slice(0, 3)).toEqual([1, 3, 4]);
  });

  test('moveToFront moves the tail down', () => {
    const a = [1, 2, 3, 4, 5];
    moveToFront(a, 3, 5);
    expect(a.slice(0, 2)).toEqual([4, 5]);
  });

  test('moveRecordsToFront moves the tail down and clears the places it left', () => {
    const r = (n: number): { n: number } => ({ n });
    const a: Array<{ n: number } | null> = [r(1), r(2), r(3), r(4), r(5), r(6)];
    moveRecordsToFront(a, 4, 6);
    expect(a).toEqual([r(5), r(6), null, null, null, null]);
    moveRecordsToFront(a, 1, 2);
    expect(a.slice(0, 2)).toEqual([r(6), null]);
  });
});
