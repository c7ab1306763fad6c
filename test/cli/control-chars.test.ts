/**
 * Strings from input never reach the terminal raw (report/safe-text.ts): a file name holding ESC,
 * CSI (7- and 8-bit), OSC (BEL- and ST-ended, 7- and 8-bit) and BEL, and a file whose first line holds
 * C1 controls, go through every command and output mode, errors included. Text shows them escaped;
 * JSON keeps the name exact (it parses back) with no raw control character in its bytes.
 * (Interface names: test/live/control-chars.test.ts.)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { fixture, synack, type CliResult } from '../helpers/cli.js';
import { HOSTILE, HOSTILE_ALL, RAW_CONTROL } from '../helpers/hostile.js';

const tmp = mkdtempSync(join(tmpdir(), 'synack-cc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NAME = `cap${HOSTILE_ALL}.pcap`;
/** How the name reads once escaped: every control character as \xHH. */
const SHOWN = NAME.replace(new RegExp(RAW_CONTROL.source, 'g'), (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** A sound capture and a cut one (a truncation warning that names the file), both under the hostile name. */
const sound = join(tmp, 'sound');
const cut = join(tmp, 'cut');
const soundFile = join(sound, NAME);
const cutFile = join(cut, NAME);
beforeAll(() => {
  mkdirSync(sound);
  mkdirSync(cut);
  copyFileSync(fixture('demo.pcap'), soundFile);
  writeFileSync(cutFile, readFileSync(fixture('demo.pcap')).subarray(0, 5000));
});

function expectNoRawControl(r: CliResult): void {
  expect(r.stdout).not.toMatch(RAW_CONTROL);
  expect(r.stderr).not.toMatch(RAW_CONTROL);
}

describe('a file name with ESC, CSI, OSC and BEL', () => {
  test('analyze (text): the input line shows it escaped', () => {
    // --wide: at 100 columns the long name would wrap.
    const r = synack(['analyze', '--wide', soundFile, '--limit', '1']);
    expect(r.code).toBe(0);
    expectNoRawControl(r);
    expect(r.stdout).toContain(SHOWN);
  });

  test('analyze --json: the name is exact once parsed, and no raw control character is in the bytes', () => {
    const r = synack(['analyze', '--json', cutFile]);
    expect(r.code).toBe(0);
    expectNoRawControl(r);
    const doc = JSON.parse(r.stdout) as AnalyzeDocument;
    expect(doc.inputs[0]!.name).toBe(cutFile);
    expect(doc.inputs[0]!.warnings.map((w) => w.kind)).toContain('truncated');
  });

  test('analyze --ndjson: the warning on stderr names the file escaped', () => {
    const r = synack(['analyze', '--ndjson', cutFile]);
    expect(r.code).toBe(0);
    expectNoRawControl(r);
    expect(r.stderr).toContain(`warning: ${join(cut, SHOWN)}`);
  });

  test.each([[[] as string[]], [['--json']]])('packets %j: the closing counts and warning on stderr', (extra) => {
    const r = synack(['packets', ...extra, cutFile]);
    expect(r.code).toBe(0);
    expectNoRawControl(r);
    expect(r.stderr).toContain(join(cut, SHOWN));
  });

  test.each(['text', 'json', 'junit', 'github'])('check --format %s', (format) => {
    const r = synack(['check', '--fail-on', 'invalid-flags', '--format', format, cutFile]);
    expect(r.code).toBe(0);
    expectNoRawControl(r);
    if (format === 'json') expect((JSON.parse(r.stdout) as { inputs: Array<{ name: string }> }).inputs[0]!.name).toBe(cutFile);
    else expect(r.stdout).toContain(join(cut, SHOWN));
  });

  test('check -o: the "report written to" line', () => {
    const out = join(tmp, `report${HOSTILE.csi7}.xml`);
    const r = synack(['check', '--fail-on', 'invalid-flags', '--format', 'junit', '-o', out, soundFile]);
    expect(r.code).toBe(0);
    expectNoRawControl(r);
    expect(r.stderr).toContain('report\\x1b[2J.xml');
  });

  test('a missing file: the error line', () => {
    const r = synack(['analyze', join(tmp, `missing${HOSTILE_ALL}.pcap`)]);
    expect(r.code).toBe(2);
    expectNoRawControl(r);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('missing\\x1b');
  });
});

describe('bytes of a file and arguments that reach a message', () => {
  test('a text file whose first line holds 8-bit CSI and OSC: the error quotes it escaped', () => {
    const f = join(tmp, 'notes.txt');
    writeFileSync(f, `hello ${HOSTILE.csi8} ${HOSTILE.osc8bit} world\nsecond line\n`);
    const r = synack(['analyze', f]);
    expect(r.code).toBe(2);
    expectNoRawControl(r);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('a file holding ESC sequences is not quoted as text', () => {
    const f = join(tmp, 'term.txt');
    writeFileSync(f, `${HOSTILE.osc}${HOSTILE.csi7}plain words\n`);
    const r = synack(['analyze', f]);
    expect(r.code).toBe(2);
    expectNoRawControl(r);
  });

  test('an unknown option and a bad option value (commander quotes them)', () => {
    for (const args of [['analyze', `--${HOSTILE.csi7}`, soundFile], ['analyze', '--limit', HOSTILE.osc, soundFile]]) {
      const r = synack(args);
      expect(r.code).toBe(2);
      expectNoRawControl(r);
      expect(r.stderr).toContain('\\x1b');
    }
  });

  test('an unknown anomaly id and a --host that is no address', () => {
    const bad = synack(['analyze', '--anomaly', `x${HOSTILE.osc}`, soundFile]);
    expect(bad.code).toBe(2);
    expectNoRawControl(bad);
    const host = synack(['analyze', '--conn', '1', '--host', `h${HOSTILE.csi7}`, '--no-ladder', soundFile]);
    expect(host.code).toBe(2);
    expectNoRawControl(host);
    expect(host.stderr).toContain('h\\x1b[2J');
  });
});
