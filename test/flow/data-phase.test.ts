/**
 * The data-phase rules (flow/data-analysis.ts), one scenario each: what each segment of a built
 * conversation is labelled, and the capture-gap facts on the connection. The same rules are scored
 * frame by frame against tshark's expert flags over the corpus in test/corpus/wireshark.test.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/reader.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { newSegment } from '../../src/decode/segment.js';
import { DEFAULT_TRACKER_OPTIONS, type Connection } from '../../src/flow/model.js';
import { Tracker } from '../../src/flow/tracker.js';
import { analyzeFile, Conversation, FLAG, only, run } from './helpers.js';

/** "id@packet" of the anomalies with these ids (all but the handshake's and teardown's own when omitted). */
const DATA_IDS = new Set(['retransmission', 'out-of-order', 'duplicate-ack', 'zero-window', 'keep-alive', 'keep-alive-ack',
  'window-update', 'window-full', 'zero-window-probe', 'zero-window-probe-ack', 'previous-segment-not-captured',
  'acked-unseen-segment', 'fin-retransmission', 'syn-retransmission', 'synack-retransmission']);
function labels(c: Connection): string[] {
  return c.anomalies.filter((a) => DATA_IDS.has(a.id)).map((a) => `${a.id}@${a.packet}`);
}

describe('retransmission, out-of-order or old duplicate', () => {
  test('below the highest sequence within the handshake RTT: out-of-order; the same 0.5 s later: retransmission', () => {
    const conv = new Conversation().handshake();           // SYN → ACK: 2 ms
    conv.data('client', 100, { seq: 1101 });                 // 4: overtakes the segment at 1001
    conv.data('client', 100, { seq: 1001, dt: 0.0001 });     // 5: that segment, 0.1 ms later
    conv.data('client', 100, { seq: 1001, dt: 0.5 });        // 6: the same again, 0.5 s later
    const c = only(run(conv));
    expect(labels(c)).toEqual(['previous-segment-not-captured@4', 'out-of-order@5', 'retransmission@6']);
  });

  test('a copy that ends at the highest sequence sent is a retransmission, however soon', () => {
    const conv = new Conversation().handshake().data('client', 100);   // 4
    conv.data('client', 100, { seq: 1001, dt: 0.0001 });                 // 5: the same segment again
    expect(labels(only(run(conv)))).toEqual(['retransmission@5']);
  });

  test('data the peer already acknowledged is an old duplicate: a spurious retransmission', () => {
    const conv = new Conversation().handshake().data('client', 100).ack('server');  // 4, 5: acknowledged
    conv.data('client', 100, { seq: 1001, dt: 0.0001 });                            // 6
    const c = only(run(conv));
    expect(labels(c)).toEqual(['retransmission@6']);
    expect(c.anomalies.find((a) => a.id === 'retransmission')!.details).toMatchObject({ spurious: true });
  });

  test('Karn\'s rule: no out-of-order threshold from a handshake whose SYN-ACK was sent again', () => {
    // SYN → ACK spans the SYN-ACK's 1 s retransmission timeout: not a round trip (RFC 6298 §3).
    const conv = new Conversation().syn().synAck().synAckRetransmit({ dt: 1 }).ack();
    conv.data('client', 100, { seq: 1101 });               // 5
    conv.data('client', 100, { seq: 1001, dt: 0.1 });      // 6: 100 ms later: beyond the 3 ms default
    expect(labels(only(run(conv)))).toEqual(['synack-retransmission@3', 'previous-segment-not-captured@5', 'retransmission@6']);
  });

  test('a clean handshake RTT is the threshold: 50 ms after the highest is out-of-order on a 100 ms path', () => {
    const conv = new Conversation().syn().synAck({ dt: 0.05 }).ack('client', { dt: 0.05 });
    conv.data('client', 100, { seq: 1101 });               // 4
    conv.data('client', 100, { seq: 1001, dt: 0.05 });     // 5
    const c = only(run(conv));
    expect(labels(c)).toEqual(['previous-segment-not-captured@4', 'out-of-order@5']);
    expect(c.anomalies.find((a) => a.id === 'out-of-order')!.details!['threshold']).toBeCloseTo(0.1, 6);
  });

  test('fast retransmission: the segment duplicate ACKs asked for, right after them', () => {
    const conv = new Conversation().handshake().data('client', 100);        // 4: lost after the capture point
    conv.data('client', 100);                                              // 5
    conv.ack('server', { ack: 1001 }).ack('server', { ack: 1001 }).ack('server', { ack: 1001 }); // 6, 7, 8
    conv.data('client', 100, { seq: 1001 });                               // 9
    const c = only(run(conv));
    expect(labels(c)).toEqual(['duplicate-ack@6', 'duplicate-ack@7', 'duplicate-ack@8', 'retransmission@9']);
    expect(c.anomalies[3]!.details).toMatchObject({ fast: true });
  });

  test('a duplicate ACK needs data outstanding (RFC 5681 §2)', () => {
    const conv = new Conversation().handshake().data('client', 100).ack('server');  // 4, 5
    conv.ack('server');                                      // 6: the same ACK, nothing outstanding
    conv.data('client', 100).ack('server', { ack: 1101 });   // 7, 8: the same ACK with 100 bytes outstanding
    expect(labels(only(run(conv)))).toEqual(['duplicate-ack@8']);
  });
});

