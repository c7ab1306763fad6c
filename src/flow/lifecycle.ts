/**
 * A connection's life in the flow table, as far as it is a function of its record: how a new record
 * is filled from its first segment (who is the client), whether a SYN on a known 4-tuple starts a new
 * connection, and when a connection is through. The tracker (tracker.ts) owns the table and the
 * expiry lists and calls these; records come from and go back to a RecordPool.
 */
import { FLAG, type Segment } from '../decode/segment.js';
import { Embryo } from './embryo.js';
import { LOG_CAPACITY, LogSlab } from './handshake-log.js';
import { ANSWER_PENDING, Conn, LIST_CLOSING, LIST_DONE, NO_LOG, type Endpoint } from './conn.js';
import { LIKELY_SERVER_PORTS } from './zeek.js';

/**
 * Emitted connection records kept for reuse. Connections are emitted about as fast as new ones
 * start, so a few suffice; the bound keeps a burst of emissions from pinning memory.
 */
const MAX_SPARE_RECORDS = 4096;

/** Connection records for reuse (see conn.ts: a recycled record allocates nothing). */
export class RecordPool {
  private readonly spare: Conn[] = [];
  /**
   * Handshake logs, lent to a record from take() until its log ends (endLog) or it is given back: only
   * connections still in their handshake hold one.
   */
  private readonly logs: Float64Array[] = [];

  /** A fresh connection record, with a handshake log: a recycled one when there is one, else a new one. */
  take(): Conn {
    let c = this.spare.pop();
    if (c === undefined) c = new Conn(); else c.reset();
    c.hsLog = this.logs.pop() ?? new Float64Array(LOG_CAPACITY);
    return c;
  }

  /** c's handshake log ended (anything but a SYN or SYN-ACK came, or it was compacted): the log goes back. */
  endLog(c: Conn): void {
    c.hsLogging = false;
    if (c.hsLog === NO_LOG) return;
    if (this.logs.length < MAX_SPARE_RECORDS) this.logs.push(c.hsLog);
    c.hsLog = NO_LOG;
  }

  /** Keep an emitted connection's record for reuse, up to MAX_SPARE_RECORDS. */
  give(c: Conn): void {
    this.endLog(c);
    if (this.spare.length < MAX_SPARE_RECORDS) this.spare.push(c);
  }

  /** Let the spare records and logs go (memory pressure: tracker.ts evict). */
  clear(): void {
    this.spare.length = 0;
    this.logs.length = 0;
  }
}

/**
 * Embryos (embryo.ts) kept for reuse, as RecordPool keeps connection records, with the slab their
 * logs live in: a pooled embryo keeps its slot; one let go gives it back.
 */
export class EmbryoPool {
  private readonly spare: Embryo[] = [];
  private readonly slab = new LogSlab();

  take(): Embryo {
    const e = this.spare.pop();
    if (e === undefined) {
      const slot = this.slab.alloc();
      return new Embryo(slot, this.slab.chunk(slot), this.slab.offset(slot));
    }
    e.reset();
    return e;
  }

  give(e: Embryo): void {
    if (this.spare.length < MAX_SPARE_RECORDS) this.spare.push(e); else this.slab.release(e.slot);
  }

  /** Let the spare records go (memory pressure: tracker.ts evict); their slots are reused by new ones. */
  clear(): void {
    for (const e of this.spare) this.slab.release(e.slot);
    this.spare.length = 0;
  }
}

function isServerPort(p: number): boolean {
  return p < 1024 || LIKELY_SERVER_PORTS.has(p);
}

