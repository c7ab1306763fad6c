#!/usr/bin/env node
/**
 * `npm run bench`: synack against tcptrace and tshark on synthetic captures (bench/gen.js).
 *
 *   node bench/run.js [--sizes 0.1,1] [--runs 3] [--json] [--seed 1] [--plain] [--flood 200000]
 *                     [--cookie-floods 1000000] [--peers-max-flood 1000000]
 *                     [--no-peers] [--no-parallel] [--tshark-max-scale 1] [--timeout 600]
 *   node bench/run.js --report saved.json [--report more.json]   (re-render saved --json output)
 *
 * Sizes are fractions of the issue's capture (200,000 connections, ~3.6 M packets). Captures are
 * generated into bench/out/ when missing. Each command runs --runs times (once at sizes >= 4) and the
 * median wall time is reported, with the largest peak RSS of its runs. Peers that are not installed
 * are shown as such; a failing synack run is shown with its exit code and the end of its stderr.
 * `--flood N` (0 to skip) also measures a SYN flood: N half-open connections (bench/gen.js
 * --half-open 100), where memory follows the connections held, not the file. `--cookie-floods`
 * (comma-separated SYN counts, 0 to skip) measures floods of spoofed SYNs at 100,000 a second, each
 * answered once and never re-sent (bench/flood.js: a listener sending SYN cookies); peers run on those
 * up to `--peers-max-flood` SYNs (tcptrace needs ~8 GB for 1 M).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, probe, rssMethod } from './measure.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'bench', 'out');
const GEN = join(ROOT, 'bench', 'gen.js');
const SYNACK = join(ROOT, 'bin', 'synack.js');
const DECODE_HARNESS = join(ROOT, 'bench', 'decode.js');
const FULL_CONNECTIONS = 200_000;
const GENERATOR_VERSION = 1;

/** The issue's goals, checked against what was measured. */
const GOALS = {
  tcptraceSpeedupFull: 3, // analyze ≥ 3× faster than tcptrace at 1×
  tcptraceSpeedupTenth: 1, // no slower than tcptrace at 0.1×
  tsharkSpeedup: 10, // ≥ 10× faster than tshark conv at every size
  decodeSegmentsPerSec: 5e6,
  peakRssMB: 256,
  rssFlatness: 1.25, // RSS at 4× / RSS at 1× (our reading of "flat")
  linearity: 4.4, // time at 4× / time at 1×
};

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '0.1,1' },
      runs: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      plain: { type: 'boolean', default: false },
      flood: { type: 'string', default: '200000' },
      'cookie-floods': { type: 'string', default: '1000000' },
      'peers-max-flood': { type: 'string', default: '1000000' },
      'no-peers': { type: 'boolean', default: false },
      'no-parallel': { type: 'boolean', default: false },
      'tshark-max-scale': { type: 'string', default: '1' },
      timeout: { type: 'string', default: '600' },
      report: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(2, 12)
      .map((l) => l.replace(/^ \*\/?\s?/, '')).join('\n') + '\n');
    process.exit(0);
  }
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((s) => !Number.isFinite(s) || s <= 0)) fail(`--sizes: positive numbers expected, got ${values.sizes}`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) fail('--runs must be a positive integer');
  const flood = Number(values.flood);
  if (!Number.isInteger(flood) || flood < 0) fail('--flood must be a whole number of connections (0: none)');
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs,
    json: values.json,
    seed: Number(values.seed) >>> 0,
    plain: values.plain,
    flood,
    cookieFloods: values['cookie-floods'].split(',').map(Number).filter((n) => n > 0),
    peersMaxFlood: Number(values['peers-max-flood']),
    peers: !values['no-peers'],
    parallel: !values['no-parallel'],
    tsharkMaxScale: Number(values['tshark-max-scale']),
    timeoutSec: Number(values.timeout),
    report: values.report ?? null,
  };
}

