/** `synack analyze <file...> [filter]`: connections, timelines and anomalies of captures. */
import { Command, Option } from 'commander';
import { formatAddress } from '../../decode/format.js';
import { parseHosts } from '../../filter/endpoints.js';
import { judgeConfidence } from '../../flow/confidence.js';
import type { AnomalyId, Connection, TcpState, TrackerOptions } from '../../flow/model.js';
import { analyzeInputs } from '../../pipeline/analyze.js';
import { ConnectionDigest, type ConnectionRows } from '../../pipeline/digest.js';
import { isEmptyFilter, type ConnectionFilter } from '../../pipeline/filter.js';
import type { Progress } from '../../pipeline/inputs.js';
import { captureDrops, captureProblems } from '../../pipeline/integrity.js';
import type { Selection } from '../../pipeline/sink.js';
import { ANOMALIES } from '../../pipeline/stages.js';
import type { Summary } from '../../pipeline/summary.js';
import type { AnalysisResult } from '../../pipeline/types.js';
import { AnalyzeJsonStream } from '../../report/analyze-json.js';
import { renderAnalyzeText } from '../../report/analyze-text.js';
import { csvHeader, csvRow, zeekFooter, zeekHeader, zeekRow } from '../../report/connlog.js';
import { renderConnectionDetail } from '../../report/detail.js';
import { runWarnings } from '../../report/run-warnings.js';
import { safeText } from '../../report/safe-text.js';
import { collectLadders, type LadderSegment } from '../../pipeline/ladder.js';
import { ProgressBar } from '../../report/progress.js';
import { plural } from '../../report/text.js';
import { UsageError } from '../../util/errors.js';
import { outputWidth, type Ctx } from '../context.js';
import { htmlReportHook, type HtmlReportHook } from '../html-report.js';
import { addInputOptions, resolveInputs, type InputFlags } from '../inputs.js';
import { BufferedWriter } from '../output.js';
import {
  addTrackerOptions, collectInts, collectList, collectPorts, collectStates, maxMemoryBytes, nonNegativeInt, trackerOptions, type TrackerFlags,
} from '../parse.js';
import { spoolStdin } from '../spool.js';
import { warmUp, warmUpCapture, warmUpTracker } from '../warm-up.js';

export interface AnalyzeCommandOptions {
  paths: string[];
  /** Display names of the paths, when some stand in for others (spooled standard input). */
  names?: readonly string[];
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  /** Which segments reach the tracker (capture filter, -c). */
  selection?: Selection | null;
  filter: ConnectionFilter;
  /** Detail views wanted (--conn, or --detail with filters). */
  detail: boolean;
  /** Re-read the inputs for the selected connections' ladders. */
  ladder: boolean;
  /** Most detail views and table rows: only this many selected connections are kept. */
  limit: number;
  /** Each selected connection as it finishes (--json, --ndjson, zeek, csv). */
  onConnection?: (c: Connection) => void;
  progress?: ProgressBar;
  /** The memory ceiling (--max-memory), bytes; null: node's heap limit. */
  maxMemoryBytes?: number | null;
}

export interface AnalyzeCommandResult {
  /** Per-input facts, counts, listeners (connections: empty, they were digested or streamed). */
  result: AnalysisResult;
  summary: Summary;
  /** The worst selected connections (at most `limit`, or every id asked with --conn), and how many matched. */
  rows: ConnectionRows;
  /** Segments of the detailed connections (second pass), by connection id. */
  ladders: Map<number, LadderSegment[]>;
}

