/**
 * Connection logs for the tools people already run: `--format zeek` writes Zeek's conn.log (TSV with
 * its `#separator`, `#fields` and `#types` header lines, its column names and types, `conn_state` and
 * `history`, then synack's own columns), so zeek-cut and existing log pipelines read it; `--format csv`
 * writes the same facts for spreadsheets (RFC 4180). One row per connection, written as connections
 * finish; the columns are listed once, here, and documented in schema/connlog.fields.json.
 */
import type { Connection } from '../flow/model.js';
import { connectionRtt } from '../flow/verdict.js';
import { timestamp } from './text.js';

export interface LogField {
  name: string;
  /** Zeek's type name (time, string, addr, port, enum, interval, count, bool, set[string]). */
  type: string;
  /** The value, or null when unknown (Zeek's unset field "-"); a set as an array. */
  value: (c: Connection) => string | number | boolean | null | string[];
}

/** Zeek prints times and intervals with six decimals. */
const six = (x: number) => x.toFixed(6);

/** Zeek leaves duration and byte counts unset for a connection of no duration (one packet). */
function lasted(c: Connection): boolean {
  return c.end > c.start;
}

function anomalyIds(c: Connection): string[] {
  return [...new Set([...c.anomalies.map((a) => a.id), ...Object.keys(c.anomaliesOmitted ?? {})])];
}

/** Zeek's conn.log columns (Zeek 6-9, with ip_proto), in its order. */
export const ZEEK_FIELDS: readonly LogField[] = [
  { name: 'ts', type: 'time', value: (c) => six(c.start) },
  // Not Zeek's random uid: "C" and synack's connection id, so `analyze --conn` finds the row's connection.
  { name: 'uid', type: 'string', value: (c) => `C${c.id}` },
  { name: 'id.orig_h', type: 'addr', value: (c) => c.client.ip },
  { name: 'id.orig_p', type: 'port', value: (c) => c.client.port },
  { name: 'id.resp_h', type: 'addr', value: (c) => c.server.ip },
  { name: 'id.resp_p', type: 'port', value: (c) => c.server.port },
  { name: 'proto', type: 'enum', value: () => 'tcp' },
  { name: 'service', type: 'string', value: () => null },
  { name: 'duration', type: 'interval', value: (c) => (lasted(c) ? six(c.end - c.start) : null) },
  // Payload bytes sent, retransmissions included (Zeek counts sequence space instead).
  { name: 'orig_bytes', type: 'count', value: (c) => (lasted(c) ? c.bytes.client : null) },
  { name: 'resp_bytes', type: 'count', value: (c) => (lasted(c) ? c.bytes.server : null) },
  { name: 'conn_state', type: 'string', value: (c) => c.zeek.connState },
  { name: 'local_orig', type: 'bool', value: () => null },
  { name: 'local_resp', type: 'bool', value: () => null },
  { name: 'missed_bytes', type: 'count', value: () => null },
  { name: 'history', type: 'string', value: (c) => c.zeek.history },
  { name: 'orig_pkts', type: 'count', value: (c) => c.packets.client },
  { name: 'orig_ip_bytes', type: 'count', value: () => null },
  { name: 'resp_pkts', type: 'count', value: (c) => c.packets.server },
  { name: 'resp_ip_bytes', type: 'count', value: () => null },
  { name: 'tunnel_parents', type: 'set[string]', value: () => null },
  { name: 'ip_proto', type: 'count', value: () => 6 },
];

/** synack's columns after Zeek's (a `synack.` prefix, as Zeek names record fields). */
export const SYNACK_FIELDS: readonly LogField[] = [
  { name: 'synack.id', type: 'count', value: (c) => c.id },
  { name: 'synack.handshake', type: 'string', value: (c) => c.handshake.outcome },
  { name: 'synack.rtt', type: 'interval', value: (c) => { const r = connectionRtt(c); return r === null ? null : six(r); } },
  { name: 'synack.close', type: 'string', value: (c) => c.close.kind },
  { name: 'synack.state_orig', type: 'string', value: (c) => c.finalStates.client },
  { name: 'synack.state_resp', type: 'string', value: (c) => c.finalStates.server },
  { name: 'synack.first_packet', type: 'count', value: (c) => c.firstPacket },
  { name: 'synack.last_packet', type: 'count', value: (c) => c.lastPacket },
  { name: 'synack.anomalies', type: 'set[string]', value: (c) => anomalyIds(c) },
];

