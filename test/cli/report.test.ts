/**
 * `synack report` and `analyze --html` as a user runs them: the file written, its embedded data
 * (schema/report-data.schema.json) from the same analysis as --json, standard input, and the errors.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportData } from '../../src/report/html/data.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { fixture, STACK_LINE, synack } from '../helpers/cli.js';
import { assertValid, validateAnalyze, validateReportData } from '../helpers/schema.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'synack-report-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** The data embedded in a page. */
function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="synack-data">([^]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no #synack-data in the page');
  return JSON.parse(m[1]!) as ReportData;
}

function expectOneLineError(r: { code: number | null; stderr: string; stdout: string }, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

describe('synack report', () => {
  test('writes one page for the demo, well under 1 MB, whose data matches the schema', () => {
    const out = join(dir, 'demo.html');
    const r = synack(['report', fixture('demo.pcap'), '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/report written to .*demo\.html \(0\.\d\d MB, 51 connection rows, 51 in detail\)/);
    expect(statSync(out).size).toBeLessThan(500_000);
    const d = embedded(readFileSync(out, 'utf8'));
    assertValid(validateReportData, d);
    expect(d.summary.connections).toBe(51);
    expect(Object.keys(d.packets)).toHaveLength(51);
    expect(d.packetsNote).toBeNull();
  });

  test('-o - writes the page to standard output; -q says nothing', () => {
    const r = synack(['-q', 'report', fixture('refused.pcap'), '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(embedded(r.stdout).summary.outcomes).toEqual({ refused: 2 });
  });

  test('standard input: the analysis, and a note instead of ladders (it cannot be read twice)', () => {
    const out = join(dir, 'stdin.html');
    const r = synack(['report', '-', '-o', out], { input: readFileSync(fixture('demo.pcap')) });
    expect(r.code).toBe(0);
    const d = embedded(readFileSync(out, 'utf8'));
    expect(d.summary.connections).toBe(51);
    expect(d.packets).toEqual({});
    expect(d.packetsNote).toMatch(/standard input/);
  });

  test('--no-ladder reads the capture once: no segments, and the page says why', () => {
    const out = join(dir, 'noladder.html');
    expect(synack(['report', fixture('demo.pcap'), '-o', out, '--no-ladder']).code).toBe(0);
    const d = embedded(readFileSync(out, 'utf8'));
    expect(d.packets).toEqual({});
    expect(d.packetsNote).toMatch(/--no-ladder/);
  });

  test('filters narrow the table and the details; the summary covers the whole capture', () => {
    const out = join(dir, 'port.html');
    expect(synack(['report', fixture('demo.pcap'), '-o', out, '--port', '4041']).code).toBe(0);
    const d = embedded(readFileSync(out, 'utf8'));
    expect(d.filter).toBe('--port 4041');
    expect(d.summary.connections).toBe(51);
    expect(d.rows.total).toBe(4);
    expect(d.details.every((c) => c.server.port === 4041)).toBe(true);
  });

  test('usage and input errors: one line, exit 2, no stack', () => {
    const noOut = synack(['report', fixture('demo.pcap')]);
    expect(noOut.code).toBe(2);
    // Commander's usage errors carry its "(add --help for usage)" hint, as every command's do.
    expect(noOut.stderr).toBe("error: required option '-o, --output <file>' not specified\n(add --help for usage)\n");
    expectOneLineError(synack(['report', fixture('demo.pcap'), '-o', join(dir, 'no', 'such', 'dir.html')]), 2, /dir\.html: cannot write the report \(ENOENT\)/);
    expectOneLineError(synack(['report', join(dir, 'missing.pcap'), '-o', join(dir, 'x.html')]), 2, /missing\.pcap/);
    expectOneLineError(synack(['report', fixture('demo.pcap'), '-o', join(dir, 'x.html'), '--conn', '999']), 2, /no connection #999 in .*demo\.pcap/);
    expectOneLineError(synack(['report', fixture('demo.pcap'), '-o', join(dir, 'x.html'), '--anomaly', 'nope']), 2, /--anomaly nope: unknown anomaly id/);
    expectOneLineError(synack(['analyze', fixture('demo.pcap'), '--html', '-']), 2, /--html -: the report needs a file name/);
  });
});

describe('analyze --html', () => {
  test('the text report is unchanged, and the page holds the same data as synack report', () => {
    const out = join(dir, 'analyze.html');
    const plain = synack(['analyze', fixture('demo.pcap')]);
    const r = synack(['analyze', fixture('demo.pcap'), '--html', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const viaReport = join(dir, 'via-report.html');
    expect(synack(['report', fixture('demo.pcap'), '-o', viaReport]).code).toBe(0);
    expect(embedded(readFileSync(out, 'utf8'))).toEqual(embedded(readFileSync(viaReport, 'utf8')));
  });

  test('with --json: the document on stdout, and the page\'s connections are its connections', () => {
    const out = join(dir, 'json.html');
    const r = synack(['analyze', '--json', fixture('syn-flood.pcap'), '--html', out]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as AnalyzeDocument;
    assertValid(validateAnalyze, doc);
    const d = embedded(readFileSync(out, 'utf8'));
    expect(d.summary).toEqual(doc.summary);
    expect(d.listeners).toEqual(doc.listeners);
    const byId = new Map(doc.connections.map((c) => [c.id, c]));
    for (const c of d.details) expect(c).toEqual(byId.get(c.id));
    expect(d.rows.total).toBe(doc.connections.length);
  });
});
