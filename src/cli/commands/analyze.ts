/** `synack analyze <file...>`: connections, timelines and anomalies of captures. */
import { Command, Option } from 'commander';
import type { AnomalyId, Connection, TcpState, TrackerOptions } from '../../flow/model.js';
import { analyzeInputs } from '../../pipeline/analyze.js';
import type { Progress } from '../../pipeline/inputs.js';
import { ConnectionDigest, type ConnectionRows } from '../../pipeline/digest.js';
import { isEmptyFilter, type ConnectionFilter } from '../../pipeline/filter.js';
import { collectLadders } from '../../pipeline/ladder.js';
import { ANOMALIES } from '../../pipeline/stages.js';
import type { Summary } from '../../pipeline/summary.js';
import type { AnalysisResult } from '../../pipeline/types.js';
import { AnalyzeJsonStream } from '../../report/analyze-json.js';
import { renderAnalyzeText } from '../../report/analyze-text.js';
import { renderConnectionDetail } from '../../report/detail.js';
import { runWarnings } from '../../report/run-warnings.js';
import { safeText } from '../../report/safe-text.js';
import type { LadderSegment } from '../../report/ladder.js';
import { ProgressBar } from '../../report/progress.js';
import { UsageError } from '../../util/errors.js';
import type { Ctx } from '../context.js';
import { BufferedWriter } from '../output.js';
import {
  addTrackerOptions, collectInts, collectList, collectPorts, collectStates, maxMemoryBytes, nonNegativeInt, trackerOptions, type TrackerFlags,
} from '../parse.js';

export interface AnalyzeCommandOptions {
  paths: string[];
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  filter: ConnectionFilter;
  /** Detail views wanted (--conn, or --detail with filters). */
  detail: boolean;
  /** Re-read the inputs for the selected connections' ladders. */
  ladder: boolean;
  /** Most detail views and table rows: only this many selected connections are kept. */
  limit: number;
  /** Each selected connection as it finishes (--json, --ndjson). */
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
  });
  const parts = digest.parts();
  o.progress?.done();
  const summary = digest.summary.finish(result);
  if (o.filter.ids?.length) {
    const missing = o.filter.ids.filter((id) => !parts.foundIds.includes(id));
    if (missing.length) {
      const n = summary.connections;
      const has = n === 0 ? 'it has no TCP connection' : n === 1 ? 'it has connection #1 only' : `its connections are #1..#${n}`;
      throw new UsageError(`no connection ${missing.map((m) => `#${m}`).join(', ')} in ${o.paths.join(', ')} (${has})`);
    }
  }
  const rows: ConnectionRows = { shown: parts.top, total: parts.selected, roleInferred: parts.roleInferred };
  let ladders = new Map<number, LadderSegment[]>();
  if (o.detail && o.ladder && rows.shown.length > 0 && !o.paths.includes('-')) {
    ladders = await collectLadders(o.paths, rows.shown.slice(0, keep), o.verifyChecksums);
  }
  return { result, summary, rows, ladders };
}

interface AnalyzeFlags extends TrackerFlags {
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
  verifyChecksums?: boolean;
}