describe('one label per frame', () => {
  test('a FIN with data sent again is a fin-retransmission only', () => {
    const conv = new Conversation().handshake().fin('client', { len: 100 });   // 4: data + FIN
    conv.fin('client', { seq: 1001, len: 100, dt: 0.0001 });                     // 5: the same again
    expect(labels(only(run(conv)))).toEqual(['fin-retransmission@5']);
  });

  test('a SYN+FIN probe sent again is a syn-retransmission only', () => {
    const conv = new Conversation().syn({ flags: FLAG.SYN | FLAG.FIN }).synRetransmit({ flags: FLAG.SYN | FLAG.FIN, dt: 1 });
    expect(labels(only(run(conv)))).toEqual(['syn-retransmission@2']);
  });
});

describe('windows, probes and their answers', () => {
  test('zero window once per episode, window updates, a keep-alive and its ACK', () => {
    const conv = new Conversation().handshake().data('client', 100);             // 4
    conv.ack('server', { window: 0 }).ack('server', { window: 0, dt: 0.2 });     // 5, 6: one episode
    conv.ack('server', { window: 1000 }).ack('server', { window: 0 });           // 7 opens it, 8: a new episode
    conv.ack('server', { window: 1000 });                                        // 9
    conv.ack('client', { seq: conv.cNext - 1, dt: 10 }).ack('server', { window: 1000 }); // 10, 11
    expect(labels(only(run(conv)))).toEqual(['zero-window@5', 'window-update@7', 'zero-window@8', 'window-update@9',
      'keep-alive@10', 'keep-alive-ack@11']);
  });

  test('zero-window probes, in keep-alive form (Linux) and as one new byte, and their answers', () => {
    const conv = new Conversation().handshake().data('client', 100).ack('server', { window: 0 }); // 4, 5
    conv.ack('client', { seq: 1100, dt: 0.2 }).ack('server', { window: 0 });   // 6: probe one byte below, 7: answer
    conv.data('client', 1, { dt: 0.4 }).ack('server', { window: 0, ack: 1101 }); // 8: one new byte, 9: not taken
    conv.ack('server', { window: 1000, ack: 1101 });                             // 10: the window opens
    conv.data('client', 100, { seq: 1101 });                                     // 11: the byte again with more: new data
    expect(labels(only(run(conv)))).toEqual(['zero-window@5', 'zero-window-probe@6', 'zero-window-probe-ack@7',
      'zero-window-probe@8', 'zero-window-probe-ack@9', 'window-update@10']);
  });

  test('window full: a segment reaching the right edge of the scaled window', () => {
    const conv = new Conversation().handshake().ack('server', { window: 8 });   // 4: 8 << 7 = 1024 bytes
    conv.data('client', 1024);                                                  // 5
    conv.ack('server', { window: 8 }).data('client', 512);                      // 6, 7: half of it
    expect(labels(only(run(conv)))).toEqual(['window-update@4', 'window-full@5']);
  });

  test('window full without window scaling, and never when the scale is unknown (no SYNs seen)', () => {
    const plain = new Conversation().handshake({ mss: 1460 }).ack('server', { window: 1024 }).data('client', 1024);
    expect(labels(only(run(plain)))).toEqual(['window-update@4', 'window-full@5']);
    const mid = new Conversation().ack('server', { window: 8 }).ack('client').data('client', 8);
    expect(labels(only(run(mid)))).toEqual([]);
  });
});

