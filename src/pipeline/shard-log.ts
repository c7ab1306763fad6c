/**
 * One shard's side of a sharded run (`--jobs N`, see shards.ts): every thread reads every input, and
 * each keeps the connections whose 4-tuple hash falls in its share. What a connection's record
 * does not contain, and the merged report needs in capture order, is written here as events:
 * - CREATE: a record entered the flow table (it gets the run's next connection id, and adds to the
 *   records held at once);
 * - REMOVE: a record was emitted (leaves the table; the connection is streamed at this point);
 * - HALF_OPEN: a server entered or left SYN_RECEIVED (its listener's backlog, which shards share).
 *
 * Each event carries the key that orders it the way one tracker would have met it: the frame being
 * handled, the phase (expiry when the clock moved, before the frame; the frame itself; the end of
 * input), and within an expiry the list the record left and its last packet (one tracker empties
 * its closing list, then its idle list, each oldest first). The merge (shard-merge.ts) replays all
 * shards' events in that order.
 */
import type { Conn } from '../flow/conn.js';
import { LIST_ACTIVE, LIST_CLOSING } from '../flow/conn.js';
import type { ListenerRecord } from '../flow/listeners.js';
import type { Connection } from '../flow/model.js';
import type { TrackerHooks } from '../flow/tracker.js';

export const EV_CREATE = 0, EV_REMOVE = 1, EV_HALF_OPEN = 2;
export const PHASE_EXPIRE = 0, PHASE_PACKET = 1, PHASE_END = 2;
/** The end-of-input phase's frame: after every real frame. */
export const END_FRAME = Number.MAX_SAFE_INTEGER;

/**
 * Numbers per event, in one Float64Array: frame, phase, sub-order (list), sub-order (packet), kind,
 * then by kind: CREATE local id; REMOVE local id, payload flag; HALF_OPEN listener index, delta, t, packet.
 */
export const EV_WIDTH = 9;
export const F_FRAME = 0, F_PHASE = 1, F_ORDER1 = 2, F_ORDER2 = 3, F_KIND = 4, F_A = 5, F_B = 6, F_C = 7, F_D = 8;

/** A connection as a shard streams it: JSON (its id still the shard's) or, rarely, the object. */
export type ShardPayload = string | Connection;

/** What a shard hands to the merge after each read of its input (about a megabyte). */
export interface ShardBatch {
  /** Events, EV_WIDTH numbers each. */
  events: Float64Array;
  count: number;
  /** Listeners first named in this batch: [index, ip, port]. */
  listeners: Array<[number, string, number]>;
  /** The streamed connections of the REMOVE events flagged with one, in order. */
  payloads: ShardPayload[];
  /** Every frame up to this one is fully handled (END_FRAME + 1: the shard is done). */
  through: number;
}

export class ShardLog {
  /** The frame being handled and the phase: set by the shard's segment loop. */
  frame = 0;
  phase = PHASE_EXPIRE;
  private events = new Float64Array(EV_WIDTH * 1024);
  private count = 0;
  private order1 = 0;
  private order2 = 0;
  private lastRemove = -1;
  private readonly named: boolean[] = [];
  private listeners: Array<[number, string, number]> = [];
  private payloads: ShardPayload[] = [];

  readonly hooks: TrackerHooks = {
    created: (c: Conn): void => {
      const at = this.add(EV_CREATE);
      this.events[at + F_A] = c.id;
    },
    emitting: (c: Conn, list: number): void => {
      // Within an expiry, one tracker emits its closing list, then its idle list, each in order of
      // last packet; at the end of input, in id (= first packet) order.
      if (this.phase === PHASE_EXPIRE) { this.order1 = list === LIST_CLOSING ? 0 : list === LIST_ACTIVE ? 1 : 2; this.order2 = c.lastPacket; }
      else if (this.phase === PHASE_END) { this.order1 = 0; this.order2 = c.firstPacket; }
      const at = this.add(EV_REMOVE);
      this.events[at + F_A] = c.id;
      this.events[at + F_B] = 0;
      this.lastRemove = at;
    },
    halfOpen: (l: ListenerRecord, delta: 1 | -1, t: number, packet: number): void => {
      if (this.named[l.index] !== true) {
        // Name each listener to the merge the first time one of its events is sent.
        this.listeners.push([l.index, l.ip, l.port]);
        this.named[l.index] = true;
      }
      const at = this.add(EV_HALF_OPEN);
      const e = this.events;
      e[at + F_A] = l.index; e[at + F_B] = delta; e[at + F_C] = t; e[at + F_D] = packet;
    },
  };

  /** A new frame (or phase): events no longer belong to an emission's sub-order. */
  at(frame: number, phase: number): void {
    this.frame = frame;
    this.phase = phase;
    this.order1 = 0;
    this.order2 = 0;
  }

  /** The connection of the latest REMOVE is streamed: it travels with the batch. */
  attach(p: ShardPayload): void {
    this.events[this.lastRemove + F_B] = 1;
    this.payloads.push(p);
  }

  /** The events so far, handed over (the log starts empty again). */
  take(through: number): ShardBatch {
    const b: ShardBatch = {
      events: this.events.slice(0, this.count * EV_WIDTH), count: this.count, listeners: this.listeners,
      payloads: this.payloads, through,
    };
    this.count = 0;
    this.lastRemove = -1;
    this.listeners = [];
    this.payloads = [];
    return b;
  }

  private add(kind: number): number {
    if ((this.count + 1) * EV_WIDTH > this.events.length) {
      const grown = new Float64Array(this.events.length * 2);
      grown.set(this.events);
      this.events = grown;
    }
    const at = this.count++ * EV_WIDTH;
    const e = this.events;
    e[at + F_FRAME] = this.frame; e[at + F_PHASE] = this.phase; e[at + F_ORDER1] = this.order1; e[at + F_ORDER2] = this.order2;
    e[at + F_KIND] = kind;
    return at;
  }
}
