/**
 * The report's data from one analysis: the summary, inputs and listeners as `--json` has them, the
 * digest's rows and detailed connections, the second read's segments, and the anomaly catalogue,
 * each within the report's bounds (README: "HTML report", how the file stays bounded).
 */
import { ANOMALIES } from '../../flow/anomalies.js';
import type { AnomalyId, AnomalyOccurrence, Connection, Listener, TrackerOptions } from '../../flow/model.js';
import type { ReportDigest } from '../../pipeline/report-digest.js';
import type { Summary } from '../../pipeline/summary.js';
import type { AnalysisResult } from '../../pipeline/types.js';
import { REPORT_DATA_VERSION, type CatalogueEntry, type ReportData, type ReportPackets } from './data.js';

export interface ReportLimits {
  /** Connection rows embedded at most. */
  rows: number;
  /** Connections shown in detail at most (the worst), besides those asked for by id. */
  details: number;
  /** Segments drawn per detailed connection at most. */
  packetsPerConnection: number;
  /** Listeners embedded at most (the busiest). */
  listeners: number;
  /** Listed occurrences of one anomaly id per detailed connection at most (the rest are counted). */
  anomaliesPerId: number;
  /** Listed SYN-queue events of one id per listener at most (the rest are counted). */
  eventsPerListener: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  rows: 250_000, details: 100, packetsPerConnection: 2000, listeners: 100, anomaliesPerId: 200, eventsPerListener: 1000,
};

export interface ReportSource {
  version: string;
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  filter: string | null;
  result: Pick<AnalysisResult, 'inputs' | 'listeners'>;
  summary: Summary;
  digest: ReportDigest;
  /** Segments by connection id, for the detailed connections that were read again. */
  packets: ReadonlyMap<number, ReportPackets>;
  packetsNote: string | null;
  limits: ReportLimits;
}

/** The catalogue as the page shows it: the same entries as `synack anomalies --json` and `synack explain <id>`. */
export function catalogue(): CatalogueEntry[] {
  return (Object.keys(ANOMALIES) as AnomalyId[]).map((id) => {
    const d = ANOMALIES[id];
    return {
      id, severity: d.severity, meaning: d.meaning, reference: d.reference,
      causes: sentence(d.causes.join('; ')),
      check: d.check.map((s) => `${s.command}: ${s.look}`).join('. ') + '.',
      detection: d.detection, related: [...d.related],
    };
  });
}

function sentence(s: string): string {
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

/** A connection with at most `perId` listed occurrences of each anomaly id; the rest join anomaliesOmitted. */
export function boundAnomalies(c: Connection, perId: number): Connection {
  const seen = new Map<AnomalyId, number>();
  const kept: AnomalyOccurrence[] = [];
  const omitted: Partial<Record<AnomalyId, number>> = { ...c.anomaliesOmitted };
  let cut = false;
  for (const a of c.anomalies) {
    const n = (seen.get(a.id) ?? 0) + 1;
    seen.set(a.id, n);
    if (n <= perId) kept.push(a);
    else { omitted[a.id] = (omitted[a.id] ?? 0) + 1; cut = true; }
  }
  return cut ? { ...c, anomalies: kept, anomaliesOmitted: omitted } : c;
}

/** The busiest listeners first: most connections, then the highest half-open peak, then address. */
function busiest(ls: readonly Listener[], max: number): Listener[] {
  return [...ls]
    .sort((a, b) => b.connections - a.connections || b.halfOpenPeak - a.halfOpenPeak || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port))
    .slice(0, max);
}

export function buildReportData(src: ReportSource): ReportData {
  const details = src.digest.details().map((c) => boundAnomalies(c, src.limits.anomaliesPerId));
  const detailed = new Set(details.map((c) => c.id));
  const packets: Record<string, ReportPackets> = {};
  for (const c of details) {
    const p = src.packets.get(c.id);
    if (p) packets[String(c.id)] = p;
  }
  const t = src.tracker;
  const listeners = busiest(src.result.listeners, src.limits.listeners);
  return {
    reportVersion: REPORT_DATA_VERSION,
    tool: { name: 'synack', version: src.version },
    options: { mslSeconds: t.mslSeconds, idleTimeoutSeconds: t.idleTimeoutSeconds, synFloodThreshold: t.synFloodThreshold, verifyChecksums: src.verifyChecksums },
    filter: src.filter,
    inputs: src.result.inputs,
    summary: src.summary,
    listeners,
    listenersTotal: src.result.listeners.length,
    listenerEvents: src.digest.listenerEvents(listeners.map((l) => `${l.ip} ${l.port}`)),
    rtt: src.digest.rtt(),
    enums: src.digest.enumValues(),
    rows: src.digest.columns(src.summary.start, detailed),
    details,
    packets,
    packetsNote: src.packetsNote,
    bounds: {
      rows: src.limits.rows, details: src.limits.details, packetsPerConnection: src.limits.packetsPerConnection,
      listeners: src.limits.listeners, anomaliesPerId: src.limits.anomaliesPerId, eventsPerListener: src.limits.eventsPerListener,
    },
    catalogue: catalogue(),
  };
}
