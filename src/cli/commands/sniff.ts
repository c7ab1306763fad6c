/**
 * `synack sniff -i <iface>`: live capture through libpcap (cap), the same decoder and tracker as
 * `analyze`, events streamed as they happen, optional pcap file written as packets arrive.
 * Stops on Ctrl-C, SIGTERM, --count or --duration; then prints the analyze summary and exits 0.
 */
import { Command } from 'commander';
import type { Frame } from '../../capture/frame.js';
import { LiveCapture } from '../../capture/live.js';
import { PcapWriter } from '../../capture/pcap-writer.js';
import type { Connection, FlowEvent, TrackerOptions } from '../../flow/model.js';
import { connectionRows } from '../../pipeline/digest.js';
import { guarded, MemoryGuard } from '../../pipeline/memory-guard.js';
import { FrameSink } from '../../pipeline/sink.js';
import { ANOMALIES, linkTypeName, Tracker } from '../../pipeline/stages.js';
import { summarize, type Summary } from '../../pipeline/summary.js';
import type { AnalysisResult } from '../../pipeline/types.js';
import { analyzeDocument } from '../../report/analyze-json.js';
import { renderAnalyzeText } from '../../report/analyze-text.js';
import { renderEvent } from '../../report/events.js';
import { runWarnings } from '../../report/run-warnings.js';
import { jsonSafe, safeText } from '../../report/safe-text.js';
import type { AnomalyId } from '../../flow/model.js';
import type { Ctx } from '../context.js';
import { addTrackerOptions, maxMemoryBytes, nonNegativeInt, positiveInt, positiveNumber, trackerOptions, type TrackerFlags } from '../parse.js';

export type StopReason = 'count' | 'duration' | 'SIGINT' | 'SIGTERM';

export interface SniffCommandOptions {
  iface: string;
  filter: string;
  count: number | null;
  durationSeconds: number | null;
  write: string | null;
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  /** The memory ceiling (--max-memory), bytes; null: node's heap limit. */
  maxMemoryBytes?: number | null;
  onEvent: (e: FlowEvent) => void;
  /** Called once the capture runs (the interface is open and the filter set). */
  onReady: (info: { iface: string; linkType: number; filter: string; start: number }) => void;
}

export interface SniffCommandResult {
  result: AnalysisResult;
  summary: Summary;
  reason: StopReason;
  packets: number;
  truncated: number;
}

export async function sniffCommand(o: SniffCommandOptions): Promise<SniffCommandResult> {
  const t0 = process.hrtime.bigint();
  const connections: Connection[] = [];
  const tracker = new Tracker(o.tracker, { onConnection: (c: Connection) => { connections.push(c); }, onEvent: o.onEvent });
  // Connections kept for the closing summary are not the tracker's to shed: a long capture can still
  // fill the heap with them, and then ends with a MemoryError (exit 2), not a crash.
  const guard = new MemoryGuard(o.maxMemoryBytes ?? null, tracker);
  const sink = new FrameSink(o.verifyChecksums, guarded((seg) => tracker.push(seg), guard));
  let out: PcapWriter | null = null;
  let stop!: (r: StopReason) => void;
  const stopped = new Promise<StopReason>((resolve) => { stop = resolve; });
  let failure: unknown = null;
  const onFrame = (f: Frame): void => {
    if (failure !== null) return;
    try {
      out?.write(f);
      sink.frame(f);
    } catch (e) {
      // Thrown inside cap's native callback it would kill the process: stop cleanly and rethrow below.
      failure = e;
      stop('SIGTERM');
      return;
    }
    if (o.count !== null && sink.frames >= o.count) stop('count');
  };
  const live = LiveCapture.open({ iface: o.iface, filter: o.filter }, onFrame);
  // Synchronous: the file is ready before the event loop can deliver the first packet.
  try {
    // Nanosecond records: live timestamps are taken in ns. Snaplen as cap's (65535).
    if (o.write) out = new PcapWriter(o.write, { linkType: live.linkType, snaplen: 65535, nanosecond: true });
  } catch (e) {
    live.close();
    throw e;
  }
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  let timer: NodeJS.Timeout | null = null;
  // The writer flushes when its buffer fills or a second has passed *while packets come*; this makes a
  // quiet capture reach the disk too (tail -f, or a kill -9, loses at most a quarter second).
  const flusher = out ? setInterval(() => out?.flush(), 250) : null;
  // The tracker's clock moves only when a packet comes: on a quiet network, tick it with the packets'
  // own clock so idle and lingered (2×MSL) connections end while capturing, not only at stop.
  const ticker = setInterval(() => {
    if (failure !== null) return;
    try {
      tracker.advanceTo(live.now());
    } catch (e) {
      failure = e; // as in onFrame: stop cleanly and rethrow below
      stop('SIGTERM');
    }
  }, 1000);
  ticker.unref();
  try {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    if (o.durationSeconds !== null) timer = setTimeout(() => stop('duration'), o.durationSeconds * 1000);
    const start = Date.now() / 1000;
    o.onReady({ iface: o.iface, linkType: live.linkType, filter: o.filter, start });
    const reason = await stopped;
    clearInterval(ticker);
    live.close();
    if (failure !== null) throw failure;
    const done = tracker.finish();
    out?.close();
    out = null;
    connections.sort((a, b) => a.id - b.id);
    const frames = sink.counts();
    const result: AnalysisResult = {
      inputs: [{
        name: o.iface, format: 'live', detail: `live capture on ${o.iface}${o.filter ? `, filter "${o.filter}"` : ''}, snaplen 65535`,
        gzip: false, frames: frames.frames, bytes: sink.capturedBytes, firstFrame: 1, lastFrame: frames.frames,
        linkTypes: frames.frames ? [{ linkType: live.linkType, name: linkTypeName(live.linkType), frames: frames.frames, supported: frames.nonTcp['unsupported-link'] === 0 }] : [],
        warnings: live.truncated ? [{ kind: 'truncated', message: `${o.iface}: ${live.truncated} packet(s) longer than 65535 bytes were cut`, offset: 0 }] : [],
      }],
      counts: frames, connections, listeners: done.listeners, anomalies: done.anomalies, totals: done.totals,
      ...(done.listenersFolded ? { listenersFolded: done.listenersFolded } : {}),
      memory: guard.status,
      tracker: o.tracker, elapsedSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
    };
    return { result, summary: summarize(result), reason, packets: live.packets, truncated: live.truncated };
  } finally {
    if (timer) clearTimeout(timer);
    if (flusher) clearInterval(flusher);
    clearInterval(ticker);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    live.close();
    out?.close();
  }
}

