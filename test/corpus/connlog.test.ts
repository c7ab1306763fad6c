/**
 * `--format zeek` against Zeek's own conn.log baselines (npm run test:corpus; zeek-cut is not in
 * Debian, so the format is checked against what Zeek 9.1 writes): every baseline with a full conn.log
 * header is read with the same reader as synack's output; the header lines that describe the format
 * are the same, Zeek's columns come first in Zeek's order with Zeek's types, and synack's log of the
 * same trace has a row for each of the baseline's TCP connections that synack tracks (by 4-tuple).
 * conn_state and history themselves are compared in zeek.test.ts, with the reasons they differ.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { synack } from '../helpers/cli.js';
import { parseZeekLog, validZeekValue, type ZeekLog } from '../helpers/zeek-log.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus');
const baselines = path.join(corpus, 'zeek-baselines');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Baselines that are whole conn.logs (their #fields begin with Zeek's conn.log columns), with their trace. */
function connLogs(): Array<{ baseline: string; log: ZeekLog; trace: string | null }> {
  const out = [];
  for (const f of walk(baselines).filter((p) => p.endsWith('.conn.log'))) {
    const log = parseZeekLog(readFileSync(f, 'utf8'));
    if (log.fields.slice(0, 12).join(' ') !== 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state') continue;
    const rel = path.relative(baselines, f).replace(/\.conn\.log$/, '');
    const trace = ['.pcap', '.pcapng', '.trace'].map((e) => path.join(corpus, 'zeek', rel + e)).find((p) => { try { return statSync(p).isFile(); } catch { return false; } });
    out.push({ baseline: f, log, trace: trace ?? null });
  }
  return out;
}

describe('--format zeek reads as Zeek\'s conn.log does', () => {
  const logs = connLogs();

  test('the baselines hold whole conn.logs to compare with', () => {
    expect(logs.length).toBeGreaterThanOrEqual(15);
    expect(logs.filter((l) => l.trace).length).toBeGreaterThanOrEqual(12);
  });

  test('header lines, Zeek\'s columns in Zeek\'s order with Zeek\'s types, values of those types', () => {
    for (const { baseline, log, trace } of logs) {
      if (!trace) continue;
      const r = synack(['analyze', '--format', 'zeek', trace]);
      expect(r.code).toBe(0);
      const ours = parseZeekLog(r.stdout);
      for (const key of ['#separator', '#set_separator', '#empty_field', '#unset_field', '#path']) {
        expect({ baseline, key, value: ours.header.get(key) }).toEqual({ baseline, key, value: log.header.get(key) });
      }
      // Zeek's columns (a baseline may add policy-script columns after them, as synack adds its own).
      const zeekColumns = log.fields.indexOf('ip_proto') + 1;
      expect(ours.fields.slice(0, zeekColumns)).toEqual(log.fields.slice(0, zeekColumns));
      expect(ours.types.slice(0, zeekColumns)).toEqual(log.types.slice(0, zeekColumns));
      // The baseline's values pass the same type check as ours (the check is Zeek's format, not ours).
      for (const row of [...log.rows, ...ours.rows]) {
        log.fields.slice(0, zeekColumns).forEach((f, i) => {
          if (row[f] !== 'XXXXXXXXXX.XXXXXX' && !validZeekValue(log.types[i]!, row[f]!)) throw new Error(`${baseline}: ${f} = ${row[f]}`);
        });
      }
      // Each TCP connection Zeek logged is a row of synack's log of the trace.
      const key = (x: Record<string, string>) => `${x['id.orig_h']}:${x['id.orig_p']}>${x['id.resp_h']}:${x['id.resp_p']}`;
      const either = new Set(ours.rows.flatMap((x) => [key(x), `${x['id.resp_h']}:${x['id.resp_p']}>${x['id.orig_h']}:${x['id.orig_p']}`]));
      const missing = log.rows.filter((x) => x['proto'] === 'tcp' && !either.has(key(x))).map(key);
      expect({ baseline, missing }).toEqual({ baseline, missing: [] });
    }
  });
});
