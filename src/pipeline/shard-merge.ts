/**
 * The merge of a sharded run (`--jobs N`, see shards.ts): the shards' events (shard-log.ts) replayed
 * in the order one tracker would have met them, as they arrive. What that gives back, exactly as one
 * tracker computes it:
 * - connection ids: the run's creation order (a shard numbers its own connections 1, 2, ...);
 * - the peak of records held at once;
 * - each listener's half-open count, peak, series and syn-flood anomalies (a listener's connections
 *   are spread over the shards);
 * - the streamed connections, in the order one tracker emits them, renumbered.
 *
 * An event is replayed once every other shard has either a later event queued or has reported every
 * frame up to the event's frame handled; so what is held here is the lag between the shards, which
 * shards.ts bounds.
 */
import { ListenerTable, type ListenerRecord } from '../flow/listeners.js';
import type { AnomalyOccurrence, Connection, Listener, TrackerOptions } from '../flow/model.js';
import type { Offence } from '../check/policy.js';
import {
  EV_CREATE, EV_HALF_OPEN, EV_REMOVE, EV_WIDTH, F_A, F_B, F_C, F_D, F_FRAME, F_KIND, F_ORDER1, F_ORDER2, F_PHASE,
  type ShardBatch, type ShardPayload,
} from './shard-log.js';

interface Queue {
  batches: ShardBatch[];
  /** Event index in batches[0]; payload index in batches[0]. */
  at: number;
  payloadAt: number;
  through: number;
  /** Run-wide id of each of this shard's connections, by its own id. */
  ids: Float64Array;
  /** The merged listener of each of this shard's listener indexes. */
  listeners: ListenerRecord[];
}

/** A streamed connection, renumbered: JSON text or the object. */
export type MergedPayload = { json: string } | { connection: Connection };

export class ShardMerger {
  private readonly queues: Queue[];
  private readonly listenerTable: ListenerTable;
  private created = 0;
  private held = 0;
  peakHeld = 0;
  /** Connections finished (all shards), for progress. */
  finished = 0;
  private readonly renumbered = new WeakSet<Connection>();

  constructor(shards: number, opts: TrackerOptions, private readonly deliver?: (p: MergedPayload) => void) {
    this.queues = Array.from({ length: shards }, () => ({
      batches: [], at: 0, payloadAt: 0, through: -1, ids: new Float64Array(1024), listeners: [],
    }));
    this.listenerTable = new ListenerTable(opts.synFloodThreshold, opts.maxSeriesPoints);
  }

  /** Listener-wide anomalies (syn-flood) as the replay raised them, in capture order. */
  get anomalies(): AnomalyOccurrence[] {
    return this.listenerTable.anomalies;
  }

  add(shard: number, b: ShardBatch): void {
    const q = this.queues[shard]!;
    for (const [index, ip, port] of b.listeners) q.listeners[index] = this.listenerTable.get(ip, port);
    if (b.count > 0 || b.payloads.length > 0) q.batches.push(b);
    q.through = b.through;
    this.drain();
  }

  /** True once every shard has said it is done and every event is replayed. */
  get done(): boolean {
    return this.queues.every((q) => q.batches.length === 0 && q.through > Number.MAX_SAFE_INTEGER);
  }

  /** The run-wide id of a shard's connection `localId`. */
  id(shard: number, localId: number): number {
    return this.queues[shard]!.ids[localId]!;
  }

  /** A shard's connection object in the run's numbering (ids, and the connection a reuse names). */
  renumber(shard: number, c: Connection): void {
    // The main thread's shard hands the same object to the stream and to its digest: renumber once.
    if (this.renumbered.has(c)) return;
    this.renumbered.add(c);
    c.id = this.id(shard, c.id);
    for (const a of c.anomalies) this.renumberAnomaly(shard, a);
  }

  renumberAnomaly(shard: number, a: AnomalyOccurrence): void {
    // time-wait-reuse names the connection it follows (same 4-tuple: same shard), in details and message.
    const prev = a.details?.['previousConnection'];
    if (typeof prev !== 'number') return;
    const to = this.id(shard, prev);
    a.details!['previousConnection'] = to;
    a.message = a.message.replace(`connection ${prev} `, `connection ${to} `);
  }

