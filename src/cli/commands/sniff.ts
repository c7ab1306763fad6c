/**
 * `synack sniff -i <iface>`: live capture through a capture engine (tcpdump or dumpcap as a child, or
 * the in-process cap module), the same decoder and tracker as `analyze`, events streamed as they
 * happen, the engine's drop counters polled, optional capture file written as packets arrive.
 * Stops on Ctrl-C, SIGTERM, --count or --duration; then prints the analyze summary and exits 0.
 */
import { Command, Option } from 'commander';
import type { Frame } from '../../capture/frame.js';
import { ENGINE_CHOICES, type DropCounters, type EngineChoice, type LiveSource } from '../../capture/live-source.js';
import { openLive } from '../../capture/open-live.js';
import { PcapWriter } from '../../capture/pcap-writer.js';
import { PcapngWriter } from '../../capture/pcapng-writer.js';
import { judgeConfidence, judgeGlobalConfidence } from '../../flow/confidence.js';
import type { Connection, FlowEvent, TrackerOptions } from '../../flow/model.js';
import { connectionRows } from '../../pipeline/digest.js';
import { captureDrops } from '../../pipeline/integrity.js';
import { guarded, MemoryGuard } from '../../pipeline/memory-guard.js';
import { DropLog, liveInputSummary, type LiveCaptureFacts } from '../../pipeline/live-input.js';
import { FrameSink } from '../../pipeline/sink.js';
import { ANOMALIES, linkTypeName, Tracker } from '../../pipeline/stages.js';
import { summarize, type Summary } from '../../pipeline/summary.js';
import type { AnalysisResult } from '../../pipeline/types.js';
import { analyzeDocument } from '../../report/analyze-json.js';
import { renderAnalyzeText } from '../../report/analyze-text.js';
import { captureStatsEvent, dropLine, startLines, stopLine } from '../../report/capture-status.js';
import { renderEvent } from '../../report/events.js';
import { runWarnings } from '../../report/run-warnings.js';
import { jsonSafe } from '../../report/safe-text.js';
import type { AnomalyId } from '../../flow/model.js';
import type { Ctx } from '../context.js';
import { addTrackerOptions, maxMemoryBytes, nonNegativeInt, positiveInt, positiveNumber, trackerOptions, type TrackerFlags } from '../parse.js';

export type StopReason = 'count' | 'duration' | 'SIGINT' | 'SIGTERM';

export interface SniffCommandOptions {
  iface: string;
  filter: string;
  engine: EngineChoice;
  /** Kernel capture buffer, KiB. */
  bufferKiB: number;
  snaplen: number;
  count: number | null;
  durationSeconds: number | null;
  write: string | null;
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  /** The memory ceiling (--max-memory), bytes; null: node's heap limit. */
  maxMemoryBytes?: number | null;
  onEvent: (e: FlowEvent) => void;
  /** Called once the capture runs (the engine started, the filter set), before the first packet. */
  onReady: (info: { iface: string; linkType: number; filter: string; start: number; snaplen: number; capture: LiveCaptureFacts }) => void;
  /** The engine's counters changed (polled once a second; the last ones at stop). */
  onCounters?: (c: DropCounters & { t: number; captured: number; dropsChanged: boolean; engine: string }) => void;
}

export interface SniffCommandResult {
  result: AnalysisResult;
  summary: Summary;
  reason: StopReason;
  packets: number;
  counters: DropCounters;
  capture: LiveCaptureFacts;
}

/** How often the engine's counters are read. */
const POLL_MS = 1000;

/** `-w` writes classic pcap for a .pcap/.cap name (no room for drop counts there), pcapng otherwise. */
export function writesClassicPcap(path: string): boolean {
  return /\.(pcap|cap)$/i.test(path);
}

