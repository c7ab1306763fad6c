/**
 * What `synack explain` returns: one of five shapes, told apart by `kind`. This IS the `explain --json`
 * contract (schema/explain.schema.json, schemaVersion 1); the text renderer (report/explain.ts) prints
 * the same data. Texts are sentences; everything a program would compute on is a field beside them.
 */
import type { AnomalyPhase, CheckStep } from '../flow/anomaly-guide.js';
import type { AnomalyId, CloseKind, Connection, EndpointRole, HandshakeOutcome, Severity, TcpState } from '../flow/model.js';
import type { Evidence, TcpEvent } from '../flow/state-table.js';

export const EXPLAIN_SCHEMA_VERSION = 1;

/** The topics explain teaches besides anomaly ids and states. */
export type TopicId =
  | 'handshake' | 'syn-queue' | 'close' | 'capture-point' | 'backoff' | 'window' | 'options'
  | 'sequence-numbers' | 'states';

/** A name `synack explain` takes, as it prints it: an anomaly id, a state (TIME_WAIT) or a topic. */
export type ExplainName = string;

export interface AnomalyExplanation {
  schemaVersion: number;
  kind: 'anomaly';
  id: AnomalyId;
  severity: Severity;
  phase: AnomalyPhase;
  meaning: string;
  /** How synack detects it: the rule and the evidence it rests on. */
  detection: string;
  /** Where the rule comes from (RFC sections, Wireshark and Zeek names). */
  reference: string;
  causes: readonly string[];
  check: readonly CheckStep[];
  /** What the placeholders in `check` stand for (only those used). */
  placeholders: Record<string, string>;
  related: readonly AnomalyId[];
}

/** One arc of the state table, as explain shows it. */
export interface ArcView {
  from: TcpState;
  event: TcpEvent;
  /** Equal to `from` for an event that leaves the state alone. */
  to: TcpState;
  rfc: string;
  evidence: Evidence;
  /** The evidence rule in a sentence: how synack knows. */
  evidenceText: string;
  /** Timer and inference arcs are never seen, only deduced. */
  inferred: boolean;
  /** Drawn in RFC 9293's state diagram (Figure 5), or from its event-processing text. */
  inFigure5: boolean;
  note: string;
}

export interface StateExplanation {
  schemaVersion: number;
  kind: 'state';
  state: TcpState;
  /** Other spellings explain takes (Linux's ss and /proc names). */
  aliases: readonly string[];
  summary: string;
  /** Why the state exists, what happens in it, how synack knows an endpoint is there. */
  why: readonly string[];
  /** Arcs of the state table into the state, out of it, and events that leave it unchanged. */
  arcsIn: ArcView[];
  arcsOut: ArcView[];
  unchanged: ArcView[];
  anomalies: readonly AnomalyId[];
  see: readonly ExplainName[];
}

export interface TopicExplanation {
  schemaVersion: number;
  kind: 'topic';
  topic: TopicId;
  title: string;
  aliases: readonly string[];
  paragraphs: readonly string[];
  /** Named items the topic lists (the states, for `states`). */
  items?: Array<{ name: string; text: string }>;
  check?: readonly CheckStep[];
  anomalies: readonly AnomalyId[];
  see: readonly ExplainName[];
}

export interface ListExplanation {
  schemaVersion: number;
  kind: 'list';
  anomalies: Array<{ id: AnomalyId; severity: Severity; phase: AnomalyPhase; meaning: string }>;
  states: Array<{ state: TcpState; summary: string }>;
  topics: Array<{ topic: TopicId; title: string; aliases: readonly string[] }>;
}

/** A state change in a narration step: the timeline's transition and the arc of the table it took. */
export interface NarratedTransition {
  endpoint: EndpointRole;
  from: TcpState;
  to: TcpState;
  event: TcpEvent;
  evidence: Evidence;
  /** The timeline's cause. */
  cause: string;
  inferred: boolean;
  /** The sentence: what changed and how synack knows. */
  text: string;
}

/** One moment of a connection's life, in the order of the capture. */
export interface NarrationStep {
  /** Seconds since the epoch, and since the connection's first packet. */
  t: number;
  offset: number;
  /** The packet it is about (frame number), null for a moment no packet marks (an inferred timer). */
  packet: number | null;
  /** The last packet of a run of data segments summed up in one step. */
  lastPacket?: number;
  /** Who sent the packet (or whom the step is about). */
  endpoint: EndpointRole | null;
  /** What happened, in plain sentences. */
  text: string;
  /** Sentences that explain what the bytes show (windows, options, intervals). */
  notes?: string[];
  /** The step, or part of it, is deduced rather than seen: `because` says from what. */
  inferred?: boolean;
  because?: string;
  /** The packet passed the capture point and never reached its receiver. */
  lost?: boolean;
  transitions?: NarratedTransition[];
  /** Anomalies at this moment, as the analysis raised them (explain each with `synack explain <id>`). */
  anomalies?: NarratedAnomaly[];
}

export interface NarratedAnomaly {
  id: AnomalyId;
  severity: Severity;
  /** The analysis's message. */
  message: string;
  /** How many, when a run of segments is summed up in one step. */
  count?: number;
}

/** What a SYN's window shows: an initial window of whole segments. */
export interface InitialWindow {
  packet: number;
  window: number;
  /** The segment size the window is a whole multiple of, and how many of them; null when it is not one. */
  segmentSize: number | null;
  segments: number | null;
  /** segmentSize is the MSS less the 12 bytes of the timestamp option. */
  lessTimestamps: boolean;
  mss: number | null;
}

/** The first window field after a side's SYN, scaled when window scaling is in effect. */
export interface ScaledWindow {
  packet: number;
  field: number;
  /** The shift applied (null: scaling not in effect, or unknown for a mid-stream pickup). */
  shift: number | null;
  /** Bytes the field stands for (field << shift); null when the shift is unknown. */
  bytes: number | null;
  /** 'negotiated': both sides offered it; 'not-negotiated': at most one did; 'unknown': no SYN seen. */
  scaling: 'negotiated' | 'not-negotiated' | 'unknown';
}

export interface WindowFacts {
  initial: { client: InitialWindow | null; server: InitialWindow | null };
  firstScaled: { client: ScaledWindow | null; server: ScaledWindow | null };
}

export interface ConnectionExplanation {
  schemaVersion: number;
  kind: 'connection';
  /** The inputs as given. */
  inputs: string[];
  /** The connection's identity and span as analyze gives them, with its outcome and end. */
  connection: Pick<Connection, 'id' | 'client' | 'server' | 'ipVersion' | 'roleInferred' | 'start' | 'end' | 'firstPacket' | 'lastPacket'> & {
    outcome: HandshakeOutcome;
    close: CloseKind;
    finalStates: { client: TcpState; server: TcpState };
    lostSegments: number[];
  };
  /** The life of the connection, step by step. */
  steps: NarrationStep[];
  /** How it ended, in sentences: final states and why they are what they are. */
  ending: string[];
  /** Anomalies only the end of the connection tells (half-open, half-closed, unanswered...). */
  endingAnomalies: NarratedAnomaly[];
  windows: WindowFacts;
  /** Distinct anomaly ids of the connection, each explained by `synack explain <id>`. */
  anomalies: AnomalyId[];
  /** Segments the second pass read (bounded), and whether it stopped before the connection's last packet. */
  segmentsRead: number;
  segmentsCut: boolean;
}

export type Explanation =
  | AnomalyExplanation | StateExplanation | TopicExplanation | ListExplanation | ConnectionExplanation;
