/** Small modules of the flow stage: wrap-safe sequence helpers, the flow table, the listener series. */
import { AddressNames } from '../../src/flow/address-names.js';
import { Conn } from '../../src/flow/conn.js';
import { TimelineLog } from '../../src/flow/timeline-log.js';
import { TombstoneTable } from '../../src/flow/tombstones.js';
import { ipv4ToString } from '../../src/decode/format.js';
import { ConnTable, tupleHash, type TableEntry, matchFields } from '../../src/flow/conn-table.js';
import { ListenerTable } from '../../src/flow/listeners.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax, seqWord } from '../../src/flow/seq.js';

describe('seq helpers compare modulo 2^32', () => {
  test('across the wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqGt(0x10, 0xfffffff0)).toBe(true);
    expect(seqDiff(0x10, 0xfffffff0)).toBe(0x20);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
    expect(seqMax(0xfffffff0, 0x10)).toBe(0x10);
  });
  test('signed words (seqWord) are the same numbers modulo 2^32, and compare with unsigned ones', () => {
    expect(seqWord(0x7fffffff, 1)).toBe(-0x80000000);
    expect(seqWord(0xffffffff, 2) >>> 0).toBe(1);
    expect(seqWord(0xfffffff0, 0) >>> 0).toBe(0xfffffff0);
    for (const [a, n] of [[0xfffffff0, 0x20], [0x80000000, -1], [5, 10], [0x7ffffff0, 0x20]] as const) {
      const w = seqWord(a, n), u = seqAdd(a, n);
      expect(w >>> 0).toBe(u);
      expect(Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 31).toBe(true);
      // Mixed forms compare as the same sequence number.
      expect(seqLt(w, seqAdd(u, 1)) && seqGt(seqAdd(u, 1), w) && seqLe(w, u) && seqGe(u, w)).toBe(true);
      expect(seqDiff(seqAdd(u, 7), w)).toBe(7);
    }
  });
  test('equal and ordinary values', () => {
    expect(seqLe(5, 5) && seqGe(5, 5)).toBe(true);
    expect(seqLt(5, 5) || seqGt(5, 5)).toBe(false);
    expect(seqLt(1000, 2000)).toBe(true);
  });
});

function entry(i: number, ipVersion = 4): TableEntry & { n: number } {
  const src = new Uint32Array([0x0a000000 + (i % 7), ipVersion === 6 ? i : 0, 0, 0]);
  const dst = new Uint32Array([0xc0a80001, 0, 0, 0]);
  return {
    n: i, ipVersion, a0: src[0]!, a1: src[1]!, a2: 0, a3: 0, portA: 1000 + i, b0: dst[0]!, b1: 0, b2: 0, b3: 0, portB: 80,
    hash: tupleHash(ipVersion, src, 1000 + i, dst, 80),
    match(v, s, sp, d, dp) { return matchFields(this, v, s, sp, d, dp); },
  };
}

describe('tupleHash', () => {
  test('is the same both ways, a 30-bit integer, and spread, for words with and without the top bit', () => {
    let x = 12345;
    const next = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x; };
    const a = new Uint32Array(4), b = new Uint32Array(4);
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      for (let k = 0; k < 4; k++) { a[k] = next(); b[k] = next(); }
      if (i % 3 === 0) a[0] = b[0]! ^ 0x80000000; // ends that differ in the top bit only
      const v = i % 2 === 0 ? 4 : 6, pa = next() & 0xffff, pb = next() & 0xffff;
      const h = tupleHash(v, a, pa, b, pb);
      expect(tupleHash(v, b, pb, a, pa)).toBe(h);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true);
      seen.add(h);
    }
    expect(seen.size).toBeGreaterThan(19_990);
  });
});