/** The informative part of a failing command's stderr: its first and last few non-empty lines. */
function stderrExcerpt(text) {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (lines.length <= 6 ? lines : [...lines.slice(0, 3), '...', ...lines.slice(-3)]).join('\n');
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

const log = (msg) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Captures

function capturePath(scale, seed, plain) {
  return join(OUT_DIR, `synth-${scale}x-seed${seed}${plain ? '-plain' : ''}.pcap`);
}

/** Generates the capture unless an up-to-date one is there; returns its sidecar metadata. */
function ensureCapture(scale, seed, plain) {
  const file = capturePath(scale, seed, plain);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.generatorVersion === GENERATOR_VERSION) return { ...meta, file, scale };
  }
  log(`bench: generating ${file}`);
  const args = [GEN, '--connections', String(FULL_CONNECTIONS), '--scale', String(scale), '--seed', String(seed), '--out', file];
  if (plain) args.push('--plain');
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`generator failed for ${file} (exit ${r.status ?? r.signal})`);
  return { ...JSON.parse(readFileSync(metaFile, 'utf8')), file, scale };
}

/** A cookie flood (bench/flood.js): `syns` spoofed SYNs at 100,000 a second, each answered once. */
function ensureCookieFlood(syns, seed) {
  const file = join(OUT_DIR, `cookie-${syns}-seed${seed}.pcap`);
  const metaFile = `${file}.json`;
  const label = { scale: `cookie ${syns}`, sizeLabel: `${syns / 1e6} M SYNs` };
  if (existsSync(file) && existsSync(metaFile)) return { ...JSON.parse(readFileSync(metaFile, 'utf8')), file, ...label };
  log(`bench: generating ${file}`);
  const args = [join(ROOT, 'bench', 'flood.js'), '--syns', String(syns), '--answer', 'cookie', '--seed', String(seed), '--out', file];
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`flood generator failed for ${file} (exit ${r.status ?? r.signal})`);
  return { ...JSON.parse(readFileSync(metaFile, 'utf8')), file, ...label };
}

/** The SYN-flood capture: `connections` half-open connections, each SYN-ACK retransmitted. */
function ensureFlood(connections, seed) {
  const file = join(OUT_DIR, `flood-${connections}-seed${seed}.pcap`);
  const metaFile = `${file}.json`;
  const label = { scale: 'flood', sizeLabel: 'flood' };
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.generatorVersion === GENERATOR_VERSION && meta.halfOpen === 1) return { ...meta, file, ...label };
  }
  log(`bench: generating ${file}`);
  const args = [GEN, '--connections', String(connections), '--half-open', '100', '--seed', String(seed), '--out', file];
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`generator failed for ${file} (exit ${r.status ?? r.signal})`);
  return { ...JSON.parse(readFileSync(metaFile, 'utf8')), file, ...label };
}

/** Reads the file once so every tool starts with it in the page cache. */
function warmCache(file) {
  return new Promise((res, rej) => {
    createReadStream(file, { highWaterMark: 8 << 20 }).on('data', () => {}).on('end', res).on('error', rej);
  });
}

// ---------------------------------------------------------------------------------------------
// Tools

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** What the built CLI offers (flags are probed from `analyze --help`, so the bench follows the CLI). */
function detectSynack() {
  const info = { built: existsSync(SYNACK) && existsSync(join(ROOT, 'dist', 'bundle', 'synack.js')), help: '' };
  if (!info.built) return info;
  info.help = probe(process.execPath, [SYNACK, 'analyze', '--help']) ?? '';
  info.version = (probe(process.execPath, [SYNACK, '--version']) ?? '').trim().split('\n')[0];
  return info;
}

