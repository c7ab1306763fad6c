#!/usr/bin/env node
/**
 * Deterministic synthetic capture generator for `npm run bench`.
 *
 *   node bench/gen.js --connections 200000 --out bench/out/x.pcap [--seed 1] [--scale 0.1]
 *                     [--concurrency 64] [--gap-us 10] [--plain] [--half-open PCT] [--scan] [--syn-only]
 *
 * Writes a classic pcap (Ethernet, microsecond timestamps) and a sidecar `<out>.json` with the exact
 * packet, byte and connection counts (bench/run.js reads it for packets/s and MB/s).
 *
 * Shape of one normal connection (18 packets), as in the benchmark:
 *   SYN, SYN-ACK (both `mss,sackOK,TS,nop,wscale` as Linux sends them), ACK,
 *   six data/ACK pairs (request/response alternating), FIN/ACK both ways, final ACK.
 * `--concurrency` connections are in flight at once; the next packet comes from a random one of them,
 * ~`--gap-us` apart on average. Every IPv4 header and TCP checksum is valid.
 *
 * Unless `--plain`, a few seeded percentages add realism (so the tracker's slow paths run too):
 * IPv6, 802.1Q tags, data retransmissions (after an RTO), half-open connections (SYN, SYN-ACK and
 * its retransmissions at 1, 2, 4... s, no ACK), resets mid-stream, refused SYNs (RST/ACK).
 * Packets that wait for a timer leave the interleaving slots and come back from a timer heap, so
 * they never hold a slot. With `--plain`, the capture has exactly 18 × connections packets.
 * `--half-open PCT` makes that share of the connections half-open (the other variants shrink to
 * fit): `--half-open 100` is a SYN flood whose server retransmits every SYN-ACK, for memory tests.
 * `--syn-only` is the cheapest flood: every connection is one spoofed SYN that nobody answers.
 * `--scan` is a connect() port scan: every connection goes to a listener (server address and port)
 * of its own, SYN, SYN-ACK, ACK, then the scanner's RST/ACK (4 packets), for listener-table tests.
 */
import { openSync, writeSync, closeSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

const GENERATOR_VERSION = 1;

/** Percentages of connections given each variant (not with --plain). */
const MIX = {
  ipv6: 0.05,
  vlan: 0.03,
  retransmission: 0.02,
  halfOpen: 0.01,
  reset: 0.01,
  refused: 0.01,
};

const FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 };
/** Option layouts: none, SYN (`mss,sackOK,TS,nop,wscale`, 20 bytes), established (`nop,nop,TS`, 12 bytes). */
const OPT = { NONE: 0, SYN: 1, TS: 2 };
const OPT_LEN = [0, 20, 12];
/** Client → server, server → client. */
const C2S = 0;
const S2C = 1;
/** Fields of one scripted packet, STRIDE numbers per packet in a connection's `steps` array. */
const F = { DIR: 0, FLAGS: 1, SEQ: 2, ACK: 3, LEN: 4, OPT: 5, DELAY: 6 };
const STRIDE = 7;

const PCAP_GLOBAL_HEADER = 24;
const PCAP_RECORD_HEADER = 16;
const ETH_HEADER = 14;
const VLAN_TAG = 4;
const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, VLAN: 0x8100 };
const CAPTURE_START_SEC = 1_700_000_000;
const MAX_PAYLOAD = 1448;

// ---------------------------------------------------------------------------------------------
// Arguments

function usage(msg) {
  process.stderr.write(`gen.js: ${msg}\n` +
    'usage: node bench/gen.js --connections N --out FILE [--seed S] [--scale F] [--concurrency 64] ' +
    '[--gap-us 10] [--plain]\n');
  process.exit(2);
}