export async function sniffCommand(o: SniffCommandOptions): Promise<SniffCommandResult> {
  const t0 = process.hrtime.bigint();
  const connections: Connection[] = [];
  const tracker = new Tracker(o.tracker, { onConnection: (c: Connection) => { connections.push(c); }, onEvent: o.onEvent });
  // Connections kept for the closing summary are not the tracker's to shed: a long capture can still
  // fill the heap with them, and then ends with a MemoryError (exit 2), not a crash.
  const guard = new MemoryGuard(o.maxMemoryBytes ?? null, tracker);
  const sink = new FrameSink(o.verifyChecksums, guarded((seg) => tracker.push(seg), guard));
  let out: PcapWriter | PcapngWriter | null = null;
  let stop!: (r: StopReason) => void;
  let stopping = false;
  const stopped = new Promise<StopReason>((resolve) => { stop = (r) => { stopping = true; resolve(r); }; });
  let failure: unknown = null;
  const fail = (e: unknown): void => {
    if (failure === null) failure = e;
    stop('SIGTERM');
  };
  const onFrame = (f: Frame): void => {
    // Packets past --count that were already on their way are not taken (as tcpdump -c).
    if (failure !== null || (o.count !== null && sink.frames >= o.count)) return;
    try {
      out?.write(f);
      sink.frame(f);
    } catch (e) {
      // Thrown inside the engine's callback it would kill the process: stop cleanly and rethrow below.
      fail(e);
      return;
    }
    if (o.count !== null && sink.frames >= o.count) stop('count');
  };
  let drops = new DropLog(Date.now() / 1000);
  let facts: LiveCaptureFacts | null = null;
  let source: LiveSource | null = null;
  let start = 0;
  const onCounters = (c: DropCounters): void => {
    const t = source?.now() ?? Date.now() / 1000;
    const dropsChanged = drops.record(c, t);
    o.onCounters?.({ ...c, t, captured: sink.frames, dropsChanged, engine: source?.engine ?? o.engine });
  };
  const opened = await openLive(o.engine, {
    iface: o.iface, filter: o.filter, bufferKiB: o.bufferKiB, snaplen: o.snaplen, onFrame, onCounters,
    onFailure: fail,
    onStart: (s, skipped) => {
      // Synchronous, before the first packet: the file and the capture-start line come first.
      source = s;
      start = s.now();
      drops = new DropLog(start);
      const write = o.write;
      if (write) {
        out = writesClassicPcap(write)
          ? new PcapWriter(write, { linkType: s.linkType, snaplen: s.snaplen, nanosecond: true })
          : new PcapngWriter(write, { linkType: s.linkType, snaplen: s.snaplen, interfaceName: o.iface, filter: o.filter, application: `synack (${s.engineDetail})` });
      }
      facts = {
        engine: s.engine, engineDetail: s.engineDetail, kernelTimestamps: s.kernelTimestamps, limits: [...s.limits],
        skipped: [...skipped], bufferKiB: o.bufferKiB, dropChanges: drops.changes,
      };
      o.onReady({ iface: o.iface, linkType: s.linkType, filter: o.filter, start, snaplen: s.snaplen, capture: facts });
    },
  });
  const live = opened.source;
  const capture = facts!;
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  let timer: NodeJS.Timeout | null = null;
  // The writer flushes when its buffer fills or a second has passed *while packets come*; this makes a
  // quiet capture reach the disk too (tail -f, or a kill -9, loses at most a quarter second).
  const flusher = out ? setInterval(() => (out as PcapWriter | PcapngWriter | null)?.flush(), 250) : null;
  // Once a second: the engine's counters, and the tracker's clock. The tracker's clock moves only when
  // a packet comes: on a quiet network, tick it with the packets' own clock so idle and lingered
  // (2×MSL) connections end while capturing, not only at stop.
  const ticker = setInterval(() => {
    if (failure !== null || stopping) return;
    try {
      live.poll();
      tracker.advanceTo(live.now());
    } catch (e) {
      fail(e); // as in onFrame: stop cleanly and rethrow below
    }
  }, POLL_MS);
  ticker.unref();
  try {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    if (o.durationSeconds !== null) timer = setTimeout(() => stop('duration'), o.durationSeconds * 1000);
    const reason = await stopped;
    clearInterval(ticker);
    // The engine delivers what it captured before the stop, then its final counters.
    live.poll();
    await live.stop();
    if (failure !== null) throw failure;
    const end = live.now();
    const done = tracker.finish();
    const counters = live.counters;
    const w = out as PcapWriter | PcapngWriter | null;
    if (w instanceof PcapngWriter) {
      w.close({ start, end, received: counters.received, ifDrop: counters.interface, osDrop: counters.kernel, userDeliv: sink.frames }, `counters from ${live.engineDetail}`);
    } else {
      w?.close();
    }
    out = null;
    connections.sort((a, b) => a.id - b.id);
    const frames = sink.counts();
    const input = liveInputSummary({
      iface: o.iface, filter: o.filter, linkType: live.linkType, snaplen: live.snaplen, frames, capturedBytes: sink.capturedBytes,
      counters, start, end, truncated: 0, facts: capture,
    });
    // Verdicts that rest on a packet's absence, judged with the engine's drop counts (flow/confidence.ts).
    const drops = captureDrops([input]);
    const result: AnalysisResult = {
      inputs: [input],
      counts: frames, connections: connections.map((c) => judgeConfidence(c, drops)), listeners: done.listeners,
      anomalies: judgeGlobalConfidence(done.anomalies, drops), totals: done.totals,
      ...(done.listenersFolded ? { listenersFolded: done.listenersFolded } : {}),
      memory: guard.status,
      tracker: o.tracker, elapsedSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
    };
    return { result, summary: summarize(result), reason, packets: live.packets, counters, capture };
  } finally {
    if (timer) clearTimeout(timer);
    if (flusher) clearInterval(flusher);
    clearInterval(ticker);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    await live.stop();
    (out as PcapWriter | PcapngWriter | null)?.close();
  }
}

