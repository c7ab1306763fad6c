/**
 * The tracker's in-memory records: one Conn per connection, holding one Endpoint per side (client,
 * server), each with its own RFC 793 state. Fields are plain numbers and booleans so a packet
 * updates them in place; arrays (anomalies, intervals) are created on first use.
 *
 * Records are recycled: once a connection is emitted, the tracker keeps its Conn (with both
 * Endpoints, the Zeek view and the timeline log) for the next connection, and `reset()` puts every
 * field back to its initial value. A record lives through a connection's 2×MSL linger, long enough
 * for the garbage collector to promote it, so a new one per connection was costly; reused ones
 * allocate nothing. Every field declared here must be reset there (test/flow/units.test.ts checks).
 */
import type { ClockSteps } from './clock-steps.js';
import type { TableEntry } from './conn-table.js';
import type { ListenerRecord } from './listeners.js';
import type { AnomalyId, AnomalyOccurrence, EndpointRole, TcpState } from './model.js';
import { TimelineLog } from './timeline-log.js';
import { ZeekView } from './zeek.js';

export class Endpoint {
  state: TcpState = 'CLOSED';
  /** `state` as a small code (timeline-log.ts stateCode; CLOSED is 0), kept with it by Tracker.apply. */
  stateCode = 0;
  everEstablished = false;
  wentClosing = false;
  wasLastAck = false;
  /** Reached CLOSED through a transition (not merely never opened). */
  reachedClosed = false;
  timeWaitT = 0;

  // Its SYN (or SYN-ACK): ISN, how often, when, what it offered.
  synSeen = false;
  synIsAck = false;
  isn = 0;
  synCount = 0;
  /** Payload carried by its first SYN (TCP Fast Open). */
  synDataLen = 0;
  synFirstT = 0;
  synLastT = 0;
  synIntervals: number[] | null = null;
  /** Its SYN has been acknowledged by the peer. */
  synAcked = false;
  /**
   * Re-sent its SYN-ACK after the ACK of it passed the capture point: that ACK had not arrived, so this
   * side went back to SYN_RECEIVED and the next ACK covering its SYN moves it to ESTABLISHED again.
   */
  awaitingSynAck = false;
  mss = -1;
  wscale = -1;
  sackPermitted = false;
  timestamps = false;
  fastOpen: string | null = null;

  // Sequence-space bookkeeping (per direction, no reassembly).
  hasNext = false;
  /** Highest sequence end sent (seq + payload + SYN + FIN): Wireshark's "next expected seq". */
  nextSeq = 0;
  /** Capture time when nextSeq last advanced. */
  advanceT = 0;
  hasAck = false;
  lastAck = 0;
  lastWin = -1;
  /** Duplicate ACKs in a row for lastAck. */
  dupAcks = 0;
  inZeroWindow = false;
  dataBeforeHandshakeFlagged = false;

  // Its FIN.
  finSent = false;
  /** Sequence number the FIN occupies. */
  finSeq = 0;
  finT = 0;
  finCount = 0;
  finAcked = false;
  /** The peer's FIN passed the capture point but its arrival here is not yet placed (crossing FINs). */
  pendingFin = false;
  pendingFinT = 0;
  pendingFinPacket = 0;
  /** This side sent its own FIN while the peer's FIN was still in flight to it. */
  pendingCrossed = false;

  rstSent = false;
  packets = 0;
  bytes = 0;

  constructor(readonly role: EndpointRole) {}

  reset(): void {
    this.state = 'CLOSED'; this.stateCode = 0;
    this.everEstablished = false; this.wentClosing = false; this.wasLastAck = false; this.reachedClosed = false;
    this.timeWaitT = 0;
    this.synSeen = false; this.synIsAck = false; this.isn = 0; this.synCount = 0; this.synDataLen = 0;
    this.synFirstT = 0; this.synLastT = 0; this.synIntervals = null; this.synAcked = false; this.awaitingSynAck = false;
    this.mss = -1; this.wscale = -1; this.sackPermitted = false; this.timestamps = false; this.fastOpen = null;
    this.hasNext = false; this.nextSeq = 0; this.advanceT = 0;
    this.hasAck = false; this.lastAck = 0; this.lastWin = -1; this.dupAcks = 0;
    this.inZeroWindow = false; this.dataBeforeHandshakeFlagged = false;
    this.finSent = false; this.finSeq = 0; this.finT = 0; this.finCount = 0; this.finAcked = false;
    this.pendingFin = false; this.pendingFinT = 0; this.pendingFinPacket = 0; this.pendingCrossed = false;
    this.rstSent = false; this.packets = 0; this.bytes = 0;
  }
}

export const LIST_NONE = 0, LIST_ACTIVE = 1, LIST_CLOSING = 2;

export class Conn implements TableEntry {
  ipVersion = 4;
  a0 = 0; a1 = 0; a2 = 0; a3 = 0; portA = 0;
  b0 = 0; b1 = 0; b2 = 0; b3 = 0; portB = 0;
  hash = 0;

