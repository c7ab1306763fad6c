#!/usr/bin/env node
// Rewrites the README's state-machine section from the state table the tracker runs
// (src/flow/state-table.ts, rendered by src/report/state-doc.ts; run `npm run build` first).
// test/flow/state-doc.test.ts fails when the README and the table disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderStateDoc, STATE_DOC_BEGIN, STATE_DOC_END } = await import(join(root, 'dist/report/state-doc.js'));
const readme = join(root, 'README.md');
const text = readFileSync(readme, 'utf8');
const a = text.indexOf(STATE_DOC_BEGIN), b = text.indexOf(STATE_DOC_END);
if (a < 0 || b < a) {
  process.stderr.write(`make-state-doc: README.md has no section between\n  ${STATE_DOC_BEGIN}\n  ${STATE_DOC_END}\n`);
  process.exit(1);
}
writeFileSync(readme, text.slice(0, a) + renderStateDoc() + text.slice(b + STATE_DOC_END.length));
process.stdout.write('README.md: state machine section rewritten\n');
