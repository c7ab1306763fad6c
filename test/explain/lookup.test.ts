/** What `synack explain <name>` takes, and what it suggests for a name it does not know. */
import { ambiguousNames, resolveSubject, suggest } from '../../src/explain/lookup.js';
import { ANOMALIES } from '../../src/flow/anomalies.js';
import type { AnomalyId } from '../../src/flow/model.js';

test('no two subjects share a name (ids, states, topics and their aliases)', () => {
  expect(ambiguousNames()).toEqual([]);
});

test.each(Object.keys(ANOMALIES) as AnomalyId[])('%s names itself, in any case', (id) => {
  expect(resolveSubject(id)).toEqual({ kind: 'anomaly', id });
  expect(resolveSubject(id.toUpperCase().replace(/-/g, '_'))).toEqual({ kind: 'anomaly', id });
});

test.each([
  ['lost-fin-ack', 'lost-final-ack'],
  ['final', 'lost-final-ack'],
  ['synack-retransmision', 'synack-retransmission'],
  ['TIME-WAITT', 'TIME_WAIT'],
  ['handshak', 'handshake'],
  ['syn-queu', 'syn-queue'],
  ['half-opn', 'half-open'],
])('"%s" is unknown, and suggests %s', (name, close) => {
  expect(resolveSubject(name)).toBeNull();
  expect(suggest(name)).toContain(close);
});

test('suggestions are few and each names a subject once', () => {
  const s = suggest('syn');
  expect(s.length).toBeLessThanOrEqual(3);
  expect(new Set(s).size).toBe(s.length);
  for (const x of s) expect(resolveSubject(x)).not.toBeNull();
});

test('nothing near a name far from all of them', () => {
  expect(suggest('qqqqqqqqqqqq')).toEqual([]);
  expect(resolveSubject('')).toBeNull();
});
