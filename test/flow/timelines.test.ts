/**
 * Every timeline of every fixture (the Linux kernel's own connections) is a walk through the state
 * table: initial state first, each entry from the state the previous one entered, every pair an arc of
 * RFC 9293, entries in packet order. And the hand-built scenarios' shapes that used to need backward
 * corrections (lost ACKs, refusals, simultaneous open, mid-stream pickup) read forward.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from './helpers.js';
import { timelineProblems } from '../helpers/timeline-walk.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const captures = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng|pcap\.gz)$/.test(f));

test.each(captures)('%s: every timeline walks the state table', async (f) => {
  const { connections } = await analyzeFile(join(FIXTURES, f));
  expect(connections.length).toBeGreaterThan(0);
  expect(connections.flatMap(timelineProblems)).toEqual([]);
});
