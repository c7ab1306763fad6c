/**
 * Issue 2, robustness of the reader's gzip path (readCaptureStream: gunzip on the fly, then the push
 * parser): damaged and truncated gzip streams, and gzip-compressed damaged captures, fed as streams
 * of random chunk sizes. Same invariants as capture.test.ts (no throw but InputError, every frame
 * accounted for and decoded, segments tracked), plus: a cut gzip stream keeps the frames before the
 * cut and warns; a capture read through gzip gives exactly what the plain parser gives.
 *
 * Deterministic from one seed (SYNACK_FUZZ_SEED, SYNACK_FUZZ_SCALE as in capture.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { readCapture, readCaptureStream } from '../../src/capture/reader.js';
import { InputError } from '../../src/util/errors.js';
import { errText, FrameChecker, infoDigest, runCapture, type RunResult } from './harness.js';
import { mapCapture } from './layout.js';
import { mutate } from './mutate.js';
import { caseSeed, fuzzScale, hex32, Rng, suiteSeed } from './prng.js';
import { Watchdog } from './watchdog.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SEED = suiteSeed();
const CASES = Math.round(150 * fuzzScale());
/** An async read that has not settled after this long is a hang (a zlib callback never called...). */
const CASE_TIMEOUT_MS = 10_000;

let dog: Watchdog;
beforeAll(() => { dog = new Watchdog(20_000); });
afterAll(async () => { await dog.stop(); });

/** The committed gzip fixture, and gzip copies of a pcap and the pcapng fixture made here. */
const sources = [
  { name: 'handshake-ipv4.pcap.gz', gz: readFileSync(join(ROOT, 'fixtures', 'handshake-ipv4.pcap.gz')) },
  { name: 'rst-abort.pcap (gzipped here)', gz: gzipSync(readFileSync(join(ROOT, 'fixtures', 'rst-abort.pcap'))) },
  { name: 'two-interfaces.pcapng (gzipped here)', gz: gzipSync(readFileSync(join(ROOT, 'fixtures', 'two-interfaces.pcapng'))) },
].map((s) => {
  const plain = gunzipSync(s.gz);
  // The unharmed read, with checksum verification off and on (it is part of each frame's decode hash).
  const base = [false, true].map((v) => runCapture(s.name, plain, { chunks: null, verifyChecksums: v, track: false }).frames);
  return { ...s, plain, layout: mapCapture(plain), base };
});

function streamChunks(rng: Rng, b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < b.length;) {
    const n = Math.min(b.length - pos, rng.chance(0.5) ? rng.range(1, 16) : rng.range(17, 2000));
    // Copies: a stream's consumer may keep its chunks.
    out.push(Buffer.from(b.subarray(pos, pos + n)));
    pos += n;
  }
  return out;
}

async function readStream(name: string, chunks: Buffer[], verify: boolean): Promise<RunResult> {
  const checker = new FrameChecker({ verifyChecksums: verify, track: true });
  let error: unknown = null;
  let info = null;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`read did not settle within ${CASE_TIMEOUT_MS} ms (hang)`)), CASE_TIMEOUT_MS);
    });
    info = await Promise.race([readCaptureStream(Readable.from(chunks), name, checker.onFrame), timeout]);
  } catch (e) {
    error = e;
  } finally {
    clearTimeout(timer);
  }
  return checker.result(info, error, null, performance.now() - t0, 0);
}

/** How many bytes a cut gzip stream still decompresses to (all the output zlib can give). */
function decompressible(gz: Buffer): number {
  try {
    return gunzipSync(gz, { finishFlush: constants.Z_SYNC_FLUSH }).length;
  } catch {
    return 0; // cut inside the gzip header
  }
}

function errorProblems(r: RunResult, name: string): string[] {
  if (r.error === null) return [];
  if (!(r.error instanceof InputError)) return [`threw ${errText(r.error)}`];
  if (!r.error.message.startsWith(`${name}: `) || r.error.message.includes('\n')) return [`InputError not one line naming the input: ${JSON.stringify(r.error.message)}`];
  return [];
}

function report(what: string, seed: number, steps: string[], problems: string[]): string {
  return [`gzip fuzz failed: ${what}, seed ${hex32(seed)}`, `  mutations: ${steps.join('; ')}`, ...problems.slice(0, 8).map((p) => `  - ${p}`)].join('\n');
}

async function sweep(kind: string, run: (seed: number) => Promise<string | null>): Promise<void> {
  const failures: string[] = [];
  let failed = 0;
  for (let i = 0; i < CASES; i++) {
    const f = await run(caseSeed(SEED, `gzip:${kind}`, i));
    if (f !== null && ++failed <= 5) failures.push(f);
  }
  if (failed > 5) failures.push(`... and ${failed - 5} more failing cases (of ${CASES})`);
  expect(failures.join('\n\n')).toBe('');
}