const FIELDS = [...ZEEK_FIELDS, ...SYNACK_FIELDS];

/** Zeek's escaping of a string field: the separators and non-printing bytes as \xNN. */
function zeekEscape(s: string): string {
  return s.replace(/[\\\t\n\r,\u0000-\u001f\u007f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function zeekValue(v: ReturnType<LogField['value']>): string {
  if (v === null) return '-';
  if (Array.isArray(v)) return v.length === 0 ? '(empty)' : v.map(zeekEscape).join(',');
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  return typeof v === 'number' ? String(v) : v === '' ? '(empty)' : zeekEscape(v);
}

/** Zeek's "2024-05-01-12-00-00" (its #open / #close stamp; Zeek writes local time, synack UTC). */
function zeekStamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/[T:]/g, '-');
}

export function zeekHeader(opened: Date): string {
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    `#open\t${zeekStamp(opened)}`,
    `#fields\t${FIELDS.map((f) => f.name).join('\t')}`,
    `#types\t${FIELDS.map((f) => f.type).join('\t')}`,
  ].join('\n') + '\n';
}

export function zeekRow(c: Connection): string {
  let s = '';
  for (let i = 0; i < FIELDS.length; i++) s += (i > 0 ? '\t' : '') + zeekValue(FIELDS[i]!.value(c));
  return s + '\n';
}

export function zeekFooter(closed: Date): string {
  return `#close\t${zeekStamp(closed)}\n`;
}

/** CSV columns: the same facts under plain names, times as ISO 8601 UTC and as epoch seconds. */
export const CSV_FIELDS: ReadonlyArray<{ name: string; value: (c: Connection) => string | number | null }> = [
  { name: 'id', value: (c) => c.id },
  { name: 'start_utc', value: (c) => timestamp(c.start).replace(' ', 'T').replace(' UTC', 'Z') },
  { name: 'ts', value: (c) => six(c.start) },
  { name: 'duration_s', value: (c) => six(c.end - c.start) },
  { name: 'client_ip', value: (c) => c.client.ip },
  { name: 'client_port', value: (c) => c.client.port },
  { name: 'server_ip', value: (c) => c.server.ip },
  { name: 'server_port', value: (c) => c.server.port },
  { name: 'packets_client', value: (c) => c.packets.client },
  { name: 'packets_server', value: (c) => c.packets.server },
  { name: 'bytes_client', value: (c) => c.bytes.client },
  { name: 'bytes_server', value: (c) => c.bytes.server },
  { name: 'handshake', value: (c) => c.handshake.outcome },
  { name: 'rtt_s', value: (c) => { const r = connectionRtt(c); return r === null ? null : six(r); } },
  { name: 'close', value: (c) => c.close.kind },
  { name: 'final_client', value: (c) => c.finalStates.client },
  { name: 'final_server', value: (c) => c.finalStates.server },
  { name: 'conn_state', value: (c) => c.zeek.connState },
  { name: 'history', value: (c) => c.zeek.history },
  { name: 'roles_inferred', value: (c) => (c.roleInferred ? 'true' : 'false') },
  { name: 'first_packet', value: (c) => c.firstPacket },
  { name: 'last_packet', value: (c) => c.lastPacket },
  { name: 'anomalies', value: (c) => anomalyIds(c).join(' ') },
];

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvValue(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_FIELDS.map((f) => f.name).join(',') + '\r\n';
}

export function csvRow(c: Connection): string {
  return CSV_FIELDS.map((f) => csvValue(f.value(c))).join(',') + '\r\n';
}
