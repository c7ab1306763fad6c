/**
 * `synack explain STATE`: every state has its teaching text, and the arcs it lists are exactly the
 * state table's (taken from it, so the text cannot drift from what the tracker runs).
 */
import { explainState, explainTopic } from '../../src/explain/explain.js';
import type { TopicId } from '../../src/explain/explanation.js';
import { resolveSubject } from '../../src/explain/lookup.js';
import { STATE_GUIDE } from '../../src/explain/states.js';
import { TOPICS } from '../../src/explain/topics.js';
import type { TcpState } from '../../src/flow/model.js';
import { ARCS, STATES } from '../../src/flow/state-table.js';
import { renderExplanation } from '../../src/report/explain.js';
import { makePaint } from '../../src/report/style.js';
import { schemaErrors, validateExplain } from '../helpers/schema.js';

const plain = makePaint(0);

/** The arcs a rendered state explanation lists: "  FROM → TO   on EVENT[   RFC...]" and "  STATE stays   on EVENT". */
function listedArcs(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^ {2}(\w+) → (\w+) {3}on (.+?)(?: {3}RFC.*)?$/.exec(line) ?? /^ {2}(\w+) stays {3}on (.+?)(?: {3}RFC.*)?$/.exec(line);
    if (!m) continue;
    out.push(m.length === 4 ? `${m[1]} ${m[3]} ${m[2]}` : `${m[1]} ${m[2]} ${m[1]}`);
  }
  return out.sort();
}

describe('every state is explained', () => {
  test.each([...STATES])('%s: summary, why, and nothing unknown', (s) => {
    const e = explainState(s);
    expect(e.summary.length).toBeGreaterThan(20);
    expect(e.why.length).toBeGreaterThan(1);
    expect(JSON.stringify(e)).not.toMatch(/unknown state/i);
    if (!validateExplain(e)) throw new Error(schemaErrors(validateExplain));
  });

  test.each([...STATES])('%s: the text lists exactly the state table\'s arcs in, out and unchanged (at 100 and 80 columns)', (s) => {
    const table = ARCS.filter((a) => a.from === s || a.to === s).map((a) => `${a.from} ${a.event} ${a.to}`).sort();
    for (const width of [100, 80]) expect(listedArcs(renderExplanation(plain, explainState(s), width))).toEqual(table);
  });

  test('the arcs are split by direction, each once', () => {
    const seen = new Set<string>();
    for (const s of STATES) {
      const e = explainState(s);
      for (const a of e.arcsIn) expect(a.to).toBe(s);
      for (const a of e.arcsOut) expect(a.from).toBe(s);
      for (const a of e.unchanged) expect([a.from, a.to]).toEqual([s, s]);
      for (const a of [...e.arcsOut, ...e.unchanged]) seen.add(`${a.from} ${a.event}`);
    }
    expect(seen.size).toBe(ARCS.length);
  });

  test.each([
    ['TIME_WAIT', 'TIME_WAIT'], ['time-wait', 'TIME_WAIT'], ['Time_Wait', 'TIME_WAIT'], ['timewait', 'TIME_WAIT'], ['time wait', 'TIME_WAIT'],
    ['syn-recv', 'SYN_RECEIVED'], ['SYN_RECV', 'SYN_RECEIVED'], ['ESTAB', 'ESTABLISHED'], ['fin-wait-1', 'FIN_WAIT_1'], ['FIN_WAIT1', 'FIN_WAIT_1'],
    ['last_ack', 'LAST_ACK'], ['closed', 'CLOSED'], ['2msl', 'TIME_WAIT'],
  ] as Array<[string, TcpState]>)('"%s" names %s', (name, state) => {
    expect(resolveSubject(name)).toEqual({ kind: 'state', state });
  });

  test('what each state and topic points to exists', () => {
    for (const g of [...Object.values(STATE_GUIDE), ...Object.values(TOPICS)]) {
      for (const name of g.see) expect(resolveSubject(name)).not.toBeNull();
    }
  });
});

describe('topics', () => {
  test.each(Object.keys(TOPICS) as TopicId[])('%s: paragraphs, schema, and its aliases name it', (t) => {
    const e = explainTopic(t);
    expect(e.paragraphs.length).toBeGreaterThan(0);
    if (!validateExplain(e)) throw new Error(schemaErrors(validateExplain));
    for (const a of TOPICS[t].aliases) expect(resolveSubject(a)).toEqual({ kind: 'topic', topic: t });
  });

  test('the states topic lists the eleven states', () => {
    expect(explainTopic('states').items!.map((i) => i.name)).toEqual([...STATES]);
  });

  test('the issue\'s questions have their topics: the handshake, the SYN queue and backlog', () => {
    expect(resolveSubject('handshake')).toEqual({ kind: 'topic', topic: 'handshake' });
    expect(resolveSubject('syn-queue')).toEqual({ kind: 'topic', topic: 'syn-queue' });
    expect(resolveSubject('backlog')).toEqual({ kind: 'topic', topic: 'syn-queue' });
    expect(resolveSubject('CLOSING')).toEqual({ kind: 'state', state: 'CLOSING' });
  });
});