function describeFilter(f: ConnectionFilter): string {
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

export function defineAnalyze(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('analyze')
    .description('rebuild every TCP connection of the captures: both endpoints\' RFC 793 state timelines, handshake RTTs, anomalies, listeners')
    .argument('<file...>', "pcap or pcapng files (gzip too), or '-' for standard input; packet numbers run on across files")
    .addOption(new Option('--json', 'one JSON document (schema/analyze.schema.json, schemaVersion 1)').conflicts('ndjson'))
    .addOption(new Option('--ndjson', 'one connection per line as the tracker finishes it (memory stays flat)').conflicts('json'))
    .option('-n, --limit <n>', 'most connection rows (and detail views) to print', nonNegativeInt, 50)
    .option('--conn <id>', 'show connection <id> in detail: timelines, options, anomalies, ladder diagram (repeatable, or 3,7)', collectInts)
    .option('--host <addr>', 'only connections with this address on either side (repeatable)', collectList)
    .option('--port <port>', 'only connections with this port on either side (repeatable)', collectPorts)
    .option('--anomaly <id>', 'only connections with this anomaly (repeatable; see `synack anomalies`)', collectList)
    .option('--state <STATE>', 'only connections where an endpoint ended in this state, e.g. TIME_WAIT (repeatable)', collectStates)
    .option('--detail', 'show every selected connection in detail (implied by --conn)')
    .option('--no-ladder', 'detail views without the ladder diagram (skips the second read of the capture)')
    .option('--verify-checksums', 'verify TCP checksums (offloaded checksums look wrong on the sending host)');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
Output: text for people by default; --json / --ndjson for tools. Connections are sorted trouble
first (worst anomaly severity, then failed handshakes). Filters narrow the table, the JSON
"connections" and --ndjson; the summary always covers the whole capture. --json and --ndjson
stream connections in the order they finish (their "id" is first-packet order).

Many captures at once: run one synack per file and combine the --ndjson streams, e.g.
  $ ls *.pcap | xargs -P "$(nproc)" -I{} sh -c 'synack analyze --ndjson "{}" > "{}.ndjson"'

Examples:
  $ synack analyze capture.pcap
  $ synack analyze capture.pcapng --conn 3            # one connection: timelines + ladder
  $ synack analyze big.pcap.gz --anomaly half-open --detail --limit 5
  $ synack analyze day1.pcap day2.pcap --json > report.json
  $ tcpdump -w - -U -i eth0 tcp | synack analyze --ndjson -
`);
  cmd.action(async (paths: string[], f: AnalyzeFlags) => {
    const c = ctx();
    const filter: ConnectionFilter = {
      ...(f.conn ? { ids: f.conn } : {}),
      ...(f.host ? { hosts: f.host.map((h) => h.toLowerCase()) } : {}),
      ...(f.port ? { ports: f.port } : {}),
      ...(f.anomaly ? { anomalies: validateAnomalyIds(f.anomaly, '--anomaly') } : {}),
      ...(f.state ? { states: f.state } : {}),
    };
    const tracker = trackerOptions(f);
    const verifyChecksums = f.verifyChecksums ?? false;
    const detail = !f.json && !f.ndjson && (Boolean(f.conn?.length) || Boolean(f.detail));
    const progress = !c.quiet && c.stderrIsTTY ? new ProgressBar(c.err, c.paintErr, c.errColumns) : undefined;
    const base = {
      paths, tracker, verifyChecksums, filter, detail, ladder: f.ladder, limit: f.limit, maxMemoryBytes: maxMemoryBytes(f),
      ...(progress ? { progress } : {}),
    };

    if (f.ndjson || f.json) {
      // Streamed as the connections finish: memory follows the connections open at once.
      const w = new BufferedWriter(c.outStream);
      const doc = f.json ? new AnalyzeJsonStream(w.write, { version: c.version, tracker, verifyChecksums }) : null;
      const r = await analyzeCommand({
        ...base,
        onConnection: doc ? doc.connection : (conn) => w.write(JSON.stringify(conn) + '\n'),
      });
      doc?.end(r.result, r.summary);
      await w.drained();
      if (f.ndjson && !c.quiet) {
        for (const i of r.result.inputs) for (const warn of i.warnings) c.err(`warning: ${safeText(warn.message)}\n`);
      }
      for (const w of runWarnings(r.result)) c.err(`warning: ${w}\n`);
      return;
    }
    const r = await analyzeCommand(base);
    if (f.conn?.length) {
      // Asked for by number: the detail views alone, in the order asked.
      for (const [k, id] of f.conn.entries()) {
        const conn = r.rows.shown.find((x) => x.id === id);
        if (!conn) {
          c.err(`note: connection #${id} does not match the other filters (${safeText(describeFilter({ ...filter, ids: [] }))})\n`);
          continue;
        }
        c.out((k > 0 ? '\n' : '') + renderConnectionDetail(c.paint, conn, f.ladder ? r.ladders.get(conn.id) ?? [] : null, c.columns));
      }
      if (f.ladder && paths.includes('-')) c.err('note: no ladder diagram for standard input (it cannot be read twice)\n');
      return;
    }
    const filtered = !isEmptyFilter(filter);
    const text = renderAnalyzeText(c.paint, r.result, r.summary, r.rows, {
      limit: f.limit,
      ...(filtered ? { filterNote: describeFilter(filter) } : {}),
      describe: (id) => ANOMALIES[id as AnomalyId]?.meaning,
      warnings: runWarnings(r.result),
    });
    c.out(text);
    if (detail) {
      const shown = r.rows.shown.slice(0, f.limit);
      for (const conn of shown) {
        c.out('\n' + renderConnectionDetail(c.paint, conn, f.ladder ? r.ladders.get(conn.id) ?? [] : null, c.columns));
      }
      if (r.rows.total > shown.length) c.out(`\n… ${r.rows.total - shown.length} more selected connection(s) not detailed (--limit ${f.limit})\n`);
      if (f.ladder && paths.includes('-')) c.err('note: no ladder diagram for standard input (it cannot be read twice)\n');
    }
  });
}
