/**
 * What `synack explain <name>` names: an anomaly id, a state (any case; dashes, underscores or none:
 * TIME_WAIT, time-wait, timewait, and ss's names such as ESTAB or SYN-RECV), a topic or one of its
 * aliases. For a name that is none of them, the closest ones, to suggest.
 */
import { ANOMALIES } from '../flow/anomalies.js';
import type { AnomalyId, TcpState } from '../flow/model.js';
import { STATES } from '../flow/state-table.js';
import type { TopicId } from './explanation.js';
import { STATE_GUIDE } from './states.js';
import { TOPICS } from './topics.js';

export type Subject =
  | { kind: 'anomaly'; id: AnomalyId }
  | { kind: 'state'; state: TcpState }
  | { kind: 'topic'; topic: TopicId };

/** Lower case, no separators: "TIME_WAIT", "time-wait" and "Time Wait" are one name. */
function squash(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, '');
}

interface Entry { squashed: string; shown: string; subject: Subject }

let entries: Entry[] | null = null;

/** Every name explain takes, with the subject it names (built once). */
function allEntries(): Entry[] {
  if (entries !== null) return entries;
  const out: Entry[] = [];
  for (const id of Object.keys(ANOMALIES) as AnomalyId[]) out.push({ squashed: squash(id), shown: id, subject: { kind: 'anomaly', id } });
  for (const state of STATES) {
    out.push({ squashed: squash(state), shown: state, subject: { kind: 'state', state } });
    for (const a of STATE_GUIDE[state].aliases) out.push({ squashed: squash(a), shown: a, subject: { kind: 'state', state } });
  }
  for (const topic of Object.keys(TOPICS) as TopicId[]) {
    out.push({ squashed: squash(topic), shown: topic, subject: { kind: 'topic', topic } });
    for (const a of TOPICS[topic].aliases) out.push({ squashed: squash(a), shown: a, subject: { kind: 'topic', topic } });
  }
  entries = out;
  return out;
}

/** The subject a name names, or null. */
export function resolveSubject(name: string): Subject | null {
  const q = squash(name);
  if (q === '') return null;
  return allEntries().find((e) => e.squashed === q)?.subject ?? null;
}

/** Names that would be taken as different subjects but read the same (a test keeps this empty). */
export function ambiguousNames(): string[] {
  const seen = new Map<string, Subject>();
  const out: string[] = [];
  for (const e of allEntries()) {
    const prev = seen.get(e.squashed);
    if (prev !== undefined && JSON.stringify(prev) !== JSON.stringify(e.subject)) out.push(e.shown);
    seen.set(e.squashed, e.subject);
  }
  return out;
}

/** Levenshtein distance (small strings: a row at a time). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** How a subject is printed: its id, its state name, its topic name. */
export function subjectName(s: Subject): string {
  return s.kind === 'anomaly' ? s.id : s.kind === 'state' ? s.state : s.topic;
}

/**
 * Up to `n` names closest to `name`: within a few edits (about a quarter of its length), or holding
 * it whole (a part of an id: "final" → lost-final-ack). Each subject once, by its own name.
 */
export function suggest(name: string, n = 3): string[] {
  const q = squash(name);
  if (q === '') return [];
  const limit = Math.max(2, Math.floor(q.length / 4));
  const scored = new Map<string, number>();
  for (const e of allEntries()) {
    const d = distance(q, e.squashed);
    const part = q.length >= 3 && e.squashed.includes(q);
    if (d > limit && !part) continue;
    const score = part ? Math.min(d, 1) : d;
    const shown = subjectName(e.subject);
    const best = scored.get(shown);
    if (best === undefined || score < best) scored.set(shown, score);
  }
  return [...scored].sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).slice(0, n).map(([s]) => s);
}
