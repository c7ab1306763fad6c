/**
 * `synack report <file...> -o report.html`: one self-contained HTML file (overview, listeners,
 * connection table, connections in detail, anomaly catalogue) from the same analysis as
 * `analyze --json`. `analyze --html FILE` writes the same page from its own run (htmlReportHook).
 */
import { Command } from 'commander';
import type { TcpState, TrackerOptions } from '../../flow/model.js';
import { isEmptyFilter, type ConnectionFilter } from '../../pipeline/filter.js';
import { ReportDigest } from '../../pipeline/report-digest.js';
import type { AnalysisResult } from '../../pipeline/types.js';
import { DEFAULT_REPORT_LIMITS, type ReportLimits } from '../../report/html/build.js';
import type { ReportData } from '../../report/html/data.js';
import { ProgressBar } from '../../report/progress.js';
import type { Ctx } from '../context.js';
import { reportData, writeReport } from '../html-report.js';
import {
  addTrackerOptions, collectInts, collectList, collectPorts, collectStates, nonNegativeInt, positiveInt, trackerOptions, type TrackerFlags,
} from '../parse.js';
import { analyzeCommand, describeFilter, validateAnomalyIds } from './analyze.js';

export interface ReportCommandOptions {
  paths: string[];
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  /** Narrows the table and the detailed connections (the summary covers everything). No ids here. */
  filter: ConnectionFilter;
  /** Connections to show in detail whatever their trouble (--conn). */
  ids: number[];
  limits: ReportLimits;
  /** Read the inputs a second time for the detailed connections' segments (ladder, graph). */
  packets: boolean;
  version: string;
  progress?: ProgressBar;
}

export async function reportCommand(o: ReportCommandOptions): Promise<{ data: ReportData; result: AnalysisResult }> {
  const digest = new ReportDigest({ rows: o.limits.rows, details: o.limits.details, eventsPerListener: o.limits.eventsPerListener }, o.ids);
  const r = await analyzeCommand({
    paths: o.paths, tracker: o.tracker, verifyChecksums: o.verifyChecksums, filter: o.filter, detail: false, ladder: false,
    limit: 0, onConnection: digest.add, ...(o.progress ? { progress: o.progress } : {}),
  });
  const data = await reportData({
    paths: o.paths, digest, result: r.result, summary: r.summary, tracker: o.tracker, verifyChecksums: o.verifyChecksums,
    filter: isEmptyFilter(o.filter) ? null : describeFilter(o.filter), limits: o.limits, packets: o.packets, version: o.version,
  });
  return { data, result: r.result };
}

interface ReportFlags extends TrackerFlags {
  output: string;
  conn?: number[];
  details: number;
  maxRows: number;
  packets: number;
  host?: string[];
  port?: number[];
  anomaly?: string[];
  state?: TcpState[];
  ladder: boolean;
  verifyChecksums?: boolean;
}

export function defineReport(program: Command, ctx: () => Ctx): void {
  const d = DEFAULT_REPORT_LIMITS;
  const cmd = program.command('report')
    .description('write one self-contained HTML report (overview, listener charts, connection table, state swimlanes, ladders, time-sequence graphs, anomaly catalogue)')
    .argument('<file...>', "pcap or pcapng files (gzip too), or '-' for standard input (then no ladders: it cannot be read twice)")
    .requiredOption('-o, --output <file>', "the HTML file to write ('-' for standard output)")
    .option('--conn <id>', 'show these connections in detail too, whatever their trouble (repeatable, or 3,7)', collectInts)
    .option('--details <n>', `most connections shown in detail, the most troubled first (default ${d.details})`, nonNegativeInt, d.details)
    .option('--max-rows <n>', `most rows in the connection table; past it, the most troubled are kept (default ${d.rows})`, positiveInt, d.rows)
    .option('--packets <n>', `most segments drawn per detailed connection (default ${d.packetsPerConnection})`, positiveInt, d.packetsPerConnection)
    .option('--host <addr>', 'only connections with this address on either side (repeatable)', collectList)
    .option('--port <port>', 'only connections with this port on either side (repeatable)', collectPorts)
    .option('--anomaly <id>', 'only connections with this anomaly (repeatable; see `synack anomalies`)', collectList)
    .option('--state <STATE>', 'only connections where an endpoint ended in this state (repeatable)', collectStates)
    .option('--no-ladder', 'read the capture once: no ladders or time-sequence graphs')
    .option('--verify-checksums', 'verify TCP checksums (offloaded checksums look wrong on the sending host)');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
The page needs no network: script, styles and data are inside the file (open it from a ticket or a
CI artifact, offline). Its data is the analysis --json gives (schema/report-data.schema.json), within
bounds: --max-rows table rows, --details connections in detail with at most --packets segments each,
the 100 busiest listeners. Filters narrow the table and the detailed connections; the overview
always covers the whole capture.

Examples:
  $ synack report capture.pcap -o report.html
  $ synack report big.pcap.gz -o big.html --details 20 --max-rows 50000
  $ synack report capture.pcap --conn 12,40 -o two-more.html
  $ synack analyze capture.pcap --html report.html      # the text report, and the page
`);
  cmd.action(async (paths: string[], f: ReportFlags) => {
    const c = ctx();
    const filter: ConnectionFilter = {
      ...(f.host ? { hosts: f.host.map((x) => x.toLowerCase()) } : {}),
      ...(f.port ? { ports: f.port } : {}),
      ...(f.anomaly ? { anomalies: validateAnomalyIds(f.anomaly, '--anomaly') } : {}),
      ...(f.state ? { states: f.state } : {}),
    };
    const progress = !c.quiet && c.stderrIsTTY ? new ProgressBar(c.err, c.paintErr, c.errColumns) : undefined;
    const { data } = await reportCommand({
      paths, tracker: trackerOptions(f), verifyChecksums: f.verifyChecksums ?? false, filter, ids: f.conn ?? [],
      limits: { ...d, rows: f.maxRows, details: f.details, packetsPerConnection: f.packets }, packets: f.ladder, version: c.version,
      ...(progress ? { progress } : {}),
    });
    writeReport(c, f.output, data);
  });
}