describe('capture gaps', () => {
  test('a skipped segment, the ACK that covers it, and ACKs beyond anything seen, on Connection.gaps', () => {
    const conv = new Conversation().handshake().data('client', 100);  // 4: 1001-1101
    conv.data('client', 100, { seq: 1201 });                            // 5: 1101-1201 not captured
    conv.ack('server', { ack: 1301 });                                  // 6: the receiver had it
    conv.ack('server', { ack: 1501 }).ack('server', { ack: 1601 });     // 7, 8: beyond all the capture showed
    const c = only(run(conv));
    expect(labels(c)).toEqual(['previous-segment-not-captured@5', 'acked-unseen-segment@6', 'acked-unseen-segment@7']);
    expect(c.gaps).toEqual({
      client: { skippedSegments: 1, skippedBytes: 100, ackedUnseen: 2, ackedUnseenBytes: 300, firstPacket: 5, lastPacket: 8,
        firstTime: expect.any(Number), lastTime: expect.any(Number) },
      server: { skippedSegments: 0, skippedBytes: 0, ackedUnseen: 0, ackedUnseenBytes: 0, firstPacket: null, lastPacket: null, firstTime: null, lastTime: null },
    });
    expect(c.gaps!.client.firstTime! - c.start).toBeCloseTo(0.004, 5);
    expect(c.gaps!.client.lastTime! - c.start).toBeCloseTo(0.007, 5);
  });

  test('no gap, no gaps field; a new ISN on the 4-tuple is not a gap', () => {
    const c = only(run(new Conversation().handshake().data('client', 100).ack('server')));
    expect(c.gaps).toBeUndefined();
    // A RST, then a SYN-ACK with its own ISN (the RST's sequence space is not the SYN-ACK's), on one
    // connection or two as the tracker sees it.
    const conv = new Conversation().syn().rst('server', { seq: 77 }).synAck({ dt: 1 }).ack().data('client', 10);
    const all = run(conv).connections;
    expect(all.length).toBeGreaterThan(0);
    for (const x of all) {
      expect(labels(x)).toEqual([]);
      expect(x.gaps).toBeUndefined();
    }
  });
});

const fixture = (name: string): string => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures', name);

describe('capture gaps in a real capture (lossy-bulk.pcap: 3 % loss, snaplen 96)', () => {
  /** The fixture read with every frame cut to its headers (66 bytes: Ethernet, IPv4, TCP with timestamps). */
  async function cutToHeaders(file: string): Promise<Connection[]> {
    const out: Connection[] = [];
    const tracker = new Tracker(DEFAULT_TRACKER_OPTIONS, { onConnection: (c) => out.push(c) });
    const seg = newSegment();
    await readCapture(file, (f) => {
      f.caplen = Math.min(f.caplen, 66);
      if (decodeFrame(f, seg, { verifyChecksums: false }) === 'tcp') tracker.push(seg);
    });
    tracker.finish();
    return out;
  }

  test('the 12 segments the capture did not see (tshark: 12 "previous segment not captured"), none from the snaplen', async () => {
    const [c] = (await analyzeFile(fixture('lossy-bulk.pcap'))).connections;
    expect(c!.anomalies.filter((a) => a.id === 'previous-segment-not-captured')).toHaveLength(12);
    expect(c!.gaps!.server.skippedSegments).toBe(12);
    expect(c!.gaps!.client).toMatchObject({ skippedSegments: 0, ackedUnseen: 0 });
    // Cutting every payload away changes nothing: lengths come from the IP header.
    const [cut] = await cutToHeaders(fixture('lossy-bulk.pcap'));
    expect(cut!.gaps).toEqual(c!.gaps);
    // (Cutting into the options of the SACK-carrying ACKs adds `truncated`; nothing else may change.)
    const notCut = (x: Connection): string[] => x.anomalies.filter((a) => a.id !== 'truncated').map((a) => `${a.id}@${a.packet}`);
    expect(notCut(cut!)).toEqual(notCut(c!));
    expect(notCut(c!).length).toBeGreaterThan(12);
  });
});
