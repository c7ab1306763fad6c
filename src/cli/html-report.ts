/**
 * The HTML report's last steps, shared by `synack report` and `analyze --html`: the second read of
 * the inputs for the detailed connections' segments, the page's data, and writing the file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Connection, TrackerOptions } from '../flow/model.js';
import { ReportDigest } from '../pipeline/report-digest.js';
import { collectReportPackets } from '../pipeline/report-packets.js';
import type { Summary } from '../pipeline/summary.js';
import type { AnalysisResult } from '../pipeline/types.js';
import { reportAssets } from '../report/html/assets.js';
import { buildReportData, DEFAULT_REPORT_LIMITS, type ReportLimits } from '../report/html/build.js';
import type { ReportData, ReportPackets } from '../report/html/data.js';
import { reportPagePieces } from '../report/html/page.js';
import { UsageError } from '../util/errors.js';
import type { Ctx } from './context.js';

/** What the second read and the page need from a finished analysis. */
export interface Finished {
  paths: readonly string[];
  digest: ReportDigest;
  result: AnalysisResult;
  summary: Summary;
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  filter: string | null;
  limits: ReportLimits;
  packets: boolean;
  version: string;
}

function checkIds(digest: ReportDigest, paths: readonly string[], summary: Summary): void {
  const missing = digest.missing();
  if (missing.length === 0) return;
  const n = summary.connections;
  const has = n === 0 ? 'it has no TCP connection' : n === 1 ? 'it has connection #1 only' : `its connections are #1..#${n}`;
  throw new UsageError(`no connection ${missing.map((m) => `#${m}`).join(', ')} in ${paths.join(', ')} (${has}, or it does not match the filters)`);
}

/** The second read (unless standard input or --no-ladder), then the page's data. */
export async function reportData(f: Finished): Promise<ReportData> {
  checkIds(f.digest, f.paths, f.summary);
  let packets = new Map<number, ReportPackets>();
  let note: string | null = null;
  if (!f.packets) note = 'No ladder or time-sequence graph: the report was made with --no-ladder (the capture was read once).';
  else if (f.paths.includes('-')) note = 'No ladder or time-sequence graph: standard input cannot be read a second time for the segments. Save the capture to a file and run synack report on it.';
  else packets = await collectReportPackets(f.paths, f.digest.details(), f.verifyChecksums, f.limits.packetsPerConnection);
  return buildReportData({
    version: f.version, tracker: f.tracker, verifyChecksums: f.verifyChecksums, filter: f.filter,
    result: f.result, summary: f.summary, digest: f.digest, packets, packetsNote: note, limits: f.limits,
  });
}

/** Writes the page to `out` ('-': standard output). */
export function writeReport(c: Ctx, out: string, data: ReportData): void {
  const pieces = reportPagePieces(data, reportAssets());
  if (out === '-') { for (const p of pieces) c.out(p); return; }
  let size = 0;
  let fd: number | null = null;
  try {
    fd = openSync(out, 'w');
    for (const p of pieces) size += writeSync(fd, p);
  } catch (e) {
    throw new UsageError(`${out}: cannot write the report (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    if (fd !== null) closeSync(fd);
  }
  if (!c.quiet) c.err(`synack: report written to ${out} (${(size / 1e6).toFixed(2)} MB, ${data.rows.embedded} connection rows, ${data.details.length} in detail)\n`);
}

/**
 * `analyze --html FILE`: a digest fed from analyze's own run (every connection the filters select),
 * and the page written once the run is over.
 */
export interface HtmlReportHook {
  onConnection: (c: Connection) => void;
  finish: (c: Ctx, result: AnalysisResult, summary: Summary) => Promise<void>;
}

export function htmlReportHook(out: string, o: { paths: string[]; ids: number[]; tracker: TrackerOptions; verifyChecksums: boolean; filter: string | null; packets: boolean; version: string }): HtmlReportHook {
  if (out === '-') throw new UsageError('--html -: the report needs a file name (standard output carries the analysis)');
  const limits = DEFAULT_REPORT_LIMITS;
  const digest = new ReportDigest({ rows: limits.rows, details: limits.details, eventsPerListener: limits.eventsPerListener }, o.ids);
  return {
    onConnection: digest.add,
    finish: async (c, result, summary) => {
      const data = await reportData({
        paths: o.paths, digest, result, summary, tracker: o.tracker, verifyChecksums: o.verifyChecksums,
        filter: o.filter, limits, packets: o.packets, version: o.version,
      });
      writeReport(c, out, data);
    },
  };
}

