/**
 * The HTML report's connection rows, held in columns (typed arrays, strings shared) rather than one
 * object a row: 200,000 rows take ~20 MB instead of ~80 MB of row objects and their number arrays
 * (measured in Node 20). At most `max` rows are kept: past 2 × max the store keeps the `max` most
 * troubled (trouble score, then id: the terminal table's order) and compacts, so each row is moved
 * O(1) times on average.
 */

/** One row as the digest hands it over. */
export interface RowInput {
  id: number; cip: string; cport: number; sip: string; sport: number; start: number; duration: number;
  outcome: number; close: number; clientState: number; serverState: number; zeek: number; rtt: number | null;
  packetsClient: number; packetsServer: number; bytesClient: number; bytesServer: number;
  anomalies: string; trouble: number; roleInferred: boolean;
}

const NUMERIC = {
  id: Int32Array, cport: Uint16Array, sport: Uint16Array, start: Float64Array, duration: Float64Array,
  outcome: Uint8Array, close: Uint8Array, clientState: Uint8Array, serverState: Uint8Array, zeek: Uint8Array,
  /** NaN: no RTT. */
  rtt: Float64Array,
  packetsClient: Float64Array, packetsServer: Float64Array, bytesClient: Float64Array, bytesServer: Float64Array,
  trouble: Float64Array, roleInferred: Uint8Array,
} as const;

type NumericKey = keyof typeof NUMERIC;
type Columns = { [K in NumericKey]: InstanceType<(typeof NUMERIC)[K]> };

export class RowStore {
  /** Rows offered, kept or not. */
  offered = 0;
  private n = 0;
  private cols: Columns;
  private cip: string[] = [];
  private sip: string[] = [];
  private anomalies: string[] = [];

  constructor(private readonly max: number) {
    this.cols = RowStore.alloc(Math.min(1024, Math.max(1, 2 * max)));
  }

  private static alloc(capacity: number): Columns {
    const c = {} as Record<string, unknown>;
    for (const [k, T] of Object.entries(NUMERIC)) c[k] = new T(capacity);
    return c as Columns;
  }

  get size(): number {
    return this.n;
  }

  add(r: RowInput): void {
    this.offered++;
    if (this.max <= 0) return;
    if (this.n === this.cols.id.length) {
      if (this.n >= 2 * this.max) this.keepMostTroubled();
      else this.grow(Math.min(2 * this.max, this.n * 2));
    }
    const i = this.n++;
    const c = this.cols;
    c.id[i] = r.id; c.cport[i] = r.cport; c.sport[i] = r.sport; c.start[i] = r.start; c.duration[i] = r.duration;
    c.outcome[i] = r.outcome; c.close[i] = r.close; c.clientState[i] = r.clientState; c.serverState[i] = r.serverState; c.zeek[i] = r.zeek;
    c.rtt[i] = r.rtt ?? NaN; c.packetsClient[i] = r.packetsClient; c.packetsServer[i] = r.packetsServer;
    c.bytesClient[i] = r.bytesClient; c.bytesServer[i] = r.bytesServer; c.trouble[i] = r.trouble; c.roleInferred[i] = r.roleInferred ? 1 : 0;
    this.cip[i] = r.cip; this.sip[i] = r.sip; this.anomalies[i] = r.anomalies;
  }

  /** Indexes of the kept rows, most troubled first (at most `max`). */
  order(): Int32Array {
    const c = this.cols;
    const idx = Int32Array.from({ length: this.n }, (_, i) => i);
    idx.sort((a, b) => c.trouble[a]! - c.trouble[b]! || c.id[a]! - c.id[b]!);
    return idx.subarray(0, Math.min(this.n, this.max));
  }

  numeric<K extends NumericKey>(k: K): Columns[K] {
    return this.cols[k];
  }

  text(k: 'cip' | 'sip' | 'anomalies'): readonly string[] {
    return this[k];
  }

  private grow(capacity: number): void {
    const next = RowStore.alloc(capacity);
    for (const k of Object.keys(NUMERIC) as NumericKey[]) (next[k] as Float64Array).set((this.cols[k] as Float64Array).subarray(0, this.n));
    this.cols = next;
  }

  /** Keeps the `max` most troubled rows, in place. */
  private keepMostTroubled(): void {
    const keep = this.order();
    const c = this.cols;
    const next = RowStore.alloc(c.id.length);
    const cip: string[] = [], sip: string[] = [], an: string[] = [];
    keep.forEach((from, to) => {
      for (const k of Object.keys(NUMERIC) as NumericKey[]) (next[k] as Float64Array)[to] = (c[k] as Float64Array)[from]!;
      cip.push(this.cip[from]!); sip.push(this.sip[from]!); an.push(this.anomalies[from]!);
    });
    this.cols = next;
    this.cip = cip; this.sip = sip; this.anomalies = an;
    this.n = keep.length;
  }
}
