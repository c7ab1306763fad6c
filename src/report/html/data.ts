/**
 * What an HTML report embeds: one JSON document in `<script type="application/json" id="synack-data">`,
 * described by schema/report-data.schema.json (reportVersion 1). The page's script draws everything from
 * it; a tool can read it back too. Connections, listeners, the summary and inputs are the `--json`
 * shapes (schema/analyze.schema.json); the connection table is columnar (one array per column) so that
 * hundreds of thousands of rows stay small and parse fast.
 *
 * Shared by the Node side (which builds it) and the browser side (which draws it): types only here,
 * nothing that runs.
 */
import type {
  AnomalyId, CloseKind, Connection, HandshakeOutcome, Listener, Severity, TcpState, ZeekConnState,
} from '../../flow/model.js';
import type { Summary } from '../../pipeline/summary.js';
import type { InputSummary } from '../../pipeline/types.js';

export const REPORT_DATA_VERSION = 1;

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
export const LISTENER_EVENT_IDS: readonly AnomalyId[] = ['syn-unanswered', 'handshake-timeout', 'stateless-answer', 'half-open-expired'];

export interface CatalogueEntry {
  id: AnomalyId;
  severity: Severity;
  meaning: string;
  reference: string;
  /** What usually causes it, and what to check. */
  causes: string;
  check: string;
}

export interface ReportData {
  reportVersion: 1;
  tool: { name: 'synack'; version: string };
  options: { mslSeconds: number; idleTimeoutSeconds: number; synFloodThreshold: number; verifyChecksums: boolean };
  /** When filters narrowed the table: how they read ("--port 443"). */
  filter: string | null;
  inputs: InputSummary[];
  summary: Summary;
  /** The busiest listeners (most connections, then the highest half-open peak), at most the bound. */
  listeners: Listener[];
  listenersTotal: number;
  /** By listener ("ip port", as in `listeners`): its connections' SYN-queue events. */
  listenerEvents: Record<string, ListenerEvents[]>;
  rtt: RttHistograms;
  enums: ReportEnums;
  rows: ReportRows;
  /**
   * Connections shown in detail (the worst ones, and any asked for by id), as `--json` has them but
   * with at most the report's bound of listed anomalies per id (the rest counted in anomaliesOmitted).
   */
  details: Connection[];
  /** By connection id (as a string key); absent for a connection whose segments were not read. */
  packets: Record<string, ReportPackets>;
  /** Why some connections have no packets (standard input, --no-ladder), when so. */
  packetsNote: string | null;
  /** Bounds the report applied, so the page can say what it left out. */
  bounds: { rows: number; details: number; packetsPerConnection: number; listeners: number; anomaliesPerId: number; eventsPerListener: number };
  catalogue: CatalogueEntry[];
}
