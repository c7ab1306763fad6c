/**
 * Tombstones: what is left of connections emitted before their 2×MSL linger ended (see
 * TrackerOptions.maxLingering) — 4-tuple, client ISN, id and expiry — in flat typed arrays with
 * open addressing (33 bytes a slot, no object per entry), so a capture that closes connections
 * faster than 2×MSL lets them go keeps memory flat. A tombstone lets the tracker count a late
 * segment instead of mistaking it for a new connection, and still see TIME_WAIT reuse.
 *
 * Each end is kept as one 32-bit word: an IPv4 address itself (exact), or a fingerprint of an
 * IPv6 address. For IPv6 a false match would need two 32-bit fingerprints and the 30-bit tuple
 * hash to collide while the ports are equal: odds far below anything a capture can reach. These
 * arrays are most of the tracker's memory on a capture that closes connections fast, so a quarter
 * of the bytes of four words per address is worth it.
 */
import type { Conn } from './conn.js';

/**
 * Load that triggers a purge of the expired tombstones. Lookups happen about once per connection
 * (not per packet), so longer probe runs cost little, while the arrays are most of the tracker's
 * memory on a capture that closes connections fast: a high load keeps them small.
 */
const MAX_LOAD = 0.85;
/**
 * Load the live tombstones may have after a purge before the table grows (doubles). 0.6 leaves room
 * for 30 % more tombstones before the next purge.
 */
const LOAD_AFTER_REHASH = 0.66;

// Slot flags.
const IPV6 = 2, CLIENT_IS_A = 4, ISN_KNOWN = 8;

/** One end of a 4-tuple as a word: the IPv4 address, or a fingerprint of the IPv6 one. */
function endKey(ipVersion: number, w0: number, w1: number, w2: number, w3: number): number {
  if (ipVersion !== 6) return w0 >>> 0;
  // A different mix from the tuple hash (conn-table.ts), so the two are independent.
  let h = Math.imul(w0 ^ 0x243f6a88, 0xcc9e2d51);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0x1b873593);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0xcc9e2d51);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x1b873593);
  return (h ^ (h >>> 15)) >>> 0;
}

export class TombstoneTable {
  private cap = 0;
  private mask = 0;
  size = 0;
  /** The tuple hash + 1 (tupleHash is 30 bits), 0 for an empty slot: a probe reads this array only. */
  private tags = new Int32Array(0);
  private flags = new Uint8Array(0);   // IPV6, CLIENT_IS_A, ISN_KNOWN
  private endA = new Uint32Array(0);   // endKey of side A (the first packet's source)
  private endB = new Uint32Array(0);
  private ports = new Uint32Array(0);  // portA << 16 | portB
  private isn = new Uint32Array(0);
  private id = new Uint32Array(0);
  private expires = new Float64Array(0);

  /** Filled by a successful find(). */
  fromA = true;

  constructor(capacity = 1024) { this.alloc(capacity); }

  private alloc(cap: number): void {
    this.cap = cap; this.mask = cap - 1; this.size = 0;
    this.tags = new Int32Array(cap); this.flags = new Uint8Array(cap);
    this.endA = new Uint32Array(cap); this.endB = new Uint32Array(cap); this.ports = new Uint32Array(cap);
    this.isn = new Uint32Array(cap); this.id = new Uint32Array(cap); this.expires = new Float64Array(cap);
  }

  /** Slot of the live tombstone for this 4-tuple, or -1 (an expired one found is removed). */
  find(h: number, ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number, now: number): number {
    if (this.size === 0) return -1;
    const v6 = ipVersion === 6 ? IPV6 : 0;
    const srcKey = endKey(ipVersion, src[0]!, src[1]!, src[2]!, src[3]!);
    const dstKey = endKey(ipVersion, dst[0]!, dst[1]!, dst[2]!, dst[3]!);
    const tag = h + 1;
    for (let i = h & this.mask; this.tags[i] !== 0; i = (i + 1) & this.mask) {
      if (this.tags[i] !== tag || (this.flags[i]! & IPV6) !== v6) continue;
      const p = this.ports[i]!;
      const pa = p >>> 16, pb = p & 0xffff, ka = this.endA[i]!, kb = this.endB[i]!;
      const srcIsA = pa === srcPort && pb === dstPort && ka === srcKey && kb === dstKey;
      const srcIsB = !srcIsA && pb === srcPort && pa === dstPort && kb === srcKey && ka === dstKey;
      if (!srcIsA && !srcIsB) continue;
      if (this.expires[i]! <= now) { this.removeAt(i); return -1; }
      this.fromA = srcIsA;
      return i;
    }
    return -1;
  }

