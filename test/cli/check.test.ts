import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { fixture, synack } from '../helpers/cli.js';
import { assertValid, validateCheck } from '../helpers/schema.js';

const tmp = mkdtempSync(join(tmpdir(), 'synack-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cache = new Map<string, string>();
function analyze(name: string): AnalyzeDocument {
  if (!cache.has(name)) cache.set(name, synack(['analyze', '--json', fixture(name)]).stdout);
  return JSON.parse(cache.get(name)!) as AnalyzeDocument;
}

/** Parses JUnit XML with a real XML parser (python3's ElementTree) into plain data. */
function parseJUnit(xml: string): { tests: number; failures: number; cases: Array<{ name: string; failure: string | null }> } {
  const py = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
suite = root.find('testsuite')
cases = [{'name': c.get('name'), 'failure': (c.find('failure').text if c.find('failure') is not None else None)} for c in suite.findall('testcase')]
print(json.dumps({'tests': int(suite.get('tests')), 'failures': int(suite.get('failures')), 'cases': cases}))
`;
  const r = spawnSync('python3', ['-c', py], { input: xml, encoding: 'utf8', timeout: 15000 });
  if (r.status !== 0) throw new Error(`not well-formed XML: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReturnType<typeof parseJUnit>;
}

describe('check exit codes', () => {
  test('a clean handshake passes: exit 0', () => {
    const r = synack(['check', fixture('handshake-ipv4.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PASS no error-severity anomalies');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('passed');
  });

  test('a refused connection fails the default policy: exit 1, naming the packet', () => {
    const doc = analyze('refused.pcap');
    const occ = doc.connections.flatMap((c) => c.anomalies.filter((a) => a.id === 'handshake-refused').map((a) => ({ c, a })))[0]!;
    const r = synack(['check', fixture('refused.pcap')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`connection #${occ.c.id}`);
    expect(r.stdout).toContain(`packet #${occ.a.packet}: handshake-refused`);
  });

  test('--allow turns that failure into a pass', () => {
    expect(synack(['check', fixture('refused.pcap'), '--allow', 'handshake-refused']).code).toBe(0);
  });

  test('--max: at the count passes, below it fails', () => {
    const doc = analyze('demo.pcap');
    const n = doc.summary.anomalies.find((a) => a.id === 'half-open')!.count;
    const base = ['check', fixture('demo.pcap'), '--fail-on', 'half-open', '--allow', 'half-open'];
    expect(synack([...base, '--max', `half-open=${n}`]).code).toBe(0);
    const r = synack([...base, '--max', `half-open=${n - 1}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL at most ${n - 1} half-open occurrences (${n}/${n - 1})`);
  });

  test('--max-rtt: above the slowest handshake passes, below it fails', () => {
    const doc = analyze('handshake-ipv4.pcap');
    const rtt = doc.summary.handshakeRtt.max! * 1000;
    expect(synack(['check', fixture('handshake-ipv4.pcap'), '--max-rtt', String(rtt * 2)]).code).toBe(0);
    expect(synack(['check', fixture('handshake-ipv4.pcap'), '--max-rtt', String(rtt / 2)]).code).toBe(1);
  });

  test('--require-complete fails a capture with a refused handshake even when anomalies are allowed', () => {
    const r = synack(['check', fixture('refused.pcap'), '--allow', 'handshake-refused', '--require-complete']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL every observed handshake completes');
  });

  test('config file, with flags winning over it', () => {
    const cfg = join(tmp, 'policy.json');
    writeFileSync(cfg, JSON.stringify({ failOn: ['error'], allow: ['handshake-refused'] }));
    expect(synack(['check', '--config', cfg, fixture('refused.pcap')]).code).toBe(0);
    expect(synack(['check', '--config', cfg, '--allow', 'reset', fixture('refused.pcap')]).code).toBe(1);
  });

  test('./synack.config.json is read when present', () => {
    const dir = mkdtempSync(join(tmp, 'cfg-')); // inside tmp: removed with it
    writeFileSync(join(dir, 'synack.config.json'), JSON.stringify({ allow: ['handshake-refused'] }));
    expect(synack(['check', fixture('refused.pcap')], { cwd: dir }).code).toBe(0);
  });

  test.each([
    ['not JSON', '{ failOn: ', /not valid JSON/],
    ['unknown key', '{ "failOnn": ["error"] }', /unknown key "failOnn"/],
    ['unknown id', '{ "allow": ["gremlins"] }', /allow: unknown "gremlins"/],
  ])('a bad config (%s) is a usage error: exit 2', (_n, text, pattern) => {
    const cfg = join(tmp, `bad-${_n.replace(/\W/g, '')}.json`);
    writeFileSync(cfg, text);
    const r = synack(['check', '--config', cfg, fixture('refused.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(pattern);
  });

  test('bad --max and --fail-on values are usage errors', () => {
    expect(synack(['check', '--max', 'retransmission', fixture('refused.pcap')]).code).toBe(2);
    expect(synack(['check', '--fail-on', 'fatal', fixture('refused.pcap')]).code).toBe(2);
  });
});

describe('check formats', () => {
  test('JUnit: one testcase per rule; the failure lists connections and packets', () => {
    const r = synack(['check', fixture('refused.pcap'), '--max-rtt', '10000', '--require-complete', '--format', 'junit']);
    expect(r.code).toBe(1);
    const j = parseJUnit(r.stdout);
    expect(j.tests).toBe(4);
    expect(j.failures).toBe(2);
    expect(j.cases.map((c) => c.name.split(':')[0] + ':' + c.name.split(':')[1])).toEqual([
      'capture integrity: not judged (add --fail-on damaged to fail on it)',
      'fail-on:error', 'max-rtt: handshake RTT at most 10000 ms', 'require-complete: every observed handshake completes',
    ]);
    const failed = j.cases.find((c) => c.name.startsWith('fail-on:error'))!;
    expect(failed.failure).toMatch(/connection #\d+ .* → .*, packet #\d+: handshake-refused/);
    expect(j.cases.find((c) => c.name.startsWith('max-rtt'))!.failure).toBeNull();
  });

  test('JUnit written with -o while the exit code still says failed', () => {
    const out = join(tmp, 'junit.xml');
    const r = synack(['check', fixture('refused.pcap'), '--format', 'junit', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(parseJUnit(readFileSync(out, 'utf8')).failures).toBe(1);
  });

  test('GitHub annotations', () => {
    const r = synack(['check', fixture('refused.pcap'), '--format', 'github']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^::error file=.*refused\.pcap,title=synack fail-on%3Aerror::connection #\d+ /);
    expect(lines.at(-1)).toBe('synack check: failed (1 of 1 rule)');
  });

  test('JSON verdict', () => {
    const r = synack(['check', fixture('refused.pcap'), '--format', 'json']);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout) as { schemaVersion: number; passed: boolean; rules: Array<{ rule: string; passed: boolean; offences: unknown[] }> };
    assertValid(validateCheck, v);
    expect(v.schemaVersion).toBe(1);
    expect(v.passed).toBe(false);
    const pass = JSON.parse(synack(['check', fixture('handshake-ipv4.pcap'), '--format', 'json', '--max-rtt', '1000', '--require-complete', '--max', 'reset=0']).stdout) as unknown;
    assertValid(validateCheck, pass);
    expect(v.rules[0]).toMatchObject({ rule: 'fail-on:error', passed: false });
    expect(v.rules[0]!.offences.length).toBeGreaterThan(0);
  });
});

describe('check keeps counts whole and offence lists bounded', () => {
  test('more than 100 offences: all counted, the first 100 listed by connection id', () => {
    const r = synack(['check', '--require-complete', '--fail-on', 'error', '--format', 'json', fixture('syn-flood.pcap')]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { rules: Array<{ rule: string; count: number; offences: Array<{ connection: number | null }> }> };
    const rule = doc.rules.find((x) => x.rule === 'require-complete')!;
    expect(rule.count).toBeGreaterThan(100);
    expect(rule.offences).toHaveLength(100);
    const ids = rule.offences.map((o) => o.connection!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const text = synack(['check', '--require-complete', '--fail-on', 'error', fixture('syn-flood.pcap')]);
    expect(text.stdout).toContain(`… and ${rule.count - 20} more`);
  });
});

describe('CI never hides damage (issue 14)', () => {
  const cut = join(tmp, 'cut.pcap');
  beforeAll(() => writeFileSync(cut, readFileSync(fixture('demo.pcap')).subarray(0, 5000)));
  const TRUNC = /cut\.pcap: file ends inside frame 18 at offset \d+/;

  test('every format reports a truncated capture, and stderr too when the report is for a machine', () => {
    const junit = synack(['check', cut, '--format', 'junit']);
    expect(junit.code).toBe(0);
    const j = parseJUnit(junit.stdout);
    const integrity = j.cases.find((c) => c.name.startsWith('capture integrity'))!;
    expect(integrity.failure).toBeNull();
    expect(junit.stdout).toMatch(/<system-err>warning: [^<]*cut\.pcap: file ends inside frame 18/);
    expect(junit.stderr).toMatch(TRUNC);

    const json = synack(['check', cut, '--format', 'json']);
    const v = JSON.parse(json.stdout) as { passed: boolean; integrity: { damaged: boolean; problems: Array<{ kind: string; frame?: number; input: string }> } };
    assertValid(validateCheck, v);
    expect(v.passed).toBe(true);
    expect(v.integrity.damaged).toBe(true);
    expect(v.integrity.problems).toEqual([expect.objectContaining({ kind: 'truncated', frame: 18, input: cut })]);
    expect(json.stderr).toMatch(TRUNC);

    const gh = synack(['check', cut, '--format', 'github']);
    expect(gh.stdout).toMatch(/^::warning file=.*cut\.pcap,title=synack capture integrity::.*file ends inside frame 18/m);
    const text = synack(['check', cut]);
    expect(text.stdout).toMatch(/warning: .*file ends inside frame 18/);
    // Written to a file, the report is not on the terminal: stderr says it.
    expect(synack(['check', cut, '-o', join(tmp, 'report.txt')]).stderr).toMatch(TRUNC);
    // A whole capture reports no problem.
    const whole = JSON.parse(synack(['check', fixture('demo.pcap'), '--format', 'json']).stdout) as typeof v;
    expect(whole.integrity).toEqual({ damaged: false, problems: [] });
  });

  test('--fail-on damaged fails on it, in every format; in JUnit as the "capture integrity" case', () => {
    for (const format of ['text', 'json', 'junit', 'github']) {
      expect(synack(['check', cut, '--fail-on', 'error,damaged', '--format', format]).code).toBe(1);
    }
    expect(synack(['check', fixture('demo.pcap'), '--fail-on', 'damaged']).code).toBe(0);
    const j = parseJUnit(synack(['check', cut, '--fail-on', 'damaged', '--format', 'junit']).stdout);
    expect(j.tests).toBe(1);
    expect(j.failures).toBe(1);
    expect(j.cases[0]!.name).toMatch(/^capture integrity: /);
    expect(j.cases[0]!.failure).toMatch(/file ends inside frame 18/);
    const gh = synack(['check', cut, '--fail-on', 'damaged', '--format', 'github']).stdout;
    expect(gh).toMatch(/^::error file=.*cut\.pcap,title=synack fail-on%3Adamaged::.*file ends inside frame 18/m);
    const cfg = join(tmp, 'damaged.json');
    writeFileSync(cfg, JSON.stringify({ failOn: ['damaged'] }));
    expect(synack(['check', cut, '--config', cfg]).code).toBe(1);
  });

  test('--max-rtt judges SYN → completing ACK only: a half-open connection has no such RTT', () => {
    const doc = analyze('demo.pcap');
    const halfOpen = doc.connections.filter((c) => c.handshake.rtt.total === null && c.handshake.rtt.synToSynAck !== null);
    expect(halfOpen.length).toBeGreaterThan(0);
    const r = JSON.parse(synack(['check', fixture('demo.pcap'), '--max-rtt', '5', '--format', 'json']).stdout) as { rules: Array<{ rule: string; offences: Array<{ connection: number }> }> };
    const named = r.rules.find((x) => x.rule === 'max-rtt')!.offences.map((o) => o.connection);
    expect(named.length).toBeGreaterThan(0);
    for (const c of halfOpen) expect(named).not.toContain(c.id);
    const slow = doc.connections.filter((c) => c.handshake.rtt.total !== null && c.handshake.rtt.total * 1000 > 5).map((c) => c.id);
    expect(named).toEqual(slow);
  });
});
