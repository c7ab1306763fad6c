/**
 * The one entry point: builds the program, runs it, and maps every error to an exit code.
 * Exit codes: 0 ok, 1 `check` policy violated, 2 usage or input error, 3 internal error.
 * Nothing else in synack calls process.exit or sets process.exitCode.
 */
import { Command, CommanderError } from 'commander';
import { safeLines, safeText } from '../report/safe-text.js';
import { SynackError } from '../util/errors.js';
import { defineAnalyze } from './commands/analyze.js';
import { defineAnomalies } from './commands/anomalies.js';
import { defineCheck } from './commands/check.js';
import { defineExplain } from './commands/explain.js';
import { defineInterfaces } from './commands/interfaces.js';
import { definePackets } from './commands/packets.js';
import { defineReport } from './commands/report.js';
import { defineSniff } from './commands/sniff.js';
import { EXIT, ExitStatus } from './exit.js';
import { makeCtx, packageVersion, type Ctx, type GlobalFlags } from './context.js';
import { waitForReader } from './output.js';


export function buildProgram(): { program: Command; ctx: () => Ctx } {
  const program = new Command('synack');
  let ctx: Ctx | null = null;
  const getCtx = (): Ctx => {
    ctx ??= makeCtx(program.opts<GlobalFlags>());
    return ctx;
  };
  program
    .description('TCP connection forensics: per-endpoint RFC 793 state timelines, handshake and teardown anomalies, from pcap/pcapng files or live capture')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--no-color', 'no colours (also NO_COLOR=1; FORCE_COLOR=1 forces them when piped)')
    .option('--debug', 'print the stack trace of an internal error')
    .option('-q, --quiet', 'nothing on stderr but errors and warnings (no progress bar, no closing counts)')
    .helpOption('-h, --help', 'show help for synack or a command')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      // Commander quotes the arguments it rejects: they may hold control characters (safe-text.ts).
      outputError: (s, write) => write(safeLines(s)),
    });
  defineAnalyze(program, getCtx);
  definePackets(program, getCtx);
  defineCheck(program, getCtx);
  defineReport(program, getCtx);
  defineSniff(program, getCtx);
  defineInterfaces(program, getCtx);
  defineAnomalies(program, getCtx);
  defineExplain(program, getCtx);
  program.addHelpText('after', `
Exit codes: 0 ok, 1 a \`check\` policy was violated, 2 usage or input error, 3 internal error.

tcpdump habits work: -r FILE, -nn (synack never looks names up), -c COUNT, a capture filter in
tcpdump's syntax after the files (or -f), -w on packets and sniff.

Examples:
  $ synack analyze capture.pcap                 # summary + connections, trouble first
  $ synack analyze capture.pcap 'tcp port 443 and host 10.0.0.1'
  $ synack analyze capture.pcap --conn 4        # one connection: timelines + ladder diagram
  $ synack analyze capture.pcap --format zeek   # Zeek conn.log (zeek-cut reads it); or csv
  $ synack packets -nn -r capture.pcap -c 20 | less
  $ synack check capture.pcap --max-rtt 200 --format junit > synack.xml
  $ synack report capture.pcap -o report.html   # one self-contained HTML page
  $ sudo synack sniff -i eth0 -f 'tcp port 443' -w out.pcap
  $ synack explain lost-final-ack               # what an anomaly means, how it is found, what to check
  $ synack explain 4 capture.pcap               # connection 4 in plain sentences
`);
  return { program, ctx: getCtx };
}

function wantsDebug(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return argv.slice(0, end === -1 ? undefined : end).includes('--debug');
}

/** Runs synack with `argv` (as process.argv) and returns the exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  const { program } = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof ExitStatus) return e.code;
    if (e instanceof CommanderError) {
      // Commander already printed its message (or the help / version).
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof SynackError) {
      // Messages quote file names, arguments and bytes of input: shown with control characters escaped.
      process.stderr.write(`synack: error: ${safeText(e.message)}\n`);
      if (wantsDebug(argv) && e.stack) process.stderr.write(e.stack + '\n');
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    if (wantsDebug(argv)) {
      process.stderr.write(`synack: internal error: ${safeLines(err.stack ?? err.message)}\n`);
    } else {
      process.stderr.write(`synack: internal error: ${safeText(err.message.split('\n')[0]!)} (run with --debug for the stack)\n`);
    }
    return EXIT.INTERNAL;
  }
}

export { tuneHeap } from '../util/heap-tuning.js';

/** The bin shim's call: runs, then sets the exit code (letting pending output drain). */
export async function run(): Promise<void> {
  // `synack ... | head`: the reader went away; stop quietly instead of dying on EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    process.stderr.write(`synack: cannot write output: ${safeText(e.message)}\n`);
    process.exit(EXIT.USAGE);
  });
  // A slow reader makes synack wait instead of queueing its output in memory (output.ts).
  waitForReader(process.stdout);
  process.exitCode = await main(process.argv);
}