describe('ConnTable', () => {
  test('both directions find the same entry and say which way the packet went', () => {
    const t = new ConnTable<ReturnType<typeof entry>>(16);
    const e = entry(1);
    t.insert(e);
    const a = new Uint32Array([e.a0, 0, 0, 0]), b = new Uint32Array([e.b0, 0, 0, 0]);
    expect(t.find(tupleHash(4, a, e.portA, b, 80), 4, a, e.portA, b, 80)).toBe(e);
    expect(t.lastFromA).toBe(true);
    expect(t.find(tupleHash(4, b, 80, a, e.portA), 4, b, 80, a, e.portA)).toBe(e);
    expect(t.lastFromA).toBe(false);
    expect(t.find(tupleHash(4, a, e.portA + 1, b, 80), 4, a, e.portA + 1, b, 80)).toBeUndefined();
  });

  test('IPv6 entries that differ in one address word only are told apart, both ways', () => {
    const t = new ConnTable<TableEntry & { n: number }>(16);
    const make = (n: number, a: number[], b: number[]): TableEntry & { n: number } => {
      const src = new Uint32Array(a), dst = new Uint32Array(b);
      return {
        n, ipVersion: 6, a0: a[0]!, a1: a[1]!, a2: a[2]!, a3: a[3]!, portA: 5000, b0: b[0]!, b1: b[1]!, b2: b[2]!, b3: b[3]!, portB: 443,
        hash: tupleHash(6, src, 5000, dst, 443),
        match(v, s, sp, d, dp) { return matchFields(this, v, s, sp, d, dp); },
      };
    };
    const base = [0x20010db8, 0, 0, 1], peer = [0x20010db8, 0, 0, 2];
    const entries = [make(0, base, peer)];
    for (let w = 1; w < 4; w++) {
      const a = base.slice(); a[w]! += 0x100; entries.push(make(entries.length, a, peer));
      const b = peer.slice(); b[w]! += 0x100; entries.push(make(entries.length, base, b));
    }
    for (const e of entries) t.insert(e);
    for (const e of entries) {
      const a = new Uint32Array([e.a0, e.a1, e.a2, e.a3]), b = new Uint32Array([e.b0, e.b1, e.b2, e.b3]);
      expect(t.find(e.hash, 6, a, 5000, b, 443)?.n).toBe(e.n);
      expect(t.lastFromA).toBe(true);
      expect(t.find(e.hash, 6, b, 443, a, 5000)?.n).toBe(e.n);
      expect(t.lastFromA).toBe(false);
      // The same words as IPv4 is another connection.
      expect(t.find(tupleHash(4, a, 5000, b, 443), 4, a, 5000, b, 443)).toBeUndefined();
    }
  });

  test('thousands of inserts and removals keep every remaining entry reachable (backward-shift delete)', () => {
    const t = new ConnTable<ReturnType<typeof entry>>(16);
    const all = Array.from({ length: 5000 }, (_, i) => entry(i, i % 3 === 0 ? 6 : 4));
    for (const e of all) t.insert(e);
    for (const e of all) if (e.n % 2 === 0) expect(t.remove(e)).toBe(true);
    expect(t.size).toBe(2500);
    for (const e of all) {
      const a = new Uint32Array([e.a0, e.a1, 0, 0]), b = new Uint32Array([e.b0, 0, 0, 0]);
      const found = t.find(e.hash, e.ipVersion, a, e.portA, b, 80);
      expect(found === e).toBe(e.n % 2 === 1);
    }
  });
});

describe('TombstoneTable', () => {
  test('purges expired tombstones in place and keeps every live one findable (wrapping probe runs too)', () => {
    const table = new TombstoneTable();
    const added: Array<{ c: Conn; expires: number }> = [];
    // 20,000 tombstones, each living 3,000 "seconds" of a clock that advances one per add: the table
    // fills, purges (in place) and grows several times.
    for (let i = 0; i < 20_000; i++) {
      const c = new Conn();
      const e = entry(i);
      Object.assign(c, { ipVersion: 4, a0: e.a0, portA: e.portA, b0: e.b0, portB: e.portB, hash: e.hash, id: i + 1 });
      c.client.synSeen = true; c.client.isn = i * 7;
      table.add(c, i + 3000, i);
      added.push({ c, expires: i + 3000 });
    }
    const now = 20_000;
    let live = 0;
    for (const { c, expires } of added) {
      const src = new Uint32Array([c.b0, 0, 0, 0]), dst = new Uint32Array([c.a0, 0, 0, 0]);
      const slot = table.find(c.hash, 4, src, c.portB, dst, c.portA, now);
      if (expires > now) {
        live++;
        expect(slot).toBeGreaterThanOrEqual(0);
        expect(table.fromA).toBe(false);
        expect(table.connectionId(slot)).toBe(c.id);
        expect(table.clientIsn(slot)).toBe(c.client.isn);
      } else expect(slot).toBe(-1);
    }
    expect(live).toBe(2999);
    expect(table.size).toBeGreaterThanOrEqual(live);
  });
});