export async function analyzeCommand(o: AnalyzeCommandOptions): Promise<AnalyzeCommandResult> {
  // --conn ids are shown whatever the limit; otherwise the table and --detail need `limit` rows.
  const keep = Math.max(o.limit, o.filter.ids?.length ?? 0);
  const onProgress = o.progress ? (p: Progress, n: number) => o.progress!.update(p, n) : undefined;
  const digest = new ConnectionDigest(o.filter, keep);
  const emit = o.onConnection;
  const result = await analyzeInputs(o.paths, {
    tracker: o.tracker, verifyChecksums: o.verifyChecksums, maxMemoryBytes: o.maxMemoryBytes ?? null,
    // Streamed: every connection is built; a report builds only those it keeps.
    ...(emit ? { onConnection: (c) => { if (digest.add(c)) emit(c); } } : { onFinished: (f, build) => digest.addFinished(f, build) }),
    ...(onProgress ? { onProgress } : {}),
    ...(o.selection ? { selection: o.selection } : {}),
    ...(o.names ? { names: o.names } : {}),
  });
  const parts = digest.parts();
  o.progress?.done();
  const summary = digest.summary.finish(result);
  const shownNames = o.names ?? o.paths;
  if (o.filter.ids?.length) {
    const missing = o.filter.ids.filter((id) => !parts.foundIds.includes(id));
    if (missing.length) {
      const n = summary.connections;
      const has = n === 0 ? 'it has no TCP connection' : n === 1 ? 'it has connection #1 only' : `its connections are #1..#${n}`;
      throw new UsageError(`no connection ${missing.map((m) => `#${m}`).join(', ')} in ${shownNames.join(', ')} (${has})`);
    }
  }
  // Connections finished while reading were judged without the capture's drop counts: judge them again.
  const drops = captureDrops(result.inputs);
  const shown = drops.length ? parts.top.map((c) => judgeConfidence(c, drops)) : parts.top;
  const rows: ConnectionRows = { shown, total: parts.selected, roleInferred: parts.roleInferred };
  let ladders = new Map<number, LadderSegment[]>();
  if (o.detail && o.ladder && rows.shown.length > 0) {
    ladders = await collectLadders(o.paths, rows.shown.slice(0, keep), o.verifyChecksums, o.selection?.accept ?? null, 2000, o.names);
  }
  return { result, summary, rows, ladders };
}

const FORMATS = ['text', 'json', 'ndjson', 'zeek', 'csv'] as const;
type Format = typeof FORMATS[number];

interface AnalyzeFlags extends TrackerFlags, InputFlags {
  format?: Format;
  json?: boolean;
  ndjson?: boolean;
  limit: number;
  conn?: number[];
  host?: string[];
  port?: number[];
  anomaly?: string[];
  state?: TcpState[];
  detail?: boolean;
  ladder: boolean;
  wide?: boolean;
  verifyChecksums?: boolean;
  html?: string;
}

export function describeFilter(f: ConnectionFilter): string {
  const parts: string[] = [];
  if (f.ids?.length) parts.push(`--conn ${f.ids.join(',')}`);
  if (f.hosts?.length) parts.push(`--host ${f.hosts.join(',')}`);
  if (f.ports?.length) parts.push(`--port ${f.ports.join(',')}`);
  if (f.anomalies?.length) parts.push(`--anomaly ${f.anomalies.join(',')}`);
  if (f.states?.length) parts.push(`--state ${f.states.join(',')}`);
  return parts.join(' ');
}

export function validateAnomalyIds(ids: readonly string[], flag: string): AnomalyId[] {
  for (const id of ids) {
    if (!(id in ANOMALIES)) throw new UsageError(`${flag} ${id}: unknown anomaly id; run \`synack anomalies\` for the list`);
  }
  return ids as AnomalyId[];
}

/** `--host` values as the output prints addresses (so 2001:DB8:0::1 matches 2001:db8::1). */
export function canonicalHosts(hosts: readonly string[]): string[] {
  return parseHosts(hosts).map((a) => formatAddress(a.words, a.version));
}

function formatOf(f: AnalyzeFlags): Format {
  const asked = [f.json ? 'json' : null, f.ndjson ? 'ndjson' : null, f.format ?? null].filter((x): x is Format => x !== null);
  const distinct = [...new Set(asked)];
  if (distinct.length > 1) throw new UsageError(`two output formats asked (${distinct.join(' and ')}); give one`);
  return distinct[0] ?? 'text';
}

export function defineAnalyze(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('analyze')
    .description('rebuild every TCP connection of the captures: both endpoints\' RFC 793 state timelines, handshake RTTs, anomalies, listeners')
    .usage('[options] <file...> [filter expression]')
    .argument('[input...]', "pcap or pcapng files (gzip too), or '-' for standard input, then optionally a capture filter in tcpdump's syntax; packet numbers run on across files")
    .addOption(new Option('--format <format>', 'output: text for people; json (one document), ndjson (a connection a line), zeek (conn.log TSV), csv').choices(FORMATS))
    .option('--json', 'the same as --format json (schema/analyze.schema.json, schemaVersion 1)')
    .option('--ndjson', 'the same as --format ndjson: one connection per line as the tracker finishes it');
  addInputOptions(cmd);
  cmd
    .option('-L, --limit <n>', 'most connection rows (and detail views) to print', nonNegativeInt, 50)
    .option('--conn <id>', 'show connection <id> in detail: timelines, options, anomalies, ladder diagram (repeatable, or 3,7)', collectInts)
    .option('--host <addr>', 'only connections with this address on either side (repeatable)', collectList)
    .option('--port <port>', 'only connections with this port on either side (repeatable)', collectPorts)
    .option('--anomaly <id>', 'only connections with this anomaly (repeatable; see `synack anomalies`)', collectList)
    .option('--state <STATE>', 'only connections where an endpoint ended in this state, e.g. TIME_WAIT (repeatable)', collectStates)
    .option('--detail', 'show every selected connection in detail (implied by --conn)')
    .option('--no-ladder', 'detail views without the ladder diagram (skips the second read of the capture)')
    .option('--wide', 'no width limit: every column, whatever the terminal (text output fits the terminal, or COLUMNS, or 100 columns when piped)')
    .option('--verify-checksums', 'verify TCP checksums (offloaded checksums look wrong on the sending host)')
    .option('--html <file>', 'also write the HTML report of this run (as `synack report`; filters narrow its table)');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
Output: text for people by default; --format json / ndjson / zeek / csv for tools. Connections are
sorted trouble first (worst anomaly severity, then failed handshakes). Filters narrow the table, the
JSON "connections", ndjson, zeek and csv; the summary always covers what was read. json, ndjson, zeek
and csv stream connections in the order they finish (their id is first-packet order).

The capture filter (tcpdump's pcap-filter(7) language: host, net, port, portrange, src/dst, ip, ip6,
tcp, vlan, tcp[...] with tcpflags, and/or/not, parentheses) decides which segments the analysis sees,
as tcpdump -r FILE 'FILTER' would select them; --host/--port/--conn/--anomaly/--state choose among
the connections it rebuilt. -r FILE and -nn work as in tcpdump; -c N reads N segments and stops.

Many captures at once: run one synack per file and combine the --ndjson streams, e.g.
  $ ls *.pcap | xargs -P "$(nproc)" -I{} sh -c 'synack analyze --ndjson "{}" > "{}.ndjson"'

Examples:
  $ synack analyze capture.pcap
  $ synack analyze capture.pcap 'tcp port 443 and host 10.0.0.1'
  $ synack analyze -nn -r capture.pcap -c 10000 'tcp[tcpflags] & (tcp-syn|tcp-rst) != 0'
  $ synack analyze capture.pcapng --conn 3            # one connection: timelines + ladder
  $ synack analyze big.pcap.gz --anomaly half-open --detail --limit 5
  $ synack analyze capture.pcap --format zeek | zeek-cut id.orig_h id.resp_p conn_state history
  $ synack analyze day1.pcap day2.pcap --json > report.json
  $ tcpdump -w - -U -i eth0 tcp | synack analyze --ndjson -
`);
  cmd.action(async (args: string[], f: AnalyzeFlags) => {
    const c = ctx();
    const format = formatOf(f);
    const input = resolveInputs(args, f, 'analyze');
    const filter: ConnectionFilter = {
      ...(f.conn ? { ids: f.conn } : {}),
      ...(f.host ? { hosts: canonicalHosts(f.host) } : {}),
      ...(f.port ? { ports: f.port } : {}),
      ...(f.anomaly ? { anomalies: validateAnomalyIds(f.anomaly, '--anomaly') } : {}),
      ...(f.state ? { states: f.state } : {}),
    };
    const tracker = trackerOptions(f);
    const verifyChecksums = f.verifyChecksums ?? false;
    const text = format === 'text';
    const detail = text && (Boolean(f.conn?.length) || Boolean(f.detail));
    const progress = !c.quiet && c.stderrIsTTY ? new ProgressBar(c.err, c.paintErr, c.errColumns) : undefined;
    // A ladder (or the HTML report's segments) reads the inputs twice: standard input is kept in a
    // temporary file for that.
    const twice = (detail || f.html !== undefined) && f.ladder;
    const spooled = twice ? await spoolStdin(input.paths) : { paths: input.paths, names: undefined, cleanup: () => {} };
    try {
      const base: AnalyzeCommandOptions = {
        paths: spooled.paths, ...(spooled.names ? { names: spooled.names } : {}), tracker, verifyChecksums,
        selection: input.selection, filter, detail, ladder: f.ladder, limit: f.limit, maxMemoryBytes: maxMemoryBytes(f),
        ...(progress ? { progress } : {}),
      };
      const html = f.html ? htmlReportHook(f.html, {
        paths: spooled.paths, ids: f.conn ?? [], tracker, verifyChecksums,
        filter: isEmptyFilter(filter) ? null : describeFilter(filter), packets: f.ladder, version: c.version,
      }) : null;
      const warm = warmUpCapture(base.paths);
      if (warm !== null) {
        // The same kind of run as the real one (connections built and streamed, or digested), output
        // dropped: warm-up.ts says why.
        const streams = !text || html !== null;
        await warmUp(() => analyzeCommand({
          paths: [warm], tracker: warmUpTracker(tracker), verifyChecksums, filter: {}, detail: false, ladder: false, limit: f.limit,
          maxMemoryBytes: base.maxMemoryBytes ?? null, ...(streams ? { onConnection: () => {} } : {}),
        }));
      }
      if (!text) {
        await streamed(c, format, base, { tracker, verifyChecksums, filterText: input.filterText }, html);
        return;
      }
      const r = await analyzeCommand(html ? { ...base, onConnection: html.onConnection } : base);
      await html?.finish(c, r.result, r.summary);
      const width = outputWidth(c, f.wide);
      if (f.conn?.length) {
        // Asked for by number: the detail views alone, in the order asked.
        for (const [k, id] of f.conn.entries()) {
          const conn = r.rows.shown.find((x) => x.id === id);
          if (!conn) {
            c.err(`note: connection #${id} does not match the other filters (${safeText(describeFilter({ ...filter, ids: [] }))})\n`);
            continue;
          }
          c.out((k > 0 ? '\n' : '') + renderConnectionDetail(c.paint, conn, f.ladder ? r.ladders.get(conn.id) ?? [] : null, width));
        }
        return;
      }
      const filtered = !isEmptyFilter(filter);
      c.out(renderAnalyzeText(c.paint, r.result, r.summary, r.rows, {
        limit: f.limit, width,
        ...(filtered ? { filterNote: describeFilter(filter) } : {}),
        ...(input.filterText !== null ? { captureFilter: input.filterText } : {}),
        describe: (id) => ANOMALIES[id as AnomalyId]?.meaning,
        warnings: runWarnings(r.result),
      }));
      if (detail) {
        const shown = r.rows.shown.slice(0, f.limit);
        for (const conn of shown) c.out('\n' + renderConnectionDetail(c.paint, conn, f.ladder ? r.ladders.get(conn.id) ?? [] : null, width));
        if (r.rows.total > shown.length) c.out(`\n… ${plural(r.rows.total - shown.length, 'more selected connection')} not detailed (--limit ${f.limit})\n`);
      }
    } finally {
      spooled.cleanup();
    }
  });
}

