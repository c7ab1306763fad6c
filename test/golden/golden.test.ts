/**
 * Golden files: each kernel fixture in fixtures/ run through reader → decoder → tracker must give
 * exactly test/golden/<fixture>.json. Regenerate with `npx tsc -p tsconfig.json && node
 * scripts/make-golden.js` and review the diff; facts.test.ts checks the goldens show what
 * fixtures/README.md says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from '../flow/helpers.js';

const FIXTURES = join(process.cwd(), 'fixtures');
const GOLDEN = join(process.cwd(), 'test', 'golden');
const captures = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();

describe('golden connections JSON', () => {
  test('every fixture capture has a golden file', () => {
    const goldens = new Set(readdirSync(GOLDEN).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)));
    expect(captures.filter((f) => !goldens.has(f))).toEqual([]);
  });

  test.each(captures)('%s', async (file) => {
    const r = await analyzeFile(join(FIXTURES, file), {}, { verifyChecksums: false });
    const got = JSON.parse(JSON.stringify({ fixture: file, connections: r.connections, listeners: r.listeners, totals: r.totals, anomalies: r.anomalies }));
    const want = JSON.parse(readFileSync(join(GOLDEN, `${file}.json`), 'utf8'));
    expect(got).toEqual(want);
  });
});
