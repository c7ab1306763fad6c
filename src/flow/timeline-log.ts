/**
 * A connection's timeline while it is being tracked: three numbers per transition (time, frame
 * number, and one small integer packing endpoint, from-state, to-state, cause and the inferred bit).
 * A connection lingers for a while after it closes, so objects made per transition would live long
 * enough to be promoted by the garbage collector, which then has to mark and sweep them. The
 * Transition objects of the output are built once, when the connection is emitted (`build`).
 */
import type { EndpointRole, TcpState, Transition } from './model.js';
import { stateCode, STATES } from './state-table.js';
import { doubles } from '../util/field-shapes.js';

// Code layout: bit 0 endpoint (1 = server), bits 1-4 from, bits 5-8 to, bit 9 inferred, bits 10+ cause.
const SERVER_BIT = 1, FROM_SHIFT = 1, TO_SHIFT = 5, STATE_MASK = 0xf, INFERRED_BIT = 1 << 9, CAUSE_SHIFT = 10;

/**
 * Causes are interned: the tracker passes a small, fixed set of literal strings (event names and
 * a few annotated variants, never a number that varies per connection), so the table stays tiny.
 * Past MAX_CAUSES a new text is refused (kept as its event's plain text), so a bug that builds causes
 * per connection costs precision, never memory.
 */
const MAX_CAUSES = 4096;
/** Code 0: what a cause past MAX_CAUSES is recorded as. */
const causes: string[] = ['(cause not recorded: too many distinct texts)'];
const causeCode = new Map<string, number>([[causes[0]!, 0]]);

export function internCause(cause: string): number {
  let code = causeCode.get(cause);
  if (code === undefined) {
    if (causes.length >= MAX_CAUSES) return 0;
    code = causes.length; causes.push(cause); causeCode.set(cause, code);
  }
  return code;
}

/**
 * The log: a plain array of numbers (V8 stores them unboxed, as doubles), grown as transitions come
 * and kept when the connection record is reused (the tracker recycles records: lifecycle.ts
 * RecordPool), so a connection's timeline costs no allocation once the tracker has warmed up.
 * Not a Float64Array: a typed array's two objects and fixed capacity cost ~560 bytes a record, a
 * third of a half-open connection's record under a SYN flood; this costs ~190 for its 4 transitions.
 */
export class TimelineLog {
  private readonly data: number[] = doubles();
  /** Numbers used (three per transition). */
  private used = 0;

  get size(): number { return this.used / 3; }

  clear(): void { this.used = 0; }

  add(t: number, packet: number, endpoint: EndpointRole, from: TcpState, to: TcpState, cause: string, inferred: boolean): void {
    this.addCodes(t, packet, endpoint === 'server', stateCode(from), stateCode(to), internCause(cause), inferred);
  }

  /** add() with the states and cause already as codes (stateCode, internCause): the tracker's path. */
  addCodes(t: number, packet: number, server: boolean, from: number, to: number, cause: number, inferred: boolean): void {
    const d = this.data, i = this.used;
    const code = (server ? SERVER_BIT : 0) | (from << FROM_SHIFT) | (to << TO_SHIFT) | (inferred ? INFERRED_BIT : 0) |
      (cause << CAUSE_SHIFT);
    if (i === d.length) d.push(t, packet, code);
    else { d[i] = t; d[i + 1] = packet; d[i + 2] = code; }
    this.used = i + 3;
  }

  /**
   * Move the first transition of one endpoint into state `toCode` to (t, packet), with a new cause:
   * a guess revised before the connection is reported (a request that proved a SYN cookie).
   */
  relocate(server: boolean, toCode: number, t: number, packet: number, cause: number, inferred: boolean): void {
    const d = this.data;
    for (let i = 0; i < this.used; i += 3) {
      const code = d[i + 2]!;
      if (((code & SERVER_BIT) !== 0) !== server || ((code >> TO_SHIFT) & STATE_MASK) !== toCode) continue;
      d[i] = t;
      d[i + 1] = packet;
      d[i + 2] = (code & ((1 << CAUSE_SHIFT) - 1) & ~INFERRED_BIT) | (inferred ? INFERRED_BIT : 0) | (cause << CAUSE_SHIFT);
      return;
    }
  }

  /** The output timeline, in the order the transitions were recorded. */
  build(): Transition[] {
    const d = this.data;
    const out = new Array<Transition>(this.used / 3);
    for (let i = 0, k = 0; i < this.used; i += 3, k++) {
      const code = d[i + 2]!;
      out[k] = newTransition(d[i]!, d[i + 1]!, (code & SERVER_BIT) !== 0 ? 'server' : 'client',
        STATES[(code >> FROM_SHIFT) & STATE_MASK]!, STATES[(code >> TO_SHIFT) & STATE_MASK]!,
        causes[code >> CAUSE_SHIFT]!, (code & INFERRED_BIT) !== 0);
    }
    return out;
  }
}

/**
 * One timeline entry. Both shapes are built whole as literals (`inferred` only when true, as the
 * JSON contract has it), so no object changes shape after it is made.
 */
export function newTransition(t: number, packet: number, endpoint: EndpointRole, from: TcpState, to: TcpState,
  cause: string, inferred: boolean): Transition {
  return inferred ? { t, packet, endpoint, from, to, cause, inferred: true } : { t, packet, endpoint, from, to, cause };
}
