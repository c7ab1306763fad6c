/**
 * The parts of an HTML report's data that the pipeline makes (pipeline/report-digest.ts and
 * report-packets.ts): the connection table's columns, a detailed connection's segments, the RTT
 * histograms, the listeners' SYN-queue events. src/report/html/data.ts puts them together with the
 * rest of the page's data (schema/report-data.schema.json); they live here so that imports run down
 * the pipeline (report uses pipeline, not the other way).
 */
import type { AnomalyId, CloseKind, HandshakeOutcome, TcpState, ZeekConnState } from '../flow/model.js';

/**
 * The connection table, one array per column, `embedded` entries each, in trouble order (worst
 * anomaly severity, then failed handshakes, then the number of anomalies, then id: the terminal
 * table's order), so a row's index is its trouble rank. Times are seconds relative to `base` (the summary's start), rounded to the µs.
 * Enumerated columns hold indexes into `enums`.
 */
export interface ReportRows {
  /** Connections that matched (every one when no filter was given). */
  total: number;
  /** Rows in the arrays below: min(total, the row bound); the rest were the least troubled. */
  embedded: number;
  /** Seconds since the epoch that `start` counts from (null when there is no connection). */
  base: number | null;
  /** Distinct addresses, referred to by cip / sip. */
  ips: string[];
  id: number[];
  cip: number[];
  cport: number[];
  sip: number[];
  sport: number[];
  start: number[];
  duration: number[];
  /** Index in enums.outcomes / enums.closes / enums.states / enums.zeek. */
  outcome: number[];
  close: number[];
  clientState: number[];
  serverState: number[];
  zeek: number[];
  /** Handshake RTT (SYN → completing ACK, else SYN → SYN-ACK), seconds; null when not measured. */
  rtt: Array<number | null>;
  packetsClient: number[];
  packetsServer: number[];
  bytesClient: number[];
  bytesServer: number[];
  /**
   * Anomalies of the connection as "idx:count" pairs joined by "," (idx into enums.anomalies), listed
   * and omitted occurrences together; "" for none.
   */
  anomalies: string[];
  /** Bits: 1 roles inferred from ports, 2 shown in detail (in `details`). */
  flags: number[];
}

export interface ReportEnums {
  outcomes: HandshakeOutcome[];
  closes: CloseKind[];
  states: TcpState[];
  zeek: ZeekConnState[];
  anomalies: AnomalyId[];
}

export const ROW_ROLE_INFERRED = 1;
export const ROW_DETAILED = 2;

/**
 * The segments of one detailed connection, from the second read of the capture, one array per
 * column. `t` is seconds since the connection's start (µs). seq/ack are raw (absolute) numbers.
 */
export interface ReportPackets {
  /** Segments of the connection found on the second read, and how many are embedded (the first ones). */
  found: number;
  embedded: number;
  packet: number[];
  t: number[];
  /** 1 = sent by the client. */
  fromClient: number[];
  /** The 9 TCP flag bits (FIN 0x01 ... AE 0x100). */
  flags: number[];
  seq: number[];
  ack: number[];
  /** Payload length (from the IP length). */
  len: number[];
  /** The window field as sent (unscaled). */
  window: number[];
  /** TCP header length in bytes (data offset × 4, as written). */
  headerLen: number[];
  checksum: number[];
  urgent: number[];
  /** IPv4 TTL / IPv6 hop limit. */
  ttl: number[];
  /** Outermost VLAN id, or -1. */
  vlan: number[];
  /** Options as tcpdump prints them ("[mss 1460,sackOK,...]"), "" when none. */
  options: string[];
  /** SACK blocks as raw [left, right, left, right...], [] when none. */
  sack: number[][];
  /** Decode issues ("truncated", "bad-checksum"...) joined by ",", "" for none. */
  issues: string[];
}

/** A log-scale histogram: counts[i] holds values in [edges[i], edges[i+1]). */
export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface RttHistograms {
  /** Completed handshakes: SYN → SYN-ACK and SYN-ACK → completing ACK, on the same bins. */
  synToSynAck: Histogram;
  synAckToAck: Histogram;
  /** Values outside the bins' range (counted in the first or last bin as well). */
  clamped: number;
}

/**
 * What the connections of one listener say about its SYN queue, drawn as marks on its chart: the
 * occurrences of each id in LISTENER_EVENT_IDS at the packet and time the anomaly names (the SYN left
 * unanswered, the stateless SYN-ACK, the server's last SYN-ACK before it gave up). The first
 * bounds.eventsPerListener of each id are listed; `count` has them all.
 */
export interface ListenerEvents {
  id: AnomalyId;
  count: number;
  t: number[];
  packet: number[];
}

/** Connection anomalies that are also events of the server's listener (its SYN queue). */
export const LISTENER_EVENT_IDS: readonly AnomalyId[] = [
  'syn-dropped', 'syn-unanswered', 'handshake-timeout', 'stateless-answer', 'half-open-expired', 'accept-queue-overflow',
];
