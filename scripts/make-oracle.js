#!/usr/bin/env node
/**
 * Regenerate the tshark oracle for the decode stage: for every capture in fixtures/ (*.pcap, *.pcapng,
 * *.pcap.gz, *.pcapng.gz) run tshark once and store its raw per-frame fields in
 * test/oracle/<fixture>.json. test/decode/oracle.test.ts decodes the same capture and compares frame by
 * frame. The files hold tshark's own output (not our reading of it) so a review of the diff shows what
 * tshark says.
 *
 * Usage: node scripts/make-oracle.js [fixture ...]   (default: all of fixtures/)
 * Needs tshark (4.0 was used); synack itself never does.
 *
 * The field list and preferences must match TSHARK_FIELDS / TSHARK_PREFS in test/decode/tshark-oracle.ts
 * (the test checks the `fields` and `prefs` recorded in each file).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'fixtures');
const outDir = path.join(root, 'test', 'oracle');

export const TSHARK_FIELDS = [
  'frame.number', 'frame.encap_type', 'frame.protocols', 'ieee8021ad.id', 'vlan.id',
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.ttl', 'ipv6.hlim',
  'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.hdr_len', 'tcp.flags',
  'tcp.window_size_value', 'tcp.checksum', 'tcp.checksum.status', 'tcp.urgent_pointer', 'tcp.len',
  'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.sack_perm',
  'tcp.options.sack_le', 'tcp.options.sack_re',
  'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr',
];

/** Raw (absolute) seq/ack and SACK edges, no IP or TCP reassembly, checksums verified. */
export const TSHARK_PREFS = [
  'tcp.relative_sequence_numbers:FALSE', 'tcp.analyze_sequence_numbers:FALSE', 'tcp.desegment_tcp_streams:FALSE',
  'tcp.check_checksum:TRUE', 'ip.defragment:FALSE', 'ipv6.defragment:FALSE',
];

const CAPTURE = /\.(pcap|pcapng)(\.gz)?$/;

// ------------------------------------------------------------------ hand-made capture
// What no kernel sends (odd headers, tunnels, broken lengths and options) cannot be a real fixture, so
// it is built here byte by byte into test/oracle/handmade.pcap and checked against tshark like the rest.

const be16 = (n) => [(n >>> 8) & 0xff, n & 0xff];
const be32 = (n) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const A4 = [198, 18, 0, 1];
const B4 = [198, 18, 0, 2];
const A6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1];
const B6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 2];

