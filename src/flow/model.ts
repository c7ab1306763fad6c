/**
 * The flow stage's product: connections with both endpoints' RFC 793 timelines, anomalies and
 * listener views. These shapes ARE the `--json` / `--ndjson` contract (schema/analyze.schema.json):
 * field names are kept stable for the tools that read them.
 */

/** RFC 793 §3.2 / RFC 9293 §3.3.2 states, spelled with underscores. */
export type TcpState =
  | 'CLOSED' | 'LISTEN' | 'SYN_SENT' | 'SYN_RECEIVED' | 'ESTABLISHED'
  | 'FIN_WAIT_1' | 'FIN_WAIT_2' | 'CLOSE_WAIT' | 'CLOSING' | 'LAST_ACK' | 'TIME_WAIT';

export type EndpointRole = 'client' | 'server';
export type Severity = 'error' | 'warning' | 'info';

/** Anomaly ids: defined with severity, meaning and reference in src/flow/anomalies.ts (the catalogue). */
export type AnomalyId =
  // handshake
  | 'syn-retransmission' | 'synack-retransmission' | 'lost-handshake-ack' | 'handshake-refused'
  | 'half-open' | 'simultaneous-open' | 'bad-handshake-ack' | 'syn-with-data' | 'options-mismatch'
  | 'handshake-timeout' | 'syn-unanswered' | 'stateless-answer' | 'half-open-expired' | 'syn-dropped'
  | 'accept-queue-overflow'
  // teardown
  | 'simultaneous-close' | 'lost-final-ack' | 'fin-retransmission' | 'reset' | 'half-closed'
  | 'time-wait-reuse'
  // data phase
  | 'retransmission' | 'out-of-order' | 'duplicate-ack' | 'zero-window' | 'keep-alive'
  | 'keep-alive-ack' | 'window-update' | 'window-full' | 'zero-window-probe' | 'zero-window-probe-ack'
  // capture gaps
  | 'previous-segment-not-captured' | 'acked-unseen-segment'
  // malformed or odd
  | 'invalid-flags' | 'bad-checksum' | 'malformed-option' | 'bad-header-length' | 'truncated'
  | 'data-before-handshake' | 'port-zero'
  // listeners
  | 'syn-flood' | 'syn-queue-overflow' | 'syn-cookies'
  // the analysis itself
  | 'evicted';

export interface Address { ip: string; port: number }

export interface Transition {
  /** Seconds since the epoch. */
  t: number;
  /** Frame number in the capture (1-based). */
  packet: number;
  endpoint: EndpointRole;
  from: TcpState;
  to: TcpState;
  /**
   * What caused it, e.g. "sent SYN", "received ACK of FIN", "gave up: no SYN-ACK re-sent by +7.000 s
   * after 2 re-sends". A transition caused by a received segment sits at that segment (`packet`), once
   * the wire showed it arrived (the receiver's own later segment, or its silence).
   */
  cause: string;
  /** True when the transition was deduced (a listener, a timer, a segment not captured), not seen on the wire. */
  inferred?: boolean;
}

export interface AnomalyOccurrence {
  id: AnomalyId;
  severity: Severity;
  packet: number;
  t: number;
  /** Which endpoint the anomaly is about (sent the segment, or is stuck); null for connection-wide. */
  endpoint: EndpointRole | null;
  message: string;
  /** Extra machine-readable facts (intervals, counts, states). */
  details?: Record<string, unknown>;
  /**
   * 'uncertain' when the verdict rests on a packet's absence and the capture may have missed packets
   * around it (flow/confidence.ts); absent when certain.
   */
  confidence?: 'uncertain';
  /** Why it is uncertain, in words ("1,204 packets dropped by the kernel during the capture"). */
  uncertainBecause?: string;
}

