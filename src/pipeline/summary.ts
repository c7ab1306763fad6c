/**
 * The at-a-glance numbers of an analysis, derived from its connections (pure: no I/O, no colours).
 * Renderers print this; the JSON document carries it as `summary`.
 */
import type {
  AnomalyId, AnomalyOccurrence, CloseKind, Connection, HandshakeOutcome, Severity, ZeekConnState,
} from '../flow/model.js';
import type { AnalysisResult, FrameCounts } from './types.js';

export interface RttStats {
  /** Connections that contributed a handshake RTT (SYN → completing ACK). */
  samples: number;
  /** Seconds; null when there are no samples. */
  min: number | null;
  median: number | null;
  p95: number | null;
  max: number | null;
}

export interface AnomalyCount {
  id: AnomalyId;
  severity: Severity;
  /** Occurrences, over all connections and listeners. */
  count: number;
  /** Distinct connections with at least one occurrence. */
  connections: number;
}

export interface Summary {
  frames: FrameCounts;
  captureWarnings: number;
  connections: number;
  outcomes: Partial<Record<HandshakeOutcome, number>>;
  closes: Partial<Record<CloseKind, number>>;
  connStates: Partial<Record<ZeekConnState, number>>;
  handshakeRtt: RttStats;
  anomalies: AnomalyCount[];
  /** Anomalies attached to no connection (listener-wide). */
  globalAnomalies: AnomalyOccurrence[];
  /** Segments the tracker could not place (should be 0) and the peak of connections held at once. */
  unplacedSegments: number;
  /** Segments for a connection already reported, arriving during its 2×MSL: counted, not analysed. */
  lateSegments: number;
  peakConcurrent: number;
  /** Capture time span (seconds since the epoch) over all connections, null when there are none. */
  start: number | null;
  end: number | null;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Median: the mean of the two middle values for an even count. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function rttStats(rtts: number[]): RttStats {
  const sorted = [...rtts].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    min: sorted.length ? sorted[0]! : null,
    median: median(sorted),
    p95: percentile(sorted, 95),
    max: sorted.length ? sorted[sorted.length - 1]! : null,
  };
}

/** The handshake RTT synack reports for one connection: first SYN → completing ACK, else SYN → SYN-ACK. */
export function connectionRtt(c: Connection): number | null {
  return c.handshake.rtt.total ?? c.handshake.rtt.synToSynAck;
}

function bump<K extends string>(rec: Partial<Record<K, number>>, key: K): void {
  rec[key] = (rec[key] ?? 0) + 1;
}

export function countAnomalies(connections: readonly Connection[], global: readonly AnomalyOccurrence[]): AnomalyCount[] {
  const byId = new Map<AnomalyId, AnomalyCount>();
  const add = (a: AnomalyOccurrence): AnomalyCount => {
    let e = byId.get(a.id);
    if (!e) { e = { id: a.id, severity: a.severity, count: 0, connections: 0 }; byId.set(a.id, e); }
    e.count++;
    return e;
  };
  for (const c of connections) {
    const seen = new Set<AnomalyId>();
    for (const a of c.anomalies) {
      const e = add(a);
      if (!seen.has(a.id)) { seen.add(a.id); e.connections++; }
    }
  }
  for (const a of global) add(a);
  return [...byId.values()].sort((a, b) =>
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.count - a.count || a.id.localeCompare(b.id));
}

export function summarize(r: AnalysisResult): Summary {
  const outcomes: Summary['outcomes'] = {};
  const closes: Summary['closes'] = {};
  const connStates: Summary['connStates'] = {};
  const rtts: number[] = [];
  let start: number | null = null;
  let end: number | null = null;
  for (const c of r.connections) {
    bump(outcomes, c.handshake.outcome);
    bump(closes, c.close.kind);
    bump(connStates, c.zeek.connState);
    const rtt = c.handshake.outcome === 'complete' ? connectionRtt(c) : null;
    if (rtt !== null) rtts.push(rtt);
    if (start === null || c.start < start) start = c.start;
    if (end === null || c.end > end) end = c.end;
  }
  return {
    frames: r.counts,
    captureWarnings: r.inputs.reduce((n, i) => n + i.warnings.length, 0),
    connections: r.connections.length,
    outcomes, closes, connStates,
    handshakeRtt: rttStats(rtts),
    anomalies: countAnomalies(r.connections, r.anomalies),
    globalAnomalies: r.anomalies,
    unplacedSegments: r.totals.unplaced,
    lateSegments: r.totals.late ?? 0,
    peakConcurrent: r.totals.peakConcurrent,
    start, end,
  };
}

/**
 * "Trouble first": worst anomaly severity, then handshakes that did not complete, then anomaly count,
 * then id (stable). Used by the connection table and by check's failure lists.
 */
export function troubleScore(c: Connection): number {
  let worst = 3;
  for (const a of c.anomalies) worst = Math.min(worst, SEVERITY_RANK[a.severity]);
  const incomplete = c.handshake.outcome === 'complete' || c.handshake.outcome === 'not-seen' ? 0 : 1;
  // Lower is more trouble: severity dominates, then an incomplete handshake, then many anomalies.
  return worst * 1e6 - incomplete * 1e5 - Math.min(c.anomalies.length, 99999);
}

export function byTrouble(a: Connection, b: Connection): number {
  return troubleScore(a) - troubleScore(b) || a.id - b.id;
}