function csum(bytes) {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** TCP segment; the checksum is right for the pseudo-header addresses given (src, dst). */
function tcp({ sport = 40000, dport = 80, seq = 1000, ack = 0, flags = 0x02, win = 64240, urg = 0, opts = [], off, data = [] } = {}, src = A4, dst = B4) {
  const o = [...opts];
  while (o.length % 4) o.push(0);
  const doff = off ?? 5 + o.length / 4;
  const seg = [...be16(sport), ...be16(dport), ...be32(seq), ...be32(ack), (doff << 4) | ((flags >> 8) & 1), flags & 0xff,
    ...be16(win), 0, 0, ...be16(urg), ...o, ...data];
  const ph = src.length === 16 ? [...src, ...dst, ...be32(seg.length), 0, 0, 0, 6] : [...src, ...dst, 0, 6, ...be16(seg.length)];
  const c = csum([...ph, ...seg]);
  seg[16] = c >>> 8; seg[17] = c & 0xff;
  return seg;
}
function ip4(payload, { proto = 6, frag = 0x4000, tot, src = A4, dst = B4 } = {}) {
  const h = [0x45, 0, ...be16(tot ?? 20 + payload.length), 0, 1, ...be16(frag), 64, proto, 0, 0, ...src, ...dst];
  const c = csum(h);
  h[10] = c >>> 8; h[11] = c & 0xff;
  return [...h, ...payload];
}
function ip6(payload, { nh = 6, plen, src = A6, dst = B6 } = {}) {
  return [0x60, 0, 0, 0, ...be16(plen ?? payload.length), nh, 64, ...src, ...dst, ...payload];
}
const eth = (payload, type = 0x0800) => [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...be16(type), ...payload];
const vlan = (vid, type) => [...be16(vid), ...be16(type)];
const SYN_OPTS = [2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];

function handmadeFrames() {
  const t6 = (o = {}) => tcp(o, A6, B6);
  const routed = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, ...new Array(9).fill(0), 9];
  const home = [0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, ...new Array(9).fill(0), 0x77];
  const quoted = ip4(tcp({ flags: 0x02 }).slice(0, 8), { tot: 60 });
  return [
    eth(ip4(tcp({ opts: SYN_OPTS }))), // a SYN with the usual options
    eth(ip4(tcp({ flags: 0x1ff, urg: 9 }))), // every flag
    eth(ip4(tcp({ flags: 0x003 }))), // SYN+FIN
    eth(ip4(tcp({ flags: 0 }))), // no flags
    eth(ip4(tcp({ sport: 0 }))), // port 0
    eth(ip4(tcp({ off: 3, data: [1, 2, 3, 4] }))), // data offset < 5
    eth(ip4(tcp({ off: 15, data: [1, 1, 1, 1] }))), // data offset past the segment
    eth(ip4(tcp({ flags: 0x18, data: [0x61, 0x62] }), { frag: 0x2000 })), // first fragment
    eth(ip4([1, 2, 3, 4, 5, 6, 7, 8], { frag: 0x0003 })), // later fragment
    eth(ip4(tcp({ flags: 0x10, data: [1, 2, 3] }), { tot: 0 })), // IPv4 total length 0 (TSO)
    eth(ip4(tcp({ flags: 0x10, data: [1, 2, 3] }), { tot: 200 })), // total length past the frame
    [...eth(ip4(tcp({ flags: 0x10, data: [7] }))), 0, 0, 0, 0, 0], // Ethernet padding
    eth(ip4(tcp({ opts: [2, 3, 5, 1, 4, 2, 1] }))), // MSS of length 3, then the walk goes on
    eth(ip4(tcp({ flags: 0x10, opts: [1, 1, 5, 12, 0, 0, 0, 16, 0, 0, 0, 32, 0, 0, 0, 48] }))), // SACK of length 12
    eth(ip4(tcp({ opts: [2, 4, 5, 0xb4, 3, 1, 0, 1] }))), // option length 1
    eth(ip4(tcp({ opts: [2, 4, 5, 0xb4, 8, 10, 0, 0] }))), // option past the header
    eth(ip4(tcp({ flags: 0x10, opts: [8, 8, 0, 0, 0, 1, 0, 0, 3, 3, 7, 1] }))), // timestamps of length 8
    eth(ip4(tcp({ flags: 0x10, opts: [5, 10, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 16, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2] }))), // two SACK options
    eth(ip4(tcp({ seq: 0xfffffff0, ack: 0x80000001, flags: 0x12, opts: SYN_OPTS }))), // high seq/ack
    eth(ip4([3, 3, 0, 0, 0, 0, 0, 0, ...quoted], { proto: 1, dst: A4, src: B4 })), // ICMP error quoting a TCP header
    eth([...vlan(10, 0x8100), ...vlan(20, 0x0800), ...ip4(tcp({ opts: SYN_OPTS }))], 0x88a8), // QinQ
    eth([0, 1, 0x41, 64, ...ip4(tcp())], 0x8847), // MPLS
    eth([0x11, 0, 0, 1, ...be16(42), 0, 0x21, ...ip4(tcp())], 0x8864), // PPPoE
    eth([0xaa, 0xaa, 3, 0, 0, 0, 8, 0, ...ip4(tcp())], 48), // 802.3 + LLC/SNAP
    eth(ip4(ip4(tcp({ data: [1, 2] }, [10, 0, 0, 1], [10, 0, 0, 2]), { src: [10, 0, 0, 1], dst: [10, 0, 0, 2] }), { proto: 4 })), // IP in IP
    eth(ip4(ip6(t6()), { proto: 41 })), // 6in4
    eth(ip6(t6({ opts: SYN_OPTS })), 0x86dd),
    eth(ip6([6, 0, 0, 1, 0, 0, 0, 1, ...t6({ flags: 0x18, data: [1, 2, 3] })], { nh: 44 }), 0x86dd), // first fragment (v6)
    eth(ip6([6, 2, 0, 1, 0, 0, 0, 0, ...routed, ...tcp({}, A6, routed)], { nh: 43 }), 0x86dd), // routing type 0, 1 left
    eth(ip6([6, 2, 1, 2, 0, 0, 0xc9, 16, ...home, ...tcp({}, home, B6)], { nh: 60 }), 0x86dd), // home address option
    eth(ip6([60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0, ...t6()], { nh: 0 }), 0x86dd), // hop-by-hop, dest opts
    eth(ip6(t6({ flags: 0x10, data: [1, 2, 3] }), { plen: 500 }), 0x86dd), // payload length past the frame
    { cut: 14 + 12, bytes: eth(ip4(tcp({ opts: SYN_OPTS }))) }, // snaplen inside the IP header
    { cut: 14 + 20 + 12, bytes: eth(ip4(tcp({ opts: SYN_OPTS }))) }, // snaplen inside the TCP header
    { cut: 14 + 20 + 26, bytes: eth(ip4(tcp({ opts: SYN_OPTS }))) }, // snaplen inside the options
    { cut: 14 + 20 + 20 + 4, bytes: eth(ip4(tcp({ flags: 0x18, data: new Array(100).fill(0x61) }))) }, // inside the payload
  ];
}

