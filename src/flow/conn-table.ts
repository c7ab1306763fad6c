/**
 * The flow table: connections keyed by their 4-tuple (both directions find the same entry), in an
 * open-addressing hash table with linear probing. Keys are numbers (addresses as 32-bit words,
 * ports), never strings: a lookup per packet allocates nothing.
 */

/** What the table needs from an entry: the two ends as seen on its first packet, and the hash. */
export interface TableEntry {
  ipVersion: number;
  /** Side A: the first packet's source (4 words; IPv4 uses a0 only). */
  a0: number; a1: number; a2: number; a3: number; portA: number;
  b0: number; b1: number; b2: number; b3: number; portB: number;
  /** tupleHash() of the 4-tuple (30 bits: the table stores hash + 1 in an Int32Array). */
  hash: number;
  /**
   * Is this the entry of a packet from (src, srcPort) to (dst, dstPort)? MATCH_A: its source is side A,
   * MATCH_B: side B, 0: another 4-tuple. A method of each kind of entry, so the lookup's comparisons
   * stay monomorphic inside each (a connection record's fields, an embryo's slot words).
   */
  match(ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number): number;
}

export const MATCH_A = 1, MATCH_B = 2;

/**
 * TableEntry.match for an entry with its ends as fields. Ports and first address words first, the
 * other three words only for IPv6: small enough in bytecode that V8 still inlines it into the per-packet
 * lookup once the hot path's inlining budget is nearly spent (the four-call form was not, ~0.5 G
 * instructions of calls on the bench's 1× capture).
 */
export function matchFields(e: TableEntry, ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number): number {
  if (e.ipVersion !== ipVersion) return 0;
  const s0 = src[0]!, d0 = dst[0]!;
  if (e.portA === srcPort && e.portB === dstPort && e.a0 === s0 && e.b0 === d0) {
    return ipVersion !== 6 || (restIs(e, true, src) && restIs(e, false, dst)) ? MATCH_A : 0;
  }
  if (e.portB === srcPort && e.portA === dstPort && e.b0 === s0 && e.a0 === d0) {
    return ipVersion !== 6 || (restIs(e, false, src) && restIs(e, true, dst)) ? MATCH_B : 0;
  }
  return 0;
}

/** Do words 1-3 of side A's (or B's) address equal addr's? */
function restIs(e: TableEntry, sideA: boolean, addr: Uint32Array): boolean {
  return sideA ? e.a1 === addr[1] && e.a2 === addr[2] && e.a3 === addr[3] : e.b1 === addr[1] && e.b2 === addr[2] && e.b3 === addr[3];
}

/**
 * murmur3's finalizer: spreads every input bit over the word. Its 32 bits as a signed integer: as an
 * unsigned one, half the results do not fit a V8 Smi and each call that was not inlined returned a
 * heap number (12 MB of garbage on the bench's 1× capture).
 */
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Flips the sign bit: two words so flipped compare as signed integers as they would as unsigned ones. */
const SIGN = 0x80000000 | 0;

function endHash(addr: Uint32Array, ipVersion: number, port: number): number {
  let h = Math.imul(port + 0x9e3779b1, 0x27d4eb2f) ^ addr[0]!;
  if (ipVersion === 6) {
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ addr[1]!;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ addr[2]!;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ addr[3]!;
  }
  return fmix(h);
}

/** Direction-independent hash of a 4-tuple: (src, dst) and (dst, src) hash alike. */
export function tupleHash(ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number): number {
  const h1 = endHash(src, ipVersion, srcPort);
  const h2 = endHash(dst, ipVersion, dstPort);
  // Ordered as unsigned words (the order the hash has always used; the table's layout follows it).
  const below = (h1 ^ SIGN) < (h2 ^ SIGN);
  const lo = below ? h1 : h2;
  const hi = below ? h2 : h1;
  // Kept to 30 bits so the hash is a small integer (a V8 Smi): stored in the entry and passed
  // around per packet without boxing it into a heap number.
  return fmix(Math.imul(lo, 0x9e3779b1) ^ hi ^ ipVersion) & HASH_MASK;
}

const HASH_MASK = 0x3fffffff;


/**
 * Beside the entries, a parallel Int32Array holds each slot's hash + 1 (0 = empty): a probe compares
 * numbers in one contiguous array and touches an entry object only when its hash matches, instead
 * of loading every entry on the probe path (entries are scattered in the heap: a cache miss each).
 */
export class ConnTable<T extends TableEntry> {
  private slots: Array<T | undefined>;
  private tags: Int32Array;
  private mask: number;
  size = 0;
  /** Direction of the last successful `find`: true when the packet's source is side A. */
  lastFromA = true;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity) cap <<= 1;
    this.slots = new Array<T | undefined>(cap).fill(undefined);
    this.tags = new Int32Array(cap);
    this.mask = cap - 1;
  }

  find(hash: number, ipVersion: number, src: Uint32Array, srcPort: number, dst: Uint32Array, dstPort: number): T | undefined {
    const tags = this.tags, tag = hash + 1;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const t = tags[i]!;
      if (t === 0) return undefined;
      if (t !== tag) continue;
      const e = this.slots[i]!;
      const m = e.match(ipVersion, src, srcPort, dst, dstPort);
      if (m !== 0) { this.lastFromA = m === MATCH_A; return e; }
    }
  }

  /** Insert an entry whose 4-tuple is not in the table. */
  insert(e: T): void {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    let i = e.hash & this.mask;
    while (this.tags[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = e;
    this.tags[i] = e.hash + 1;
    this.size++;
  }

  /** Remove an entry (by identity), closing the probe chain by shifting followers back. */
  remove(e: T): boolean {
    const tags = this.tags, tag = e.hash + 1;
    let i = e.hash & this.mask;
    for (;;) {
      const t = tags[i]!;
      if (t === 0) return false;
      if (t === tag && this.slots[i] === e) break;
      i = (i + 1) & this.mask;
    }
    // Backward-shift deletion (Knuth 6.4 Algorithm R): keep every later entry reachable.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const t = tags[j]!;
      if (t === 0) break;
      const home = (t - 1) & this.mask;
      // Move the entry at j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) { this.slots[hole] = this.slots[j]; tags[hole] = t; hole = j; }
    }
    this.slots[hole] = undefined;
    tags[hole] = 0;
    this.size--;
    return true;
  }

  *values(): IterableIterator<T> {
    for (const e of this.slots) if (e !== undefined) yield e;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    this.tags = new Int32Array(old.length * 2);
    this.mask = this.slots.length - 1;
    this.size = 0;
    for (const e of old) if (e !== undefined) this.insert(e);
  }
}
