/**
 * Tombstones: what is left of connections emitted before their 2×MSL linger ended (see
 * TrackerOptions.maxLingering) — 4-tuple, client ISN, id and expiry — in flat typed arrays with
 * open addressing (~56 bytes a slot, no object per entry), so a capture that closes connections
 * faster than 2×MSL lets them go keeps memory flat. A tombstone lets the tracker count a late
 * segment instead of mistaking it for a new connection, and still see TIME_WAIT reuse.
 */
import type { Conn } from './conn.js';

const MAX_LOAD = 0.7;

export class TombstoneTable {
  private cap = 0;
  private mask = 0;
  size = 0;
  private used = new Uint8Array(0);
  private hash = new Uint32Array(0);
  private ipv = new Uint8Array(0);
  private addr = new Uint32Array(0);   // 8 words a slot: A side, then B side
  private ports = new Uint32Array(0);  // portA << 16 | portB
  private flags = new Uint8Array(0);   // bit 0: client is A, bit 1: client ISN known
  private isn = new Uint32Array(0);
  private id = new Uint32Array(0);
  private expires = new Float64Array(0);

  /** Filled by a successful find(). */
  fromA = true;

  constructor(capacity = 1024) { this.alloc(capacity); }

  private alloc(cap: number): void {
    this.cap = cap; this.mask = cap - 1; this.size = 0;
    this.used = new Uint8Array(cap); this.hash = new Uint32Array(cap); this.ipv = new Uint8Array(cap);
    this.addr = new Uint32Array(cap * 8); this.ports = new Uint32Array(cap); this.flags = new Uint8Array(cap);
    this.isn = new Uint32Array(cap); this.id = new Uint32Array(cap); this.expires = new Float64Array(cap);
  }

  /** Slot of the live tombstone for this 4-tuple, or -1 (an expired one found is removed). */
  find(h: number, ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number, now: number): number {
    if (this.size === 0) return -1;
    for (let i = h & this.mask; this.used[i] === 1; i = (i + 1) & this.mask) {
      if (this.hash[i] !== h || this.ipv[i] !== ipVersion) continue;
      const a = i * 8, p = this.ports[i]!;
      const pa = p >>> 16, pb = p & 0xffff;
      const ad = this.addr;
      const srcIsA = pa === srcPort && pb === dstPort && ad[a] === src[0] && ad[a + 1] === src[1] && ad[a + 2] === src[2] &&
        ad[a + 3] === src[3] && ad[a + 4] === dst[0] && ad[a + 5] === dst[1] && ad[a + 6] === dst[2] && ad[a + 7] === dst[3];
      const srcIsB = !srcIsA && pb === srcPort && pa === dstPort && ad[a + 4] === src[0] && ad[a + 5] === src[1] &&
        ad[a + 6] === src[2] && ad[a + 7] === src[3] && ad[a] === dst[0] && ad[a + 1] === dst[1] && ad[a + 2] === dst[2] && ad[a + 3] === dst[3];
      if (!srcIsA && !srcIsB) continue;
      if (this.expires[i]! <= now) { this.removeAt(i); return -1; }
      this.fromA = srcIsA;
      return i;
    }
    return -1;
  }

  clientIsA(slot: number): boolean { return (this.flags[slot]! & 1) !== 0; }
  clientIsn(slot: number): number | null { return (this.flags[slot]! & 2) !== 0 ? this.isn[slot]! : null; }
  connectionId(slot: number): number { return this.id[slot]!; }
  expiresAt(slot: number): number { return this.expires[slot]!; }

  add(c: Conn, expires: number, now: number): void {
    if ((this.size + 1) > this.cap * MAX_LOAD) this.rehash(now);
    let i = c.hash & this.mask;
    while (this.used[i] === 1) i = (i + 1) & this.mask;
    this.used[i] = 1; this.hash[i] = c.hash; this.ipv[i] = c.ipVersion;
    const a = i * 8, ad = this.addr;
    ad[a] = c.a0; ad[a + 1] = c.a1; ad[a + 2] = c.a2; ad[a + 3] = c.a3;
    ad[a + 4] = c.b0; ad[a + 5] = c.b1; ad[a + 6] = c.b2; ad[a + 7] = c.b3;
    this.ports[i] = ((c.portA << 16) | c.portB) >>> 0;
    this.flags[i] = (c.clientIsA ? 1 : 0) | (c.client.synSeen ? 2 : 0);
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
      if (this.used[j] === 0) break;
      const home = this.hash[j]! & this.mask;
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) { this.move(j, hole); hole = j; }
    }
    this.used[hole] = 0;
    this.size--;
  }

  private move(from: number, to: number): void {
    this.used[to] = 1; this.hash[to] = this.hash[from]!; this.ipv[to] = this.ipv[from]!;
    this.addr.copyWithin(to * 8, from * 8, from * 8 + 8);
    this.ports[to] = this.ports[from]!; this.flags[to] = this.flags[from]!; this.isn[to] = this.isn[from]!;
    this.id[to] = this.id[from]!; this.expires[to] = this.expires[from]!;
  }

  /** Drop expired tombstones; grow only if the live ones still need room. */
  private rehash(now: number): void {
    const old = { used: this.used, hash: this.hash, ipv: this.ipv, addr: this.addr, ports: this.ports, flags: this.flags, isn: this.isn, id: this.id, expires: this.expires, cap: this.cap };
    let live = 0;
    for (let i = 0; i < old.cap; i++) if (old.used[i] === 1 && old.expires[i]! > now) live++;
    let cap = Math.max(1024, old.cap);
    while ((live + 1) > cap * MAX_LOAD / 2) cap *= 2;
    this.alloc(cap);
    for (let i = 0; i < old.cap; i++) {
      if (old.used[i] !== 1 || old.expires[i]! <= now) continue;
      let k = old.hash[i]! & this.mask;
      while (this.used[k] === 1) k = (k + 1) & this.mask;
      this.used[k] = 1; this.hash[k] = old.hash[i]!; this.ipv[k] = old.ipv[i]!;
      this.addr.set(old.addr.subarray(i * 8, i * 8 + 8), k * 8);
      this.ports[k] = old.ports[i]!; this.flags[k] = old.flags[i]!; this.isn[k] = old.isn[i]!;
      this.id[k] = old.id[i]!; this.expires[k] = old.expires[i]!;
      this.size++;
    }
  }
}