function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        connections: { type: 'string', default: '200000' },
        out: { type: 'string' },
        seed: { type: 'string', default: '1' },
        scale: { type: 'string', default: '1' },
        concurrency: { type: 'string', default: '64' },
        'gap-us': { type: 'string', default: '10' },
        plain: { type: 'boolean', default: false },
        'half-open': { type: 'string' },
        scan: { type: 'boolean', default: false },
        'syn-only': { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    usage(e.message);
  }
  if (parsed.help) {
    process.stdout.write('usage: node bench/gen.js --connections N --out FILE [--seed S] [--scale F] ' +
      '[--concurrency 64] [--gap-us 10] [--plain] [--half-open PCT] [--scan] [--syn-only] [--quiet]\n' +
      'Writes a classic pcap of N × scale synthetic TCP connections and FILE.json with its exact counts.\n');
    process.exit(0);
  }
  const num = (name, min) => {
    const v = Number(parsed[name]);
    if (!Number.isFinite(v) || v < min) usage(`--${name} must be a number >= ${min}`);
    return v;
  };
  if (!parsed.out) usage('--out is required');
  const connections = Math.round(num('connections', 1) * num('scale', 0));
  if (connections < 1) usage('--connections × --scale must be at least 1');
  const halfOpen = parsed['half-open'] === undefined ? null : num('half-open', 0) / 100;
  if (halfOpen !== null && halfOpen > 1) usage('--half-open must be a percentage from 0 to 100');
  const shapes = [halfOpen !== null, parsed.scan, parsed['syn-only']].filter(Boolean).length;
  if (shapes > 1) usage('--half-open, --scan and --syn-only are different shapes: pick one');
  return {
    out: parsed.out,
    connections,
    seed: num('seed', 0) >>> 0,
    concurrency: Math.floor(num('concurrency', 1)),
    gapUs: num('gap-us', 0.001),
    plain: parsed.plain,
    halfOpen,
    shape: parsed.scan ? 'scan' : parsed['syn-only'] ? 'synOnly' : null,
    quiet: parsed.quiet,
  };
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32): same seed, same bytes, on every machine.

