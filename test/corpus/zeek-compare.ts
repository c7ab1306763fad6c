/**
 * Compare synack's Zeek emulation (Connection.zeek) with Zeek's own conn.log baselines in
 * /work/shared/corpus/zeek-baselines. Used by zeek.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../src/flow/model.js';
import { analyzeFile } from '../flow/helpers.js';

export const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');

export interface ZeekRow { origH?: string; origP?: number; respH?: string; respP?: number; proto?: string; connState?: string; history?: string }

/** Parse a Zeek conn.log baseline: a full log (#fields) or a zeek-cut subset (first line = header). */
export function parseConnLog(text: string): ZeekRow[] {
  const lines = text.split('\n').filter((l) => l.length > 0 && !l.startsWith('### '));
  let header: string[] | null = null;
  const rows: ZeekRow[] = [];
  for (const line of lines) {
    if (line.startsWith('#fields')) { header = line.split('\t').slice(1); continue; }
    if (line.startsWith('#')) continue;
    const cols = line.split('\t');
    if (header === null) { header = cols; continue; }
    const get = (name: string) => { const i = header!.indexOf(name); return i >= 0 ? cols[i] : undefined; };
    const row: ZeekRow = {};
    const oh = get('id.orig_h'); if (oh !== undefined) row.origH = oh;
    const op = get('id.orig_p'); if (op !== undefined) row.origP = Number(op);
    const rh = get('id.resp_h'); if (rh !== undefined) row.respH = rh;
    const rp = get('id.resp_p'); if (rp !== undefined) row.respP = Number(rp);
    const pr = get('proto'); if (pr !== undefined) row.proto = pr;
    const cs = get('conn_state'); if (cs !== undefined) row.connState = cs;
    const h = get('history'); if (h !== undefined) row.history = h === '-' ? '' : h;
    rows.push(row);
  }
  return rows;
}

export interface Comparison {
  trace: string;
  baseline: string;
  field: 'connState' | 'history';
  expected: string;
  got: string | null;
  key: string;
}

/** Match Zeek rows to our connections: by 4-tuple (either orientation) in order, else by position. */
export function compare(trace: string, baseline: string, rows: ZeekRow[], conns: Connection[]): Comparison[] {
  const out: Comparison[] = [];
  const used = new Set<number>();
  rows.forEach((row, i) => {
    let c: Connection | undefined;
    if (row.origH !== undefined && row.respH !== undefined) {
      c = conns.find((x) => !used.has(x.id) && (
        (x.client.ip === row.origH && x.client.port === row.origP && x.server.ip === row.respH && x.server.port === row.respP) ||
        (x.server.ip === row.origH && x.server.port === row.origP && x.client.ip === row.respH && x.client.port === row.respP)));
    } else {
      c = conns.filter((x) => !used.has(x.id))[0];
    }
    if (c) used.add(c.id);
    const key = row.origH !== undefined ? `${row.origH}:${row.origP} → ${row.respH}:${row.respP}` : `row ${i + 1}`;
    if (row.connState !== undefined) out.push({ trace, baseline, field: 'connState', expected: row.connState, got: c ? c.zeek.connState : null, key });
    if (row.history !== undefined) out.push({ trace, baseline, field: 'history', expected: row.history, got: c ? c.zeek.history : null, key });
  });
  return out;
}

export interface BaselineSpec {
  trace: string;
  baseline: string;
  /** Zeek ran without -C: it verified checksums. */
  verify: boolean;
  /** Only connections on this port (the baseline was made with a BPF filter). */
  port?: number;
  /** Rows given inline (shared outputs). */
  rows?: ZeekRow[];
}

export async function runSpec(spec: BaselineSpec): Promise<Comparison[]> {
  const r = await analyzeFile(join(CORPUS, spec.trace), {}, { verifyChecksums: spec.verify });
  let conns = r.connections;
  if (spec.port !== undefined) conns = conns.filter((c) => c.client.port === spec.port || c.server.port === spec.port);
  const rows = (spec.rows ?? parseConnLog(readFileSync(join(CORPUS, 'zeek-baselines', spec.baseline), 'utf8')))
    .filter((row) => row.proto === undefined || row.proto === 'tcp');
  return compare(spec.trace, spec.baseline, rows, conns);
}
