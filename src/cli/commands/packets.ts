/**
 * `synack packets <file...> [filter]`: every TCP segment, one line each (tcpdump-like) or one JSON
 * object each; or, with -w, the selected frames written to a pcap file (tcpdump -r IN -w OUT FILTER).
 */
import { Command } from 'commander';
import type { Frame } from '../../capture/frame.js';
import { PcapWriter } from '../../capture/pcap-writer.js';
import type { Segment } from '../../decode/segment.js';
import { endpointPredicate } from '../../filter/endpoints.js';
import type { Connection, TrackerOptions } from '../../flow/model.js';
import { analyzeInputs, decodeInputs, type DecodeResult } from '../../pipeline/analyze.js';
import { ConnectionFrames } from '../../pipeline/ladder.js';
import type { Selection } from '../../pipeline/sink.js';
import { decodeOptions } from '../../pipeline/stages.js';
import { packetLine, packetObject, renderPacketCounts } from '../../report/packets.js';
import { safeText } from '../../report/safe-text.js';
import { plural } from '../../report/text.js';
import { wrapLine } from '../../report/wrap.js';
import { UsageError } from '../../util/errors.js';
import type { Ctx } from '../context.js';
import { addInputOptions, both, resolveInputs, type InputFlags } from '../inputs.js';
import { addTrackerOptions, collectInts, collectList, collectPorts, trackerOptions, type TrackerFlags } from '../parse.js';
import { spoolStdin } from '../spool.js';

export interface PacketsCommandOptions {
  paths: string[];
  names?: readonly string[];
  verifyChecksums: boolean;
  /** The capture filter and -c; --host/--port are folded into `accept`. */
  selection: Selection | null;
  /** --conn: only the segments of these connections (numbered as `analyze` numbers them). */
  conns?: number[];
  /** For --conn's first pass (connection numbering needs the tracker). */
  tracker: TrackerOptions;
  onSegment: (seg: Segment, frame: Frame) => void;
}

export interface PacketsCommandResult extends DecodeResult {
  printed: number;
  stoppedEarly: boolean;
}

