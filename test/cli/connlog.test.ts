/**
 * `analyze --format zeek` and `--format csv`: the columns are schema/connlog.fields.json's, every value
 * parses as its type, and the facts are the JSON document's (read back as zeek-cut and a CSV reader
 * would). The header format is compared with Zeek's own baselines in test/corpus/connlog.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { fixture, FIXTURES, ROOT, synack } from '../helpers/cli.js';
import { parseZeekLog, validZeekValue, zeekCut } from '../helpers/zeek-log.js';

interface FieldsDoc { version: number; zeek: { fields: Array<{ name: string; type: string }> }; csv: { fields: Array<{ name: string }> } }
const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'schema', 'connlog.fields.json'), 'utf8')) as FieldsDoc;
const ALL = readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map(fixture);

function run(format: string, files: string[]): string {
  const r = synack(['analyze', '--format', format, ...files]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

const doc = (): AnalyzeDocument => JSON.parse(run('json', ALL)) as AnalyzeDocument;

describe('--format zeek', () => {
  const log = parseZeekLog(run('zeek', ALL));

  test('the header: Zeek\'s lines, the fields and types of schema/connlog.fields.json', () => {
    expect([...log.header.keys()]).toEqual(['#separator', '#set_separator', '#empty_field', '#unset_field', '#path', '#open', '#fields', '#types', '#close']);
    expect(log.header.get('#separator')).toBe('\\x09');
    expect(log.header.get('#path')).toBe('conn');
    expect(log.header.get('#open')).toMatch(/^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    expect(log.fields).toEqual(SCHEMA.zeek.fields.map((f) => f.name));
    expect(log.types).toEqual(SCHEMA.zeek.fields.map((f) => f.type));
  });

  test('every value parses as its type', () => {
    expect(log.rows.length).toBeGreaterThan(100);
    for (const r of log.rows) {
      log.fields.forEach((f, i) => { if (!validZeekValue(log.types[i]!, r[f]!)) throw new Error(`${f} (${log.types[i]}) = ${JSON.stringify(r[f])}`); });
    }
  });

  test('zeek-cut reads the facts of the JSON document', () => {
    const d = doc();
    const rows = zeekCut(log, ['synack.id', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'conn_state', 'history', 'orig_pkts', 'resp_pkts', 'synack.handshake', 'synack.anomalies']);
    expect(rows).toHaveLength(d.connections.length);
    for (const [id, oh, op, rh, rp, state, history, opk, rpk, hs, an] of rows) {
      const c = d.connections.find((x) => x.id === Number(id))!;
      expect([oh, Number(op), rh, Number(rp)]).toEqual([c.client.ip, c.client.port, c.server.ip, c.server.port]);
      expect([state, history === '(empty)' ? '' : history]).toEqual([c.zeek.connState, c.zeek.history]);
      expect([Number(opk), Number(rpk), hs]).toEqual([c.packets.client, c.packets.server, c.handshake.outcome]);
      expect(an === '(empty)' ? [] : an!.split(',')).toEqual([...new Set(c.anomalies.map((a) => a.id))]);
    }
  });
});

describe('--format csv', () => {
  test('RFC 4180 as Python\'s csv module reads it: the schema\'s columns, the JSON document\'s facts', () => {
    const out = run('csv', ALL);
    expect(out.endsWith('\r\n')).toBe(true);
    const py = spawnSync('python3', ['-c', 'import sys, csv, json; print(json.dumps(list(csv.reader(sys.stdin, strict=True))))'], { input: out, encoding: 'utf8', timeout: 15000 });
    expect(py.status).toBe(0);
    const [head, ...rows] = JSON.parse(py.stdout) as string[][];
    expect(head).toEqual(SCHEMA.csv.fields.map((f) => f.name));
    const d = doc();
    expect(rows).toHaveLength(d.connections.length);
    const col = (n: string) => head!.indexOf(n);
    for (const r of rows) {
      const c = d.connections.find((x) => x.id === Number(r[col('id')]))!;
      expect(r[col('start_utc')]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(Math.abs(Date.parse(r[col('start_utc')]!) / 1000 - c.start)).toBeLessThan(0.001);
      expect(Number(r[col('ts')])).toBeCloseTo(c.start, 5);
      expect([r[col('client_ip')], Number(r[col('server_port')]), Number(r[col('bytes_server')]), r[col('final_client')], r[col('history')]])
        .toEqual([c.client.ip, c.server.port, c.bytes.server, c.finalStates.client, c.zeek.history]);
      const rtt = c.handshake.rtt.total ?? c.handshake.rtt.synToSynAck;
      expect(r[col('rtt_s')]).toBe(rtt === null ? '' : rtt.toFixed(6));
    }
  });
});
