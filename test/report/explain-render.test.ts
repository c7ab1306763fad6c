/** `synack explain` as text fits the terminal: at 80 columns no line of prose is wider (commands are never cut). */
import { relative } from 'node:path';
import { explainList, explainSubject } from '../../src/explain/explain.js';
import { resolveSubject } from '../../src/explain/lookup.js';
import { TOPICS } from '../../src/explain/topics.js';
import { ANOMALIES } from '../../src/flow/anomalies.js';
import { STATES } from '../../src/flow/state-table.js';
import { renderExplanation, wrap } from '../../src/report/explain.js';
import { makePaint, type Paint } from '../../src/report/style.js';
import { stripAnsi, visibleLength } from '../../src/report/text.js';

const NAMES = [...Object.keys(ANOMALIES), ...STATES, ...Object.keys(TOPICS)];

function widest(p: Paint, text: string): number {
  return Math.max(...text.split('\n').filter((l) => !stripAnsi(l).trimStart().startsWith('$')).map(visibleLength));
}

test.each([80, 100])('every id, state, topic and the list fit %i columns, in colour too', (width) => {
  for (const p of [makePaint(0), makePaint(3)]) {
    for (const name of NAMES) expect(widest(p, renderExplanation(p, explainSubject(resolveSubject(name)!), width))).toBeLessThanOrEqual(width);
    expect(widest(p, renderExplanation(p, explainList(), width))).toBeLessThanOrEqual(width);
  }
});

test('a wider terminal still gets prose at most 100 columns wide', () => {
  const text = renderExplanation(makePaint(0), explainSubject(resolveSubject('handshake')!), 200);
  expect(widest(makePaint(0), text)).toBeLessThanOrEqual(100);
  expect(widest(makePaint(0), text)).toBeGreaterThan(90);
});

test('wrap: words kept whole, indents kept, a word longer than the line on a line of its own', () => {
  expect(wrap('aa bb cc dd', 7, '> ', '  ')).toEqual(['> aa bb', '  cc dd']);
  expect(wrap('tiny enormousword x', 8, '', '')).toEqual(['tiny', 'enormousword', 'x']);
});

test('a connection\'s narration fits 80 columns', async () => {
  const { analyzeInputs } = await import('../../src/pipeline/analyze.js');
  const { collectLadders } = await import('../../src/pipeline/ladder.js');
  const { narrateConnection } = await import('../../src/explain/narrate.js');
  const { DEFAULT_TRACKER_OPTIONS } = await import('../../src/flow/model.js');
  const { fixture } = await import('../helpers/cli.js');
  for (const name of ['lost-final-ack.pcap', 'accept-queue-full.pcap', 'mid-stream.pcap']) {
    // As a user names it (relative): an absolute path is one unbreakable word, wider than 80 columns
    // in a deep enough checkout, and wrapping never cuts a file name.
    const path = relative(process.cwd(), fixture(name));
    const r = await analyzeInputs([path], { tracker: DEFAULT_TRACKER_OPTIONS, verifyChecksums: false, keepConnections: true });
    const ladders = await collectLadders([path], r.connections, false);
    for (const c of r.connections) {
      const e = narrateConnection({ connection: c, segments: ladders.get(c.id)!, segmentLimit: 2000, listener: null, inputs: [path], mslSeconds: 30 });
      const p = makePaint(0);
      expect(widest(p, renderExplanation(p, e, 80))).toBeLessThanOrEqual(80);
    }
  }
});
