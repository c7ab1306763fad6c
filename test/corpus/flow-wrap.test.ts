/**
 * Sequence wraparound on a real capture: one_tcp_stream_max_seq.pcap is one_tcp_stream.pcap with
 * ISNs moved near 2^32, so every verdict must be the same except the ISNs themselves.
 */
import { join } from 'node:path';
import type { Connection } from '../../src/flow/model.js';
import { analyzeFile } from '../flow/helpers.js';
import { CORPUS } from './zeek-compare.js';

function withoutIsns(c: Connection): unknown {
  const copy = JSON.parse(JSON.stringify(c)) as Connection;
  copy.handshake.client.isn = null;
  copy.handshake.server.isn = null;
  for (const a of copy.anomalies) if (a.details) { delete a.details['seq']; delete a.details['nextSeq']; delete a.details['ack']; }
  return copy;
}

test('a stream crossing 2^32 gets the same timeline, anomalies and Zeek history as the original', async () => {
  const dir = join(CORPUS, 'pcapplusplus', 'PcapExamples');
  const plain = await analyzeFile(join(dir, 'one_tcp_stream.pcap'));
  const wrapped = await analyzeFile(join(dir, 'one_tcp_stream_max_seq.pcap'));
  expect(wrapped.connections).toHaveLength(1);
  const isn = wrapped.connections[0]!.handshake.client.isn!;
  expect(isn).toBeGreaterThan(0xffff0000 - 1);
  expect(wrapped.connections.map(withoutIsns)).toEqual(plain.connections.map(withoutIsns));
});