function has(help, flag) {
  return new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, '\\-')}([\\s,=<[]|$)`, 'm').test(help);
}

/**
 * The commands measured. Each: name, what it is, how to run it on one capture, or why it cannot run.
 */
function tools(opts, synack) {
  const list = [];
  const node = process.execPath;
  const notBuilt = synack.built ? null : 'not built (npm run build)';

  // Decode only: reader + decoder, no tracker. Prefer the CLI's own switch; else the in-process harness.
  const decodeFlag = ['--decode-only', '--no-track'].find((f) => has(synack.help, f));
  list.push({
    name: 'synack decode',
    kind: 'synack-decode',
    unavailable: notBuilt ?? (decodeFlag || existsSync(DECODE_HARNESS) ? null : 'no decode-only path'),
    command: (file) => decodeFlag
      ? [node, [SYNACK, 'analyze', decodeFlag, file]]
      : [node, [DECODE_HARNESS, file]],
  });
  // Full analysis in each output mode, stdout to /dev/null. The default text report is the reference
  // the peers are compared with (tcptrace -n and tshark conv print human summaries too); --ndjson is
  // the streaming mode (flat memory); --json keeps every connection for one document.
  const modes = [
    { name: 'synack analyze', flags: [], ref: true },
    { name: 'synack --ndjson', flags: ['--ndjson'] },
    { name: 'synack --json', flags: ['--json'] },
  ];
  for (const m of modes) {
    list.push({
      name: m.name,
      kind: 'synack',
      ref: m.ref ?? false,
      unavailable: notBuilt,
      command: (file) => [node, [SYNACK, 'analyze', ...m.flags, file]],
    });
  }
  if (opts.peers) {
    const tcptrace = which('tcptrace');
    list.push({
      name: 'tcptrace -n',
      kind: 'peer',
      unavailable: tcptrace ? null : 'not installed',
      command: (file) => [tcptrace, ['-n', file]],
    });
    const tshark = which('tshark');
    list.push({
      name: 'tshark conv,tcp',
      kind: 'peer',
      unavailable: tshark ? null : 'not installed',
      maxScale: opts.tsharkMaxScale,
      command: (file) => [tshark, ['-q', '-z', 'conv,tcp', '-r', file]],
    });
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Measuring

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * One tool on one capture, measured a run at a time: the runs of all tools are interleaved (round 1 of
 * every tool, then round 2...), so a machine whose speed drifts over minutes (shared hosts do) weighs
 * on every tool alike instead of on whichever ran during a slow spell.
 */
function startTool(tool, capture) {
  const base = { tool: tool.name, kind: tool.kind, ref: tool.ref ?? false, scale: capture.scale, packets: capture.packets, bytes: capture.bytes };
  if (capture.sizeLabel) base.sizeLabel = capture.sizeLabel;
  let done = null;
  if (tool.unavailable) done = { ...base, status: tool.unavailable };
  else if (tool.maxScale !== undefined && typeof capture.scale === 'number' && capture.scale > tool.maxScale) {
    done = { ...base, status: `skipped above ${tool.maxScale}× (--tshark-max-scale)` };
  }
  const [cmd, args] = done ? [null, []] : tool.command(capture.file);
  return { tool, capture, base, cmd, args, done, walls: [], cpuTimes: [], loopSecs: [], rss: 0 };
}

async function runOnce(t, i, runs, timeoutSec) {
  if (t.done) return;
  const { tool, capture, base, cmd, args } = t;
  const r = await measure(cmd, args, { timeoutSec });
  if (r.timedOut || r.code !== 0) {
    const why = r.timedOut ? `timed out after ${timeoutSec} s` : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
    t.done = { ...base, status: why, command: [cmd, ...args].join(' '), stderr: stderrExcerpt(r.stderr) };
    return;
  }
  t.walls.push(r.wallSec);
  // bench/decode.js reports its own rate inside the read+decode loop (no process start, no imports).
  const inLoop = /([\d.]+) s in the loop/.exec(r.stderr);
  if (inLoop) t.loopSecs.push(Number(inLoop[1]));
  if (r.cpuSec !== null) t.cpuTimes.push(r.cpuSec);
  if (r.rssMB !== null) t.rss = Math.max(t.rss, r.rssMB);
  log(`  ${tool.name.padEnd(16)} ${capture.sizeLabel ?? `${capture.scale}×`}  run ${i + 1}/${runs}: ${r.wallSec.toFixed(2)} s wall, ` +
    `${r.cpuSec?.toFixed(2) ?? '?'} s CPU, ${r.rssMB?.toFixed(0) ?? '?'} MB`);
}

function finishTool(t) {
  if (t.done) return t.done;
  const { capture, base, cmd, args, walls, cpuTimes, loopSecs, rss } = t;
  const wallSec = median(walls);
  return {
    ...base,
    status: 'ok',
    command: [cmd, ...args].join(' '),
    runs: walls,
    wallSec,
    minWallSec: Math.min(...walls),
    cpuSec: cpuTimes.length ? median(cpuTimes) : null,
    packetsPerSec: capture.packets / wallSec,
    ...(loopSecs.length ? { inLoopPacketsPerSec: capture.packets / median(loopSecs) } : {}),
    mbPerSec: capture.bytes / 1e6 / wallSec,
    peakRssMB: rss || null,
  };
}

/**
 * Many captures at once, as the README advises (one synack process per file, `xargs -P`): four
 * tenth-size captures (different seeds) analysed one at a time, then two at a time.
 */
async function runParallel(opts, synack) {
  if (!synack.built) return { status: 'not built' };
  const files = [1, 2, 3, 4].map((k) => ensureCapture(0.1, opts.seed + k - 1, opts.plain));
  for (const f of files) await warmCache(f.file);
  const out = { status: 'ok', files: files.map((f) => f.file), packets: files.reduce((a, f) => a + f.packets, 0) };

  const timed = async (label, fn) => {
    const walls = [];
    for (let i = 0; i < opts.runs; i++) {
      const t0 = process.hrtime.bigint();
      const failure = await fn();
      if (failure) return { failure };
      walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
      log(`  ${label.padEnd(30)} run ${i + 1}/${opts.runs}: ${walls[walls.length - 1].toFixed(2)} s`);
    }
    return { wallSec: median(walls), runs: walls };
  };
  const failed = (r, what) => (r.timedOut || r.code !== 0
    ? `${what}: ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}: ${stderrExcerpt(r.stderr)}` : null);

  const processes = async (width) => {
    const queue = [...files];
    const worker = async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const r = await measure(process.execPath, [SYNACK, 'analyze', f.file], { timeoutSec: opts.timeoutSec });
        const why = failed(r, `analyze ${f.file}`);
        if (why) return why;
      }
      return null;
    };
    const results = await Promise.all(Array.from({ length: width }, worker));
    return results.find((x) => x) ?? null;
  };
  const p1 = await timed('4 processes, 1 at a time', () => processes(1));
  const p2 = await timed('4 processes, 2 at a time', () => processes(2));
  if (p1.failure || p2.failure) return { status: 'failed', stderr: p1.failure ?? p2.failure };
  out.processes = { one: p1, two: p2, speedup: p1.wallSec / p2.wallSec };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

function machine() {
  const mem = totalmem();
  const ver = (cmd, args, re) => {
    const out = probe(cmd, args);
    const m = out && re.exec(out);
    return m ? m[1] : null;
  };
  const lscpu = probe('lscpu', []) ?? '';
  return {
    nproc: availableParallelism(),
    cpu: /Model name:\s*(.+)/.exec(lscpu)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(mem / 2 ** 30 * 10) / 10,
    node: process.version,
    rssMethod,
    tcptrace: ver('tcptrace', ['-v'], /version (\S+)/),
    tshark: ver('tshark', ['--version'], /TShark \(Wireshark\) (\S+)/),
  };
}

function checkGoals(results) {
  const ok = (r) => r.status === 'ok';
  const peer = (scale, name) => results.find((r) => ok(r) && r.kind === 'peer' && r.scale === scale && r.tool === name);
  const goals = [];
  const add = (goal, measured, pass, extra = {}) => goals.push({ goal, measured, pass, ...extra });
  // On a shared machine wall time is inflated by others' work; the same ratio over CPU seconds is a
  // second opinion (conservative for synack: node's GC and I/O threads add CPU that is not wall).
  const cpuRatio = (peerRow, s) => (peerRow.cpuSec && s.cpuSec ? { byCpu: `${(peerRow.cpuSec / s.cpuSec).toFixed(2)}×` } : {});
  for (const s of results.filter((r) => ok(r) && r.kind === 'synack')) {
    const scale = s.scale;
    const tcp = peer(scale, 'tcptrace -n');
    if (tcp && (scale === 1 || scale === 0.1)) {
      const need = scale === 1 ? GOALS.tcptraceSpeedupFull : GOALS.tcptraceSpeedupTenth;
      const x = tcp.wallSec / s.wallSec;
      add(`${s.tool} ≥ ${need}× tcptrace's speed at ${scale}×`, `${x.toFixed(2)}×`, x >= need, cpuRatio(tcp, s));
    }
    const tsh = peer(scale, 'tshark conv,tcp');
    if (tsh) {
      const x = tsh.wallSec / s.wallSec;
      add(`${s.tool} ≥ ${GOALS.tsharkSpeedup}× tshark conv's speed at ${scale}×`, `${x.toFixed(2)}×`, x >= GOALS.tsharkSpeedup, cpuRatio(tsh, s));
    }
    if (s.peakRssMB !== null) add(`${s.tool} peak RSS < ${GOALS.peakRssMB} MB at ${scale}×`, `${s.peakRssMB.toFixed(0)} MB`, s.peakRssMB < GOALS.peakRssMB);
  }
  for (const d of results.filter((r) => ok(r) && r.kind === 'synack-decode' && r.scale >= 1)) {
    add(`read+decode ≥ ${GOALS.decodeSegmentsPerSec / 1e6} M segments/s at ${d.scale}× (whole process)`,
      `${(d.packetsPerSec / 1e6).toFixed(2)} M/s`, d.packetsPerSec >= GOALS.decodeSegmentsPerSec);
    if (d.inLoopPacketsPerSec) {
      add(`read+decode ≥ ${GOALS.decodeSegmentsPerSec / 1e6} M segments/s at ${d.scale}× (inside the loop)`,
        `${(d.inLoopPacketsPerSec / 1e6).toFixed(2)} M/s`, d.inLoopPacketsPerSec >= GOALS.decodeSegmentsPerSec);
    }
  }
  for (const s of scaling(results).filter((x) => x.kind === 'synack')) {
    add(`${s.tool}: time at 4× ≤ ${GOALS.linearity} × time at 1×`, `${s.linearity.toFixed(2)}×`, s.linearity <= GOALS.linearity,
      s.cpuLinearity ? { byCpu: `${s.cpuLinearity.toFixed(2)}×` } : {});
    if (s.rssFlatness !== null) {
      add(`${s.tool}: RSS at 4× ≤ ${GOALS.rssFlatness} × RSS at 1× (flat)`, `${s.rssFlatness.toFixed(2)}×`, s.rssFlatness <= GOALS.rssFlatness);
    }
  }
  return goals;
}