function makeRandom(seed) {
  let a = (seed ^ 0x9e3779b9) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** Integer in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    u32: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Output: one large buffer, flushed with big synchronous writes.

class Writer {
  constructor(path) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(16 << 20);
    this.pos = 0;
    this.bytes = 0;
  }
  /** Make room for `n` more bytes at `this.pos`. */
  reserve(n) {
    if (this.pos + n > this.buf.length) this.flush();
  }
  flush() {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.bytes += this.pos;
    this.pos = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Checksums (RFC 1071): 16-bit one's complement sums, folded at the end.

function sumWords(buf, start, end) {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

function fold(sum) {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Connections: each is a script of packets built when it starts, emitted one packet at a time.

/** Builds connections with unique 4-tuples; `index` picks the addresses deterministically. */
function makeConnectionFactory(rnd, plain, shape) {
  const CLIENT_HOSTS = 4093; // prime, so hosts and ports cycle independently
  const SERVERS = 16;
  const SERVER_PORTS = [443, 80, 8080, 8443];

  return function newConnection(index) {
    const v6 = !plain && rnd.next() < MIX.ipv6;
    const vlan = !plain && rnd.next() < MIX.vlan ? rnd.int(100, 199) : 0;
    const host = index % CLIENT_HOSTS;
    const server = rnd.int(0, SERVERS - 1);
    // A scan's listeners are all distinct: (index mod one prime, index mod another) is unique for
    // every index below their product (Chinese remainder theorem), far more than any capture here.
    const scan = shape === 'scan';
    const c = {
      v6,
      vlan,
      // IPv4: 10.1.x.y clients, 198.18.0.x servers; IPv6: 2001:db8:1::x and 2001:db8:2::x.
      cAddr: v6 ? [0x20010db8, 0x00010000, 0, host + 1] : [(0x0a010000 + host + 1) >>> 0],
      sAddr: v6 ? [0x20010db8, 0x00020000, 0, (scan ? index % 65521 : server) + 1] : [(0xc6120000 + (scan ? index % 65521 : server) + 1) >>> 0],
      // Each host's k-th connection gets a distinct port, scattered over the ephemeral range.
      cPort: 32768 + ((Math.floor(index / CLIENT_HOSTS) * 7919 + host * 31) % 28232),
      sPort: scan ? 1 + (index % 65519) : SERVER_PORTS[server % SERVER_PORTS.length],
      ipId: [rnd.int(0, 0xffff), rnd.int(0, 0xffff)],
      flowLabel: [rnd.int(1, 0xfffff), rnd.int(1, 0xfffff)],
      ttl: [64, 64 - rnd.int(0, 12)],
      tsBase: [rnd.u32(), rnd.u32()],
      lastTsval: [0, 0],
      window: [rnd.int(490, 510), rnd.int(490, 510)],
      wscale: [7, rnd.next() < 0.5 ? 7 : 9],
      mss: v6 ? 1440 : 1460,
      steps: [],
      next: 0, // index of the next packet to emit
      variant: 'normal',
    };
    scriptConnection(c, rnd, plain, shape);
    return c;
  };
}

function push(c, dir, flags, seq, ack, len, opt, delayUs) {
  c.steps.push(dir, flags, seq >>> 0, ack >>> 0, len, opt, delayUs);
}

/** Writes the connection's packet script (seq/ack progression, variant) into `c.steps`. */
function scriptConnection(c, rnd, plain, shape) {
  const cIsn = rnd.u32();
  const sIsn = rnd.u32();
  let variant = shape ?? 'normal';
  if (!plain && shape === null) {
    const r = rnd.next();
    let acc = 0;
    for (const name of ['retransmission', 'halfOpen', 'reset', 'refused']) {
      acc += MIX[name];
      if (r < acc) { variant = name; break; }
    }
  }
  c.variant = variant;
  const { SYN, ACK, PSH, FIN, RST } = FLAG;

  push(c, C2S, SYN, cIsn, 0, 0, OPT.SYN, 0);
  if (variant === 'synOnly') return;
  if (variant === 'scan') {
    // connect() succeeded; the scanner aborts at once (SO_LINGER 0): RST/ACK, no data, no FIN.
    push(c, S2C, SYN | ACK, sIsn, cIsn + 1, 0, OPT.SYN, 0);
    push(c, C2S, ACK, cIsn + 1, sIsn + 1, 0, OPT.TS, 0);
    push(c, C2S, RST | ACK, cIsn + 1, sIsn + 1, 0, OPT.NONE, 0);
    return;
  }
  if (variant === 'refused') {
    // Linux answers a SYN to a closed port with RST/ACK, seq 0, acking the SYN (RFC 9293 §3.10.7.1).
    push(c, S2C, RST | ACK, 0, cIsn + 1, 0, OPT.NONE, 0);
    return;
  }
  push(c, S2C, SYN | ACK, sIsn, cIsn + 1, 0, OPT.SYN, 0);
  if (variant === 'halfOpen') {
    // The client never completes; the server retransmits its SYN-ACK at 1, 2, 4, ... s (Linux backoff).
    const retries = rnd.int(1, 5);
    for (let i = 0, rto = 1_000_000; i < retries; i++, rto *= 2) {
      push(c, S2C, SYN | ACK, sIsn, cIsn + 1, 0, OPT.SYN, rto);
    }
    return;
  }
  let cNxt = (cIsn + 1) >>> 0;
  let sNxt = (sIsn + 1) >>> 0;
  push(c, C2S, ACK, cNxt, sNxt, 0, OPT.TS, 0);

  const pairs = variant === 'reset' ? rnd.int(1, 3) : 6;
  const retransmitPair = variant === 'retransmission' ? rnd.int(0, pairs - 1) : -1;
  for (let p = 0; p < pairs; p++) {
    const fromClient = p % 2 === 0; // request, response, request, ...
    const len = fromClient ? rnd.int(40, 300) : rnd.int(100, 1200);
    const dir = fromClient ? C2S : S2C;
    const seq = fromClient ? cNxt : sNxt;
    const ack = fromClient ? sNxt : cNxt;
    push(c, dir, PSH | ACK, seq, ack, len, OPT.TS, 0);
    if (p === retransmitPair) {
      // The first copy was lost after the capture point; the sender resends after an RTO of 200-400 ms.
      push(c, dir, PSH | ACK, seq, ack, len, OPT.TS, rnd.int(200_000, 400_000));
    }
    if (fromClient) cNxt = (cNxt + len) >>> 0; else sNxt = (sNxt + len) >>> 0;
    push(c, 1 - dir, ACK, fromClient ? sNxt : cNxt, fromClient ? cNxt : sNxt, 0, OPT.TS, 0);
  }
  if (variant === 'reset') {
    const fromClient = rnd.next() < 0.5;
    push(c, fromClient ? C2S : S2C, RST | ACK, fromClient ? cNxt : sNxt, fromClient ? sNxt : cNxt, 0, OPT.NONE, 0);
    return;
  }
  // Orderly close; the client closes first in two thirds of connections.
  const clientCloses = rnd.next() < 2 / 3;
  const first = clientCloses ? C2S : S2C;
  let aNxt = clientCloses ? cNxt : sNxt;
  let bNxt = clientCloses ? sNxt : cNxt;
  push(c, first, FIN | ACK, aNxt, bNxt, 0, OPT.TS, 0);
  aNxt = (aNxt + 1) >>> 0;
  push(c, 1 - first, FIN | ACK, bNxt, aNxt, 0, OPT.TS, 0);
  bNxt = (bNxt + 1) >>> 0;
  push(c, first, ACK, aNxt, bNxt, 0, OPT.TS, 0);
}

// ---------------------------------------------------------------------------------------------
// Packet encoding

function makeEncoder(out, rnd) {
  // Payload bytes: one fixed pseudo-random pattern; its running 16-bit sums give any prefix's checksum.
  const pattern = Buffer.alloc(MAX_PAYLOAD);
  for (let i = 0; i < pattern.length; i++) pattern[i] = 0x20 + rnd.int(0, 94);
  const prefixSum = new Float64Array(MAX_PAYLOAD + 1);
  for (let len = 1; len <= MAX_PAYLOAD; len++) {
    const i = len - 1;
    prefixSum[len] = prefixSum[len - 1] + (i % 2 === 0 ? pattern[i] << 8 : pattern[i]);
  }
  const MAC = [
    Buffer.from([0x02, 0x00, 0x5e, 0x10, 0x00, 0x01]), // client side
    Buffer.from([0x02, 0x00, 0x5e, 0x10, 0x00, 0x02]), // server side (router)
  ];

  let packets = 0;
  return {
    get packets() { return packets; },
    /** Writes packet `k` of connection `c` at time `tUs` (µs since the capture start). */
    write(c, k, tUs) {
      const s = c.steps;
      const o = k * STRIDE;
      const dir = s[o + F.DIR];
      const flags = s[o + F.FLAGS];
      const len = s[o + F.LEN];
      const opt = s[o + F.OPT];
      const tcpLen = 20 + OPT_LEN[opt];
      const ipLen = c.v6 ? 40 : 20;
      const linkLen = ETH_HEADER + (c.vlan ? VLAN_TAG : 0);
      const frameLen = linkLen + ipLen + tcpLen + len;

      out.reserve(PCAP_RECORD_HEADER + frameLen);
      const b = out.buf;
      let p = out.pos;
      const sec = CAPTURE_START_SEC + Math.floor(tUs / 1e6);
      const usec = Math.floor(tUs % 1e6);
      b.writeUInt32LE(sec, p);
      b.writeUInt32LE(usec, p + 4);
      b.writeUInt32LE(frameLen, p + 8);
      b.writeUInt32LE(frameLen, p + 12);
      p += PCAP_RECORD_HEADER;

      // Ethernet (+ 802.1Q)
      MAC[1 - dir].copy(b, p);
      MAC[dir].copy(b, p + 6);
      p += 12;
      if (c.vlan) {
        b.writeUInt16BE(ETHERTYPE.VLAN, p);
        b.writeUInt16BE(c.vlan, p + 2); // PCP 0, DEI 0
        p += 4;
      }
      b.writeUInt16BE(c.v6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4, p);
      p += 2;

      // IP
      const src = dir === C2S ? c.cAddr : c.sAddr;
      const dst = dir === C2S ? c.sAddr : c.cAddr;
      const ttl = c.ttl[dir];
      let pseudo;
      if (c.v6) {
        b.writeUInt32BE((0x60000000 | c.flowLabel[dir]) >>> 0, p);
        b.writeUInt16BE(tcpLen + len, p + 4);
        b[p + 6] = 6;
        b[p + 7] = ttl;
        pseudo = 6 + tcpLen + len;
        for (let i = 0; i < 4; i++) {
          b.writeUInt32BE(src[i], p + 8 + 4 * i);
          b.writeUInt32BE(dst[i], p + 24 + 4 * i);
          pseudo += (src[i] >>> 16) + (src[i] & 0xffff) + (dst[i] >>> 16) + (dst[i] & 0xffff);
        }
      } else {
        b[p] = 0x45;
        b[p + 1] = 0;
        b.writeUInt16BE(ipLen + tcpLen + len, p + 2);
        b.writeUInt16BE(c.ipId[dir], p + 4);
        c.ipId[dir] = (c.ipId[dir] + 1) & 0xffff;
        b.writeUInt16BE(0x4000, p + 6); // DF
        b[p + 8] = ttl;
        b[p + 9] = 6;
        b[p + 10] = 0;
        b[p + 11] = 0;
        b.writeUInt32BE(src[0], p + 12);
        b.writeUInt32BE(dst[0], p + 16);
        b.writeUInt16BE(0xffff - fold(sumWords(b, p, p + 20)), p + 10);
        pseudo = 6 + tcpLen + len + (src[0] >>> 16) + (src[0] & 0xffff) + (dst[0] >>> 16) + (dst[0] & 0xffff);
      }
      p += ipLen;

      // TCP
      const t = p;
      b.writeUInt16BE(dir === C2S ? c.cPort : c.sPort, t);
      b.writeUInt16BE(dir === C2S ? c.sPort : c.cPort, t + 2);
      b.writeUInt32BE(s[o + F.SEQ], t + 4);
      b.writeUInt32BE(s[o + F.ACK], t + 8);
      b[t + 12] = (tcpLen / 4) << 4;
      b[t + 13] = flags;
      let window;
      if (flags & FLAG.RST) window = 0;
      else if (flags & FLAG.SYN) window = c.v6 ? 64800 : (dir === C2S ? 64240 : 65160);
      else window = c.window[dir];
      b.writeUInt16BE(window, t + 14);
      b.writeUInt32BE(0, t + 16); // checksum, urgent pointer
      if (opt !== OPT.NONE) {
        // Linux TSval: a 1 kHz clock with a per-host random offset; TSecr echoes the peer's last TSval.
        const tsval = (c.tsBase[dir] + Math.floor(tUs / 1000)) >>> 0;
        const tsecr = flags === FLAG.SYN ? 0 : c.lastTsval[1 - dir];
        c.lastTsval[dir] = tsval;
        let q = t + 20;
        if (opt === OPT.SYN) {
          b[q] = 2; b[q + 1] = 4; b.writeUInt16BE(c.mss, q + 2);
          b[q + 4] = 4; b[q + 5] = 2;
          q += 6;
        } else {
          b[q] = 1; b[q + 1] = 1;
          q += 2;
        }
        b[q] = 8; b[q + 1] = 10;
        b.writeUInt32BE(tsval, q + 2);
        b.writeUInt32BE(tsecr, q + 6);
        q += 10;
        if (opt === OPT.SYN) {
          b[q] = 1; b[q + 1] = 3; b[q + 2] = 3; b[q + 3] = c.wscale[dir];
        }
      }
      if (len > 0) pattern.copy(b, t + tcpLen, 0, len);
      const sum = pseudo + sumWords(b, t, t + tcpLen) + prefixSum[len];
      const ck = 0xffff - fold(sum);
      b.writeUInt16BE(ck === 0 ? 0xffff : ck, t + 16);

      out.pos = t + tcpLen + len;
      packets++;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scheduling: `concurrency` interleaving slots, plus a min-heap for packets that wait on a timer.

class TimerHeap {
  constructor() { this.t = []; this.c = []; }
  get size() { return this.t.length; }
  get top() { return this.t[0]; }
  push(t, c) {
    const T = this.t, C = this.c;
    let i = T.length;
    T.push(t); C.push(c);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (T[parent] <= t) break;
      T[i] = T[parent]; C[i] = C[parent];
      i = parent;
    }
    T[i] = t; C[i] = c;
  }
  pop() {
    const T = this.t, C = this.c;
    const c = C[0];
    const lastT = T.pop(), lastC = C.pop();
    const n = T.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let m = 2 * i + 1;
        if (m >= n) break;
        if (m + 1 < n && T[m + 1] < T[m]) m++;
        if (T[m] >= lastT) break;
        T[i] = T[m]; C[i] = C[m];
        i = m;
      }
      T[i] = lastT; C[i] = lastC;
    }
    return c;
  }
}

function generate(opts) {
  const rnd = makeRandom(opts.seed);
  mkdirSync(dirname(opts.out) || '.', { recursive: true });
  const out = new Writer(opts.out);
  const enc = makeEncoder(out, rnd);
  if (opts.halfOpen !== null) {
    // The other variants keep their proportions in what is left.
    const rest = (1 - opts.halfOpen) / (1 - MIX.halfOpen);
    for (const k of ['retransmission', 'reset', 'refused']) MIX[k] *= rest;
    MIX.halfOpen = opts.halfOpen;
  }
  const newConnection = makeConnectionFactory(rnd, opts.plain, opts.shape);

  // Classic pcap global header: microsecond magic, v2.4, snaplen 262144, LINKTYPE_ETHERNET.
  const h = out.buf;
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(1, 20);
  out.pos = PCAP_GLOBAL_HEADER;

  const variants = { normal: 0, retransmission: 0, halfOpen: 0, reset: 0, refused: 0, scan: 0, synOnly: 0, ipv6: 0, vlan: 0 };
  let started = 0;
  const start = () => {
    const c = newConnection(started++);
    variants[c.variant]++;
    if (c.v6) variants.ipv6++;
    if (c.vlan) variants.vlan++;
    return c;
  };
  const slots = [];
  while (slots.length < opts.concurrency && started < opts.connections) slots.push(start());
  const timers = new TimerHeap();
  // In timer mode, packets that do not wait for a timer follow after a short turnaround.
  const turnaround = () => rnd.int(20, 80);
  /** After emitting, either keep the connection in its slot, move it to the timers, or retire it. */
  const advance = (c, now) => {
    c.next++;
    if (c.next * STRIDE >= c.steps.length) return 'done';
    const delay = c.steps[c.next * STRIDE + F.DELAY];
    if (delay > 0) { timers.push(now + delay, c); return 'timer'; }
    return 'slot';
  };

  let now = 0;
  const gapSpan = 2 * opts.gapUs; // uniform in (0, 2·gap]: mean gap
  while (slots.length > 0 || timers.size > 0) {
    now += Math.max(1, Math.round(rnd.next() * gapSpan));
    if (timers.size > 0 && (timers.top <= now || slots.length === 0)) {
      if (slots.length === 0 && timers.top > now) now = Math.ceil(timers.top);
      const c = timers.pop();
      enc.write(c, c.next, now);
      c.next++;
      if (c.next * STRIDE < c.steps.length) {
        const delay = c.steps[c.next * STRIDE + F.DELAY];
        timers.push(now + (delay > 0 ? delay : turnaround()), c);
      }
      continue;
    }
    const i = Math.floor(rnd.next() * slots.length);
    const c = slots[i];
    enc.write(c, c.next, now);
    if (advance(c, now) !== 'slot') {
      if (started < opts.connections) slots[i] = start();
      else { slots[i] = slots[slots.length - 1]; slots.pop(); }
    }
  }
  out.close();
  return {
    generatorVersion: GENERATOR_VERSION,
    file: opts.out,
    seed: opts.seed,
    plain: opts.plain,
    ...(opts.halfOpen !== null ? { halfOpen: opts.halfOpen } : {}),
    ...(opts.shape !== null ? { shape: opts.shape } : {}),
    concurrency: opts.concurrency,
    connections: started,
    packets: enc.packets,
    bytes: out.bytes,
    durationSec: now / 1e6,
    variants,
  };
}

const opts = parseOptions(process.argv.slice(2));
const t0 = process.hrtime.bigint();
const meta = generate(opts);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
writeFileSync(`${opts.out}.json`, JSON.stringify(meta, null, 2) + '\n');
if (!opts.quiet) {
  process.stderr.write(
    `gen.js: ${opts.out}: ${meta.connections} connections, ${meta.packets} packets, ` +
    `${(meta.bytes / 1e6).toFixed(1)} MB, ${meta.durationSec.toFixed(1)} s of traffic, written in ${secs.toFixed(1)} s\n`);
}
