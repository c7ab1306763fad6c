#!/usr/bin/env node
// Peak resident memory of the tracker on a synthetic stream of sequential connections, built in
// memory (no file): each connection is a handshake, a request, a reply and a four-way close
// (10 segments), a new one every --gap seconds of capture time. Needs dist/ (npx tsc -p tsconfig.json).
//
//   node scripts/flow-memory.js [connections=200000] [gap seconds=0.005]
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { newSegment, FLAG } = await import(join(root, 'dist/decode/segment.js'));
const { Tracker } = await import(join(root, 'dist/flow/tracker.js'));
const { DEFAULT_TRACKER_OPTIONS } = await import(join(root, 'dist/flow/model.js'));

const N = Number(process.argv[2] ?? 200000);
const GAP = Number(process.argv[3] ?? 0.005);
let emitted = 0;
const maxLingering = process.env.LINGER ? Number(process.env.LINGER) : undefined;
const tracker = new Tracker({ ...DEFAULT_TRACKER_OPTIONS, ...(maxLingering !== undefined ? { maxLingering } : {}) }, { onConnection: () => { emitted++; } });
const seg = newSegment();
seg.kind = 'tcp';
seg.ipVersion = 4;
seg.data = Buffer.alloc(64);
let frame = 0;
let peak = 0;

function send(t, fromClient, i, flags, seq, ack, len) {
  const client = 0x0a000000 + (i >>> 16), cport = 1024 + (i & 0xffff) % 60000;
  seg.frameNo = ++frame;
  seg.tsSec = Math.floor(t); seg.tsNsec = Math.round((t - Math.floor(t)) * 1e9);
  seg.src[0] = fromClient ? client : 0xc0a80001; seg.dst[0] = fromClient ? 0xc0a80001 : client;
  seg.srcPort = fromClient ? cport : 80; seg.dstPort = fromClient ? 80 : cport;
  seg.seq = seq >>> 0; seg.ack = ack >>> 0; seg.flags = flags; seg.window = 65535;
  seg.payloadLen = len; seg.capturedPayloadLen = len; seg.optionsLen = 0; seg.issues = 0;
  tracker.push(seg);
}

const start = process.hrtime.bigint();
const A = FLAG.ACK;
for (let i = 0; i < N; i++) {
  const t = 1_700_000_000 + i * GAP;
  const c = (i * 2654435761) >>> 0, s = (i * 40503 + 7) >>> 0, d = 0.0001;
  send(t, true, i, FLAG.SYN, c, 0, 0);
  send(t + d, false, i, FLAG.SYN | A, s, c + 1, 0);
  send(t + 2 * d, true, i, A, c + 1, s + 1, 0);
  send(t + 3 * d, true, i, A | FLAG.PSH, c + 1, s + 1, 100);
  send(t + 4 * d, false, i, A | FLAG.PSH, s + 1, c + 101, 1000);
  send(t + 5 * d, true, i, A, c + 101, s + 1001, 0);
  send(t + 6 * d, true, i, A | FLAG.FIN, c + 101, s + 1001, 0);
  send(t + 7 * d, false, i, A | FLAG.FIN, s + 1001, c + 102, 0);
  send(t + 8 * d, true, i, A, c + 102, s + 1002, 0);
  if ((i & 1023) === 0) peak = Math.max(peak, process.memoryUsage().rss);
}
const end = tracker.finish();
peak = Math.max(peak, process.memoryUsage().rss);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({
  connections: N, segments: frame, gapSeconds: GAP, emitted, peakConcurrent: end.totals.peakConcurrent,
  peakRssMB: Math.round(peak / 1048576), seconds: Number(secs.toFixed(2)), segmentsPerSecond: Math.round(frame / secs),
}));
