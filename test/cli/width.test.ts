/**
 * Text output fits the terminal: COLUMNS (or the TTY's width) bounds every line of `analyze`, its
 * detail views and ladders, and `packets`; columns are left out by priority and named; piped output is
 * 100 columns wide for analyze and unwrapped for packets; --wide lifts the limit.
 */
import { fixture, synack } from '../helpers/cli.js';

/** Visible width of each line (no colour when piped; the box characters are one column each). */
const widths = (s: string) => s.split('\n').map((l) => [...l].length);
const widest = (s: string) => Math.max(...widths(s));

const FILES = ['demo.pcap', 'lossy-bulk.pcap', 'vlan.pcap', 'simultaneous-close.pcap', 'any-sll2.pcap', 'two-interfaces.pcapng', 'syn-flood.pcap'];

describe('COLUMNS=80: no line wider than 80', () => {
  test.each(FILES)('analyze %s: summary, tables, and the detail view with its ladder of its worst and first connections', (name) => {
    const env = { COLUMNS: '80' };
    const a = synack(['analyze', fixture(name)], { env });
    expect(a.code).toBe(0);
    expect(widest(a.stdout)).toBeLessThanOrEqual(80);
    const table = a.stdout.slice(a.stdout.indexOf('Connections ('));
    const worst = /│\s+(\d+) │/.exec(table)![1]!;
    const d = synack(['analyze', fixture(name), '--conn', [...new Set(['1', worst])].join(',')], { env });
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('Ladder');
    expect(widest(d.stdout)).toBeLessThanOrEqual(80);
  });

  test.each(FILES)('packets %s: long lines wrap under the frame number', (name) => {
    const wrapped = synack(['packets', fixture(name)], { env: { COLUMNS: '80' } });
    const whole = synack(['packets', fixture(name)], { env: { COLUMNS: '' } });
    expect(widest(wrapped.stdout)).toBeLessThanOrEqual(80);
    // The same text, only broken at spaces: continuation lines start under the time.
    const rejoined = wrapped.stdout.trimEnd().split('\n').reduce<string[]>((acc, l) => {
      if (/^ {7}\S/.test(l) && acc.length) acc[acc.length - 1] += ' ' + l.trimStart(); else acc.push(l);
      return acc;
    }, []);
    expect(rejoined).toEqual(whole.stdout.trimEnd().split('\n'));
  });
});

describe('wider and narrower', () => {
  test('the connection table shows more columns as the width grows, and names those left out', () => {
    const at = (w: string) => synack(['analyze', fixture('demo.pcap')], { env: { COLUMNS: w } }).stdout;
    const narrow = at('80');
    const wide = at('250');
    const header = (out: string) => out.split('\n').find((l) => /│\s+# │ client/.test(l))!;
    expect(narrow).toMatch(/left out at this width: .*start \(UTC\)/);
    expect(header(narrow)).not.toContain('bytes c/s');
    for (const head of ['start (UTC)', 'duration', 'packets c/s', 'bytes c/s', 'handshake', 'final client / server', 'RTT']) expect(header(wide)).toContain(head);
    expect(wide).not.toContain('left out at this width');
  });

  test('piped without COLUMNS: analyze fits 100 columns, --wide has no limit; packets is never wrapped', () => {
    const env = { COLUMNS: '' };
    expect(widest(synack(['analyze', fixture('demo.pcap')], { env }).stdout)).toBeLessThanOrEqual(100);
    const wide = synack(['analyze', fixture('demo.pcap'), '--wide'], { env }).stdout;
    expect(widest(wide)).toBeGreaterThan(180);
    expect(wide).toContain('bytes c/s');
    const p = synack(['packets', fixture('demo.pcap')], { env }).stdout;
    expect(widest(p)).toBeGreaterThan(100);
    expect(p.trimEnd().split('\n').every((l) => /^\s*\d+ \d\d:/.test(l))).toBe(true);
  });

  test('an anomaly list too long for its column wraps between ids, never inside one', () => {
    const out = synack(['analyze', fixture('demo.pcap'), '--anomaly', 'handshake-timeout'], { env: { COLUMNS: '80' } }).stdout;
    const table = out.slice(out.indexOf('Connections matching')).split('\n').filter((l) => l.startsWith('  │'));
    const cells = table.slice(1).map((l) => l.split('│').at(-2)!.trim()).filter(Boolean);
    // One connection's list, on more than one line, each line whole ids (with their counts).
    expect(cells.length).toBeGreaterThan(1);
    const ids = new Set((JSON.parse(synack(['anomalies', '--json']).stdout) as Array<{ id: string }>).map((a) => a.id));
    for (const item of cells.flatMap((c) => c.split(',')).map((x) => x.trim()).filter(Boolean)) {
      expect(ids.has(item.replace(/ ×[\d,]+$/, ''))).toBe(true);
    }
  });
});
