/**
 * The at-a-glance numbers of an analysis, gathered from its connections one at a time as they finish
 * (SummaryBuilder: no I/O, no colours, nothing kept per connection but its RTT). Renderers print
 * this; the JSON document carries it as `summary`.
 */
import type {
  AnomalyId, AnomalyOccurrence, CloseKind, Connection, HandshakeOutcome, Severity, ZeekConnState,
} from '../flow/model.js';
import { ANOMALIES } from '../flow/anomalies.js';
import type { FoldedListeners } from '../flow/listener-fold.js';
import { connectionRtt, type ConnectionFacts } from '../flow/verdict.js';
import { LogHistogram, type HistogramStats as RttStats } from '../util/log-histogram.js';
import type { AnalysisResult, FrameCounts } from './types.js';

export type { RttStats };

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
  /**
   * Present when the run shed connections to stay under its memory ceiling (pipeline/memory-guard.ts):
   * the ceiling and V8's heap limit in bytes, how often, and how many connections were evicted.
   */
  memoryPressure?: MemoryPressure;
  /**
   * Present when segments were stamped earlier than their connection's previous one (flow/clock-steps.ts):
   * how many, in how many connections, and the handshake RTTs not reported because they span a step.
   */
  timeStepsBack?: { segments: number; connections: number; rttExcluded: number };
  /** Listeners beyond --max-listeners folded into counts: not in `listeners` (absent when none was). */
  listenersFolded?: FoldedListeners;
  /** Capture time span (seconds since the epoch) over all connections, null when there are none. */
  start: number | null;
  end: number | null;
}

export interface MemoryPressure {
  ceiling: number;
  heapLimit: number;
  episodes: number;
  evicted: number;
  evictedIncomplete: number;
}

/** The summary's memoryPressure: present when the run shed connections to stay under its ceiling. */
export function memoryPressure(r: Pick<AnalysisResult, 'memory' | 'totals'>): MemoryPressure | null {
  const m = r.memory;
  if (!m || m.episodes === 0) return null;
  return { ceiling: m.ceiling, heapLimit: m.heapLimit, episodes: m.episodes, evicted: r.totals.evicted ?? 0, evictedIncomplete: r.totals.evictedIncomplete ?? 0 };
}

