/**
 * A memory ceiling, not a crash (pipeline/memory-guard.ts). The bench's SYN flood at 1,000,000
 * connections (each SYN answered, each SYN-ACK re-sent one to five times, nothing completes) held
 * 2.9 GB; under a 256 MB heap V8 killed Node (SIGABRT, exit 134, its native stack). Since embryos keep
 * their logs outside the heap (flow/handshake-log.ts) it fits in 256 MB, so the test caps the heap at
 * 128 MB, where it still does not fit (~730,000 evicted). Now the oldest idle
 * connections, those whose handshake never completed first, are finished early as `evicted`, counted
 * and said aloud; when nothing is left to shed the run ends with one line and exit 2. Captures are made
 * by bench/gen.js at test time (bench/out/).
 */
import { join } from 'node:path';
import type { Connection } from '../../src/flow/model.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { STACK_LINE, synack } from '../helpers/cli.js';
import { generated } from '../helpers/generated.js';
import { assertValid, validateAnalyze } from '../helpers/schema.js';

/** What V8 prints when it runs out of heap. */
const V8_CRASH = /FATAL ERROR|heap out of memory|Last few GCs|Native stack|node::/;

describe('the 1,000,000-SYN flood under a 128 MB heap', () => {
  test('ends with exit 0, every connection reported, the evicted ones counted and warned about', () => {
    const file = generated('synflood-1m', ['--connections', '1000000', '--half-open', '100', '--seed', '1']);
    const r = synack(['analyze', '--wide', '--limit', '3', file], { env: { NODE_OPTIONS: '--max-old-space-size=128' }, timeoutMs: 900_000 });
    expect(r.stderr).not.toMatch(V8_CRASH);
    expect(r.stderr).not.toMatch(STACK_LINE);
    // Or, were nothing left to shed, one line and exit 2 (the other acceptable end).
    if (r.code === 2) {
      expect(r.stderr).toMatch(/^synack: error: the memory ceiling of \d+ MB is reached .*\n$/);
      return;
    }
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Connections: 1,000,000 /m);
    const warning = /warning: memory ceiling \d+ MB reached \d+ times?: ([\d,]+) connections? \(([\d,]+) before their handshake completed\) finished early and reported as evicted/.exec(r.stdout);
    expect(warning).not.toBeNull();
    const evicted = Number(warning![1]!.replace(/,/g, ''));
    expect(evicted).toBeGreaterThan(0);
    expect(Number(warning![2]!.replace(/,/g, ''))).toBe(evicted);
    // The anomaly table counts them under their id, once per connection.
    expect(r.stdout).toMatch(new RegExp(`│ warning\\s+│ evicted\\s+│\\s+${warning![1]!} │\\s+${warning![1]!} │`));
  }, 900_000);
});

describe('--max-memory', () => {
  const flood = () => generated('synflood-20k', ['--connections', '20000', '--syn-only', '--seed', '3']);

  test('--json: every connection in the document; the evicted ones say so, oldest first; the summary counts them', () => {
    const r = synack(['analyze', '--json', '--max-memory', '32', flood()], { timeoutMs: 300_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: memory ceiling 32 MB reached/m);
    const doc = JSON.parse(r.stdout) as AnalyzeDocument;
    assertValid(validateAnalyze, doc);
    expect(doc.connections).toHaveLength(20000);
    const evicted = doc.connections.filter((c) => c.endReason === 'evicted');
    expect(evicted.length).toBeGreaterThan(0);
    for (const c of evicted) expect(c.anomalies.filter((a) => a.id === 'evicted')).toHaveLength(1);
    for (const c of doc.connections) if (c.endReason !== 'evicted') expect(c.anomalies.map((a) => a.id)).not.toContain('evicted');
    expect(doc.summary.memoryPressure).toMatchObject({ ceiling: 32 * 1024 * 1024, evicted: evicted.length, evictedIncomplete: evicted.length });
    expect(doc.summary.anomalies.find((a) => a.id === 'evicted')).toMatchObject({ count: evicted.length, connections: evicted.length });
    // The least recently active go first: a flood's SYNs come in id order, so the evicted are the lowest ids.
    const ids = (cs: Connection[]) => cs.map((c) => c.id);
    expect(Math.max(...ids(evicted))).toBeLessThan(Math.max(...ids(doc.connections.filter((c) => c.endReason !== 'evicted'))));
  }, 300_000);

  test('check sees the evictions: --fail-on evicted fails, and the warning is on stderr in every format', () => {
    for (const format of ['text', 'json', 'junit', 'github']) {
      const r = synack(['check', '--fail-on', 'evicted', '--max-memory', '32', '--format', format, flood()], { timeoutMs: 300_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^warning: memory ceiling 32 MB reached/m);
    }
  }, 600_000);

  test('a ceiling nothing can be kept under: one line, exit 2, no stack', () => {
    const r = synack(['analyze', '--max-memory', '1', flood()], { timeoutMs: 300_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^synack: error: the memory ceiling of 1 MB is reached .*--max-memory/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  }, 300_000);

  test('above the heap limit: the heap limit is the ceiling, and a note says so', () => {
    const r = synack(['analyze', '--max-memory', '1000000', '--limit', '0', join('fixtures', 'demo.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning: --max-memory 1000000 MB is above node's heap limit/);
  });
});