interface SniffFlags extends TrackerFlags {
  interface: string;
  filter?: string;
  count?: number;
  duration?: number;
  write?: string;
  json?: boolean;
  limit: number;
  verifyChecksums?: boolean;
}

export function defineSniff(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('sniff')
    .description('capture live (libpcap, through the cap module) and track connections as they happen')
    .requiredOption('-i, --interface <name>', 'interface to capture on (see `synack interfaces`)')
    .option('-f, --filter <bpf>', "capture filter, pcap-filter(7) syntax, e.g. 'tcp port 443'")
    .option('-c, --count <n>', 'stop after n packets (that passed the filter)', positiveInt)
    .option('-d, --duration <seconds>', 'stop after this many seconds', positiveNumber)
    .option('-w, --write <file>', 'also write the packets to this pcap file, as they arrive')
    .option('--json', 'events as NDJSON (schema/sniff-events.schema.json): capture-start, flow events, then a summary line')
    .option('-n, --limit <n>', 'most connection rows in the closing summary', nonNegativeInt, 50)
    .option('--verify-checksums', 'verify TCP checksums (on the sending host, offloaded checksums look wrong)');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
Needs root or CAP_NET_RAW (sudo, or: sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))),
and the cap module built against libpcap (apt-get install libpcap-dev; npm rebuild cap).
Snapshot length is 65535 bytes and the interface goes promiscuous (cap fixes both).

Timestamps: cap does not pass libpcap's capture time, so each packet is stamped when Node receives it,
from a monotonic clock anchored to the wall clock at start. Times never jump backwards, but they
include libpcap's and Node's delivery delay: handshake RTTs are upper bounds, usually within tens of
microseconds on an idle machine, worse under load. For precise RTTs capture with tcpdump and analyze.

Connections are reported as they end, also on a quiet network: a closed one 2×MSL after its last packet
(--msl; its TIME_WAIT → CLOSED is inferred), an idle one after --idle-timeout, the rest at stop.

Stops on Ctrl-C, SIGTERM, --count or --duration; then prints the same summary as \`analyze\` and exits 0.
Status ("listening on ...") and the closing counts go to stderr; events and the summary to stdout.

Examples:
  $ sudo synack sniff -i eth0 -f 'tcp port 443'
  $ sudo synack sniff -i lo -f 'tcp port 8080' --count 100 -w out.pcap
  $ sudo synack sniff -i any --duration 60 --json > events.ndjson
`);
  cmd.action(async (f: SniffFlags) => {
    const c = ctx();
    const json = f.json ?? false;
    const tracker = trackerOptions(f);
    const r = await sniffCommand({
      iface: f.interface, filter: f.filter ?? '', count: f.count ?? null, durationSeconds: f.duration ?? null,
      write: f.write ?? null, tracker, verifyChecksums: f.verifyChecksums ?? false, maxMemoryBytes: maxMemoryBytes(f),
      onEvent: json ? (e) => c.out(JSON.stringify(e) + '\n') : (e) => c.out(renderEvent(c.paint, e) + '\n'),
      onReady: (info) => {
        if (json) c.out(jsonSafe(JSON.stringify({ type: 'capture-start', t: info.start, interface: info.iface, linkType: info.linkType, linkTypeName: linkTypeName(info.linkType), filter: info.filter, snaplen: 65535 })) + '\n');
        if (!c.quiet) {
          c.err(`listening on ${safeText(info.iface)}, link-type ${linkTypeName(info.linkType)}, snapshot length 65535 bytes` +
            `${info.filter ? `, filter "${safeText(info.filter)}"` : ''}${f.write ? `, writing ${safeText(f.write)}` : ''}\n`);
        }
      },
    });
    if (!c.quiet) {
      c.err(`\nstopped (${r.reason}): ${r.packets} packets captured, ${r.result.counts.tcpSegments} TCP segments, ${r.result.connections.length} connections\n`);
    }
    if (json) {
      const analysis = analyzeDocument(r.result, r.summary, r.result.connections, c.version, f.verifyChecksums ?? false);
      c.out(jsonSafe(JSON.stringify({ type: 'summary', reason: r.reason, analysis })) + '\n');
      for (const w of runWarnings(r.result)) c.err(`warning: ${w}\n`);
    } else {
      c.out('\n' + renderAnalyzeText(c.paint, r.result, r.summary, connectionRows(r.result.connections, f.limit), {
        limit: f.limit, describe: (id) => ANOMALIES[id as AnomalyId]?.meaning, warnings: runWarnings(r.result),
      }));
    }
  });
}
