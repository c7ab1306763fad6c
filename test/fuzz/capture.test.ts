/**
 * Issue 2, robustness: thousands of randomly mutated and truncated copies of the fixtures, each read by
 * the capture parser (whole, and again in random chunks), every frame decoded (options too) and the TCP
 * segments tracked. The reader and decoder never throw (but the documented InputError for an
 * unreadable header), never hang, never allocate what a length field claims, and account for every
 * frame; what lies before the damage comes out unchanged.
 *
 * Deterministic: every case is derived from one seed. A failure prints the case's fixture, seed and
 * mutations; rerun just that case with SYNACK_FUZZ_REPLAY=<fixture>:<kind>:<seed>. More cases:
 * SYNACK_FUZZ_SCALE=10; another seed: SYNACK_FUZZ_SEED=n.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createCaptureParser } from '../../src/capture/parser.js';
import { InputError } from '../../src/util/errors.js';
import { describeTrackerOptions, errText, infoDigest, randomTrackerOptions, runCapture, type RunResult } from './harness.js';
import type { TrackerOptions } from '../../src/flow/model.js';
import { mapCapture, pcapngFramingBreak, type Layout } from './layout.js';
import { chunking, mutate, truncated, type Mutated } from './mutate.js';
import { caseSeed, fuzzScale, hex32, Rng, suiteSeed } from './prng.js';
import { Watchdog } from './watchdog.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'fixtures');
const SEED = suiteSeed();
const SCALE = fuzzScale();
/** Cases per fixture (see casesFor: the largest get a quarter). */
const MUTATIONS = Math.round(150 * SCALE);
const TRUNCATIONS = Math.round(40 * SCALE);
const REPLAY = process.env['SYNACK_FUZZ_REPLAY'] ?? '';

/** A single run of one case may take this long before the watchdog kills the process (a hang). */
const HANG_MS = 20_000;
/** Generous time budget per run, proportional to the input: catches quadratic work, not slow CI. */
const budgetMs = (bytes: number, chunked: boolean): number => (chunked ? 1000 : 500) + bytes * (chunked ? 0.02 : 0.005);
/** ArrayBuffer growth allowed per run: the parser's carry buffer grows with bytes received only. */
const memBudget = (bytes: number): number => 8 * 1024 * 1024 + 4 * bytes;

interface Fixture {
  name: string;
  bytes: Buffer;
  layout: Layout;
  /** The unharmed read, decoded with checksum verification on (base) and off. */
  base: RunResult;
  baseNoVerify: RunResult;
}

function loadFixtures(): Fixture[] {
  const names = readdirSync(FIXTURES).filter((n) => /\.(pcap|pcapng|pcap\.gz)$/.test(n)).sort();
  return names.map((name) => {
    const raw = readFileSync(join(FIXTURES, name));
    // The gzip fixture is fuzzed here as the capture it holds; test/fuzz/gzip.test.ts fuzzes the gzip layer.
    const bytes = name.endsWith('.gz') ? gunzipSync(raw) : raw;
    const label = name.endsWith('.gz') ? `${name} (decompressed)` : name;
    return { name: label, bytes, layout: mapCapture(bytes), base: runCapture(label, bytes, { chunks: null, verifyChecksums: true, track: true }),
      baseNoVerify: runCapture(label, bytes, { chunks: null, verifyChecksums: false, track: false }) };
  });
}

/** pcap LE microsecond → the same records big-endian, or in Kuznetsov's format (24-byte record headers). */
function pcapVariant(le: Buffer, to: 'be' | 'kuz' | 'fcs'): Buffer {
  const hdr = Buffer.from(le.subarray(0, 24));
  if (to === 'be') {
    hdr.writeUInt32BE(0xa1b2c3d4, 0); hdr.writeUInt16BE(le.readUInt16LE(4), 4); hdr.writeUInt16BE(le.readUInt16LE(6), 6);
    for (const o of [8, 12, 16, 20]) hdr.writeUInt32BE(le.readUInt32LE(o), o);
  }
  if (to === 'kuz') hdr.writeUInt32LE(0xa1b2cd34, 0);
  // F bit and 2 words of FCS in the link-type field: every frame then ends in 4 bytes of "FCS".
  if (to === 'fcs') hdr.writeUInt32LE((le.readUInt32LE(20) | 0x10000000 | (2 << 29)) >>> 0, 20);
  const parts: Buffer[] = [hdr];
  for (let pos = 24; pos < le.length;) {
    const caplen = le.readUInt32LE(pos + 8);
    const rec = Buffer.from(le.subarray(pos, pos + 16));
    if (to === 'be') for (const o of [0, 4, 8, 12]) rec.writeUInt32BE(le.readUInt32LE(pos + o), o);
    parts.push(rec);
    if (to === 'kuz') parts.push(Buffer.from([0, 0, 0, 0, 0x01, 0x02, 0, 0]));
    parts.push(le.subarray(pos + 16, pos + 16 + caplen));
    pos += 16 + caplen;
  }
  return Buffer.concat(parts);
}

