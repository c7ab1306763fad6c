#!/usr/bin/env node
// Prints the README's anomaly table (section "Anomalies") from the catalogue, src/flow/anomalies.ts, via
// the built dist/ (run `npm run build` first). test/flow/catalogue.test.ts checks that the README's
// table is this one.
//
//   node scripts/anomaly-table.js
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ANOMALIES } = await import(join(root, 'dist/flow/anomalies.js'));

console.log('| id | severity | meaning |');
console.log('|---|---|---|');
for (const [id, d] of Object.entries(ANOMALIES)) console.log(`| \`${id}\` | ${d.severity} | ${d.meaning.replaceAll('|', '\\|')} |`);