/** Issue 12's flood goals, from what the flood sections measured. */
function floodGoals(flood, cookieFloods) {
  const goals = [];
  const add = (goal, measured, pass) => goals.push({ goal, measured, pass });
  const row = (f, tool) => f?.results.find((r) => r.tool === tool && r.status === 'ok');
  const oneM = cookieFloods.find((f) => f.capture.syns === 1e6);
  const s1 = row(oneM, 'synack analyze'), t1 = row(oneM, 'tcptrace -n');
  if (s1?.peakRssMB) add('1 M-SYN cookie flood: peak RSS ≤ 300 MB', `${s1.peakRssMB.toFixed(0)} MB`, s1.peakRssMB <= 300);
  if (s1 && t1) add('1 M-SYN cookie flood: ≥ 2× faster than tcptrace -n', `${(t1.wallSec / s1.wallSec).toFixed(2)}×`, t1.wallSec / s1.wallSec >= 2);
  const tenM = cookieFloods.find((f) => f.capture.syns === 1e7);
  const s10 = row(tenM, 'synack analyze');
  if (s10?.peakRssMB) add('10 M-SYN flood: peak RSS ≤ 600 MB', `${s10.peakRssMB.toFixed(0)} MB`, s10.peakRssMB <= 600);
  if (s10 && s1) add('10 M-SYN flood: time linear in SYNs (≤ 11× the 1 M flood)', `${(s10.wallSec / s1.wallSec).toFixed(2)}×`, s10.wallSec / s1.wallSec <= 11);
  const h = row(flood, 'synack analyze'), ht = row(flood, 'tcptrace -n');
  if (h?.peakRssMB) add('200 k half-open flood: peak RSS ≤ 250 MB', `${h.peakRssMB.toFixed(0)} MB`, h.peakRssMB <= 250);
  if (h && ht) add('200 k half-open flood: faster than tcptrace -n', `${(ht.wallSec / h.wallSec).toFixed(2)}×`, h.wallSec < ht.wallSec);
  return goals;
}

