/**
 * The decode stage against tshark on the real kernel captures in fixtures/: test/oracle/<fixture>.json
 * holds tshark's raw fields per frame (regenerate with `npm run oracle` after adding or remaking a
 * fixture, and review the diff). Every frame must decode to the same TCP fields (ports, raw seq/ack,
 * header length, flags, window, checksum and verdict, urgent pointer, payload length, MSS, window
 * scale, SACK-permitted, raw SACK edges, timestamps, addresses, VLAN ids), minus GENERAL_EXCEPTIONS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/reader.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { newSegment } from '../../src/decode/segment.js';
import {
  compareFrame, GENERAL_EXCEPTIONS, ourRecord, parseRow, TSHARK_FIELDS, TSHARK_PREFS, type OurRecord,
} from './tshark-oracle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(root, 'fixtures');
const oracleDir = path.join(root, 'test', 'oracle');

/** The hand-made capture of what no kernel sends lives with the oracles (scripts/make-oracle.js writes both). */
const HANDMADE = 'handmade.pcap';
const captures = readdirSync(fixtures).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
const oracles = readdirSync(oracleDir).filter((f) => f.endsWith('.json')).sort();
const captureFile = (name: string): string => (name === HANDMADE ? path.join(oracleDir, name) : path.join(fixtures, name));
const excused = new Map<string, number>();

interface Oracle { prefs: string[]; fields: string[]; rows: string[][] }

test('every fixture has an oracle file and every oracle file a fixture (npm run oracle)', () => {
  expect(captures.length).toBeGreaterThan(0);
  expect(oracles).toEqual([...captures, HANDMADE].map((c) => `${c}.json`).sort());
});

describe.each([...captures, HANDMADE].filter((c) => oracles.includes(`${c}.json`)))('%s', (name) => {
  test('decodes every frame as tshark does', async () => {
    const oracle = JSON.parse(readFileSync(path.join(oracleDir, `${name}.json`), 'utf8')) as Oracle;
    expect(oracle.fields).toEqual([...TSHARK_FIELDS]);
    expect(oracle.prefs).toEqual([...TSHARK_PREFS]);

    const ours: OurRecord[] = [];
    const seg = newSegment();
    const info = await readCapture(captureFile(name), (f) => {
      decodeFrame(f, seg, { verifyChecksums: true });
      ours.push(ourRecord(seg));
    });
    expect(info.warnings).toEqual([]);
    const theirs = oracle.rows.map(parseRow).filter((r) => r.packet);
    expect(ours.length).toBe(theirs.length);

    const mismatches = theirs.flatMap((t, i) => compareFrame(ours[i], t, GENERAL_EXCEPTIONS, excused));
    expect(mismatches).toEqual([]);
    // These are TCP captures: there must have been segments to compare field by field.
    expect(ours.filter((o) => o.kind === 'tcp').length).toBeGreaterThan(0);
  });
});

test('every documented exception is needed: each excuses a real difference in these captures', () => {
  expect([...excused.keys()].sort()).toEqual(GENERAL_EXCEPTIONS.map((e) => e.id).sort());
});
