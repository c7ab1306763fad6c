/**
 * What an HTML report keeps of the connections as the tracker finishes them, within fixed bounds:
 * a compact row for each (at most `rows`: past that, the most troubled, as the terminal table
 * orders them; row-store.ts), the `details` worst connections whole (plus any asked for by id), and
 * the handshake RTT histograms. Memory follows the bounds, not the capture.
 */
import { ANOMALIES } from '../flow/anomalies.js';
import type { AnomalyId, Connection } from '../flow/model.js';
import {
  LISTENER_EVENT_IDS, ROW_DETAILED, ROW_ROLE_INFERRED, type Histogram, type ListenerEvents, type ReportEnums, type ReportRows, type RttHistograms,
} from './report-parts.js';
import { connectionRtt } from '../flow/verdict.js';
import { byTrouble, troubleScore } from './summary.js';
import { RowStore, type RowInput } from './row-store.js';
import { TopK } from './top-k.js';

export interface ReportBounds {
  /** Most connection rows embedded. */
  rows: number;
  /** Most connections shown in detail (the worst), besides those asked for by id. */
  details: number;
  /** Most listed events of one id per listener (the rest are counted). */
  eventsPerListener: number;
}

/** Events listed over all listeners at most (a filtered port scan can leave one on each of 300,000). */
const MAX_EVENTS = 200_000;

const EVENT_IDS = new Set<AnomalyId>(LISTENER_EVENT_IDS);

/** Strings numbered in order of first sight: new states or outcomes from the flow stage slot in. */
class Enumerator<T extends string> {
  readonly values: T[] = [];
  private readonly index = new Map<T, number>();

  constructor(initial: readonly T[] = []) {
    for (const v of initial) this.of(v);
  }

  of(v: T): number {
    let i = this.index.get(v);
    if (i === undefined) { i = this.values.length; this.values.push(v); this.index.set(v, i); }
    return i;
  }
}

/** Log-scale bins, 10 a decade, from 1 µs to 1,000 s. */
const BIN_MIN_EXP = -6;
const BIN_MAX_EXP = 3;
const BINS_PER_DECADE = 10;
const BIN_COUNT = (BIN_MAX_EXP - BIN_MIN_EXP) * BINS_PER_DECADE;

export function binEdges(): number[] {
  const e: number[] = [];
  for (let i = 0; i <= BIN_COUNT; i++) e.push(Number((10 ** (BIN_MIN_EXP + i / BINS_PER_DECADE)).toPrecision(6)));
  return e;
}

/** The bin of a value in seconds, and whether it fell outside the range (then the end bin). */
function binOf(v: number): { bin: number; clamped: boolean } {
  const x = v > 0 ? Math.floor((Math.log10(v) - BIN_MIN_EXP) * BINS_PER_DECADE + 1e-9) : -1;
  if (x < 0) return { bin: 0, clamped: true };
  if (x >= BIN_COUNT) return { bin: BIN_COUNT - 1, clamped: true };
  return { bin: x, clamped: false };
}

export class ReportDigest {
  readonly enums = {
    outcomes: new Enumerator<ReportEnums['outcomes'][number]>(['complete', 'refused', 'no-answer', 'half-open', 'reset', 'simultaneous-open', 'not-seen']),
    closes: new Enumerator<ReportEnums['closes'][number]>(),
    states: new Enumerator<ReportEnums['states'][number]>(),
    zeek: new Enumerator<ReportEnums['zeek'][number]>(),
    anomalies: new Enumerator<AnomalyId>(Object.keys(ANOMALIES) as AnomalyId[]),
  };

  private readonly rows: RowStore;
  private readonly worst: TopK<Connection>;
  private readonly asked = new Map<number, Connection | null>();
  private readonly synToSynAck = new Array<number>(BIN_COUNT).fill(0);
  private readonly synAckToAck = new Array<number>(BIN_COUNT).fill(0);
  private clamped = 0;
  private readonly events = new Map<string, Map<AnomalyId, ListenerEvents>>();
  private listed = 0;

  constructor(readonly bounds: ReportBounds, askedIds: readonly number[] = []) {
    this.rows = new RowStore(bounds.rows);
    this.worst = new TopK(bounds.details, byTrouble);
    for (const id of askedIds) this.asked.set(id, null);
  }

  /** Each connection the report covers, as it finishes (the caller applies any filter first). */
  readonly add = (c: Connection): void => {
    const trouble = troubleScore(c);
    this.rows.add(this.row(c, trouble));
    if (this.asked.has(c.id)) this.asked.set(c.id, c);
    else this.worst.add(c);
    for (const a of c.anomalies) if (EVENT_IDS.has(a.id)) this.listenerEvent(c, a.id, a.t, a.packet);
    if (c.handshake.outcome === 'complete') {
      this.count(this.synToSynAck, c.handshake.rtt.synToSynAck);
      this.count(this.synAckToAck, c.handshake.rtt.synAckToAck);
    }
  };

  /** The SYN-queue events of the listeners named ("ip port"). */
  listenerEvents(keys: Iterable<string>): Record<string, ListenerEvents[]> {
    const out: Record<string, ListenerEvents[]> = {};
    for (const k of keys) {
      const m = this.events.get(k);
      if (m) out[k] = [...m.values()];
    }
    return out;
  }

  /** Ids asked for that no covered connection had. */
  missing(): number[] {
    return [...this.asked].filter(([, c]) => c === null).map(([id]) => id);
  }