/** Time and RSS at 4× over 1×, for every synack command measured at both sizes. */
function scaling(results) {
  const out = [];
  for (const s1 of results.filter((r) => r.status === 'ok' && r.kind !== 'peer' && r.scale === 1)) {
    const s4 = results.find((r) => r.status === 'ok' && r.tool === s1.tool && r.scale === 4);
    if (!s4) continue;
    out.push({
      tool: s1.tool,
      kind: s1.kind,
      linearity: s4.wallSec / s1.wallSec,
      cpuLinearity: s1.cpuSec && s4.cpuSec ? s4.cpuSec / s1.cpuSec : null,
      rssFlatness: s1.peakRssMB && s4.peakRssMB ? s4.peakRssMB / s1.peakRssMB : null,
    });
  }
  return out;
}

function fmt(n, digits = 2) {
  return n === null || n === undefined ? '-' : n.toFixed(digits);
}

function si(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
  return n.toFixed(0);
}

function renderTable(rows) {
  const head = ['tool', 'size', 'packets', 'wall s', 'CPU s', 'packets/s', 'MB/s', 'peak RSS MB', 'time / synack', 'note'];
  const body = rows.map((r) => {
    const size = r.sizeLabel ?? `${r.scale}×`;
    if (r.status !== 'ok') return [r.tool, size, si(r.packets), '-', '-', '-', '-', '-', '-', r.status];
    const ref = rows.find((x) => x.ref && x.scale === r.scale && x.status === 'ok');
    const ratio = ref && !r.ref ? `${(r.wallSec / ref.wallSec).toFixed(2)}×` : '';
    return [r.tool, size, si(r.packets), fmt(r.wallSec), fmt(r.cpuSec), si(r.packetsPerSec), fmt(r.mbPerSec, 0), fmt(r.peakRssMB, 0), ratio, ''];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const left = (i) => i < 2 || i === head.length - 1;
  const line = (cells) => cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

/** Merges another bench report's results in (e.g. a 4× run kept from earlier), this one winning. */
function mergeReports(base, extra) {
  const key = (r) => `${r.tool}@${r.scale}`;
  const mine = new Set(base.results.map(key));
  const results = [...base.results, ...extra.results.filter((r) => !mine.has(key(r)))]
    .sort((a, b) => a.scale - b.scale);
  const scales = new Set(base.captures.map((c) => c.scale));
  const captures = [...base.captures, ...extra.captures.filter((c) => !scales.has(c.scale))].sort((a, b) => a.scale - b.scale);
  const parallel = base.parallel?.status === 'ok' ? base.parallel : extra.parallel ?? base.parallel ?? null;
  const flood = base.flood ?? extra.flood ?? null;
  const floodSyns = new Set((base.cookieFloods ?? []).map((f) => f.capture.syns));
  const cookieFloods = [...(base.cookieFloods ?? []), ...(extra.cookieFloods ?? []).filter((f) => !floodSyns.has(f.capture.syns))];
  return { ...base, captures, results, scaling: scaling(results), parallel, flood, cookieFloods, goals: [...checkGoals(results), ...floodGoals(flood, cookieFloods)] };
}

function render(report) {
  const m = report.machine;
  const out = [];
  out.push(`synack bench — ${m.cpu}, ${m.nproc} cores, ${m.memoryGB} GB, node ${m.node}; peak RSS via ${m.rssMethod}`);
  for (const c of report.captures) {
    out.push(`  ${c.scale}×: ${c.file} — ${c.connections} connections, ${c.packets} packets, ${(c.bytes / 1e6).toFixed(0)} MB`);
  }
  out.push('', renderTable(report.results), '');
  for (const r of [...report.results, ...(report.flood?.results ?? [])].filter((x) => x.kind !== 'peer' && x.status !== 'ok' && x.stderr !== undefined)) {
    out.push(`${r.tool} at ${r.sizeLabel ?? `${r.scale}×`} failed (${r.status}): ${r.command}`, ...r.stderr.split('\n').map((l) => `    ${l}`), '');
  }
  for (const x of report.scaling) {
    out.push(`${x.tool}: time at 4× / 1× = ${x.linearity.toFixed(2)} (CPU time: ${fmt(x.cpuLinearity)}), ` +
      `peak RSS at 4× / 1× = ${fmt(x.rssFlatness)}`);
  }
  const par = report.parallel;
  const indent = (t) => t.split('\n').join('\n    ');
  if (par?.status === 'ok') {
    const p = par.processes;
    out.push(`4 files of 0.1× as separate analyze processes (xargs -P): 1 at a time ${fmt(p.one.wallSec)} s, ` +
      `2 at a time ${fmt(p.two.wallSec)} s, speed-up ${p.speedup.toFixed(2)}×`);
  } else if (par) {
    out.push(`parallel processes: ${par.status}${par.stderr ? `\n    ${indent(par.stderr)}` : ''}`);
  }
  if (report.flood) {
    const f = report.flood;
    out.push('', `SYN flood: ${f.capture.file} — ${f.capture.connections} half-open connections (each SYN-ACK retransmitted ` +
      `1-5 times at 1, 2, 4... s), ${f.capture.packets} packets, ${(f.capture.bytes / 1e6).toFixed(0)} MB`, '', renderTable(f.results));
  }
  for (const f of report.cookieFloods ?? []) {
    out.push('', `Cookie flood: ${f.capture.file} — ${f.capture.syns} spoofed SYNs, each answered once (SYN cookies), ` +
      `${f.capture.packets} packets, ${(f.capture.bytes / 1e6).toFixed(0)} MB, ${f.capture.durationSec.toFixed(1)} s of capture`, '', renderTable(f.results));
  }
  if (report.goals.length) {
    out.push('', 'goals:');
    for (const g of report.goals) {
      out.push(`  ${g.pass ? 'PASS' : 'FAIL'}  ${g.goal}: ${g.measured}${g.byCpu ? ` (by CPU time: ${g.byCpu})` : ''}`);
    }
  }
  const load = report.loadAverage;
  out.push('', `bench took ${report.benchSeconds.toFixed(0)} s; 1-min load average ${load.before.toFixed(2)} before, ` +
    `${load.after.toFixed(2)} after`);
  if (load.before > 0.5) {
    out.push('note: the machine was busy when the bench started (load > 0.5): other work shares the cores, ' +
      'so wall times are inflated; CPU s shows what each command itself used.');
  }
  return out.join('\n') + '\n';
}

async function main() {
  const opts = parseOptions();
  if (opts.report) {
    // Re-render saved --json output (merging several: later files fill in what earlier ones lack).
    const [first, ...rest] = opts.report.map((f) => JSON.parse(readFileSync(f, 'utf8')));
    const report = rest.reduce(mergeReports, mergeReports(first, { results: [], captures: [], parallel: null }));
    process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : render(report));
    return;
  }
  const synack = detectSynack();
  if (!synack.built) log('bench: synack is not built (dist/bundle/synack.js or bin/synack.js missing: npm run build); measuring peers only');
  const list = tools(opts, synack);
  const captures = opts.sizes.map((s) => ensureCapture(s, opts.seed, opts.plain));
  const results = [];
  const t0 = Date.now();
  const loadBefore = loadavg()[0];
  for (const capture of captures) {
    await warmCache(capture.file);
    const runs = capture.scale >= 4 ? 1 : opts.runs;
    const started = list.map((tool) => startTool(tool, capture));
    for (let i = 0; i < runs; i++) for (const t of started) await runOnce(t, i, runs, opts.timeoutSec);
    results.push(...started.map(finishTool));
  }
  let flood = null;
  if (opts.flood > 0) {
    // What the flood tells: memory and time per connection held. The default report, the streamed
    // one, and the peers; not --json, which adds nothing here.
    const capture = ensureFlood(opts.flood, opts.seed);
    await warmCache(capture.file);
    const started = list.filter((t) => ['synack analyze', 'synack --ndjson'].includes(t.name) || t.kind === 'peer')
      .map((tool) => startTool(tool, capture));
    for (let i = 0; i < opts.runs; i++) for (const t of started) await runOnce(t, i, opts.runs, opts.timeoutSec);
    const { file, connections, packets, bytes, durationSec, seed } = capture;
    flood = { capture: { file, connections, packets, bytes, durationSec, seed }, results: started.map(finishTool) };
  }
  const cookieFloods = [];
  for (const syns of opts.cookieFloods) {
    // The issue's shapes: memory must stay flat (the listener keeps no state; neither may synack) and
    // time linear in SYNs. The text report only (the streamed one writes 1 M lines of JSON).
    const capture = ensureCookieFlood(syns, opts.seed);
    await warmCache(capture.file);
    const started = list.filter((t) => t.name === 'synack analyze' || (t.kind === 'peer' && syns <= opts.peersMaxFlood))
      .map((tool) => startTool(tool, capture));
    const runs = syns > 1e6 ? 1 : opts.runs;
    for (let i = 0; i < runs; i++) for (const t of started) await runOnce(t, i, runs, opts.timeoutSec);
    const { file, packets, bytes, durationSec } = capture;
    cookieFloods.push({ capture: { file, syns, packets, bytes, durationSec }, results: started.map(finishTool) });
  }
  const parallel = opts.parallel ? await runParallel(opts, synack) : { status: 'not run (--no-parallel)' };
  const report = {
    machine: machine(),
    synackVersion: synack.version ?? null,
    captures: captures.map(({ file, scale, connections, packets, bytes, durationSec, variants, seed, plain }) =>
      ({ file, scale, connections, packets, bytes, durationSec, seed, plain, variants })),
    results,
    scaling: scaling(results),
    parallel,
    flood,
    cookieFloods,
    goals: [...checkGoals(results), ...floodGoals(flood, cookieFloods)],
    benchSeconds: (Date.now() - t0) / 1000,
    loadAverage: { before: loadBefore, after: loadavg()[0] },
  };
  process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : render(report));
}

main().catch((e) => {
  process.stderr.write(`bench: ${e.stack ?? e}\n`);
  process.exit(1);
});
