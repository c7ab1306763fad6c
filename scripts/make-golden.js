#!/usr/bin/env node
// Regenerates test/golden/<fixture>.json: every kernel fixture in fixtures/ run through the real
// reader → decoder → tracker (from the built dist/, so run `npx tsc -p tsconfig.json` first).
// Checksums are not verified (as tshark's default): loopback frames carry partial checksums.
// Review the diff before committing: the golden files are what test/golden/golden.test.ts compares.
//
//   node scripts/make-golden.js            # all fixtures
//   node scripts/make-golden.js demo       # only fixtures whose name contains "demo"
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { readCapture } = await import(join(root, 'dist/capture/reader.js'));
const { decodeFrame } = await import(join(root, 'dist/decode/decode.js'));
const { newSegment } = await import(join(root, 'dist/decode/segment.js'));
const { Tracker } = await import(join(root, 'dist/flow/tracker.js'));
const { DEFAULT_TRACKER_OPTIONS } = await import(join(root, 'dist/flow/model.js'));

/** The fixtures the golden tests cover: every capture in fixtures/ (not the .gz copy). */
export function goldenFixtures() {
  return readdirSync(join(root, 'fixtures')).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
}

async function analyze(file) {
  const connections = [];
  const tracker = new Tracker({ ...DEFAULT_TRACKER_OPTIONS }, { onConnection: (c) => connections.push(c) });
  const seg = newSegment();
  await readCapture(join(root, 'fixtures', file), (frame) => {
    if (decodeFrame(frame, seg, { verifyChecksums: false }) === 'tcp') tracker.push(seg);
  });
  const end = tracker.finish();
  connections.sort((a, b) => a.id - b.id);
  return { fixture: file, connections, listeners: end.listeners, totals: end.totals, anomalies: end.anomalies };
}

const filter = process.argv[2];
mkdirSync(join(root, 'test/golden'), { recursive: true });
for (const file of goldenFixtures()) {
  if (filter && !file.includes(filter)) continue;
  const result = await analyze(file);
  const out = join(root, 'test/golden', `${file}.json`);
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  console.log(`${out}: ${result.connections.length} connections, ${result.connections.reduce((n, c) => n + c.anomalies.length, 0)} anomalies`);
}
