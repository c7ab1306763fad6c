/**
 * What the pipeline hands to commands and renderers: per-input facts, counts of everything that was not
 * a TCP segment (nothing dropped silently), and the flow stage's product.
 */
import type { CaptureCounts, CaptureFormat, CaptureWarning } from '../capture/frame.js';
import type { InterfaceStats } from '../capture/stats.js';
import type { LiveCaptureFacts } from './live-input.js';
import type { FrameKind } from '../decode/segment.js';
import type { FoldedListeners } from '../flow/listener-fold.js';
import type { MemoryStatus } from './memory-guard.js';
import type {
  AnomalyOccurrence, Connection, Listener, TrackerOptions, TrackerTotals,
} from '../flow/model.js';

export interface LinkTypeCount {
  linkType: number;
  /** e.g. "EN10MB", "LINUX_SLL", or "LINKTYPE_147" for one without a name. */
  name: string;
  frames: number;
  /** False when synack does not decode this link type (its frames are counted, not analysed). */
  supported: boolean;
}

export interface InputSummary {
  /** The path as given ('-' for standard input). */
  name: string;
  format: CaptureFormat;
  detail: string;
  gzip: boolean;
  frames: number;
  bytes: number;
  /** Frame numbers of this input in the run's numbering (inputs are numbered one after another). */
  firstFrame: number;
  lastFrame: number;
  linkTypes: LinkTypeCount[];
  warnings: CaptureWarning[];
  /** Records the reader adjusted or skipped (irregular caplen, untimed, unknown blocks...). */
  counts?: CaptureCounts;
  /**
   * What the capture says it missed, per interface: the counters of pcapng Interface Statistics
   * Blocks, or a live engine's. Absent when the input says nothing (classic pcap, pcapng without ISBs).
   */
  interfaceStats?: InterfaceStats[];
  /** Live capture only: the engine, its limits, and the moments its drop counters changed. */
  capture?: LiveCaptureFacts;
}

/** How many frames ended as what (FrameKind), and the decode issues seen on TCP segments. */
export interface FrameCounts {
  frames: number;
  tcpSegments: number;
  /** Frames that were not TCP segments, by reason: not-ip, not-tcp, fragment, unsupported-link, truncated, malformed. */
  nonTcp: Record<Exclude<FrameKind, 'tcp'>, number>;
  /** ISSUE name → number of TCP segments carrying it. */
  decodeIssues: Record<string, number>;
  /** With a capture filter: the TCP segments it rejected (counted, not analysed). */
  filteredOut?: number;
  /** With `-c N`: reading stopped after N segments (N); absent when the inputs were read to their end. */
  stoppedAtCount?: number;
}

export interface AnalysisResult {
  inputs: InputSummary[];
  counts: FrameCounts;
  /** Finished connections in id order, only when asked for (keepConnections); else empty: they were streamed. */
  connections: Connection[];
  listeners: Listener[];
  /** Listeners beyond TrackerOptions.maxListeners, folded into counts (absent when none was). */
  listenersFolded?: FoldedListeners;
  /** Anomalies that belong to no single connection (e.g. syn-flood on a listener). */
  anomalies: AnomalyOccurrence[];
  totals: TrackerTotals;
  /** The memory ceiling the run kept under and what it shed to stay under it (absent: not watched). */
  memory?: MemoryStatus;
  tracker: TrackerOptions;
  /** Wall-clock seconds the analysis took (not part of the JSON contract: it varies run to run). */
  elapsedSeconds: number;
}