/** Fill a fresh record from the connection's first segment (side A is that segment's source). */
export function initRecord(c: Conn, seg: Segment, t: number, hash: number, id: number): void {
  c.ipVersion = seg.ipVersion;
  c.a0 = seg.src[0]!; c.a1 = seg.src[1]!; c.a2 = seg.src[2]!; c.a3 = seg.src[3]!; c.portA = seg.srcPort;
  c.b0 = seg.dst[0]!; c.b1 = seg.dst[1]!; c.b2 = seg.dst[2]!; c.b3 = seg.dst[3]!; c.portB = seg.dstPort;
  if (c.ipVersion !== 6) { c.a1 = c.a2 = c.a3 = 0; c.b1 = c.b2 = c.b3 = 0; }
  c.hash = hash;
  c.id = id;
  c.start = c.end = c.lastTime = t;
  c.firstPacket = c.lastPacket = seg.frameNo;
  c.zeek.begin(seg.flags, seg.srcPort, seg.dstPort);

  const syn = (seg.flags & FLAG.SYN) !== 0, ack = (seg.flags & FLAG.ACK) !== 0;
  if (syn && !ack) c.clientIsA = true;
  else if (syn && ack) c.clientIsA = false;
  else {
    // Mid-stream pickup: a well-known (or lower, when both are) port is the server's; otherwise
    // the first packet's destination is.
    c.roleInferred = true;
    c.midStream = true;
    const sp = isServerPort(seg.srcPort), dp = isServerPort(seg.dstPort);
    if (sp && !dp) c.clientIsA = false;
    else if (sp && dp) c.clientIsA = seg.srcPort > seg.dstPort;
    else c.clientIsA = true;
  }
}

/** A SYN (no ACK) on a known 4-tuple: same connection (retransmission, late SYN) or a new one? */
export function startsNewConnection(c: Conn, fromA: boolean, seg: Segment): boolean {
  const s = c.sender(fromA);
  if (s.synSeen) return seg.seq !== s.isn;                       // same ISN: retransmitted SYN
  if (s === c.client && c.server.synSeen) return seg.seq !== ((c.synAckAck - 1) >>> 0); // late SYN after its SYN-ACK
  if (s === c.server && c.client.synSeen && !c.server.synSeen && c.client.state === 'SYN_SENT') return false; // simultaneous open
  // A SYN on a connection that was picked up mid-stream, or whose other side opened it: a new one
  // unless the connection is still plainly open (then it is an odd SYN inside the connection).
  return c.list === LIST_CLOSING || c.list === LIST_DONE || c.midStream === false;
}

/**
 * An endpoint that is through: TIME_WAIT, or CLOSED after having been somewhere, or about to be once
 * the ACK of its FIN that passed is confirmed (a denial while it lingers puts it back in LAST_ACK or
 * CLOSING; its linger only holds the record).
 */
function ended(e: Endpoint): boolean {
  return e.state === 'TIME_WAIT' || (e.state === 'CLOSED' && e.reachedClosed) ||
    (e.awaited === 'receive ACK of FIN' && (e.state === 'LAST_ACK' || e.state === 'CLOSING'));
}

/** A server with nothing more to do for this connection: never answered, back in LISTEN, or ended. */
function serverDone(sv: Endpoint): boolean {
  return ended(sv) || sv.state === 'LISTEN' || (sv.state === 'CLOSED' && !sv.synSeen);
}

/**
 * Both sides are through with it: CLOSED (after having been open), TIME_WAIT, or a server with
 * nothing of this connection left (LISTEN, or never answering a client that has given up or been
 * refused). Nothing awaits the wire's evidence any more.
 */
export function isFinished(c: Conn): boolean {
  const cl = c.client, sv = c.server;
  if (cl.pendingFin || sv.pendingFin || cl.awaited === 'receive ACK of SYN' || sv.awaited === 'receive ACK of SYN') return false;
  if (ended(cl) && serverDone(sv)) return true;
  // The client never showed an answer (a spoofed source, a host gone): nothing of it is left to see
  // once the server is done (it dropped the request, answered statelessly, or went back to LISTEN).
  const silentClient = cl.state === 'CLOSED' || (cl.state === 'SYN_SENT' && !cl.everEstablished);
  return silentClient && (ended(sv) || (sv.state === 'LISTEN' && c.answer !== ANSWER_PENDING && !sv.inQueue));
}

/** When a connection closed (finished, or its first TIME_WAIT began); null when it never did. */
export function closedAt(c: Conn): number | null {
  if (c.finishedT >= 0) return c.finishedT;
  if (c.client.timeWaitT > 0 || c.server.timeWaitT > 0) return Math.max(c.client.timeWaitT, c.server.timeWaitT);
  return null;
}