function pcap(frames) {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16); head.writeUInt32LE(1, 20);
  const parts = [head];
  frames.forEach((f, i) => {
    const bytes = Array.isArray(f) ? f : f.bytes;
    const caplen = Array.isArray(f) ? bytes.length : f.cut;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1700000000 + i, 0); rec.writeUInt32LE(0, 4); rec.writeUInt32LE(caplen, 8); rec.writeUInt32LE(bytes.length, 12);
    parts.push(rec, Buffer.from(bytes.slice(0, caplen)));
  });
  return Buffer.concat(parts);
}

function tsharkVersion() {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error('make-oracle: tshark is not installed or does not run (apt install tshark)');
    process.exit(2);
  }
  return r.stdout.split('\n')[0].trim();
}

function oracleFor(file, version) {
  const args = ['-n', '-r', file];
  for (const p of TSHARK_PREFS) args.push('-o', p);
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const why = (r.stderr || '').split('\n').filter((l) => l && !l.includes('Running as user')).join(' ');
  const rows = (r.stdout || '').split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
  if (r.status !== 0 && rows.length === 0) {
    throw new Error(`tshark failed on ${path.basename(file)}: ${why || `exit ${r.status}`}`);
  }
  // A damaged file still yields the frames before the damage; keep tshark's complaint with them.
  return { tshark: version, prefs: TSHARK_PREFS, fields: TSHARK_FIELDS, warning: r.status === 0 ? null : why, rows };
}

/** JSON with one frame per line, so a regenerated oracle diffs frame by frame. */
function serialise(o) {
  const head = ['tshark', 'prefs', 'fields', 'warning'].map((k) => `${JSON.stringify(k)}: ${JSON.stringify(o[k])}`);
  return `{\n ${head.join(',\n ')},\n "rows": [\n${o.rows.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n ]\n}\n`;
}

function main() {
  const wanted = process.argv.slice(2).map((a) => path.basename(a));
  const all = readdirSync(fixtures).filter((f) => CAPTURE.test(f)).sort();
  const names = wanted.length ? all.filter((f) => wanted.includes(f)) : all;
  if (wanted.length && names.length !== wanted.length) {
    console.error(`make-oracle: not in fixtures/: ${wanted.filter((w) => !all.includes(w)).join(', ')}`);
    process.exit(2);
  }
  const version = tsharkVersion();
  mkdirSync(outDir, { recursive: true });
  const inputs = names.map((n) => [n, path.join(fixtures, n)]);
  if (!wanted.length) {
    const handmade = path.join(outDir, 'handmade.pcap');
    writeFileSync(handmade, pcap(handmadeFrames()));
    inputs.push(['handmade.pcap', handmade]);
  }
  let failed = 0;
  for (const [name, file] of inputs) {
    try {
      const oracle = oracleFor(file, version);
      writeFileSync(path.join(outDir, `${name}.json`), serialise(oracle));
      console.log(`${name}: ${oracle.rows.length} frames`);
    } catch (e) {
      failed++;
      console.error(`make-oracle: ${e.message}`);
    }
  }
  if (failed) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
