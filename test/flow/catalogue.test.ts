/**
 * The anomaly catalogue (flow/anomalies.ts) is the one list of ids: the JSON schema's enum must be
 * exactly it, and a connection carrying the capture-gap facts must match the schema.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANOMALIES } from '../../src/flow/anomalies.js';
import { schemaErrors, validateConnection } from '../helpers/schema.js';
import { analyzeFile } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the schema\'s anomaly ids are the catalogue\'s, in its order', () => {
  const schema = JSON.parse(readFileSync(path.join(root, 'schema/analyze.schema.json'), 'utf8')) as { $defs: { anomalyId: { enum: string[] } } };
  expect(schema.$defs.anomalyId.enum).toEqual(Object.keys(ANOMALIES));
});

test('ids are lower-case ASCII words and hyphens, so code-point order is the locale\'s (the summary sorts ties by code point)', () => {
  const ids = Object.keys(ANOMALIES);
  for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  const byLocale = [...ids].sort((a, b) => a.localeCompare(b));
  expect([...ids].sort()).toEqual(byLocale);
});

test('the README\'s anomaly table is the catalogue (node scripts/anomaly-table.js prints it)', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const table = ['| id | severity | meaning |', '|---|---|---|',
    ...Object.entries(ANOMALIES).map(([id, d]) => `| \`${id}\` | ${d.severity} | ${d.meaning.replaceAll('|', '\\|')} |`)].join('\n');
  expect(readme).toContain(`${table}\n\n`);
});

test('Wireshark\'s informational flags and capture gaps do not fail a default check (error severity)', () => {
  const informational = ['keep-alive', 'keep-alive-ack', 'window-update', 'window-full', 'zero-window-probe', 'zero-window-probe-ack',
    'duplicate-ack', 'out-of-order'] as const;
  for (const id of informational) expect(ANOMALIES[id].severity).toBe('info');
  expect(ANOMALIES['previous-segment-not-captured'].severity).toBe('warning');
  expect(ANOMALIES['acked-unseen-segment'].severity).toBe('warning');
});

test('a connection with capture gaps (lossy-bulk.pcap) matches the schema, gaps included', async () => {
  const [c] = (await analyzeFile(path.join(root, 'fixtures/lossy-bulk.pcap'))).connections;
  expect(c!.gaps).toBeDefined();
  const json = JSON.parse(JSON.stringify(c)) as unknown;
  if (!validateConnection(json)) throw new Error(schemaErrors(validateConnection));
  const broken = { ...(json as Record<string, unknown>), gaps: { client: c!.gaps!.client } };
  expect(validateConnection(broken)).toBe(false);
});
