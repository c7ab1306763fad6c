/**
 * Live capture, whichever program captures: what `sniff` sees of an engine. Like Wireshark, synack
 * does not need to capture in its own process: a capture program (dumpcap, tcpdump) runs as a child
 * with the capture rights and writes pcap/pcapng on a pipe that synack reads with its own reader, so
 * packets keep the kernel's time stamps and their original length. The in-process `cap` module stays
 * as the fallback when neither program is installed.
 */
import type { Frame } from './frame.js';

export type EngineName = 'dumpcap' | 'tcpdump' | 'cap';
export type EngineChoice = EngineName | 'auto';
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'dumpcap', 'tcpdump', 'cap'];

/** An engine's running totals since the capture started; null = this engine does not know (yet). */
export interface DropCounters {
  /** Packets the capture received (libpcap's ps_recv: on Linux, those that passed the filter). */
  received: number | null;
  /** Dropped by the kernel: the capture buffer was full (libpcap's ps_drop). */
  kernel: number | null;
  /** Dropped by the interface or its driver (libpcap's ps_ifdrop: rx_missed + rx_fifo errors). */
  interface: number | null;
}

/** An engine `--engine auto` passed over, and why (not installed, no rights). */
export interface SkippedEngine { engine: EngineName; reason: string }

export interface LiveCaptureOptions {
  iface: string;
  /** BPF filter (pcap-filter(7)); '' for everything. */
  filter: string;
  /** Kernel capture buffer, KiB (tcpdump's -B unit). */
  bufferKiB: number;
  /** Snapshot length, bytes. */
  snaplen: number;
  /**
   * Called once, synchronously, when the capture runs (link type known) and before the first packet:
   * set up what packets need (the -w file, the capture-start event) here.
   */
  onStart?: (s: LiveSource, skipped: readonly SkippedEngine[]) => void;
  /** Every packet, in capture order (the reused Frame: copy what you keep). */
  onFrame: (f: Frame) => void;
  /** The counters changed (answers poll(), and the final ones at stop). */
  onCounters?: (c: DropCounters) => void;
  /** The engine died while capturing (not at stop()). */
  onFailure?: (e: Error) => void;
}

export interface LiveSource {
  readonly engine: EngineName;
  /** The program and its version, e.g. "tcpdump 4.99.3 (libpcap 1.10.3)"; the module for cap. */
  readonly engineDetail: string;
  readonly linkType: number;
  readonly snaplen: number;
  /** True when packets carry the kernel's capture time; false: the time Node received them (cap). */
  readonly kernelTimestamps: boolean;
  /** What this engine cannot do, in plain words, for the output. */
  readonly limits: readonly string[];
  /** Packets handed to onFrame so far. */
  readonly packets: number;
  /** The latest counters. */
  readonly counters: DropCounters;
  /** Now, in seconds since the epoch, on the clock the packets are stamped with. */
  now(): number;
  /** Asks for fresh counters; they come through onCounters when they changed. */
  poll(): void;
  /** Stops capturing; resolves once every captured packet was delivered and the final counters read. */
  stop(): Promise<void>;
}

export function sameCounters(a: DropCounters, b: DropCounters): boolean {
  return a.received === b.received && a.kernel === b.kernel && a.interface === b.interface;
}