  /** The connections to show in detail: those asked for by id, then the worst, trouble first. */
  details(): Connection[] {
    const asked = [...this.asked.values()].filter((c): c is Connection => c !== null);
    return [...asked, ...this.worst.sorted()];
  }

  rtt(): RttHistograms {
    const edges = binEdges();
    const h = (counts: number[]): Histogram => ({ edges, counts: [...counts] });
    return { synToSynAck: h(this.synToSynAck), synAckToAck: h(this.synAckToAck), clamped: this.clamped };
  }

  /**
   * The table's columns, worst first; `base` is the time rows count from (the summary's start).
   * Each column is made when read (enumerable getters): the page writer reads one at a time, so
   * only one column of number arrays exists at once.
   */
  columns(base: number | null, detailed: ReadonlySet<number>): ReportRows {
    const st = this.rows;
    const order = st.order();
    const n = order.length;
    const ips = new Enumerator<string>();
    const cipText = st.text('cip'), sipText = st.text('sip'), anomalies = st.text('anomalies');
    const cip = new Int32Array(n), sip = new Int32Array(n);
    order.forEach((i, k) => { cip[k] = ips.of(cipText[i]!); sip[k] = ips.of(sipText[i]!); });
    const t0 = base ?? 0;
    const ids = st.numeric('id');
    const col = (f: (i: number) => number): (() => number[]) => () => Array.from(order, f);
    const num = (k: Parameters<RowStore['numeric']>[0]) => { const a = st.numeric(k); return col((i) => a[i]!); };
    const start = st.numeric('start'), duration = st.numeric('duration'), rtt = st.numeric('rtt'), inferred = st.numeric('roleInferred');
    const getters: { [K in keyof ReportRows]?: () => ReportRows[K] } = {
      id: num('id'), cip: () => Array.from(cip), cport: num('cport'), sip: () => Array.from(sip), sport: num('sport'),
      start: col((i) => micros(start[i]! - t0)), duration: col((i) => micros(duration[i]!)),
      outcome: num('outcome'), close: num('close'), clientState: num('clientState'), serverState: num('serverState'), zeek: num('zeek'),
      rtt: () => Array.from(order, (i) => (Number.isNaN(rtt[i]!) ? null : micros(rtt[i]!))),
      packetsClient: num('packetsClient'), packetsServer: num('packetsServer'), bytesClient: num('bytesClient'), bytesServer: num('bytesServer'),
      anomalies: () => Array.from(order, (i) => anomalies[i]!),
      flags: col((i) => (inferred[i] ? ROW_ROLE_INFERRED : 0) | (detailed.has(ids[i]!) ? ROW_DETAILED : 0)),
    };
    const r = { total: st.offered, embedded: n, base, ips: ips.values } as ReportRows;
    for (const [k, get] of Object.entries(getters)) Object.defineProperty(r, k, { get, enumerable: true });
    return r;
  }

  enumValues(): ReportEnums {
    return {
      outcomes: this.enums.outcomes.values, closes: this.enums.closes.values, states: this.enums.states.values,
      zeek: this.enums.zeek.values, anomalies: this.enums.anomalies.values,
    };
  }

  private row(c: Connection, trouble: number): RowInput {
    const e = this.enums;
    return {
      id: c.id, cip: c.client.ip, cport: c.client.port, sip: c.server.ip, sport: c.server.port, start: c.start, duration: c.end - c.start,
      outcome: e.outcomes.of(c.handshake.outcome), close: e.closes.of(c.close.kind),
      clientState: e.states.of(c.finalStates.client), serverState: e.states.of(c.finalStates.server),
      zeek: e.zeek.of(c.zeek.connState), rtt: connectionRtt(c),
      packetsClient: c.packets.client, packetsServer: c.packets.server, bytesClient: c.bytes.client, bytesServer: c.bytes.server,
      anomalies: c.anomalies.length > 0 || c.anomaliesOmitted ? this.anomalyPairs(c) : '', trouble, roleInferred: c.roleInferred,
    };
  }

  /** "idx:count,idx:count" over listed and omitted occurrences, in order of first occurrence. */
  private anomalyPairs(c: Connection): string {
    const counts = new Map<AnomalyId, number>();
    for (const a of c.anomalies) counts.set(a.id, (counts.get(a.id) ?? 0) + 1);
    for (const [id, n] of Object.entries(c.anomaliesOmitted ?? {}) as Array<[AnomalyId, number]>) counts.set(id, (counts.get(id) ?? 0) + n);
    return [...counts].map(([id, n]) => `${this.enums.anomalies.of(id)}:${n}`).join(',');
  }

  private listenerEvent(c: Connection, id: AnomalyId, t: number, packet: number): void {
    const key = `${c.server.ip} ${c.server.port}`;
    let m = this.events.get(key);
    if (!m) { m = new Map(); this.events.set(key, m); }
    let e = m.get(id);
    if (!e) { e = { id, count: 0, t: [], packet: [] }; m.set(id, e); }
    e.count++;
    if (e.t.length < this.bounds.eventsPerListener && this.listed < MAX_EVENTS) { e.t.push(t); e.packet.push(packet); this.listed++; }
  }

  private count(bins: number[], v: number | null): void {
    if (v === null) return;
    const { bin, clamped } = binOf(v);
    bins[bin]!++;
    if (clamped) this.clamped++;
  }
}

export function micros(s: number): number {
  return Math.round(s * 1e6) / 1e6;
}