  renumberOffence(shard: number, o: Offence): void {
    if (o.connection === null) return;
    o.connection = this.id(shard, o.connection);
    const prev = /connection (\d+) /.exec(o.message);
    if (o.anomaly === 'time-wait-reuse' && prev) o.message = o.message.replace(prev[0], `connection ${this.id(shard, Number(prev[1]))} `);
  }

  /**
   * The listeners as one tracker lists them: connections, completions and refusals add up over the
   * shards (their final lists); the half-open view is the replay's.
   */
  listeners(perShard: readonly Listener[][]): Listener[] {
    for (const list of perShard) {
      for (const l of list) {
        const m = this.listenerTable.get(l.ip, l.port);
        m.connections += l.connections;
        m.completed += l.completed;
        m.refused += l.refused;
      }
    }
    return this.listenerTable.list();
  }

  private drain(): void {
    const qs = this.queues;
    for (;;) {
      // The shard whose next event comes first.
      let best = -1;
      for (let s = 0; s < qs.length; s++) {
        const q = qs[s]!;
        if (q.batches.length === 0) continue;
        if (best < 0 || before(q, qs[best]!)) best = s;
      }
      if (best < 0) return;
      const q = qs[best]!;
      const b = q.batches[0]!;
      const e = b.events, at = q.at * EV_WIDTH;
      const frame = e[at + F_FRAME]!;
      // A shard with nothing queued may still send an earlier event unless it has passed this frame.
      for (let s = 0; s < qs.length; s++) if (s !== best && qs[s]!.batches.length === 0 && qs[s]!.through < frame) return;
      this.replay(best, q, b, at);
      if (++q.at === b.count) { q.batches.shift(); q.at = 0; q.payloadAt = 0; }
    }
  }

  private replay(shard: number, q: Queue, b: ShardBatch, at: number): void {
    const e = b.events;
    const kind = e[at + F_KIND]!;
    if (kind === EV_CREATE) {
      const local = e[at + F_A]!;
      if (local >= q.ids.length) {
        let n = q.ids.length * 2;
        while (n <= local) n *= 2;
        const grown = new Float64Array(n);
        grown.set(q.ids);
        q.ids = grown;
      }
      q.ids[local] = ++this.created;
      if (++this.held > this.peakHeld) this.peakHeld = this.held;
    } else if (kind === EV_REMOVE) {
      this.held--;
      this.finished++;
      if (e[at + F_B] === 1) this.stream(shard, b.payloads[q.payloadAt++]!);
    } else if (kind === EV_HALF_OPEN) {
      const l = q.listeners[e[at + F_A]!]!;
      this.listenerTable.changeHalfOpen(l, e[at + F_B] === 1 ? 1 : -1, e[at + F_C]!, e[at + F_D]!);
    }
  }

  private stream(shard: number, p: ShardPayload): void {
    if (!this.deliver) return;
    if (typeof p === 'string') {
      // The shard's JSON starts {"id":<its id>, : put the run's id in its place.
      const comma = p.indexOf(',');
      this.deliver({ json: `{"id":${this.id(shard, Number(p.slice(6, comma)))}${p.slice(comma)}` });
    } else {
      this.renumber(shard, p);
      this.deliver({ connection: p });
    }
  }
}

/** Does q's next event come before r's (capture order; ties: the lower shard, as listed)? */
function before(q: Queue, r: Queue): boolean {
  const a = q.batches[0]!.events, i = q.at * EV_WIDTH;
  const b = r.batches[0]!.events, j = r.at * EV_WIDTH;
  if (a[i + F_FRAME] !== b[j + F_FRAME]) return a[i + F_FRAME]! < b[j + F_FRAME]!;
  if (a[i + F_PHASE] !== b[j + F_PHASE]) return a[i + F_PHASE]! < b[j + F_PHASE]!;
  if (a[i + F_ORDER1] !== b[j + F_ORDER1]) return a[i + F_ORDER1]! < b[j + F_ORDER1]!;
  return a[i + F_ORDER2]! < b[j + F_ORDER2]!;
}