export interface OfferedOptions {
  /** ISN (raw, absolute); null when that side's SYN was not seen. */
  isn: number | null;
  mss: number | null;
  wscale: number | null;
  sackPermitted: boolean;
  timestamps: boolean;
  /** TFO: null = no TFO option; '' = cookie request; hex string = cookie. */
  fastOpen: string | null;
}

export interface Negotiated {
  /** Both offered window scale (RFC 7323 §2.2); the shifts apply only then. */
  windowScaling: boolean;
  clientWscale: number | null;
  serverWscale: number | null;
  sackPermitted: boolean;
  timestamps: boolean;
  /** min of both MSS offers (536 for a side that sent none, RFC 9293 §3.7.1); null when no SYN seen. */
  effectiveMss: number | null;
}

export type HandshakeOutcome =
  | 'complete'            // SYN, SYN-ACK, ACK seen (or completion deduced from the client's first data/ACK)
  | 'refused'             // RST answered the SYN
  | 'no-answer'           // SYN(s) and nothing back
  | 'half-open'           // SYN-ACK sent, client never completed
  | 'reset'               // aborted by RST during the handshake (not a refusal)
  | 'simultaneous-open'
  | 'not-seen';           // picked up mid-stream

export interface Handshake {
  outcome: HandshakeOutcome;
  rtt: { synToSynAck: number | null; synAckToAck: number | null; total: number | null };
  synRetransmissions: number;
  synAckRetransmissions: number;
  /** Times (seconds since the epoch) of the first SYN, first SYN-ACK and the completing ACK. */
  synTime: number | null;
  synAckTime: number | null;
  ackTime: number | null;
  client: OfferedOptions;
  server: OfferedOptions;
  negotiated: Negotiated;
  /** Does the SYN-ACK acknowledge the client ISN+1? null when not observable. */
  synAckAckValid: boolean | null;
  /** Does the final ACK acknowledge the server ISN+1? */
  finalAckValid: boolean | null;
}

export type CloseKind =
  | 'four-way'        // both FINs, both acknowledged
  | 'simultaneous'    // FINs crossed, both sides went through CLOSING
  | 'reset'
  | 'half-closed'     // one FIN, the peer never sent its own before the capture ended
  | 'fin-unacked'     // both FINs seen, last one never acknowledged (lost final ACK)
  | 'open'            // still open at capture end or idle timeout
  | 'never-opened';   // handshake never completed

export interface Close {
  kind: CloseKind;
  /** Who sent the first FIN (or RST); null when nobody closed. */
  initiator: EndpointRole | null;
  finRetransmissions: number;
  finTimes: { client: number | null; server: number | null };
  /** Who sent the first RST, and the state it was in. */
  resetBy: EndpointRole | null;
}

