/**
 * Explanations of what does not need a capture: an anomaly id (the catalogue), a state (its teaching
 * text, and its arcs taken from the state table the tracker runs), a topic, and the list of all three.
 * Pure: data in, data out.
 */
import { ANOMALIES } from '../flow/anomalies.js';
import { CHECK_PLACEHOLDERS, type CheckStep } from '../flow/anomaly-guide.js';
import type { AnomalyId, TcpState } from '../flow/model.js';
import { ARCS, EVIDENCE_TEXT, inFigure5, STATES, type Arc } from '../flow/state-table.js';
import {
  EXPLAIN_SCHEMA_VERSION, type AnomalyExplanation, type ArcView, type ListExplanation, type StateExplanation, type TopicExplanation,
  type TopicId,
} from './explanation.js';
import type { Subject } from './lookup.js';
import { STATE_GUIDE } from './states.js';
import { TOPICS } from './topics.js';

/** The placeholders (CAPTURE, PORT...) that some of these commands use, with what they stand for. */
export function placeholdersIn(steps: readonly CheckStep[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [word, meaning] of Object.entries(CHECK_PLACEHOLDERS)) {
    const re = new RegExp(`\\b${word}\\b`);
    if (steps.some((s) => re.test(s.command))) out[word] = meaning;
  }
  return out;
}

export function explainAnomaly(id: AnomalyId): AnomalyExplanation {
  const d = ANOMALIES[id];
  return {
    schemaVersion: EXPLAIN_SCHEMA_VERSION, kind: 'anomaly', id, severity: d.severity, phase: d.phase, meaning: d.meaning,
    detection: d.detection, reference: d.reference, causes: d.causes, check: d.check, placeholders: placeholdersIn(d.check),
    related: d.related,
  };
}

export function arcView(a: Arc): ArcView {
  return {
    from: a.from, event: a.event, to: a.to, rfc: a.rfc, evidence: a.evidence, evidenceText: EVIDENCE_TEXT[a.evidence],
    inferred: a.evidence === 'timer' || a.evidence === 'inference', inFigure5: a.from === a.to || inFigure5(a.from, a.to), note: a.note,
  };
}

/** The state table's arcs into `s`, out of it, and the events documented as leaving it unchanged. */
export function stateArcs(s: TcpState): { arcsIn: Arc[]; arcsOut: Arc[]; unchanged: Arc[] } {
  return {
    arcsIn: ARCS.filter((a) => a.to === s && a.from !== s),
    arcsOut: ARCS.filter((a) => a.from === s && a.to !== s),
    unchanged: ARCS.filter((a) => a.from === s && a.to === s),
  };
}

export function explainState(s: TcpState): StateExplanation {
  const g = STATE_GUIDE[s];
  const { arcsIn, arcsOut, unchanged } = stateArcs(s);
  return {
    schemaVersion: EXPLAIN_SCHEMA_VERSION, kind: 'state', state: s, aliases: g.aliases, summary: g.summary, why: g.why,
    arcsIn: arcsIn.map(arcView), arcsOut: arcsOut.map(arcView), unchanged: unchanged.map(arcView),
    anomalies: g.anomalies, see: g.see,
  };
}

export function explainTopic(t: TopicId): TopicExplanation {
  const g = TOPICS[t];
  return {
    schemaVersion: EXPLAIN_SCHEMA_VERSION, kind: 'topic', topic: t, title: g.title, aliases: g.aliases, paragraphs: g.paragraphs,
    ...(t === 'states' ? { items: STATES.map((s) => ({ name: s, text: STATE_GUIDE[s].summary })) } : {}),
    ...(g.check ? { check: g.check } : {}),
    anomalies: g.anomalies, see: g.see,
  };
}

export function explainList(): ListExplanation {
  return {
    schemaVersion: EXPLAIN_SCHEMA_VERSION, kind: 'list',
    anomalies: (Object.keys(ANOMALIES) as AnomalyId[]).map((id) => ({ id, severity: ANOMALIES[id].severity, phase: ANOMALIES[id].phase, meaning: ANOMALIES[id].meaning })),
    states: STATES.map((s) => ({ state: s, summary: STATE_GUIDE[s].summary })),
    topics: (Object.keys(TOPICS) as TopicId[]).map((t) => ({ topic: t, title: TOPICS[t].title, aliases: TOPICS[t].aliases })),
  };
}

/** The explanation of a name that needs no capture. */
export function explainSubject(s: Subject): AnomalyExplanation | StateExplanation | TopicExplanation {
  switch (s.kind) {
    case 'anomaly': return explainAnomaly(s.id);
    case 'state': return explainState(s.state);
    case 'topic': return explainTopic(s.topic);
  }
}
