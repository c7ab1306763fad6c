/**
 * Every timeline of every capture in the shared corpus walks the state table: each endpoint starts in
 * its initial state, each entry leaves the state the previous one entered, and every from → to pair
 * is an arc of RFC 9293 (its diagram, or its reset and timeout text). No backward "corrections", no
 * arc invented. Malformed captures are read up to their damage; what they hold is walked too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../src/flow/model.js';
import { analyzeFile } from '../flow/helpers.js';
import { timelineProblems } from '../helpers/timeline-walk.js';
import { CORPUS } from './zeek-compare.js';

const files = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1).filter(Boolean)
  .map((l) => l.split('\t')[0]!).filter((f) => /\.(pcap|pcapng|cap|pcap\.gz|dmp|trace)$/i.test(f) || f.includes('.pcap'));

test('the corpus has captures to walk', () => {
  expect(files.length).toBeGreaterThan(200);
});

test('every timeline of every corpus capture is a walk through the state table', async () => {
  const problems: string[] = [];
  let walked = 0;
  for (const f of files) {
    let connections: Connection[];
    try {
      connections = (await analyzeFile(join(CORPUS, f))).connections;
    } catch {
      continue; // not a capture, or damaged before its first frame: the corpus sweep checks the error
    }
    for (const c of connections) {
      walked++;
      for (const p of timelineProblems(c)) problems.push(`${f} ${p}`);
    }
  }
  expect(walked).toBeGreaterThan(1000);
  expect(problems).toEqual([]);
}, 300_000);
