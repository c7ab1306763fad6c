/** `synack packets <file...>`: every TCP segment, one line each (tcpdump-like) or one JSON object each. */
import { Command } from 'commander';
import type { Segment } from '../../decode/segment.js';
import { decodeInputs, type DecodeResult } from '../../pipeline/analyze.js';
import { decodeOptions } from '../../pipeline/stages.js';
import { packetLine, packetObject, renderPacketCounts } from '../../report/packets.js';
import { safeText } from '../../report/safe-text.js';
import type { Ctx } from '../context.js';
import { positiveInt } from '../parse.js';

export interface PacketsCommandOptions {
  paths: string[];
  verifyChecksums: boolean;
  /** Stop after this many TCP segments (null: all). */
  count: number | null;
  onSegment: (seg: Segment) => void;
}

export interface PacketsCommandResult extends DecodeResult {
  printed: number;
  stoppedEarly: boolean;
}

export async function packetsCommand(o: PacketsCommandOptions): Promise<PacketsCommandResult> {
  const stop = new AbortController();
  let printed = 0;
  const limit = o.count ?? Infinity;
  const r = await decodeInputs(o.paths, { verifyChecksums: o.verifyChecksums, signal: stop.signal }, (seg) => {
    if (printed >= limit) return;
    o.onSegment(seg);
    if (++printed >= limit) stop.abort();
  });
  return { ...r, printed, stoppedEarly: stop.signal.aborted };
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

export function definePackets(program: Command, ctx: () => Ctx): void {
  program.command('packets')
    .description('list every TCP segment: one tcpdump-like line each, or one JSON object each')
    .argument('<file...>', "pcap or pcapng files (gzip too), or '-' for standard input")
    .option('--json', 'one JSON object per line: frame, time, addresses, raw seq/ack, all flags, options, issues')
    .option('-c, --count <n>', 'stop after n TCP segments', positiveInt)
    .option('--verify-checksums', 'verify TCP checksums (on the sending host, offloaded checksums look wrong: the NIC fills them in later)')
    .addHelpText('after', `
Lines: the frame number (as tshark's frame.number; numbers run on across files), then what
tcpdump -nn -S prints: UTC time of day, addresses and ports, flags (S F R P U E W e, '.' = ACK),
raw absolute seq (first:last+1 with payload; only when the segment uses sequence space) and ack,
window, options, payload length; decode issues follow in [brackets].
The closing counts (frames read, TCP segments, non-TCP frames by reason, link types, decode issues,
capture warnings) go to stderr, so stdout stays clean for pipes; --quiet keeps only the warnings.

Examples:
  $ synack packets capture.pcap | less
  $ synack packets capture.pcap --json | jq 'select(.flags.rst)'
  $ synack packets capture.pcap --verify-checksums --count 100
`)
    .action(async (paths: string[], f: { json?: boolean; count?: number; verifyChecksums?: boolean }) => {
      const c = ctx();
      const out = new Chunked(c.out);
      const p = c.paint;
      const r = await packetsCommand({
        paths, verifyChecksums: f.verifyChecksums ?? false, count: f.count ?? null,
        onSegment: f.json
          ? (seg) => out.line(JSON.stringify(packetObject(seg, decodeOptions(seg))))
          : (seg) => out.line(packetLine(p, seg, decodeOptions(seg))),
      });
      out.flush();
      if (!c.quiet) {
        c.err(renderPacketCounts(c.paintErr, r.inputs, r.counts, r.printed, r.stoppedEarly));
      } else {
        for (const i of r.inputs) for (const w of i.warnings) c.err(`warning: ${safeText(w.message)}\n`);
      }
    });
}