export interface Connection {
  /** 1-based, in order of the connection's first packet. */
  id: number;
  client: Address;
  server: Address;
  ipVersion: 4 | 6;
  /** True when roles come from port heuristics (no SYN / SYN-ACK seen). */
  roleInferred: boolean;
  start: number;
  end: number;
  /** Frame numbers of the first and last packet. */
  firstPacket: number;
  lastPacket: number;
  packets: { client: number; server: number };
  /** Payload bytes (from IP lengths). */
  bytes: { client: number; server: number };
  handshake: Handshake;
  close: Close;
  /**
   * Where each endpoint's timeline starts: CLOSED, or ESTABLISHED for a connection picked up
   * mid-stream (inferred: no handshake was seen). Timelines go forward from here, arc by arc.
   */
  initialStates: { client: TcpState; server: TcpState };
  finalStates: { client: TcpState; server: TcpState };
  timeline: Transition[];
  /**
   * Segments that passed the capture point and never reached their receiver (its peer re-sent what they
   * acknowledged): frame numbers. Present only when some were.
   */
  lostSegments?: number[];
  anomalies: AnomalyOccurrence[];
  /**
   * Occurrences counted but not listed in `anomalies`, by id: past MAX_LISTED_PER_ID (1,000) of one id
   * on one connection (flow/anomalies.ts). Present only when some were.
   */
  anomaliesOmitted?: Partial<Record<AnomalyId, number>>;
  zeek: { connState: ZeekConnState; history: string };
  /**
   * What the capture missed of this connection, per direction (the data each endpoint sent); present
   * only when it missed something. Verdicts that rest on a packet's absence are less sure then.
   */
  gaps?: { client: DirectionGaps; server: DirectionGaps };
  /** Segments of this connection whose payload the snaplen cut (the IP length says more was sent); present only when some were. */
  cutSegments?: number;
  /**
   * Why the verdicts on this connection that rest on a packet's absence are uncertain (capture drops,
   * gaps, cut segments: flow/confidence.ts); present only when it has such a verdict and a reason.
   */
  uncertainBecause?: string[];
  /**
   * Present when some of its segments are stamped earlier than one before them (the capture's clock
   * stepped back, files merged out of order): how many, the first, the largest step in seconds. Each
   * was timed as the latest before it; a handshake RTT across a step is null (not measurable).
   */
  timeStepsBack?: { segments: number; firstPacket: number; largestSeconds: number };
  /**
   * Why the tracker emitted it: closed and lingered, idle timeout, end of input, 'reused': a new
   * SYN (different ISN) took over its 4-tuple before it had closed, or 'evicted': finished early under
   * memory pressure (pipeline/memory-guard.ts), its end not seen.
   */
  endReason: 'closed' | 'idle' | 'end-of-input' | 'reused' | 'evicted';
}

/**
 * Capture gaps in the data one endpoint sent (flow/data-analysis.ts). A payload cut by the snaplen is
 * not a gap: lengths come from the IP header.
 */
export interface DirectionGaps {
  /** Sequence jumps past the next expected byte (`previous-segment-not-captured`). */
  skippedSegments: number;
  /** Sequence space those jumps skipped, in bytes (later retransmissions may have shown some of it). */
  skippedBytes: number;
  /** ACKs from the peer covering bytes of this direction the capture had not shown (`acked-unseen-segment`). */
  ackedUnseen: number;
  /** Bytes the peer acknowledged beyond the highest sequence number the capture showed (never seen at all). */
  ackedUnseenBytes: number;
  /** First and last packet (frame number) and time (seconds since the epoch) of these; null when none. */
  firstPacket: number | null;
  lastPacket: number | null;
  firstTime: number | null;
  lastTime: number | null;
}

export type ZeekConnState =
  | 'S0' | 'S1' | 'SF' | 'REJ' | 'S2' | 'S3' | 'RSTO' | 'RSTR' | 'RSTOS0' | 'RSTRH' | 'SH' | 'SHR' | 'OTH';

export interface Listener {
  ip: string;
  port: number;
  connections: number;
  completed: number;
  refused: number;
  /** Requests in its SYN queue (servers in SYN_RECEIVED it answered statefully) at the end. */
  halfOpenNow: number;
  halfOpenPeak: number;
  halfOpenPeakTime: number | null;
  /** (t, count) points of its SYN queue depth, one per change (thinned to the latest 1,000 for long series). */
  halfOpenSeries: Array<[t: number, count: number]>;
  anomalies: AnomalyOccurrence[];
  synQueue: SynQueueView;
}

/** A listener's SYN queue as the wire shows it (flow/listeners.ts). */
export interface SynQueueView {
  /** SYNs it answered with a SYN-ACK (kept in its queue or not). */
  answered: number;
  /** Answers it kept no request for (SYN cookies: no SYN-ACK re-sent past its first re-send time), and the first one's time. */
  stateless: number;
  statelessFrom: number | null;
  /** SYN copies it left unanswered (no SYN-ACK, no RST) while it answered others, and the first one's time. */
  dropped: number;
  dropsFrom: number | null;
  /** Queue depth when the first drop came: the most it held (Linux: listen backlog + 1). */
  inferredBacklog: number | null;
  /** Requests it dropped when its SYN-ACK back-off stopped, and how long they had survived (seconds). */
  expired: number;
  survival: { min: number; median: number; max: number } | null;
  /** Most SYN-ACK re-sends before it gave up (Linux tcp_synack_retries), its first re-send interval (initial RTO). */
  resendLimit: number | null;
  initialTimeout: number | null;
  /** Handshake ACKs it ignored while its accept queue was full (it re-sent its SYN-ACK after them). */
  acceptOverflows: number;
}

