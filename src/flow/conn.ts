/**
 * The tracker's in-memory records: one Conn per connection, holding one Endpoint per side (client,
 * server), each with its own RFC 793 state. Fields are plain numbers and booleans so a packet
 * updates them in place; arrays (timeline, anomalies, intervals) are created on first use.
 */
import type { TableEntry } from './conn-table.js';
import type { ListenerRecord } from './listeners.js';
import type { AnomalyOccurrence, EndpointRole, TcpState, Transition } from './model.js';
import type { ZeekView } from './zeek.js';

export class Endpoint {
  state: TcpState = 'CLOSED';
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

  timeline: Transition[] | null = null;
  anomalies: AnomalyOccurrence[] | null = null;
  zeek!: ZeekView;
  listener!: ListenerRecord;

  // Expiry lists (doubly linked, ordered by lastTime).
  list = LIST_NONE;
  prev: Conn | null = null;
  next: Conn | null = null;

  sender(fromA: boolean): Endpoint { return fromA === this.clientIsA ? this.client : this.server; }
  receiver(fromA: boolean): Endpoint { return fromA === this.clientIsA ? this.server : this.client; }
  peerOf(ep: Endpoint): Endpoint { return ep === this.client ? this.server : this.client; }
}

/** A doubly linked list of connections ordered by last activity (append at the tail). */
export class ConnList {
  head: Conn | null = null;
  tail: Conn | null = null;
  constructor(readonly tag: number) {}

  push(c: Conn): void {
    c.list = this.tag;
    c.prev = this.tail;
    c.next = null;
    if (this.tail !== null) this.tail.next = c; else this.head = c;
    this.tail = c;
  }

  remove(c: Conn): void {
    if (c.prev !== null) c.prev.next = c.next; else this.head = c.next;
    if (c.next !== null) c.next.prev = c.prev; else this.tail = c.prev;
    c.prev = c.next = null;
    c.list = LIST_NONE;
  }

  touch(c: Conn): void {
    if (this.tail === c) return;
    this.remove(c);
    this.push(c);
  }
}

