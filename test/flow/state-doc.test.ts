/** The README's state machine section is the one generated from the table the tracker runs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCS } from '../../src/flow/state-table.js';
import { renderStateDoc, STATE_DOC_BEGIN, STATE_DOC_END } from '../../src/report/state-doc.js';

test('README.md holds the state table as generated (node scripts/make-state-doc.js)', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const a = readme.indexOf(STATE_DOC_BEGIN), b = readme.indexOf(STATE_DOC_END);
  expect(a).toBeGreaterThan(0);
  expect(readme.slice(a, b + STATE_DOC_END.length)).toBe(renderStateDoc());
});

test('the generated section lists every arc of the table', () => {
  const doc = renderStateDoc();
  for (const arc of ARCS) expect(doc).toContain(`| ${arc.from} | ${arc.event} |`);
});