export interface TrackerOptions {
  /** Maximum segment lifetime in seconds; TIME_WAIT lasts 2×MSL. Default 30. */
  mslSeconds: number;
  /** A connection idle this long (seconds of capture time) is emitted as is. Default 300. */
  idleTimeoutSeconds: number;
  /** Half-open count on one listener that raises `syn-flood`. Default 64. */
  synFloodThreshold: number;
  /** Keep at most this many points per listener's half-open series. Default 1000. */
  maxSeriesPoints: number;
  /**
   * Closed connections kept lingering (2×MSL) at most; beyond, the oldest is emitted early (its
   * TIME_WAIT end not seen) and only its 4-tuple and ISN are kept until 2×MSL. Default 1024.
   */
  maxLingering?: number;
  /**
   * Give-ups (a SYN or SYN-ACK back-off inferred stopped) that may wait at once for a copy from a slower
   * sender than Linux before they are decided (flow/hold-budget.ts); beyond, one is decided when its
   * next copy is overdue by the Linux schedule. Default 4096.
   */
  maxHeldGiveUps?: number;
  /**
   * Listener records held at most; beyond, the least busy listeners holding no connection are folded
   * into counts (flow/listener-fold.ts). Default 10,000.
   */
  maxListeners?: number;
  /**
   * Compact connections stuck in their handshake (flow/embryo.ts; default true, never with live
   * events). Off gives the same output with a full record per connection (the tests compare them).
   */
  compactEmbryos?: boolean;
  /**
   * Handshakes in progress (connections held, none of whose ends was ESTABLISHED yet) above which a new
   * connection is made ready for compaction: its handshake logged, and looked at DEMOTE_AFTER later.
   * A flood passes this within milliseconds; an ordinary capture never does, and skips that work.
   * Default 2048; 0: every connection (the tests that compare compaction on and off).
   */
  compactFrom?: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  mslSeconds: 30,
  idleTimeoutSeconds: 300,
  synFloodThreshold: 64,
  maxSeriesPoints: 1000,
};

/** Live events, for `sniff` (streamed as they happen). */
export type FlowEvent =
  | { type: 'connection-start'; t: number; packet: number; connection: number; client: Address; server: Address; roleInferred: boolean }
  | { type: 'transition'; connection: number; transition: Transition }
  | { type: 'anomaly'; connection: number | null; anomaly: AnomalyOccurrence }
  | { type: 'connection-end'; connection: Connection };

export interface TrackerTotals {
  segments: number;
  connections: number;
  /** Segments the tracker could not place in a connection (should stay 0; counted, never dropped silently). */
  unplaced: number;
  /** Peak of connections held in memory at once. */
  peakConcurrent: number;
  /**
   * Segments that arrived for a connection already emitted early (see maxLingering), during its
   * 2×MSL: counted, not analysed.
   */
  late: number;
  /**
   * Segments stamped earlier than their connection's latest (timed as that: flow/clock-steps.ts), the
   * connections with some, and handshake RTTs not reported because they span such a step.
   */
  timeStepsBack?: number;
  timeStepConnections?: number;
  rttExcluded?: number;
  /**
   * Connections finished early under memory pressure (Tracker.evict), and of them those whose handshake
   * never completed (half-open or unanswered: they go first).
   */
  evicted?: number;
  evictedIncomplete?: number;
}