describe(`gzip streams (seed ${hex32(SEED)})`, () => {
  test.each(sources.map((s) => [s.name, s] as const))('%s: damaged and cut gzip data', async (_name, src) => {
    await sweep(`damaged:${src.name}`, async (seed) => {
      const rng = new Rng(seed);
      const gz = Buffer.from(src.gz);
      const steps: string[] = [];
      let bytes: Buffer = gz;
      const cutOnly = rng.chance(0.5);
      if (cutOnly) {
        const cut = rng.int(gz.length);
        bytes = gz.subarray(0, cut);
        steps.push(`cut the gzip stream to ${cut} of ${gz.length} bytes`);
      } else {
        for (let i = rng.range(1, 3); i > 0; i--) {
          const p = rng.int(gz.length);
          const bit = rng.int(8);
          gz[p] = gz[p]! ^ (1 << bit);
          steps.push(`flip bit ${bit} of gzip byte ${p}`);
        }
      }
      const verify = rng.chance(0.5);
      dog.enter(`gzip ${src.name} seed ${hex32(seed)}: ${steps.join('; ')}`);
      const r = await readStream(src.name, streamChunks(rng, bytes), verify);
      dog.leave();
      const problems = [...r.violations, ...errorProblems(r, src.name)];
      const base = src.base[verify ? 1 : 0]!;
      if (r.info !== null) {
        // Frames that come out are the original's, in order, as far as they go.
        const n = cutOnly ? r.frames.length : 0;
        for (let i = 0; i < n; i++) {
          if (r.frames[i] !== base[i]) { problems.push(`frame ${i + 1} differs from the original's`); break; }
        }
        if (r.info.warnings.length === 0 && r.frames.join('\n') !== base.join('\n')) {
          problems.push(`no warning, but ${r.frames.length} frames where the original has ${base.length} (or they differ)`);
        }
        if (cutOnly && r.info.warnings.length === 0) problems.push('gzip stream cut, yet no warning');
      }
      if (cutOnly) {
        // Keep everything before the damage: every record inside what the cut stream still decompresses to.
        const avail = decompressible(bytes);
        const keep = src.layout.recordEnds.filter((e) => e <= avail).length;
        if (avail < src.layout.headerEnd) {
          if (!(r.error instanceof InputError)) problems.push(`only ${avail} bytes decompress, less than the ${src.layout.headerEnd}-byte header, but no InputError`);
        } else if (r.frames.length !== keep) {
          problems.push(`${avail} bytes decompress, holding ${keep} whole records, but ${r.frames.length} frames delivered`);
        }
      }
      return problems.length === 0 ? null : report(src.name, seed, steps, problems);
    });
  });

  test.each(sources.map((s) => [s.name, s] as const))('%s: damaged captures, gzip-compressed, read as the plain parser reads them', async (_name, src) => {
    await sweep(`inner:${src.name}`, async (seed) => {
      const rng = new Rng(seed);
      const m = mutate(rng, src.plain, src.layout);
      const verify = rng.chance(0.5);
      const plain = runCapture(src.name, m.bytes, { chunks: null, verifyChecksums: verify, track: false });
      dog.enter(`gzip inner ${src.name} seed ${hex32(seed)}: ${m.steps.join('; ')}`);
      const r = await readStream(src.name, streamChunks(rng, gzipSync(m.bytes)), verify);
      dog.leave();
      const problems = [...r.violations, ...errorProblems(r, src.name)];
      if ((plain.error === null) !== (r.error === null)) problems.push(`plain parser error ${errText(plain.error)}; through gzip ${errText(r.error)}`);
      if (plain.info !== null && r.info !== null) {
        if (r.frames.join('\n') !== plain.frames.join('\n')) problems.push(`through gzip ${r.frames.length} frames, plain ${plain.frames.length} (or they differ)`);
        const w = (x: RunResult): string => JSON.stringify([x.info!.warnings.map((y) => [y.kind, y.offset, y.frameNo]), x.info!.counts]);
        if (w(r) !== w(plain)) problems.push(`warnings/counts differ: gzip ${w(r)}; plain ${w(plain)}`);
        if (!r.info.gzip) problems.push('CaptureInfo.gzip false for gzip input');
      }
      return problems.length === 0 ? null : report(`${src.name} (inner)`, seed, m.steps, problems);
    });
  });
});

describe(`readCapture on damaged multi-megabyte files (seed ${hex32(SEED)})`, () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'synack-fuzz-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  test('records straddling the 1 MiB reads, damaged anywhere: the same frames as the parser on the same bytes', async () => {
    // demo.pcap's records 25 times over (2.6 MB): the reader's two alternating read buffers are refilled
    // while frames before and after the damage are views on them.
    const demo = readFileSync(join(ROOT, 'fixtures', 'demo.pcap'));
    const big = Buffer.concat([demo, ...Array.from({ length: 24 }, () => demo.subarray(24))]);
    const layout = mapCapture(big);
    const failures: string[] = [];
    for (let i = 0; i < Math.max(2, Math.round(4 * fuzzScale())); i++) {
      const seed = caseSeed(SEED, 'bigfile', i);
      const rng = new Rng(seed);
      const m = mutate(rng, big, layout);
      const path = join(dir, `case-${i}.pcap`);
      writeFileSync(path, m.bytes);
      const plain = runCapture(path, m.bytes, { chunks: null, verifyChecksums: false, track: false });
      const checker = new FrameChecker({ verifyChecksums: false, track: false });
      let info = null;
      let error: unknown = null;
      dog.enter(`readCapture big file seed ${hex32(seed)}: ${m.steps.join('; ')}`);
      try { info = await readCapture(path, checker.onFrame); } catch (e) { error = e; }
      dog.leave();
      const r = checker.result(info, error, m.bytes.length, 0, 0);
      const problems = [...r.violations, ...errorProblems(r, path)];
      if (infoDigest(r.info) !== infoDigest(plain.info)) problems.push(`CaptureInfo differs: readCapture ${infoDigest(r.info).slice(0, 400)}; parser ${infoDigest(plain.info).slice(0, 400)}`);
      const n = Math.max(r.frames.length, plain.frames.length);
      for (let k = 0; k < n; k++) {
        if (r.frames[k] !== plain.frames[k]) { problems.push(`frame ${k + 1} differs: readCapture ${r.frames[k]}; parser ${plain.frames[k]}`); break; }
      }
      if (problems.length > 0) failures.push(report('readCapture big file', seed, m.steps, problems));
    }
    expect(failures.join('\n\n')).toBe('');
  });
});