describe('ListenerTable', () => {
  test('half-open peak, syn-flood once per crossing, series thinned to maxSeriesPoints', () => {
    const flood: string[] = [];
    const table = new ListenerTable(10, 50, (a) => flood.push(a.id));
    const l = table.get('198.18.0.2', 80);
    for (let i = 0; i < 100; i++) table.changeHalfOpen(l, 1, i, i + 1);
    for (let i = 0; i < 100; i++) table.changeHalfOpen(l, -1, 100 + i, 101 + i);
    for (let i = 0; i < 20; i++) table.changeHalfOpen(l, 1, 200 + i, 201 + i);
    table.finish();
    const [out] = table.list();
    expect(out).toMatchObject({ halfOpenNow: 20, halfOpenPeak: 100, halfOpenPeakTime: 99 });
    expect(flood).toEqual(['syn-flood', 'syn-flood']);          // the second flood after the backlog drained
    expect(out!.halfOpenSeries.length).toBeLessThanOrEqual(50);
    expect(out!.halfOpenSeries[out!.halfOpenSeries.length - 1]).toEqual([219, 20]);
    expect(out!.halfOpenSeries.some(([t, c]) => t === 99 && c === 100)).toBe(true); // the peak survives thinning
  });

  test('changes that arrive late (a SYN-ACK found stateful at its first re-send time) enter the series in time order', () => {
    const table = new ListenerTable(1000, 1000);
    const l = table.get('198.18.0.2', 80);
    // Requests found stateful 1.25 s after their SYN-ACK, while later ones leave the queue.
    table.changeHalfOpen(l, 1, 10.0, 1);
    table.changeHalfOpen(l, -1, 10.5, 3);
    table.advance(11.3);
    table.changeHalfOpen(l, 1, 10.2, 2);         // arrives after 10.5, describes 10.2
    table.advance(30);
    table.finish();
    expect(table.list()[0]!.halfOpenSeries).toEqual([[10, 1], [10.2, 2], [10.5, 1]]);
    expect(table.list()[0]!.halfOpenPeak).toBe(2);
  });

  test('a change later than QUEUE_LAG is folded into the series where it belongs', () => {
    const table = new ListenerTable(1000, 1000);
    const l = table.get('198.18.0.2', 80);
    table.changeHalfOpen(l, 1, 10, 1);
    table.changeHalfOpen(l, 1, 11, 2);
    table.changeHalfOpen(l, -1, 12, 3);
    table.advance(100);                           // all three are in the series
    table.changeHalfOpen(l, -1, 11.5, 4);         // a request that left at 11.5, known only now
    table.finish();
    const [out] = table.list();
    expect(out!.halfOpenSeries).toEqual([[10, 1], [11, 2], [11.5, 1], [12, 0]]);
    expect(out).toMatchObject({ halfOpenNow: 0, halfOpenPeak: 2, halfOpenPeakTime: 11 });
  });
});

/** Change every field of a record (and of the records it holds), so a reset that forgets one shows. */
function dirty(o: Record<string, unknown>, depth = 0): void {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (k === 'role' || k === 'timeline' || k === 'listener' || k === 'embryo') continue;
    if (typeof v === 'number') o[k] = v + 7;
    else if (typeof v === 'boolean') o[k] = !v;
    else if (typeof v === 'string') o[k] = v + 'x';
    else if (v === null) o[k] = ['dirty'];
    else if (typeof v === 'object' && depth < 2) dirty(v as Record<string, unknown>, depth + 1);
  }
}

function comparable(c: Conn): Record<string, unknown> {
  // The handshake log is what its first hsUsed numbers say (written over on reuse, never emptied).
  return { ...c, timeline: c.timeline.size, listener: null, hsLog: Array.from(c.hsLog.subarray(0, c.hsUsed)) };
}

describe('recycled connection records', () => {
  test('reset() puts back every field of Conn, both Endpoints and the Zeek view', () => {
    const fresh = new Conn();
    const used = new Conn();
    dirty(used as unknown as Record<string, unknown>);
    used.timeline.add(1, 2, 'client', 'CLOSED', 'SYN_SENT', 'sent SYN', false);
    expect(comparable(used)).not.toEqual(comparable(fresh));
    used.reset();
    expect(comparable(used)).toEqual(comparable(fresh));
    expect(used.timeline.build()).toEqual([]);
  });
});

describe('timeline log', () => {
  test('grows past its first block and builds the transitions in order, inferred only when set', () => {
    const log = new TimelineLog();
    for (let i = 0; i < 40; i++) log.add(1.5 + i, i + 1, i % 2 ? 'server' : 'client', 'ESTABLISHED', 'FIN_WAIT_1', `cause ${i % 3}`, i === 7);
    const out = log.build();
    expect(out).toHaveLength(40);
    expect(out[7]).toEqual({ t: 8.5, packet: 8, endpoint: 'server', from: 'ESTABLISHED', to: 'FIN_WAIT_1', cause: 'cause 1', inferred: true });
    expect(out[39]).toEqual({ t: 40.5, packet: 40, endpoint: 'server', from: 'ESTABLISHED', to: 'FIN_WAIT_1', cause: 'cause 0' });
    expect('inferred' in out[0]!).toBe(false);
  });
});

describe('address names', () => {
  test('cached IPv4 text is right for addresses that share a cache slot', () => {
    const names = new AddressNames();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 20000; i++) {
        const a = (0xc0a80000 + i * 977) >>> 0;
        expect(names.ipv4(a)).toBe(ipv4ToString(a));
      }
    }
  });
});
