/**
 * What `analyze` keeps of the connections as the tracker finishes them, so memory follows the
 * connections open at once and not the length of the capture: the summary's counts, the rows the
 * table shows (the `limit` worst matching connections, trouble first) and how many matched.
 */
import type { Connection } from '../flow/model.js';
import type { ConnectionFacts } from '../flow/verdict.js';
import { isEmptyFilter, matchesFilter, type ConnectionFilter } from './filter.js';
import { byTrouble, SummaryBuilder, troubleScore, troubleScoreOf, type SummaryParts } from './summary.js';
import { TopK } from './top-k.js';

export interface DigestParts {
  summary: SummaryParts;
  /** The kept rows, trouble first (at most `limit`). */
  top: Connection[];
  /** Connections the filter matched (all of them when there is no filter). */
  selected: number;
  /** Some matching connection had its roles inferred (the table explains the `?`). */
  roleInferred: boolean;
  /** Of the ids the filter asks for, those that exist at all (matching the other criteria or not). */
  foundIds: number[];
}

export class ConnectionDigest {
  readonly summary = new SummaryBuilder();
  private readonly top: TopK<Connection>;
  private readonly all: boolean;
  private readonly wantIds: Set<number>;
  private readonly foundIds = new Set<number>();
  private roleInferred = false;
  /** The worst kept row and its trouble score (the bar a newcomer must pass), cached between calls. */
  private bar: Connection | undefined;
  private barScore = 0;

  constructor(private readonly filter: ConnectionFilter, limit: number) {
    this.top = new TopK(limit, byTrouble);
    this.all = isEmptyFilter(filter);
    this.wantIds = new Set(filter.ids ?? []);
  }

  /** Counts the connection; returns whether the filter selects it. */
  add(c: Connection): boolean {
    this.summary.add(c);
    if (this.wantIds.has(c.id)) this.foundIds.add(c.id);
    if (!this.all && !matchesFilter(c, this.filter)) return false;
    this.top.add(c);
    if (c.roleInferred) this.roleInferred = true;
    return true;
  }

  /**
   * add() for a connection known by its facts (TrackerSink.onFinished): the summary counts the
   * facts, and only a connection the table keeps is built. Filters read the whole connection.
   */
  addFinished(f: ConnectionFacts, build: () => Connection): void {
    if (!this.all || this.wantIds.size > 0) { this.add(build()); return; }
    this.summary.addFacts(f);
    if (f.roleInferred) this.roleInferred = true;
    const bar = this.top.bar();
    if (bar !== undefined && bar !== this.bar) { this.bar = bar; this.barScore = troubleScore(bar); }
    // byTrouble, on the facts: kept while there is room, or when it ranks before the worst kept.
    const kept = this.top.k > 0 && (bar === undefined || (troubleScoreOf(f.anomalies, f.outcome, f.anomaliesOmitted) - this.barScore || f.id - bar.id) < 0);
    if (kept) this.top.add(build()); else this.top.skip();
  }

  parts(): DigestParts {
    return {
      summary: this.summary.parts(), top: this.top.sorted(), selected: this.top.offered,
      roleInferred: this.roleInferred, foundIds: [...this.foundIds].sort((a, b) => a - b),
    };
  }
}

/** The rows of the connection table: the kept worst `shown`, out of `total` that matched. */
export interface ConnectionRows {
  shown: Connection[];
  total: number;
  roleInferred: boolean;
}

/** Rows from connections held in memory (sniff, tests): the same choice the digest makes. */
export function connectionRows(conns: readonly Connection[], limit: number): ConnectionRows {
  const top = new TopK<Connection>(limit, byTrouble);
  for (const c of conns) top.add(c);
  return { shown: top.sorted(), total: conns.length, roleInferred: conns.some((c) => c.roleInferred) };
}