function withVariants(fxs: Fixture[]): Fixture[] {
  const make = (label: string, bytes: Buffer): Fixture => ({
    name: label, bytes, layout: mapCapture(bytes),
    base: runCapture(label, bytes, { chunks: null, verifyChecksums: true, track: true }),
    baseNoVerify: runCapture(label, bytes, { chunks: null, verifyChecksums: false, track: false }),
  });
  const pcap = fxs.find((f) => f.name === 'handshake-ipv6.pcap')!.bytes;
  const ng = fxs.find((f) => f.name === 'two-interfaces.pcapng')!.bytes;
  // The committed fixtures are all little-endian, microsecond or nanosecond, one section: these cover
  // the other reader paths with the same real packets.
  return [
    ...fxs,
    make('handshake-ipv6.pcap as big-endian', pcapVariant(pcap, 'be')),
    make('handshake-ipv6.pcap as Kuznetsov pcap', pcapVariant(pcap, 'kuz')),
    make('handshake-ipv6.pcap with FCS bits', pcapVariant(pcap, 'fcs')),
    make('two-interfaces.pcapng twice (two sections)', Buffer.concat([ng, ng])),
  ];
}

const fixtures = withVariants(loadFixtures());
let dog: Watchdog;
beforeAll(() => { dog = new Watchdog(HANG_MS); });
afterAll(async () => { await dog.stop(); });

