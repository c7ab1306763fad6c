#!/usr/bin/env node
/**
 * Deterministic SYN-flood captures for `npm run bench` (issue 12's shapes).
 *
 *   node bench/flood.js --syns 1000000 --out bench/out/cookie-1000000.pcap [--rate 100000]
 *                       [--answer cookie|none|complete] [--seed 1]
 *
 * `--syns` spoofed SYNs (random sources in 198.18.0.0/15, random ports, Linux's SYN options) to one
 * listener, 198.18.0.2:80, `--rate` SYNs a second (evenly spaced, ±10 % jitter). `--answer cookie`:
 * the server answers each one once, 50 µs later, with a SYN-ACK it never re-sends (a listener using
 * SYN cookies, or one whose clients do not exist); `--answer none`: nothing comes back (a listener
 * whose queue is full, or a host that is down). No ACK ever comes, except with `--answer complete`:
 * the SYN-ACK comes 50 µs later and the client's ACK 50 µs after it, then nothing (a connection
 * pool opening its connections and keeping them idle: every handshake completes, and the server's
 * queue entries leave only by the silence after the ACK, seconds later in capture time). Classic pcap, Ethernet, µs stamps,
 * valid IPv4 and TCP checksums; a sidecar `<out>.json` with the counts bench/run.js reads.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

const FLOOD_VERSION = 1;
const START_SEC = 1_700_000_000;
const SERVER = (198 << 24 | 18 << 16 | 0 << 8 | 2) >>> 0;
const SERVER_PORT = 80;
/** mss 1460, sackOK, TS, nop, wscale 7: what Linux offers (20 bytes). */
const SYN_OPTS = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7];
/** A handshake ACK's options, the same length: SYN-only options would be anomalies on it. */
const ACK_OPTS = new Array(SYN_OPTS.length).fill(1);

const { values } = parseArgs({
  options: {
    syns: { type: 'string' }, out: { type: 'string' }, rate: { type: 'string', default: '100000' },
    answer: { type: 'string', default: 'cookie' }, seed: { type: 'string', default: '1' },
  },
});
if (!values.syns || !values.out || !['cookie', 'none', 'complete'].includes(values.answer)) {
  process.stderr.write('usage: node bench/flood.js --syns N --out FILE [--rate R] [--answer cookie|none|complete] [--seed S]\n');
  process.exit(2);
}
const syns = Number(values.syns), rate = Number(values.rate), answer = values.answer;
let seed = Number(values.seed) >>> 0 || 1;
/** mulberry32: the same capture on every run. */
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const FRAME = 14 + 20 + 20 + SYN_OPTS.length;
const REC = 16 + FRAME;
const CHUNK = 4096;
const buf = Buffer.alloc(REC * 2 * CHUNK);
let used = 0;