/** The connections asked for by number, from a first pass with the same capture filter. */
async function findConnections(o: PacketsCommandOptions, ids: readonly number[]): Promise<Connection[]> {
  const want = new Set(ids);
  const found: Connection[] = [];
  let n = 0;
  await analyzeInputs(o.paths, {
    tracker: o.tracker, verifyChecksums: o.verifyChecksums,
    onFinished: (f, build) => { n++; if (want.has(f.id)) found.push(build()); },
    ...(o.selection?.accept ? { selection: { accept: o.selection.accept, count: null } } : {}),
    ...(o.names ? { names: o.names } : {}),
  });
  const missing = ids.filter((id) => !found.some((c) => c.id === id));
  if (missing.length) {
    const has = n === 0 ? 'it has no TCP connection' : n === 1 ? 'it has connection #1 only' : `its connections are #1..#${n}`;
    throw new UsageError(`no connection ${missing.map((m) => `#${m}`).join(', ')} in ${(o.names ?? o.paths).join(', ')} (${has})`);
  }
  return found;
}

export async function packetsCommand(o: PacketsCommandOptions): Promise<PacketsCommandResult> {
  let printed = 0;
  let accept = o.selection?.accept ?? null;
  if (o.conns?.length) {
    const frames = new ConnectionFrames(await findConnections(o, o.conns));
    accept = both(accept, (seg) => frames.match(seg) >= 0);
  }
  const selection: Selection | null = accept !== null || o.selection?.count != null ? { accept, count: o.selection?.count ?? null } : null;
  const r = await decodeInputs(o.paths, {
    verifyChecksums: o.verifyChecksums,
    ...(selection ? { selection } : {}),
    ...(o.names ? { names: o.names } : {}),
  }, (seg, frame) => {
    o.onSegment(seg, frame);
    printed++;
  });
  return { ...r, printed, stoppedEarly: r.counts.stoppedAtCount !== undefined };
}

/** Output is gathered into chunks: one write per ~64 KiB, not per line. */
class Chunked {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (s: string) => void) {}
  line(s: string): void {
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= 65536) this.flush();
  }
  flush(): void {
    if (this.parts.length) this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/**
 * `-w`: the frames of the selected segments, as read (link header, FCS), into one classic pcap with
 * nanosecond timestamps. A pcap holds one link type: frames of another are counted, not written.
 */
class FrameWriter {
  private w: PcapWriter | null = null;
  private linkType = -1;
  written = 0;
  otherLinkType = 0;

  constructor(private readonly path: string) {}

  frame(f: Frame): void {
    if (this.w === null) this.open(f.linkType, f.fcsLen);
    if (f.linkType !== this.linkType) { this.otherLinkType++; return; }
    this.w!.write(f);
    this.written++;
  }

  /** Closes the file; with no frame written it still gets a header (as tcpdump -w leaves one). */
  close(fallbackLinkType: number): void {
    if (this.w === null) this.open(fallbackLinkType, 0);
    this.w!.close();
  }

  private open(linkType: number, fcsLen: number): void {
    this.linkType = linkType;
    // The pcap link-type field carries the FCS length (in 16-bit words) above bit 28.
    const field = fcsLen > 0 ? ((((fcsLen / 2) & 7) << 29) | (1 << 28) | linkType) >>> 0 : linkType;
    this.w = new PcapWriter(this.path === '-' ? '/dev/stdout' : this.path, { linkType: field, nanosecond: true });
  }
}

interface PacketsFlags extends InputFlags, TrackerFlags {
  json?: boolean;
  host?: string[];
  port?: number[];
  conn?: number[];
  write?: string;
  print?: boolean;
  wide?: boolean;
  verifyChecksums?: boolean;
}

export function definePackets(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('packets')
    .description('list every TCP segment: one tcpdump-like line each, or one JSON object each; or write the selected ones to a pcap (-w)')
    .usage('[options] <file...> [filter expression]')
    .argument('[input...]', "pcap or pcapng files (gzip too), or '-' for standard input, then optionally a capture filter in tcpdump's syntax")
    .option('--json', 'one JSON object per line: frame, time, addresses, raw seq/ack, all flags, options, issues');
  addInputOptions(cmd, 'stop after n TCP segments (that passed the filters), as tcpdump -c');
  cmd
    .option('--host <addr>', 'only segments with this address on either side (repeatable)', collectList)
    .option('--port <port>', 'only segments with this port on either side (repeatable)', collectPorts)
    .option('--conn <id>', "only the segments of connection <id>, numbered as `synack analyze` numbers them (repeatable, or 3,7)", collectInts)
    .option('-w, --write <file>', "write the selected frames to this pcap file ('-': standard output) instead of listing them")
    .option('--print', 'with -w: list the segments too')
    .option('--wide', 'never wrap a line (lines fit the terminal, or COLUMNS; piped output is never wrapped)')
    .option('--verify-checksums', 'verify TCP checksums (on the sending host, offloaded checksums look wrong: the NIC fills them in later)');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
Lines: the frame number (as tshark's frame.number; numbers run on across files), then what
tcpdump -nn -S prints: UTC time of day, addresses and ports, flags (S F R P U E W e, '.' = ACK),
raw absolute seq (first:last+1 with payload; only when the segment uses sequence space) and ack,
window, options, payload length; decode issues follow in [brackets].
The closing counts (frames read, TCP segments, non-TCP frames by reason, link types, decode issues,
capture warnings) go to stderr, so stdout stays clean for pipes; --quiet keeps only the warnings.

Selection: a capture filter in tcpdump's syntax (as for analyze), --host/--port (either side, any
encapsulation), --conn (a connection of \`synack analyze\`, found by a first pass with the same
filter), and -c N (the first N segments that pass). -w writes what passes, frames as read.

Examples:
  $ synack packets capture.pcap | less
  $ synack packets -nn -r capture.pcap -c 20 'tcp[tcpflags] & tcp-syn != 0'
  $ synack packets capture.pcap --conn 12 -w conn12.pcap     # one connection, for Wireshark
  $ synack packets capture.pcap --json | jq 'select(.flags.rst)'
  $ synack packets capture.pcap --verify-checksums --count 100
`);
  cmd.action(async (args: string[], f: PacketsFlags) => {
    const c = ctx();
    const input = resolveInputs(args, f, 'packets');
    if (f.print && !f.write) throw new UsageError('--print goes with -w (without -w the segments are listed anyway)');
    if (f.write === '-' && (f.print || f.json)) throw new UsageError('-w - writes the capture to standard output: it cannot take lines too');
    const accept = both(input.selection?.accept ?? null, endpointPredicate(f.host ?? [], f.port ?? []));
    const selection: Selection | null = accept !== null || f.count !== undefined ? { accept, count: f.count ?? null } : null;
    const writer = f.write ? new FrameWriter(f.write) : null;
    const list = !writer || f.print;
    const out = new Chunked(c.out);
    const p = c.paint;
    // Lines fit the terminal (or COLUMNS); piped, a line per segment whatever its length.
    const width = f.wide ? Infinity : c.terminalColumns ?? Infinity;
    const line = f.json
      ? (seg: Segment) => out.line(JSON.stringify(packetObject(seg, decodeOptions(seg))))
      : Number.isFinite(width)
        ? (seg: Segment) => { for (const l of wrapLine(packetLine(p, seg, decodeOptions(seg)), width, 7)) out.line(l); }
        : (seg: Segment) => out.line(packetLine(p, seg, decodeOptions(seg)));
    const spooled = f.conn?.length ? await spoolStdin(input.paths) : { paths: input.paths, names: undefined, cleanup: () => {} };
    let r: PacketsCommandResult;
    try {
      r = await packetsCommand({
        paths: spooled.paths, ...(spooled.names ? { names: spooled.names } : {}),
        verifyChecksums: f.verifyChecksums ?? false, selection, tracker: trackerOptions(f),
        ...(f.conn?.length ? { conns: f.conn } : {}),
        onSegment: (seg, frame) => {
          writer?.frame(frame);
          if (list) line(seg);
        },
      });
    } finally {
      spooled.cleanup();
      out.flush();
    }
    writer?.close(r.inputs[0]?.linkTypes[0]?.linkType ?? 1);
    if (!c.quiet) {
      c.err(renderPacketCounts(c.paintErr, r.inputs, r.counts, r.printed, r.stoppedEarly));
      if (writer) {
        const other = writer.otherLinkType ? `; ${plural(writer.otherLinkType, 'segment')} of another link type not written (a pcap holds one)` : '';
        c.err(`${plural(writer.written, 'frame')} written to ${f.write === '-' ? 'standard output' : safeText(f.write ?? '')}${other}\n`);
      }
    } else {
      for (const i of r.inputs) for (const w of i.warnings) c.err(`warning: ${safeText(w.message)}\n`);
    }
  });
}
