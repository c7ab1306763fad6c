/**
 * Capture gaps as a user meets them: `analyze --json` carries Connection.gaps (schema-valid), the
 * detail view says what the capture missed, and a default `check` does not fail on Wireshark's
 * informational flags or on gaps (lossy-bulk.pcap: 3 % loss, 12 segments the capture never saw).
 */
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { fixture, synack } from '../helpers/cli.js';
import { schemaErrors, validateAnalyze } from '../helpers/schema.js';

test('analyze --json: the server\'s 12 skipped segments in gaps, schema-valid', () => {
  const r = synack(['analyze', '--json', fixture('lossy-bulk.pcap')]);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as AnalyzeDocument;
  if (!validateAnalyze(doc)) throw new Error(schemaErrors(validateAnalyze));
  const c = doc.connections[0]!;
  expect(c.gaps!.server).toMatchObject({ skippedSegments: 12, ackedUnseen: 0, firstPacket: expect.any(Number) });
  expect(c.gaps!.client.firstPacket).toBeNull();
  // Connections the capture missed nothing of carry no gaps field.
  const clean = JSON.parse(synack(['analyze', '--json', fixture('demo.pcap')]).stdout) as AnalyzeDocument;
  expect(clean.connections.every((x) => x.gaps === undefined)).toBe(true);
});

test('the detail view names the gaps; a default check passes (gaps and Wireshark\'s notes are not errors)', () => {
  const r = synack(['analyze', fixture('lossy-bulk.pcap'), '--conn', '1', '--no-color']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/capture gaps: client none; server 12 skipped \([\d,]+ bytes\), #\d+–#\d+/);
  const check = synack(['check', fixture('lossy-bulk.pcap')]);
  expect(check.code).toBe(0);
  expect(synack(['check', fixture('lossy-bulk.pcap'), '--fail-on', 'previous-segment-not-captured']).code).toBe(1);
});