function sum16(b, off, len, start) {
  let s = start;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | b[off + i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function packet(tUs, src, sport, dst, dport, flags, seq, ack) {
  const o = used;
  const sec = START_SEC + Math.floor(tUs / 1e6);
  buf.writeUInt32LE(sec, o); buf.writeUInt32LE(tUs % 1e6, o + 4);
  buf.writeUInt32LE(FRAME, o + 8); buf.writeUInt32LE(FRAME, o + 12);
  const e = o + 16;
  buf.fill(0, e, e + FRAME);
  buf[e + 5] = 2; buf[e + 11] = 1; buf.writeUInt16BE(0x0800, e + 12);
  const ip = e + 14;
  buf[ip] = 0x45; buf.writeUInt16BE(20 + 20 + SYN_OPTS.length, ip + 2); buf[ip + 6] = 0x40; buf[ip + 8] = 64; buf[ip + 9] = 6;
  buf.writeUInt32BE(src, ip + 12); buf.writeUInt32BE(dst, ip + 16);
  buf.writeUInt16BE(~sum16(buf, ip, 20, 0) & 0xffff, ip + 10);
  const t = ip + 20;
  buf.writeUInt16BE(sport, t); buf.writeUInt16BE(dport, t + 2);
  buf.writeUInt32BE(seq >>> 0, t + 4); buf.writeUInt32BE(ack >>> 0, t + 8);
  buf[t + 12] = ((20 + SYN_OPTS.length) / 4) << 4; buf[t + 13] = flags; buf.writeUInt16BE(64240, t + 14);
  const opts = (flags & 0x02) !== 0 ? SYN_OPTS : ACK_OPTS;
  for (let i = 0; i < opts.length; i++) buf[t + 20 + i] = opts[i];
  // TCP checksum over the pseudo-header and the segment.
  const tcpLen = 20 + SYN_OPTS.length;
  let s = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + tcpLen;
  s = sum16(buf, t, tcpLen, s);
  buf.writeUInt16BE(~s & 0xffff, t + 16);
  used += REC;
}

mkdirSync(dirname(values.out), { recursive: true });
const fd = openSync(values.out, 'w');
const head = Buffer.alloc(24);
head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6); head.writeUInt32LE(65535, 16); head.writeUInt32LE(1, 20);
writeSync(fd, head);
let packets = 0, t = 0;
const gap = 1e6 / rate;
/** SYN-ACKs waiting for their time (a constant delay keeps them in order): [us, src, sport, isn]. */
const answers = [];
let next = 0;
/** Handshake ACKs waiting for theirs (--answer complete): [us, src, sport, seq, ack]. */
const acks = [];
let nextAck = 0;
const flushAnswers = (upTo) => {
  // The two queues are each in time order; what is due goes out earliest first across both.
  for (;;) {
    const a = next < answers.length && answers[next][0] <= upTo ? answers[next] : null;
    const k = nextAck < acks.length && acks[nextAck][0] <= upTo ? acks[nextAck] : null;
    if (a === null && k === null) break;
    if (a !== null && (k === null || a[0] <= k[0])) {
      next++;
      const [us, src, sport, isn] = a;
      const serverIsn = Math.floor(rand() * 4294967296);
      packet(us, SERVER, SERVER_PORT, src, sport, 0x12, serverIsn, isn + 1);
      if (answer === 'complete') acks.push([us + 50, src, sport, isn + 1, serverIsn + 1]);
    } else {
      nextAck++;
      const [us, src, sport, seq, ack] = k;
      packet(us, src, sport, SERVER, SERVER_PORT, 0x10, seq, ack);
    }
    packets++;
    if (used >= REC * 2 * (CHUNK - 1)) { writeSync(fd, buf, 0, used); used = 0; }
  }
  if (next > 4096) { answers.splice(0, next); next = 0; }
  if (nextAck > 4096) { acks.splice(0, nextAck); nextAck = 0; }
};
for (let i = 0; i < syns; i++) {
  t += gap * (0.9 + 0.2 * rand());
  const us = Math.round(t);
  flushAnswers(us);
  const src = (((198 << 24) | (18 << 16) | Math.floor(rand() * 0x20000)) >>> 0 | 0x10000) >>> 0; // 198.19.x.x: never the server
  const sport = 1024 + Math.floor(rand() * 64000);
  const isn = Math.floor(rand() * 4294967296);
  packet(us, src, sport, SERVER, SERVER_PORT, 0x02, isn, 0);
  packets++;
  if (answer !== 'none') answers.push([us + 50, src, sport, isn]);
  if (used >= REC * 2 * (CHUNK - 1)) { writeSync(fd, buf, 0, used); used = 0; }
}
flushAnswers(Infinity);
writeSync(fd, buf, 0, used);
closeSync(fd);
const bytes = 24 + packets * REC;
writeFileSync(`${values.out}.json`, JSON.stringify({ floodVersion: FLOOD_VERSION, syns, rate, answer, seed: Number(values.seed), connections: syns, packets, bytes, durationSec: t / 1e6 }, null, 2) + '\n');
process.stderr.write(`flood: ${syns} SYNs (${answer}), ${packets} packets, ${(bytes / 1e6).toFixed(0)} MB, ${(t / 1e6).toFixed(1)} s of capture\n`);
