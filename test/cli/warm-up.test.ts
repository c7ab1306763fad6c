import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '../../src/check/policy.js';
import { analyzeCommand, type AnalyzeCommandOptions, type AnalyzeCommandResult } from '../../src/cli/commands/analyze.js';
import { checkCommand, type CheckCommandOptions, type CheckCommandResult } from '../../src/cli/commands/check.js';
import { WARM_UP_FROM, warmUp, warmUpCapture } from '../../src/cli/warm-up.js';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/flow/model.js';
import { fixture, ROOT } from '../helpers/cli.js';

const DEMO = fixture('demo.pcap');
// Captures unlike the warm-up's: a flood with cookies, a lossy transfer, simultaneous close, port reuse,
// a full SYN queue.
const OTHERS = ['syn-cookies.pcap', 'lossy-bulk.pcap', 'simultaneous-close.pcap', 'port-reuse.pcap', 'syn-queue-overflow.pcap'].map(fixture);

describe('warmUpCapture', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'synack-warm-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('inputs of WARM_UP_FROM bytes or more (together) get the shipped demo capture', () => {
    const big = join(dir, 'big.pcap');
    writeFileSync(big, '');
    truncateSync(big, WARM_UP_FROM); // sparse: only its size matters here
    expect(warmUpCapture([big])).toBe(DEMO);
    const half = join(dir, 'half.pcap');
    writeFileSync(half, '');
    truncateSync(half, WARM_UP_FROM / 2);
    expect(warmUpCapture([half])).toBeNull();
    expect(warmUpCapture([half, half])).toBe(DEMO);
  });

  test('small inputs, standard input, directories and missing files are read cold', () => {
    expect(warmUpCapture([DEMO])).toBeNull();
    expect(warmUpCapture(['-'])).toBeNull();
    expect(warmUpCapture([dir], 0)).toBeNull();
    expect(warmUpCapture([join(dir, 'missing.pcap')], 0)).toBeNull();
    expect(warmUpCapture([DEMO, '-'], 0)).toBeNull();
    expect(warmUpCapture([DEMO], 0)).toBe(DEMO);
  });

  test('the demo capture is in the npm package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('fixtures/demo.pcap');
  });

  test('a failing warm-up is not the run\'s failure', async () => {
    await expect(warmUp(async () => { throw new Error('no'); })).resolves.toBeUndefined();
  });
});

/** A result as JSON, without the run's own duration. */
function comparable(r: AnalyzeCommandResult | CheckCommandResult): string {
  return JSON.stringify(r, (k, v: unknown) => {
    if (k === 'elapsedSeconds') return undefined;
    return v instanceof Map ? [...v.entries()] : v;
  });
}

describe('a run after the warm-up is the run without it (commands keep no state between runs)', () => {
  test('analyze: the text report\'s data, detail and ladders included', async () => {
    const opts = (paths: string[]): AnalyzeCommandOptions => ({
      paths, tracker: DEFAULT_TRACKER_OPTIONS, verifyChecksums: true, filter: {}, detail: true, ladder: true, limit: 1000,
    });
    const cold = comparable(await analyzeCommand(opts(OTHERS)));
    await analyzeCommand(opts([DEMO]));
    const warm = comparable(await analyzeCommand(opts(OTHERS)));
    expect(warm).toBe(cold);
    expect(cold).toContain('"id":1,');
  });

  test('analyze, streamed (--json and the other formats): every connection built', async () => {
    const run = async (paths: string[]): Promise<string> => {
      const seen: string[] = [];
      const r = await analyzeCommand({
        paths, tracker: DEFAULT_TRACKER_OPTIONS, verifyChecksums: false, filter: {}, detail: false, ladder: false, limit: 50,
        onConnection: (c) => seen.push(JSON.stringify(c)),
      });
      return comparable(r) + seen.join('\n');
    };
    const cold = await run(OTHERS);
    await run([DEMO]);
    expect(await run(OTHERS)).toBe(cold);
  });

  test('check', async () => {
    const opts = (paths: string[]): CheckCommandOptions => ({
      paths, policy: DEFAULT_POLICY, tracker: DEFAULT_TRACKER_OPTIONS, verifyChecksums: false,
    });
    const cold = comparable(await checkCommand(opts(OTHERS)));
    await checkCommand(opts([DEMO]));
    expect(comparable(await checkCommand(opts(OTHERS)))).toBe(cold);
  });
});
