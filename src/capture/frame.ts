/**
 * The capture stage's product: one captured frame, as the reader hands it over.
 *
 * Readers reuse ONE Frame object for every frame (no per-packet allocation on the hot path), and
 * `data` is usually a view on the reader's current chunk: a consumer that keeps anything past the
 * callback must copy it (`data.subarray(offset, offset + caplen)` is NOT a copy).
 */
import type { InterfaceStats } from './stats.js';

export interface Frame {
  /** 1-based number of this frame over all frames of the input (as tshark's frame.number). */
  frameNo: number;
  /** Integer seconds since the epoch. */
  tsSec: number;
  /** Nanoseconds within the second, 0..999,999,999 (exact for ns captures). */
  tsNsec: number;
  /** Bytes captured. */
  caplen: number;
  /** Length of the frame on the wire (>= caplen in a sane file). */
  origLen: number;
  /** LINKTYPE_* value, with the FCS bits of the pcap header already removed. */
  linkType: number;
  /** Number of FCS bytes at the end of each frame (pcap header FCS bits, pcapng if_fcslen), else 0. */
  fcsLen: number;
  /** pcapng interface id (0 for classic pcap and live capture). */
  interfaceId: number;
  /** Buffer holding the frame's bytes at [offset, offset + caplen). */
  data: Buffer;
  offset: number;
}

export function newFrame(): Frame {
  return {
    frameNo: 0, tsSec: 0, tsNsec: 0, caplen: 0, origLen: 0, linkType: 0, fcsLen: 0, interfaceId: 0,
    data: Buffer.alloc(0), offset: 0,
  };
}

export type CaptureFormat = 'pcap' | 'pcapng' | 'live';

/**
 * A problem in the container (not in a packet): truncation, corruption, an unknown block, or time that
 * runs backwards (a frame stamped earlier than the one before it on its interface).
 */
export interface CaptureWarning {
  kind: 'truncated' | 'corrupt' | 'unsupported' | 'time-backwards';
  message: string;
  /** Byte offset in the (decompressed) input where the problem starts. */
  offset: number;
  /** The frame number the problem hit (the frame that could not be read), when known. */
  frameNo?: number;
  /** time-backwards: how far the first step went back (seconds), how many frames stepped back, the largest step. */
  stepSeconds?: number;
  steps?: number;
  largestStepSeconds?: number;
}

/** What a reader learned about its input once it ended. */
export interface CaptureInfo {
  name: string;
  format: CaptureFormat;
  /** e.g. "pcap, little-endian, nanosecond, snaplen 262144" or "pcapng, 2 sections, 3 interfaces". */
  detail: string;
  gzip: boolean;
  frames: number;
  bytes: number;
  /** LINKTYPE → number of frames. */
  linkTypes: Map<number, number>;
  warnings: CaptureWarning[];
  /** Records the reader had to adjust, skip or could not time (file readers fill it; nothing is dropped silently). */
  counts?: CaptureCounts;
  /** True when the read was stopped by an AbortSignal before the input ended. */
  aborted?: boolean;
  /** Counters the input holds about its own capture, per interface (pcapng Interface Statistics Blocks). */
  interfaceStats?: InterfaceStats[];
}

/** Per-input tallies of irregular records; every adjustment a reader makes to a record is counted here. */
export interface CaptureCounts {
  /** caplen > origLen: both kept as recorded (as tshark does: frame.len < frame.cap_len), counted here. */
  caplenOverOrigLen: number;
  /** caplen > the snaplen of the file or interface: kept as is. */
  caplenOverSnaplen: number;
  /** Frames without a timestamp (pcapng Simple Packet Blocks): tsSec = tsNsec = 0. */
  untimed: number;
  /** Sub-second field of one second or more (classic pcap): carried into tsSec. */
  badTimestamp: number;
  /** Structurally sound records with impossible content (unknown interface, caplen past the block): skipped. */
  skippedRecords: number;
  /** pcapng blocks of a type this reader does not know, skipped by their length. */
  unknownBlocks: number;
}

export function newCaptureCounts(): CaptureCounts {
  return { caplenOverOrigLen: 0, caplenOverSnaplen: 0, untimed: 0, badTimestamp: 0, skippedRecords: 0, unknownBlocks: 0 };
}