  clientIsA(slot: number): boolean { return (this.flags[slot]! & CLIENT_IS_A) !== 0; }
  clientIsn(slot: number): number | null { return (this.flags[slot]! & ISN_KNOWN) !== 0 ? this.isn[slot]! : null; }
  connectionId(slot: number): number { return this.id[slot]!; }
  expiresAt(slot: number): number { return this.expires[slot]!; }

  add(c: Conn, expires: number, now: number): void {
    if ((this.size + 1) > this.cap * MAX_LOAD) this.rehash(now);
    let i = c.hash & this.mask;
    while (this.tags[i] !== 0) i = (i + 1) & this.mask;
    this.tags[i] = c.hash + 1;
    this.flags[i] = (c.ipVersion === 6 ? IPV6 : 0) | (c.clientIsA ? CLIENT_IS_A : 0) | (c.client.synSeen ? ISN_KNOWN : 0);
    this.endA[i] = endKey(c.ipVersion, c.a0, c.a1, c.a2, c.a3);
    this.endB[i] = endKey(c.ipVersion, c.b0, c.b1, c.b2, c.b3);
    this.ports[i] = ((c.portA << 16) | c.portB) >>> 0;
    this.isn[i] = c.client.isn;
    this.id[i] = c.id;
    this.expires[i] = expires;
    this.size++;
  }

  removeAt(slot: number): void {
    // Backward-shift deletion, as in ConnTable.
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & this.mask;
      if (this.tags[j] === 0) break;
      const home = (this.tags[j]! - 1) & this.mask;
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) { this.move(j, hole); hole = j; }
    }
    this.tags[hole] = 0;
    this.size--;
  }

  private move(from: number, to: number): void {
    this.tags[to] = this.tags[from]!; this.flags[to] = this.flags[from]!;
    this.endA[to] = this.endA[from]!; this.endB[to] = this.endB[from]!; this.ports[to] = this.ports[from]!;
    this.isn[to] = this.isn[from]!; this.id[to] = this.id[from]!; this.expires[to] = this.expires[from]!;
  }

  /**
   * Drop expired tombstones in place (no new arrays: a copy per purge doubled the peak memory, and
   * the old arrays waited for a full GC); grow only if the live ones still need room.
   */
  private rehash(now: number): void {
    this.purge(now);
    if ((this.size + 1) > this.cap * LOAD_AFTER_REHASH) this.grow();
  }

  /**
   * Remove every expired tombstone. A backward-shift deletion may move a later entry into slot i, so
   * slot i is looked at again; entries it moves to slots already passed are live (it moves entries
   * only backwards along a probe run, and every slot passed holds a live entry or none).
   */
  private purge(now: number): void {
    for (let i = 0; i < this.cap;) {
      if (this.tags[i] !== 0 && this.expires[i]! <= now) this.removeAt(i);
      else i++;
    }
  }

  /** Double the capacity, re-inserting every tombstone. */
  private grow(): void {
    const old = {
      tags: this.tags, flags: this.flags, endA: this.endA, endB: this.endB, ports: this.ports, isn: this.isn,
      id: this.id, expires: this.expires, cap: this.cap,
    };
    let cap = old.cap * 2;
    while ((this.size + 1) > cap * LOAD_AFTER_REHASH) cap *= 2;
    this.alloc(cap);
    for (let i = 0; i < old.cap; i++) {
      if (old.tags[i] === 0) continue;
      let k = (old.tags[i]! - 1) & this.mask;
      while (this.tags[k] !== 0) k = (k + 1) & this.mask;
      this.tags[k] = old.tags[i]!; this.flags[k] = old.flags[i]!;
      this.endA[k] = old.endA[i]!; this.endB[k] = old.endB[i]!; this.ports[k] = old.ports[i]!;
      this.isn[k] = old.isn[i]!; this.id[k] = old.id[i]!; this.expires[k] = old.expires[i]!;
      this.size++;
    }
  }
}
