#!/usr/bin/env node
/**
 * CPU profile of a synack command, summarised as the hottest functions.
 *
 *   node bench/profile.js [--top 15] [--interval-us 500] [--keep DIR] -- analyze --json FILE
 *   node bench/profile.js --read FILE.cpuprofile [--top 15]
 *
 * Runs `node --cpu-prof bench/unbundled.js <args>` (the CLI from dist/'s separate modules, not the
 * one-file bundle bin/synack.js loads, so functions are named by their files; stdout to /dev/null)
 * and prints, per function
 * (name, file:line), its self time and its inclusive time as shares of all samples. Files are shown
 * relative to the repository (dist/... maps to src/... by name; lines are dist's: see the .js.map).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '15' },
    'interval-us': { type: 'string', default: '500' },
    keep: { type: 'string' },
    read: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const top = Number(values.top);

let profileFile = values.read;
let tmp = null;
if (!profileFile) {
  if (positionals.length === 0) {
    process.stderr.write('usage: node bench/profile.js [--top N] [--keep DIR] -- analyze --json FILE\n');
    process.exit(2);
  }
  const dir = values.keep ?? (tmp = mkdtempSync(join(tmpdir(), 'synack-prof-')));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [
    '--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${values['interval-us']}`,
    join(ROOT, 'bench', 'unbundled.js'), ...positionals,
  ], { stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'] });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    process.stderr.write(`profile: synack exited ${r.status ?? r.signal}\n`);
    process.exit(1);
  }
  // Worker threads write their own profiles: take the largest (the main thread unless work moved).
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f: join(dir, f), size: readFileSync(join(dir, f)).length }))
    .sort((a, b) => b.size - a.size);
  if (files.length === 0) { process.stderr.write('profile: no .cpuprofile written\n'); process.exit(1); }
  profileFile = files[0].f;
  process.stderr.write(`profile: ${positionals.join(' ')}: ${secs.toFixed(2)} s wall (with profiling), ${files.length} profile(s)${values.keep ? `, kept in ${dir}` : ''}\n`);
}

const prof = JSON.parse(readFileSync(profileFile, 'utf8'));
if (tmp) rmSync(tmp, { recursive: true, force: true });

const byId = new Map();
for (const n of prof.nodes) byId.set(n.id, n);
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function where(cf) {
  if (!cf.url) return '';
  let file = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  if (file.startsWith(ROOT)) file = relative(ROOT, file);
  return `${file}:${cf.lineNumber + 1}`;
}
function key(n) {
  const cf = n.callFrame;
  return `${cf.functionName || '(anonymous)'}\t${where(cf)}`;
}

const self = new Map();
const incl = new Map();
let total = 0;
const deltas = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) {
  // A sample's time is the delta to the NEXT sample (the last one gets the mean).
  const dt = i + 1 < deltas.length ? deltas[i + 1] : (prof.endTime - prof.startTime) / prof.samples.length;
  const node = byId.get(prof.samples[i]);
  total += dt;
  const k = key(node);
  self.set(k, (self.get(k) ?? 0) + dt);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const kk = key(byId.get(id));
    if (seen.has(kk)) continue;
    seen.add(kk);
    incl.set(kk, (incl.get(kk) ?? 0) + dt);
  }
}

const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => {
  const [fn, loc] = k.split('\t');
  return { function: fn, location: loc, selfMs: t / 1000, selfPct: (100 * t) / total, inclPct: (100 * (incl.get(k) ?? 0)) / total };
});
if (values.json) {
  process.stdout.write(JSON.stringify({ totalMs: total / 1000, top: rows }, null, 2) + '\n');
} else {
  process.stdout.write(`total sampled: ${(total / 1e6).toFixed(2)} s\n`);
  process.stdout.write(`${'self %'.padStart(7)} ${'incl %'.padStart(7)} ${'self ms'.padStart(8)}  function  (location)\n`);
  for (const r of rows) {
    process.stdout.write(`${r.selfPct.toFixed(1).padStart(7)} ${r.inclPct.toFixed(1).padStart(7)} ${r.selfMs.toFixed(0).padStart(8)}  ${r.function}  (${r.location})\n`);
  }
}
