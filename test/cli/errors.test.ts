import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, ROOT, STACK_LINE, synack } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'synack-err-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(STACK_LINE);
}

describe('bad inputs: one line naming the file, exit 2, no stack trace', () => {
  test.each(['analyze', 'packets', 'check'])('%s on a missing file', (cmd) => {
    expectOneLineError(synack([cmd, join(tmp, 'nope.pcap')]), 2, /nope\.pcap: no such file/);
  });

  test('a directory', () => {
    expectOneLineError(synack(['analyze', tmp]), 2, /is a directory/);
  });

  test('an empty file', () => {
    const f = join(tmp, 'empty.pcap');
    writeFileSync(f, '');
    expectOneLineError(synack(['analyze', f]), 2, /empty\.pcap: empty file/);
  });

  test('a text file', () => {
    const f = join(tmp, 'notes.txt');
    writeFileSync(f, 'hello, this is not a capture\n'.repeat(10));
    expectOneLineError(synack(['analyze', f]), 2, /notes\.txt: .*(text|not a).*/);
  });

  test('the error never quotes the input (CI logs are public; the path may be a secret)', () => {
    const secret = 'root:$6$hunter2secret:19000:0:99999:7:::';
    const text = join(tmp, 'shadow');
    writeFileSync(text, `${secret}\nbin:*:19000:0:99999:7:::\n`);
    const bin = join(tmp, 'key.der');
    writeFileSync(bin, Buffer.from([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00]));
    for (const [f, input] of [[text, undefined], [bin, undefined], ['-', `${secret}\n`]] as const) {
      const r = synack(['analyze', f], input ? { input } : {});
      expectOneLineError(r, 2, /not a capture|not pcap or pcapng/);
      expect(r.stderr).not.toContain('hunter2');
      expect(r.stderr).not.toMatch(/30 82|root:/);
    }
  });

  test('a text file on standard input', () => {
    expectOneLineError(synack(['analyze', '-'], { input: 'plain words\n' }), 2, /standard input/);
  });

  test('--debug adds the stack for the same error', () => {
    const r = synack(['analyze', '--debug', join(tmp, 'nope.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(STACK_LINE);
  });
});

describe('usage errors exit 2', () => {
  test('unknown option', () => {
    const r = synack(['analyze', '--frobnicate', fixture('refused.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  test('bad number', () => {
    const r = synack(['analyze', '--limit', 'lots', fixture('refused.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--limit/);
  });

  test('unknown anomaly id', () => {
    expectOneLineError(synack(['analyze', '--anomaly', 'gremlins', fixture('refused.pcap')]), 2, /--anomaly gremlins: unknown anomaly id/);
  });

  test('no such connection', () => {
    expectOneLineError(synack(['analyze', '--conn', '999', fixture('refused.pcap')]), 2, /no connection #999/);
  });

  test('--json and --ndjson together', () => {
    const r = synack(['analyze', '--json', '--ndjson', fixture('refused.pcap')]);
    expect(r.code).toBe(2);
  });

  test('no command at all prints help on stderr and exits 2', () => {
    const r = synack([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: synack');
  });
});

describe('help and version', () => {
  test('--version is package.json\'s', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = synack(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test.each(['analyze', 'packets', 'check', 'sniff', 'interfaces', 'anomalies'])('%s --help has examples', (cmd) => {
    const r = synack([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: synack ${cmd}`);
    expect(r.stdout).toContain('Examples:');
  });

  test('top-level help lists the commands and exit codes', () => {
    const r = synack(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['analyze', 'packets', 'check', 'sniff', 'interfaces', 'anomalies']) expect(r.stdout).toContain(cmd);
    expect(r.stdout).toContain('Exit codes: 0 ok, 1');
  });

  test('sniff --help says what live timestamps mean for RTTs, per engine', () => {
    const help = synack(['sniff', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/Packets then carry the kernel's capture time/);
    expect(help).toMatch(/stamps packets when Node receives them \(RTTs are then upper bounds\)/);
  });

  test('packets --help says offloaded checksums look wrong on the sender', () => {
    expect(synack(['packets', '--help']).stdout.replace(/\s+/g, ' ')).toMatch(/offloaded checksums look wrong/);
  });
});