function withMemoryPressure(r: Pick<AnalysisResult, 'memory' | 'totals'>): { memoryPressure?: MemoryPressure } {
  const p = memoryPressure(r);
  return p ? { memoryPressure: p } : {};
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** The summary's RTT figures for a list of RTTs (as SummaryBuilder computes them). */
export function rttStats(rtts: readonly number[]): RttStats {
  const h = new LogHistogram();
  for (const v of rtts) h.add(v);
  return h.stats();
}

function bump<K extends string>(rec: Partial<Record<K, number>>, key: K): void {
  rec[key] = (rec[key] ?? 0) + 1;
}

/**
 * What a summary needs from the connections, gathered one connection at a time as the tracker
 * finishes them (nothing else is kept).
 */
export interface SummaryParts {
  connections: number;
  outcomes: Partial<Record<HandshakeOutcome, number>>;
  closes: Partial<Record<CloseKind, number>>;
  connStates: Partial<Record<ZeekConnState, number>>;
  /** Handshake RTTs in seconds (util/log-histogram.ts). */
  rtt: RttStats;
  /** Per anomaly id: occurrences and distinct connections (connection anomalies only). */
  anomalies: Array<{ id: AnomalyId; severity: Severity; count: number; connections: number }>;
  start: number | null;
  end: number | null;
}

/**
 * Incremental summary. Nothing is kept per connection: RTTs go into a histogram whose size depends
 * on their spread, not their number (util/log-histogram.ts: min and max exact, median and p95 exact or
 * within 0.05 %, and flagged as such).
 */
export class SummaryBuilder {
  private connections = 0;
  private readonly outcomes: Summary['outcomes'] = {};
  private readonly closes: Summary['closes'] = {};
  private readonly connStates: Summary['connStates'] = {};
  private readonly rtts = new LogHistogram();
  private readonly byId = new Map<AnomalyId, AnomalyCount>();
  private readonly idsSeen = new Set<AnomalyId>();
  private start: number | null = null;
  private end: number | null = null;

  add(c: Connection): void {
    this.count(c.handshake.outcome, c.close.kind, c.zeek.connState, connectionRtt(c), c.start, c.end, c.anomalies, c.anomaliesOmitted ?? null);
  }

  /** The same from a finished connection's facts (no Connection built: see TrackerSink.onFinished). */
  addFacts(f: ConnectionFacts): void {
    this.count(f.outcome, f.closeKind, f.connState, f.rtt, f.start, f.end, f.anomalies, f.anomaliesOmitted);
  }

  private count(outcome: HandshakeOutcome, close: CloseKind, connState: ZeekConnState, rtt: number | null,
    start: number, end: number, as: readonly AnomalyOccurrence[], omitted: OmittedCounts | null): void {
    this.connections++;
    bump(this.outcomes, outcome);
    bump(this.closes, close);
    bump(this.connStates, connState);
    if (outcome === 'complete' && rtt !== null) this.rtts.add(rtt);
    if (this.start === null || start < this.start) this.start = start;
    if (this.end === null || end > this.end) this.end = end;
    // Distinct connections: count an id at its first occurrence in this connection only. A set, not
    // a look back along the list: a connection can hold 100,000 anomalies of one id after another's.
    const seen = this.idsSeen;
    // Set.clear() allocates a new table: only when there is something to clear (most connections
    // have no anomaly; a clear for each made this function 1.6× slower, 91 against 57 ns).
    if (seen.size > 0) seen.clear();
    for (let i = 0; i < as.length; i++) {
      const a = as[i]!;
      const e = this.entry(a.id, a.severity);
      e.count++;
      if (!seen.has(a.id)) { seen.add(a.id); e.connections++; }
    }
    // Counted but not listed (flow/anomalies.ts MAX_LISTED_PER_ID): their id is listed too, so the
    // connection is counted already.
    if (omitted !== null) {
      for (const [id, n] of Object.entries(omitted) as Array<[AnomalyId, number]>) this.entry(id, ANOMALIES[id].severity).count += n;
    }
  }

  parts(): SummaryParts {
    return {
      connections: this.connections, outcomes: { ...this.outcomes }, closes: { ...this.closes }, connStates: { ...this.connStates },
      rtt: this.rtts.stats(),
      anomalies: [...this.byId.values()].map((a) => ({ ...a })), start: this.start, end: this.end,
    };
  }

  /** The summary, once the whole run is known (frame counts, warnings, the tracker's totals). */
  finish(r: Pick<AnalysisResult, 'counts' | 'inputs' | 'anomalies' | 'totals' | 'listenersFolded' | 'memory'>): Summary {
    const counts = new Map<AnomalyId, AnomalyCount>([...this.byId].map(([k, v]) => [k, { ...v }]));
    for (const a of r.anomalies) {
      let e = counts.get(a.id);
      if (!e) { e = { id: a.id, severity: a.severity, count: 0, connections: 0 }; counts.set(a.id, e); }
      e.count++;
    }
    return {
      frames: r.counts,
      captureWarnings: r.inputs.reduce((n, i) => n + i.warnings.length, 0),
      connections: this.connections,
      outcomes: byCount(this.outcomes), closes: byCount(this.closes), connStates: byCount(this.connStates),
      handshakeRtt: this.rtts.stats(),
      anomalies: sortAnomalyCounts([...counts.values()]),
      globalAnomalies: r.anomalies,
      unplacedSegments: r.totals.unplaced,
      lateSegments: r.totals.late ?? 0,
      peakConcurrent: r.totals.peakConcurrent,
      ...withMemoryPressure(r),
      ...(r.totals.timeStepsBack ? { timeStepsBack: {
        segments: r.totals.timeStepsBack, connections: r.totals.timeStepConnections ?? 0, rttExcluded: r.totals.rttExcluded ?? 0,
      } } : {}),
      ...(r.listenersFolded ? { listenersFolded: r.listenersFolded } : {}),
      start: this.start, end: this.end,
    };
  }

  private entry(id: AnomalyId, severity: Severity): AnomalyCount {
    let e = this.byId.get(id);
    if (!e) { e = { id, severity, count: 0, connections: 0 }; this.byId.set(id, e); }
    return e;
  }
}

/**
 * A count record with its keys most frequent first (ties by name): the same whatever order the
 * connections finished in.
 */
function byCount<K extends string>(rec: Partial<Record<K, number>>): Partial<Record<K, number>> {
  const entries = Object.entries(rec) as Array<[K, number]>;
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(entries) as Partial<Record<K, number>>;
}

// Ids are compared by code point, not localeCompare: its first call loads ICU's collator (~8 ms on
// every run with two anomalies of one severity and count), and for the catalogue's ids (lower-case
// ASCII, digits and hyphens) both orders are the same.
function sortAnomalyCounts(list: AnomalyCount[]): AnomalyCount[] {
  return list.sort((a, b) =>
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.count - a.count || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The summary of a result that holds its connections (sniff, tests). */
export function summarize(r: AnalysisResult): Summary {
  const b = new SummaryBuilder();
  for (const c of r.connections) b.add(c);
  return b.finish(r);
}

/**
 * "Trouble first": worst anomaly severity, then handshakes that did not complete, then anomaly count,
 * then id (stable). Used by the connection table and by check's failure lists.
 */
export function troubleScore(c: Connection): number {
  return troubleScoreOf(c.anomalies, c.handshake.outcome, c.anomaliesOmitted ?? null);
}

type OmittedCounts = Partial<Record<AnomalyId, number>>;

/** How many occurrences a connection counted without listing them. */
function omittedTotal(omitted: OmittedCounts | null | undefined): number {
  let n = 0;
  if (omitted) for (const k in omitted) n += omitted[k as AnomalyId]!;
  return n;
}

export function troubleScoreOf(anomalies: readonly AnomalyOccurrence[], outcome: HandshakeOutcome, omitted: OmittedCounts | null): number {
  let worst = 3;
  for (const a of anomalies) worst = Math.min(worst, SEVERITY_RANK[a.severity]);
  const incomplete = outcome === 'complete' || outcome === 'not-seen' ? 0 : 1;
  // Lower is more trouble: severity dominates, then an incomplete handshake, then many anomalies.
  return worst * 1e6 - incomplete * 1e5 - Math.min(anomalies.length + omittedTotal(omitted), 99999);
}

export function byTrouble(a: Connection, b: Connection): number {
  return troubleScore(a) - troubleScore(b) || a.id - b.id;
}