/** Everything that can be wrong with one mutated copy; [] when it is fine. */
function judge(fx: Fixture, m: Mutated, verify: boolean, chunks: { sizes: number[]; label: string }, tracker: TrackerOptions, what: string): string[] {
  const problems: string[] = [];
  const len = m.bytes.length;
  dog.enter(`${what}; ${m.steps.join('; ')}`);
  const whole = runCapture(fx.name, m.bytes, { chunks: null, verifyChecksums: verify, track: true, trackerOptions: tracker });
  const parts = runCapture(fx.name, m.bytes, { chunks: chunks.sizes, verifyChecksums: verify, track: false });
  dog.leave();
  problems.push(...whole.violations, ...parts.violations.map((v) => `(chunked) ${v}`));

  // Only the documented InputError, only for an unreadable header, one line naming the input.
  for (const [r, how] of [[whole, 'whole'], [parts, 'chunked']] as const) {
    if (r.error === null) continue;
    if (!(r.error instanceof InputError)) {
      problems.push(`${how}: threw ${errText(r.error)}`);
    } else {
      if (m.firstDamage >= fx.layout.headerEnd) problems.push(`${how}: InputError for damage at offset ${m.firstDamage}, past the ${fx.layout.headerEnd}-byte header: ${r.error.message}`);
      if (!r.error.message.startsWith(`${fx.name}: `) || r.error.message.includes('\n')) problems.push(`${how}: InputError not one line naming the input: ${JSON.stringify(r.error.message)}`);
    }
  }

  // Chunking must not matter: same frames, same decode, same CaptureInfo, same error.
  const errMsg = (r: RunResult): string => (r.error === null ? 'none' : `${(r.error as Error).name}: ${(r.error as Error).message}`);
  if (errMsg(whole) !== errMsg(parts)) problems.push(`error differs when chunked (${chunks.label}): whole ${errMsg(whole)}; chunked ${errMsg(parts)}`);
  if (infoDigest(whole.info) !== infoDigest(parts.info)) problems.push(`CaptureInfo differs when chunked (${chunks.label}):\n      whole   ${infoDigest(whole.info)}\n      chunked ${infoDigest(parts.info)}`);
  const n = Math.max(whole.frames.length, parts.frames.length);
  for (let i = 0; i < n; i++) {
    if (whole.frames[i] !== parts.frames[i]) {
      problems.push(`frame ${i + 1} differs when chunked (${chunks.label}): whole ${whole.frames[i] ?? '(none)'}; chunked ${parts.frames[i] ?? '(none)'} (${whole.frames.length} vs ${parts.frames.length} frames)`);
      break;
    }
  }

  // Keep everything before the damage: every record wholly before the first changed byte comes out as it was.
  const keep = fx.layout.recordEnds.filter((e) => e <= m.firstDamage).length;
  const base = verify ? fx.base : fx.baseNoVerify;
  if (whole.error === null) {
    if (whole.frames.length < keep) problems.push(`only ${whole.frames.length} frames delivered; the ${keep} records before the damage at offset ${m.firstDamage} must all be`);
    for (let i = 0; i < Math.min(keep, whole.frames.length); i++) {
      if (whole.frames[i] !== base.frames[i]) {
        problems.push(`frame ${i + 1} (before the damage at ${m.firstDamage}) changed: was ${base.frames[i]}, now ${whole.frames[i]}`);
        break;
      }
    }
  }

  if (m.truncationOnly) {
    const cut = len;
    if (cut < fx.layout.headerEnd) {
      if (!(whole.error instanceof InputError)) problems.push(`cut inside the ${fx.layout.headerEnd}-byte header but no InputError`);
    } else if (whole.info !== null) {
      if (whole.frames.length !== keep) problems.push(`cut at ${cut}: ${whole.frames.length} frames delivered, ${keep} records lie wholly before the cut`);
      const onBoundary = cut === fx.bytes.length || fx.layout.boundaries.includes(cut);
      const warned = whole.info.warnings.some((w) => w.kind === 'truncated');
      if (onBoundary && whole.info.warnings.length > 0) problems.push(`cut at a record boundary (${cut}) yet warned: ${JSON.stringify(whole.info.warnings)}`);
      if (!onBoundary && !warned) problems.push(`cut inside a record (${cut}) without a 'truncated' warning`);
    }
  }

  // Nothing dropped silently: when the reader warns of nothing, every byte belongs to a record it read.
  const info = whole.info;
  if (info !== null && info.warnings.length === 0) {
    if (fx.layout.format === 'pcap' && m.firstDamage >= 4) {
      const used = fx.layout.headerEnd + whole.caplens.reduce((a, c) => a + fx.layout.recordHeaderLen + c, 0);
      if (used !== len) problems.push(`no warning, but the ${whole.frames.length} records account for ${used} of ${len} bytes`);
    }
    if (fx.layout.format === 'pcapng') {
      const broken = pcapngFramingBreak(m.bytes);
      if (broken !== null) problems.push(`no warning, but the block framing is broken: ${broken}`);
    }
  }

  if (whole.ms > budgetMs(len, false)) problems.push(`whole read took ${whole.ms.toFixed(0)} ms for ${len} bytes`);
  if (parts.ms > budgetMs(len, true)) problems.push(`chunked read (${chunks.label}) took ${parts.ms.toFixed(0)} ms for ${len} bytes`);
  for (const r of [whole, parts]) {
    if (r.memGrowth > memBudget(len)) problems.push(`ArrayBuffer memory grew by ${r.memGrowth} bytes reading ${len} bytes`);
  }
  return problems;
}

interface CaseSpec { fx: Fixture; kind: 'mutate' | 'truncate'; seed: number }

function runCase({ fx, kind, seed }: CaseSpec): string | null {
  const rng = new Rng(seed);
  let m: Mutated;
  if (kind === 'mutate') {
    m = mutate(rng, fx.bytes, fx.layout);
  } else {
    // Half the cuts at or next to a record boundary, where off-by-one bugs live.
    const b = fx.layout.boundaries;
    const cut = rng.chance(0.5) ? Math.max(0, Math.min(fx.bytes.length, rng.pick(b) + rng.range(-3, 3))) : rng.int(fx.bytes.length + 1);
    m = truncated(fx.bytes, cut);
  }
  const verify = rng.chance(0.5);
  const chunks = chunking(rng, m.bytes.length);
  const tracker = randomTrackerOptions(rng);
  const what = `${fx.name} ${kind} seed ${hex32(seed)}`;
  const problems = judge(fx, m, verify, chunks, tracker, what);
  if (problems.length === 0) return null;
  return [
    `fuzz case failed: ${what} (replay: SYNACK_FUZZ_REPLAY=${fx.name}:${kind}:${hex32(seed)})`,
    `  mutations: ${m.steps.join('; ')}`,
    `  input ${m.bytes.length} bytes, first damage at ${m.firstDamage}; verifyChecksums ${verify}; chunked as ${chunks.label}; ${describeTrackerOptions(tracker)}`,
    ...problems.slice(0, 8).map((p) => `  - ${p}`),
  ].join('\n');
}