  id = 0;
  clientIsA = true;
  roleInferred = false;
  midStream = false;
  readonly client = new Endpoint('client');
  readonly server = new Endpoint('server');

  start = 0;
  end = 0;
  firstPacket = 0;
  lastPacket = 0;
  /** Latest capture time seen on it (expiry clock). */
  lastTime = 0;
  finishedT = -1;

  // Handshake facts.
  synAckT = -1;
  /** Time of the last client SYN before the first SYN-ACK (for the RTT split). */
  synBeforeSynAckT = -1;
  lastSynAckBeforeAckT = -1;
  synAckAck = 0;
  ackT = -1;
  synAckAckValid: boolean | null = null;
  finalAckValid: boolean | null = null;
  simultaneousOpen = false;
  refused = false;
  handshakeReset = false;
  lostHandshakeAckFlagged = false;
  closeInitiator: EndpointRole | null = null;
  resetBy: EndpointRole | null = null;
  simultaneousCloseFlagged = false;

  /** The timeline as numbers (timeline-log.ts); Transition objects are built when it is emitted. */
  readonly timeline = new TimelineLog();
  anomalies: AnomalyOccurrence[] | null = null;
  /**
   * Listed occurrences by id, counted from the moment `anomalies` reaches MAX_LISTED_PER_ID entries
   * (no connection below that can have too many of one id), and what was counted but not listed.
   */
  listedById: Map<AnomalyId, number> | null = null;
  omittedById: Map<AnomalyId, number> | null = null;
  readonly zeek = new ZeekView();
  listener!: ListenerRecord;
  /** Segments stamped earlier than the connection's latest (clock-steps.ts); null when none was. */
  clockSteps: ClockSteps | null = null;

  // Expiry lists (doubly linked, ordered by lastTime).
  list = LIST_NONE;
  prev: Conn | null = null;
  next: Conn | null = null;

  /** Back to a fresh record (all fields as initialised above), for the next connection. */
  reset(): void {
    this.ipVersion = 4;
    this.a0 = 0; this.a1 = 0; this.a2 = 0; this.a3 = 0; this.portA = 0;
    this.b0 = 0; this.b1 = 0; this.b2 = 0; this.b3 = 0; this.portB = 0;
    this.hash = 0;
    this.id = 0; this.clientIsA = true; this.roleInferred = false; this.midStream = false;
    this.client.reset(); this.server.reset();
    this.start = 0; this.end = 0; this.firstPacket = 0; this.lastPacket = 0; this.lastTime = 0; this.finishedT = -1;
    this.synAckT = -1; this.synBeforeSynAckT = -1; this.lastSynAckBeforeAckT = -1; this.synAckAck = 0; this.ackT = -1;
    this.synAckAckValid = null; this.finalAckValid = null;
    this.simultaneousOpen = false; this.refused = false; this.handshakeReset = false; this.lostHandshakeAckFlagged = false;
    this.closeInitiator = null; this.resetBy = null; this.simultaneousCloseFlagged = false;
    this.timeline.clear();
    this.anomalies = null;
    this.listedById = null;
    this.omittedById = null;
    this.zeek.reset();
    this.clockSteps = null;
    // listener is set by the tracker for every connection.
    this.list = LIST_NONE; this.prev = null; this.next = null;
  }

  sender(fromA: boolean): Endpoint { return fromA === this.clientIsA ? this.client : this.server; }
  receiver(fromA: boolean): Endpoint { return fromA === this.clientIsA ? this.server : this.client; }
  peerOf(ep: Endpoint): Endpoint { return ep === this.client ? this.server : this.client; }
}

/** A doubly linked list of connections ordered by last activity (append at the tail). */
export class ConnList {
  head: Conn | null = null;
  tail: Conn | null = null;
  /**
   * The head's lastTime (Infinity when empty), mirrored here: the expiry check runs on every
   * packet, and reading it from the head would load the least recently used record each time.
   */
  headTime = Infinity;
  constructor(readonly tag: number) {}

  push(c: Conn): void {
    c.list = this.tag;
    c.prev = this.tail;
    c.next = null;
    if (this.tail !== null) this.tail.next = c; else { this.head = c; this.headTime = c.lastTime; }
    this.tail = c;
  }

  remove(c: Conn): void {
    if (c.prev !== null) c.prev.next = c.next;
    else { this.head = c.next; this.headTime = c.next !== null ? c.next.lastTime : Infinity; }
    if (c.next !== null) c.next.prev = c.prev; else this.tail = c.prev;
    c.prev = c.next = null;
    c.list = LIST_NONE;
  }

  /** c had a packet (its lastTime may have moved): to the tail. */
  touch(c: Conn): void {
    if (this.tail === c) {
      if (this.head === c) this.headTime = c.lastTime;
      return;
    }
    this.remove(c);
    this.push(c);
  }
}

