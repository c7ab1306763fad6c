/**
 * Issue 2, robustness of the decode stage: decodeFrame, decodeOptions and readSynOptions on thousands of
 * random frames for every supported link type (and some unsupported ones), built plausible and then
 * broken: bit flips, edge values in IHL / total length / payload length / data offset / option lengths,
 * snaplen cuts, short frames, FCS lengths. They never throw, always return a FrameKind, keep every
 * offset inside the captured bytes, read nothing outside [offset, offset + caplen) (the same frame in
 * two different buffers decodes the same), and the three option walkers agree on what is malformed.
 *
 * Deterministic from one seed; a failure names the seed and the frame bytes (SYNACK_FUZZ_SEED,
 * SYNACK_FUZZ_SCALE as in capture.test.ts).
 */
import type { Frame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { decodeOptionBytes, decodeOptions, readSynOptions, scanOptions } from '../../src/decode/options.js';
import { ISSUE, newSegment, newSynOptions, type FrameKind } from '../../src/decode/segment.js';
import type { Connection } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';
import { buildFrame, SUPPORTED_LINKS, UNSUPPORTED_LINKS } from './frames.js';
import { checkSegment, describeTrackerOptions, errText, randomTrackerOptions } from './harness.js';
import { fieldValue, INTERESTING_8 } from './mutate.js';
import { caseSeed, fuzzScale, hex32, Rng, suiteSeed } from './prng.js';
import { Watchdog } from './watchdog.js';

const SEED = suiteSeed();
const FRAMES_PER_LINK = Math.round(2000 * fuzzScale());
const OPTION_CASES = Math.round(20000 * fuzzScale());

let dog: Watchdog;
beforeAll(() => { dog = new Watchdog(20_000); });
afterAll(async () => { await dog.stop(); });

interface FrameCase {
  bytes: Buffer;
  caplen: number;
  origLen: number;
  fcsLen: number;
  steps: string[];
}

/** Breaks a built frame: 0-3 aimed or blind mutations, then how much of it was captured. */
function breakFrame(rng: Rng, built: ReturnType<typeof buildFrame>): FrameCase {
  let b = Buffer.from(built.bytes);
  const steps: string[] = [];
  const n = rng.chance(0.25) ? 0 : rng.range(1, 3);
  for (let i = 0; i < n; i++) {
    const r = rng.int(10);
    const aimable = built.fields.filter((x) => x.at + x.width <= b.length);
    if (r < 5 && aimable.length > 0) {
      const f = rng.pick(aimable);
      const orig = f.width === 1 ? b[f.at]! : f.width === 2 ? b.readUInt16BE(f.at) : b.readUInt32BE(f.at);
      const v = fieldValue(rng, f, orig);
      if (f.width === 1) b[f.at] = v & 0xff; else if (f.width === 2) b.writeUInt16BE(v & 0xffff, f.at); else b.writeUInt32BE(v >>> 0, f.at);
      steps.push(`${f.what} @${f.at} ${orig} -> ${v}`);
    } else if (r < 7 && b.length > 0) {
      const p = rng.int(b.length);
      const bit = rng.int(8);
      b[p] = b[p]! ^ (1 << bit);
      steps.push(`flip bit ${bit} of byte ${p}`);
    } else if (r < 8 && b.length > 0) {
      const p = rng.int(b.length);
      b[p] = rng.pick(INTERESTING_8);
      steps.push(`byte ${p} = ${b[p]}`);
    } else if (r < 9) {
      const pad = rng.range(1, 40);
      b = Buffer.concat([b, Buffer.alloc(pad, rng.chance(0.5) ? 0 : 0xaa)]);
      steps.push(`append ${pad} trailer bytes`);
    } else {
      const cut = rng.int(b.length + 1);
      b = b.subarray(0, cut);
      steps.push(`frame is only ${cut} bytes (origLen too)`);
    }
  }
  let fcsLen = 0;
  if (rng.chance(0.15)) {
    fcsLen = rng.chance(0.7) ? 4 : rng.range(1, 40);
    b = Buffer.concat([b, rng.bytes(Math.min(fcsLen, 8))]);
    steps.push(`fcsLen ${fcsLen}`);
  }
  let caplen = b.length;
  let origLen = b.length;
  const c = rng.int(10);
  if (c < 3) { caplen = rng.int(b.length + 1); steps.push(`snaplen cut: caplen ${caplen} of ${origLen}`); }
  else if (c === 3) { origLen = rng.int(b.length + 1); steps.push(`origLen ${origLen} < caplen ${caplen}`); }
  else if (c === 4) { origLen = b.length + rng.range(1, 70000); steps.push(`origLen ${origLen} > caplen ${caplen}`); }
  return { bytes: b, caplen, origLen, fcsLen, steps };
}

/** The frame's captured bytes placed at a random offset inside a buffer of other bytes. */
function place(fc: FrameCase, linkType: number, pre: number, fill: number | null, rng: Rng): Frame {
  const post = rng.range(0, 64);
  const data = Buffer.alloc(pre + fc.caplen + post);
  if (fill === null) rng.bytes(data.length).copy(data); else data.fill(fill);
  fc.bytes.copy(data, pre, 0, fc.caplen);
  return {
    frameNo: 7, tsSec: 1700000000, tsNsec: 123456789, caplen: fc.caplen, origLen: fc.origLen, linkType,
    fcsLen: fc.fcsLen, interfaceId: 0, data, offset: pre,
  };
}

describe(`decodeFrame on broken random frames (seed ${hex32(SEED)})`, () => {
  const links = [...SUPPORTED_LINKS, ...UNSUPPORTED_LINKS];
  test.each(links.map((l) => [l]))('link type %d', (linkType) => {
    const seg = newSegment();
    const failures: string[] = [];
    const kinds = new Map<FrameKind, number>();
    // Every decoded segment, however odd, also goes through one tracker per link type.
    const conns: Connection[] = [];
    const trackerOptions = randomTrackerOptions(new Rng(caseSeed(SEED, 'decode:tracker', linkType)));
    const tracker = new Tracker(trackerOptions, { onConnection: (c) => conns.push(c) });
    let pushed = 0;
    let failed = 0;
    const count = UNSUPPORTED_LINKS.includes(linkType) ? Math.round(FRAMES_PER_LINK / 10) : FRAMES_PER_LINK;
    for (let i = 0; i < count; i++) {
      const seed = caseSeed(SEED, `decode:${linkType}`, i);
      const rng = new Rng(seed);
      const built = buildFrame(rng, linkType);
      const fc = breakFrame(rng, built);
      const verify = rng.chance(0.5);
      const problems: string[] = [];
      const hashes: number[] = [];
      dog.enter(`decode link ${linkType} seed ${hex32(seed)}`);
      // Same frame, two surroundings (random bytes, then 0xff) at different offsets; the first into the
      // segment reused since the previous frame, the second into a fresh one (nothing may leak across).
      for (const [pre, fill] of [[rng.range(0, 16), null], [rng.range(17, 40), 0xff]] as const) {
        const f = place(fc, linkType, pre, fill, rng);
        const into = fill === null ? seg : newSegment();
        try {
          const kind = decodeFrame(f, into, { verifyChecksums: verify });
          hashes.push(checkSegment(f, into, kind, verify, problems));
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          if (kind === 'tcp' && fill === null) {
            // Frames 10 ms apart, numbered in the order pushed.
            seg.frameNo = ++pushed;
            seg.tsSec = 1700000000 + Math.floor(pushed / 100);
            seg.tsNsec = (pushed % 100) * 10_000_000;
            try {
              tracker.push(seg);
            } catch (e) {
              problems.push(`Tracker.push threw: ${errText(e)}`);
            }
          }
        } catch (e) {
          problems.push(`decodeFrame threw: ${errText(e)}`);
        }
      }
      dog.leave();
      if (hashes.length === 2 && hashes[0] !== hashes[1]) problems.push('decoded differently in another buffer or segment: it reads bytes outside [offset, offset + caplen), or keeps state from the previous frame');
      if (UNSUPPORTED_LINKS.includes(linkType) && seg.kind !== 'unsupported-link') problems.push(`kind ${seg.kind} for an unsupported link type`);
      if (problems.length > 0 && ++failed <= 5) {
        failures.push([
          `decode fuzz failed: link type ${linkType}, seed ${hex32(seed)} (${built.what})`,
          `  mutations: ${fc.steps.join('; ') || 'none'}`,
          `  frame: caplen ${fc.caplen}, origLen ${fc.origLen}, fcsLen ${fc.fcsLen}, verifyChecksums ${verify}, bytes ${fc.bytes.toString('hex', 0, fc.caplen)}`,
          ...problems.slice(0, 6).map((p) => `  - ${p}`),
        ].join('\n'));
      }
    }
    if (failed > 5) failures.push(`... and ${failed - 5} more failing frames (of ${count})`);
    try {
      const { totals } = tracker.finish();
      const placed = conns.reduce((a, c) => a + c.packets.client + c.packets.server, 0);
      const with_ = describeTrackerOptions(trackerOptions);
      if (totals.segments !== pushed) failures.push(`tracker (${with_}) counted ${totals.segments} segments, ${pushed} were pushed`);
      if (conns.length !== totals.connections) failures.push(`tracker (${with_}) emitted ${conns.length} connections, counts ${totals.connections}`);
      if (placed + totals.unplaced + totals.late !== totals.segments) failures.push(`tracker (${with_}): ${placed} placed + ${totals.unplaced} unplaced + ${totals.late} late != ${totals.segments}`);
    } catch (e) {
      failures.push(`Tracker.finish threw: ${errText(e)}`);
    }
    expect(failures.join('\n\n')).toBe('');
    // The generator must reach TCP on every supported link type, or the fuzz proves little.
    if (SUPPORTED_LINKS.includes(linkType)) expect(kinds.get('tcp') ?? 0).toBeGreaterThan(count / 4);
  });
});

describe(`TCP option walkers on random option bytes (seed ${hex32(SEED)})`, () => {
  test('decodeOptionBytes never throws, and agrees with scanOptions and readSynOptions on what is malformed', () => {
    const failures: string[] = [];
    let failed = 0;
    const syn = newSynOptions();
    const seg = newSegment();
    for (let i = 0; i < OPTION_CASES; i++) {
      const seed = caseSeed(SEED, 'options', i);
      const rng = new Rng(seed);
      // Mostly plausible options (kinds 0-34 and 253/254 with small lengths), some pure noise.
      const len = rng.range(0, 40);
      const bytes = Buffer.alloc(20 + 40 + 8);
      rng.bytes(bytes.length).copy(bytes);
      for (let p = 20; p < 20 + len;) {
        const kind = rng.chance(0.8) ? rng.pick([0, 1, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 253, 254, 77]) : rng.int(256);
        bytes[p] = kind;
        if (p + 1 < bytes.length) bytes[p + 1] = rng.chance(0.8) ? rng.pick([2, 3, 4, 6, 8, 10, 18, 10, 26, 34]) : rng.int(256);
        if (kind === 254 && p + 3 < bytes.length && rng.chance(0.7)) { bytes[p + 2] = 0xf9; bytes[p + 3] = 0x89; }
        p += kind <= 1 ? 1 : Math.max(2, bytes[p + 1]!);
      }
      const start = 20;
      const end = start + len;
      // A cut: the header goes on past the captured bytes.
      const cut = rng.chance(0.3);
      const hdrEnd = cut ? end + rng.range(1, 40 - len + 1) : end;
      const problems: string[] = [];
      try {
        const d = decodeOptionBytes(bytes, start, len, cut, hdrEnd);
        const scan = scanOptions(bytes, start, end, cut, hdrEnd);
        if ((d.malformed !== null) !== (scan !== 0)) problems.push(`decodeOptionBytes malformed=${JSON.stringify(d.malformed)} but scanOptions=${scan}`);
        if (d.truncated && !cut) problems.push('truncated without a cut');
        // readSynOptions over the same bytes, through a segment that holds them.
        seg.kind = 'tcp'; seg.data = bytes; seg.tcpOffset = 0; seg.optionsLen = len; seg.optionsDeclaredLen = hdrEnd - start;
        seg.dataOffset = (hdrEnd / 4) | 0;
        seg.issues = scan | (cut ? ISSUE.TRUNCATED : 0);
        const s = readSynOptions(seg, syn);
        if (scan !== 0 && !s.incomplete) problems.push('malformed but readSynOptions not incomplete');
        if (s.wscale > 255 || s.mss > 65535) problems.push(`readSynOptions read ${s.mss}/${s.wscale}`);
      } catch (e) {
        problems.push(`threw: ${errText(e)}`);
      }
      if (problems.length > 0 && ++failed <= 5) {
        failures.push(`options fuzz failed: seed ${hex32(seed)}: decodeOptionBytes(Buffer.from('${bytes.toString('hex')}', 'hex'), ${start}, ${len}, ${cut}, ${hdrEnd})\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      }
    }
    if (failed > 5) failures.push(`... and ${failed - 5} more failing cases (of ${OPTION_CASES})`);
    expect(failures.join('\n\n')).toBe('');
  });
});

describe('found by this fuzz', () => {
  test('an option running past the IP datagram, in a header cut by the snaplen: decodeOptions says malformed, as the MALFORMED_OPTION bit does', () => {
    // Raw IPv4 (LINKTYPE_RAW), total length 44: 20 IP + 24 TCP bytes on the wire, but the TCP data
    // offset claims 32 bytes. The snaplen kept 42 bytes: the first two option bytes, 08 0a (timestamp,
    // length 10), which would end at TCP byte 30, past the datagram's end at byte 24.
    const data = Buffer.from(
      '4500002c000040004006000cc6120001c6120002' + // IPv4, total length 44, TCP
      '04000fc8000000010000000080020000ffff0000' + // TCP 1024 > 4040, data offset 8 (32 bytes), SYN
      '080a' + '00'.repeat(22), 'hex');
    const seg = newSegment();
    const frame: Frame = { frameNo: 1, tsSec: 0, tsNsec: 0, caplen: 42, origLen: 64, linkType: 101, fcsLen: 0, interfaceId: 0, data, offset: 0 };
    expect(decodeFrame(frame, seg, { verifyChecksums: false })).toBe('tcp');
    expect(seg.issues & ISSUE.MALFORMED_OPTION).toBe(ISSUE.MALFORMED_OPTION);
    // options.ts: "All three agree on what is malformed". decodeOptions takes the header's end from the
    // data offset (byte 32) where scanOptions used the datagram's end (byte 24), so it calls this a cut.
    expect(decodeOptions(seg).malformed).not.toBeNull();
  });
});