/** Runs cases, keeping the first few failures in full. */
function sweep(cases: CaseSpec[]): void {
  const failures: string[] = [];
  let failed = 0;
  for (const c of cases) {
    const f = runCase(c);
    if (f !== null && ++failed <= 5) failures.push(f);
  }
  if (failed > 5) failures.push(`... and ${failed - 5} more failing cases (of ${cases.length})`);
  expect(failures.join('\n\n')).toBe('');
}

function casesFor(fx: Fixture, kind: 'mutate' | 'truncate', n: number): CaseSpec[] {
  // Cost follows the frame count (each case decodes and tracks every frame): the three fixtures of
  // 300-400 frames (demo, lossy-bulk, syn-flood) get a quarter of the cases.
  const big = fx.base.frames.length > 200;
  const count = big ? Math.max(1, Math.round(n / 4)) : n;
  return Array.from({ length: count }, (_, i) => ({ fx, kind, seed: caseSeed(SEED, `${fx.name}:${kind}`, i) }));
}

if (REPLAY !== '') {
  test(`replay ${REPLAY}`, () => {
    const [name, kind, seed] = REPLAY.split(':');
    const fx = fixtures.find((f) => f.name === name);
    if (fx === undefined || (kind !== 'mutate' && kind !== 'truncate')) throw new Error(`SYNACK_FUZZ_REPLAY=${REPLAY}: want <fixture>:<mutate|truncate>:<seed>`);
    expect(runCase({ fx, kind, seed: Number(seed) >>> 0 })).toBeNull();
  });
} else {
  describe('fixtures as committed (the baseline the fuzz compares with)', () => {
    test('every fixture reads cleanly, and the test-side layout agrees with the reader', () => {
      expect(fixtures.length).toBeGreaterThanOrEqual(20);
      const bad = fixtures.flatMap((fx) => {
        const p: string[] = [...fx.base.violations];
        if (fx.base.error !== null) p.push(`threw ${errText(fx.base.error)}`);
        if (fx.base.info?.warnings.length) p.push(`warned ${JSON.stringify(fx.base.info.warnings)}`);
        if (fx.base.frames.length !== fx.layout.recordEnds.length) p.push(`${fx.base.frames.length} frames, layout has ${fx.layout.recordEnds.length}`);
        if (fx.base.tcp === 0) p.push('no TCP segment decoded');
        return p.map((x) => `${fx.name}: ${x}`);
      });
      expect(bad).toEqual([]);
    });
  });

  describe(`mutated copies (seed ${hex32(SEED)})`, () => {
    test.each(fixtures.map((fx) => [fx.name, fx] as const))('%s', (_name, fx) => {
      sweep(casesFor(fx, 'mutate', MUTATIONS));
    });
  });

  describe(`truncated copies (seed ${hex32(SEED)})`, () => {
    test.each(fixtures.map((fx) => [fx.name, fx] as const))('%s', (_name, fx) => {
      sweep(casesFor(fx, 'truncate', TRUNCATIONS));
    });
  });

  describe('claimed sizes are never allocated, and time follows the input', () => {
    const pcapHeader = (): Buffer => {
      const h = Buffer.alloc(24);
      h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6); h.writeUInt32LE(65535, 16); h.writeUInt32LE(1, 20);
      return h;
    };
    const pcapRecord = (caplen: number, data: Buffer): Buffer => {
      const r = Buffer.alloc(16);
      r.writeUInt32LE(caplen >>> 0, 8); r.writeUInt32LE(data.length, 12);
      return Buffer.concat([r, data]);
    };
    const shb = (): Buffer => {
      const b = Buffer.alloc(28);
      b.writeUInt32LE(0x0a0d0d0a, 0); b.writeUInt32LE(28, 4); b.writeUInt32LE(0x1a2b3c4d, 8); b.writeUInt16LE(1, 12);
      b.writeInt32LE(-1, 16); b.writeInt32LE(-1, 20); b.writeUInt32LE(28, 24);
      return b;
    };
    const block = (type: number, totalLen: number, body: Buffer): Buffer => {
      const b = Buffer.alloc(8);
      b.writeUInt32LE(type, 0); b.writeUInt32LE(totalLen >>> 0, 4);
      return Buffer.concat([b, body]);
    };
    const oneByteChunks = (b: Buffer): number[] => Array.from({ length: b.length }, () => 1);

    test.each([
      ['pcap record claiming caplen 0xffffffff', Buffer.concat([pcapHeader(), pcapRecord(0xffffffff, Buffer.alloc(100, 0x41))]), 'corrupt'],
      ['pcap record claiming the largest caplen (262144), 100 bytes there', Buffer.concat([pcapHeader(), pcapRecord(262144, Buffer.alloc(100, 0x41))]), 'truncated'],
      // 16 MiB is the reader's current limit for a block: at it, the input ends inside the block; a
      // lower limit would call the length corrupt. Either way one warning, and no 16 MiB buffer.
      ['pcapng block claiming 16 MiB, 100 bytes there', Buffer.concat([shb(), block(0x99, 16 * 1024 * 1024, Buffer.alloc(100))]), 'truncated|corrupt'],
      ['pcapng block claiming 0xfffffffc bytes', Buffer.concat([shb(), block(0x99, 0xfffffffc, Buffer.alloc(100))]), 'corrupt'],
    ] as const)('%s: fed byte by byte, memory stays flat, a warning says why', (_what, input, warning) => {
      for (const chunks of [null, oneByteChunks(input)]) {
        const r = runCapture('claimed.pcap', input, { chunks, verifyChecksums: false, track: false });
        expect(r.error).toBeNull();
        expect(r.violations).toEqual([]);
        expect(r.frames).toEqual([]);
        expect(r.info?.warnings).toHaveLength(1);
        expect(warning.split('|')).toContain(r.info!.warnings[0]!.kind);
        expect(r.memGrowth).toBeLessThan(2 * 1024 * 1024);
      }
    });

    test('pcapng packet block claiming caplen 0xfffffff0 inside a small block: skipped and counted, nothing allocated', () => {
      const idb = Buffer.alloc(20);
      idb.writeUInt32LE(1, 0); idb.writeUInt32LE(20, 4); idb.writeUInt16LE(1, 8); idb.writeUInt32LE(0, 12); idb.writeUInt32LE(20, 16);
      const epb = Buffer.alloc(64);
      epb.writeUInt32LE(6, 0); epb.writeUInt32LE(64, 4); epb.writeUInt32LE(0, 8); epb.writeUInt32LE(0xfffffff0, 20); epb.writeUInt32LE(60, 24); epb.writeUInt32LE(64, 60);
      const input = Buffer.concat([shb(), idb, epb]);
      const r = runCapture('claimed.pcapng', input, { chunks: oneByteChunks(input), verifyChecksums: false, track: false });
      expect(r.error).toBeNull();
      expect(r.violations).toEqual([]);
      expect(r.info?.frames).toBe(0);
      expect(r.info?.counts?.skippedRecords).toBe(1);
      expect(r.memGrowth).toBeLessThan(2 * 1024 * 1024);
    });

    test('a megabyte of tiny records, fed in 1- to 7-byte chunks, reads in linear time', () => {
      // 65536 empty pcap records and 87381 empty pcapng blocks: per-unit work must stay constant.
      const pcap = Buffer.concat([pcapHeader(), Buffer.alloc(65536 * 16)]);
      const ng = Buffer.concat([shb(), ...Array.from({ length: 87381 }, () => { const b = Buffer.alloc(12); b.writeUInt32LE(0x99, 0); b.writeUInt32LE(12, 4); b.writeUInt32LE(12, 8); return b; })]);
      const rng = new Rng(SEED);
      for (const [input, frames] of [[pcap, 65536], [ng, 0]] as const) {
        const sizes: number[] = [];
        for (let left = input.length; left > 0;) { const k = Math.min(left, rng.range(1, 7)); sizes.push(k); left -= k; }
        dog.enter('a megabyte of tiny records');
        const t0 = performance.now();
        let n = 0;
        const p = createCaptureParser('tiny.cap', () => { n++; });
        let pos = 0;
        for (const k of sizes) { p.push(input.subarray(pos, pos + k)); pos += k; }
        const info = p.end();
        const ms = performance.now() - t0;
        dog.leave();
        expect(n).toBe(frames);
        expect(info.frames).toBe(frames);
        expect(info.warnings).toEqual([]);
        expect(ms).toBeLessThan(5000);
      }
    });
  });
}
