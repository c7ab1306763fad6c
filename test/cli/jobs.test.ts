/**
 * `--jobs`: threads share the connections (by 4-tuple hash), each reading every input, and the merge
 * must give what one thread gives, byte for byte: the same connections with the same ids, in the
 * same streamed order, the same summary, listeners (a SYN flood's half-open backlog is spread over the
 * threads and replayed), inputs, and check verdict.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fixture, FIXTURES, synack } from '../helpers/cli.js';
import { schemaErrors, validateAnalyze } from '../helpers/schema.js';

// Every kernel capture of fixtures/, read as one run: refusals, port reuse, IPv6, pcapng, gzip, a
// flood, lost ACKs... They were made minutes apart, so the first packet of each file moves the clock
// past the 2×MSL linger and idle timeouts of connections in every thread at once: the order in which
// one tracker emits them then is the merge's to reproduce.
const FILES = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng|pcap\.gz)$/.test(f)).sort().map(fixture);

function run(args: string[]): string {
  const r = synack(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Connections per thread, from --debug: proof the work was really shared out. */
function perThread(args: string[]): number[] {
  const r = synack(['--debug', ...args]);
  const m = /connections per thread: (.*)$/m.exec(r.stderr);
  if (!m) throw new Error(`no per-thread line in: ${r.stderr}`);
  return m[1]!.split(' | ').map((x) => Number(x.split(' ')[0]));
}

describe('--jobs N gives what one thread gives', () => {
  test('the work is shared out: every thread tracks some connections', () => {
    const counts = perThread(['analyze', '--jobs', '3', ...FILES]);
    expect(counts).toHaveLength(3);
    for (const n of counts) expect(n).toBeGreaterThan(20);
    const doc = JSON.parse(run(['analyze', '--json', '--jobs', '1', ...FILES])) as { summary: { connections: number } };
    expect(counts.reduce((a, b) => a + b, 0)).toBe(doc.summary.connections);
  });

  test('analyze --json: the same document, byte for byte', () => {
    const one = run(['analyze', '--json', '--jobs', '1', ...FILES]);
    const doc = JSON.parse(one) as { connections: unknown[]; listeners: Array<{ halfOpenPeak: number }> };
    if (!validateAnalyze(doc)) throw new Error(schemaErrors(validateAnalyze));
    expect(doc.connections.length).toBeGreaterThan(100);
    // The flood's backlog, built by connections in every thread.
    expect(Math.max(...doc.listeners.map((l) => l.halfOpenPeak))).toBeGreaterThan(64);
    expect(run(['analyze', '--json', '--jobs', '2', ...FILES])).toBe(one);
    expect(run(['analyze', '--json', '--jobs', '3', ...FILES])).toBe(one);
  });

  test('--ndjson with a filter: the same lines in the same order', () => {
    const args = ['analyze', '--ndjson', '--anomaly', 'handshake-refused,time-wait-reuse', ...FILES];
    const one = run([...args, '--jobs', '1']);
    expect(one.trimEnd().split('\n').length).toBeGreaterThan(3);
    expect(one).toMatch(/"previousConnection":\d+/); // a reuse names the connection before it: renumbered too
    expect(run([...args, '--jobs', '2'])).toBe(one);
    expect(run([...args, '--jobs', '4'])).toBe(one);
  });

  test('analyze text: the same report; auto on small inputs is one thread', () => {
    const one = run(['analyze', '--limit', '12', '--jobs', '1', ...FILES]);
    expect(run(['analyze', '--limit', '12', '--jobs', '2', ...FILES])).toBe(one);
    expect(run(['analyze', '--limit', '12', ...FILES])).toBe(one);
    expect(synack(['--debug', 'analyze', ...FILES]).stderr).toBe('debug: 1 thread\n');
  });

  test('threads made to wait for each other at every read still merge to the same', () => {
    const args = ['analyze', '--ndjson', ...FILES];
    const one = run([...args, '--jobs', '1']);
    const r = synack([...args, '--jobs', '3'], { env: { SYNACK_SHARD_LAG: '16' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(one);
  });

  test('a thread that fails ends the run at once with its error, exit 3', () => {
    const t0 = Date.now();
    // Its peer is made to wait for it at every read: the failure must release that wait too.
    const r = synack(['analyze', '--jobs', '2', ...FILES], { env: { SYNACK_TEST_WORKER_FAIL: '2', SYNACK_SHARD_LAG: '16' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^synack: internal error: worker failed on purpose after 2 batches/);
    expect(r.stdout).toBe('');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('check --format json: the same verdict', () => {
    const args = ['check', '--format', 'json', '--fail-on', 'error,warning', '--max', 'retransmission=1', '--max-rtt', '0.01', '--require-complete', ...FILES];
    const one = synack(['--quiet', ...args, '--jobs', '1']);
    const two = synack(['--quiet', ...args, '--jobs', '2']);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    expect(JSON.parse(one.stdout)).toHaveProperty('passed', false);
  });

  test('a missing file is named, exit 2, with threads too; stdin runs in one thread', () => {
    const r = synack(['analyze', '--jobs', '2', FILES[0]!, fixture('nope.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^synack: error: .*nope\.pcap: no such file$/);
    const s = synack(['--debug', 'analyze', '--jobs', '2', '-'], { input: readFileSync(FILES[0]!) });
    expect(s.code).toBe(0);
    expect(s.stderr).toBe('debug: 1 thread\n');
  });
});