/** json, ndjson, zeek, csv: connections written as they finish; capture problems also on stderr. */
async function streamed(
  c: Ctx, format: Exclude<Format, 'text'>, base: AnalyzeCommandOptions,
  head: { tracker: TrackerOptions; verifyChecksums: boolean; filterText: string | null }, html: HtmlReportHook | null,
): Promise<void> {
  // Streamed as the connections finish: memory follows the connections open at once.
  const w = new BufferedWriter(c.outStream);
  let onConnection: (conn: Connection) => void;
  let doc: AnalyzeJsonStream | null = null;
  switch (format) {
    case 'json':
      doc = new AnalyzeJsonStream(w.write, { version: c.version, tracker: head.tracker, verifyChecksums: head.verifyChecksums, captureFilter: head.filterText });
      onConnection = doc.connection;
      break;
    case 'ndjson': onConnection = (conn) => w.write(JSON.stringify(conn) + '\n'); break;
    case 'zeek': w.write(zeekHeader(new Date())); onConnection = (conn) => w.write(zeekRow(conn)); break;
    case 'csv': w.write(csvHeader()); onConnection = (conn) => w.write(csvRow(conn)); break;
  }
  const emit = onConnection;
  const r = await analyzeCommand({ ...base, onConnection: html ? (conn) => { html.onConnection(conn); emit(conn); } : emit });
  doc?.end(r.result, r.summary);
  if (format === 'zeek') w.write(zeekFooter(new Date()));
  await w.drained();
  await html?.finish(c, r.result, r.summary);
  // A document on stdout is read by a tool; a person watching the run sees the damage here.
  for (const pr of captureProblems(r.result.inputs, r.result.counts)) c.err(`${c.paintErr.yellow('warning:')} ${safeText(pr.message)}\n`);
  for (const w of runWarnings(r.result)) c.err(`warning: ${w}\n`);
}