interface SniffFlags extends TrackerFlags {
  interface: string;
  filter?: string;
  engine: EngineChoice;
  bufferSize: number;
  snaplen: number;
  count?: number;
  duration?: number;
  write?: string;
  json?: boolean;
  limit: number;
  verifyChecksums?: boolean;
}

export function defineSniff(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('sniff')
    .description('capture live (tcpdump or dumpcap as the capturing child, or libpcap in-process) and track connections as they happen')
    .requiredOption('-i, --interface <name>', 'interface to capture on (see `synack interfaces`)')
    .option('-f, --filter <bpf>', "capture filter, pcap-filter(7) syntax, e.g. 'tcp port 443'")
    .addOption(new Option('--engine <name>', 'what captures: tcpdump or dumpcap as a child (kernel time stamps, drop counts), or cap in-process').choices(ENGINE_CHOICES as string[]).default('auto'))
    .option('-B, --buffer-size <KiB>', 'kernel capture buffer in KiB, as tcpdump -B (dumpcap: rounded up to MiB)', positiveInt, 10240)
    .option('-s, --snaplen <bytes>', 'bytes kept of each packet (cap: always 65535)', positiveInt, 262144)
    .option('-c, --count <n>', 'stop after n packets (that passed the filter)', positiveInt)
    .option('-d, --duration <seconds>', 'stop after this many seconds', positiveNumber)
    .option('-w, --write <file>', 'also write the packets to this file as they arrive: pcapng with the drop counts at the end, or classic pcap for a .pcap/.cap name')
    .option('--json', 'events as NDJSON (schema/sniff-events.schema.json): capture-start, flow and capture-stats events, then a summary line')
    .option('-L, --limit <n>', 'most connection rows in the closing summary', nonNegativeInt, 50)
    .option('-n', 'accepted and ignored, as -nn: synack never looks names up (tcpdump habit)')
    .option('--verify-checksums', 'verify TCP checksums (on the sending host, offloaded checksums look wrong)');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
Engines (--engine, default auto): synack does not capture in its own process when it need not. As
Wireshark does with dumpcap, it runs a capture program as a child and reads the packets it writes on a
pipe: tcpdump (--immediate-mode, nanosecond time stamps) or dumpcap. Packets then carry the kernel's
capture time and their length on the wire, and synack reports the packets the kernel and the
interface dropped (polled once a second; dumpcap gives the kernel's only when it stops). auto picks
tcpdump first when run as root, dumpcap first otherwise; with neither installed it falls back to the
cap module (libpcap in-process), which stamps packets when Node receives them (RTTs are then upper
bounds) and cannot count the kernel's drops; the first lines say which engine runs and what it cannot do.

Rights: only the capture program needs them. Run synack as root, or let a group capture with dumpcap
(Debian: dpkg-reconfigure wireshark-common, usermod -a -G wireshark $USER). Do not give capture
capabilities to the node binary: every Node program on the machine could then sniff every interface.

-w FILE: pcapng (one interface, nanosecond time stamps) ending with an Interface Statistics Block that
holds the engine's counters (isb_ifrecv, isb_ifdrop, isb_osdrop, isb_usrdeliv) and the capture's start
and end; a name ending in .pcap or .cap gets classic pcap (nanosecond), which has no room for them.

Connections are reported as they end, also on a quiet network: a closed one 2×MSL after its last packet
(--msl; its TIME_WAIT → CLOSED is inferred), an idle one after --idle-timeout, the rest at stop.

Stops on Ctrl-C, SIGTERM, --count or --duration; then prints the same summary as \`analyze\` and exits 0.
Status (the engine, drops as they happen, the closing counts) goes to stderr; events and the summary to stdout.

Examples:
  $ sudo synack sniff -i eth0 -f 'tcp port 443'
  $ sudo synack sniff -i lo -f 'tcp port 8080' --count 100 -w out.pcapng
  $ sudo synack sniff -i any --duration 60 --json > events.ndjson
  $ synack sniff -i eth0 --engine dumpcap      # as a user of the wireshark group
`);
  cmd.action(async (f: SniffFlags) => {
    const c = ctx();
    const json = f.json ?? false;
    const tracker = trackerOptions(f);
    const r = await sniffCommand({
      iface: f.interface, filter: f.filter ?? '', engine: f.engine, bufferKiB: f.bufferSize, snaplen: f.snaplen,
      count: f.count ?? null, durationSeconds: f.duration ?? null,
      write: f.write ?? null, tracker, verifyChecksums: f.verifyChecksums ?? false, maxMemoryBytes: maxMemoryBytes(f),
      onEvent: json ? (e) => c.out(JSON.stringify(e) + '\n') : (e) => c.out(renderEvent(c.paint, e) + '\n'),
      onReady: (info) => {
        const cap = info.capture;
        if (json) {
          c.out(jsonSafe(JSON.stringify({
            type: 'capture-start', t: info.start, interface: info.iface, linkType: info.linkType, linkTypeName: linkTypeName(info.linkType),
            filter: info.filter, snaplen: info.snaplen, engine: cap.engine, engineDetail: cap.engineDetail, kernelTimestamps: cap.kernelTimestamps,
            limits: cap.limits, skipped: cap.skipped, bufferKiB: cap.bufferKiB,
          })) + '\n');
        }
        if (!c.quiet) {
          c.err(startLines(c.paintErr, { iface: info.iface, linkTypeName: linkTypeName(info.linkType), snaplen: info.snaplen, filter: info.filter, write: f.write ?? null, capture: cap }));
        }
      },
      onCounters: (k) => {
        if (json) c.out(JSON.stringify(captureStatsEvent(k.engine, k)) + '\n');
        if (!c.quiet && k.dropsChanged && (k.kernel ?? 0) + (k.interface ?? 0) > 0) c.err(dropLine(c.paintErr, k));
      },
    });
    if (!c.quiet) {
      c.err(stopLine(c.paintErr, {
        reason: r.reason, packets: r.result.counts.frames, tcpSegments: r.result.counts.tcpSegments, connections: r.result.connections.length,
        counters: r.counters, engine: r.capture.engine,
      }));
    }
    if (json) {
      const analysis = analyzeDocument(r.result, r.summary, r.result.connections, c.version, f.verifyChecksums ?? false);
      c.out(jsonSafe(JSON.stringify({ type: 'summary', reason: r.reason, analysis })) + '\n');
      for (const w of runWarnings(r.result)) c.err(`warning: ${w}\n`);
    } else {
      c.out('\n' + renderAnalyzeText(c.paint, r.result, r.summary, connectionRows(r.result.connections, f.limit), {
        limit: f.limit, width: c.columns, describe: (id) => ANOMALIES[id as AnomalyId]?.meaning, warnings: runWarnings(r.result),
      }));
    }
  });
}
