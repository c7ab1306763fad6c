/**
 * Reading Zeek's TSV logs as zeek-cut does (zeek-cut is not in Debian): the header lines give the
 * separator, the field names and their types; a row is its values by name. Used on synack's
 * `--format zeek` and on the corpus's Zeek baselines alike, and to check each value against its type.
 */
import { parseAddress } from '../../src/util/address.js';

export interface ZeekLog {
  /** Header lines by their key (#separator, #set_separator, #empty_field, #unset_field, #path, #open...). */
  header: Map<string, string>;
  fields: string[];
  types: string[];
  rows: Array<Record<string, string>>;
  /** The #close line's value, when there is one. */
  close: string | null;
}

export function parseZeekLog(text: string): ZeekLog {
  const header = new Map<string, string>();
  let fields: string[] = [];
  let types: string[] = [];
  let close: string | null = null;
  const rows: Array<Record<string, string>> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('### ')) continue;
    if (line.startsWith('#')) {
      // "#separator \x09" is the one header line separated by a space (the separator is not yet known).
      const m = line.startsWith('#separator ') ? ['#separator', line.slice(11)] : [line.slice(0, line.search(/[\t ]|$/)), line.slice(line.search(/[\t ]|$/) + 1)];
      header.set(m[0]!, m[1]!);
      if (m[0] === '#fields') fields = m[1]!.split('\t');
      if (m[0] === '#types') types = m[1]!.split('\t');
      if (m[0] === '#close') close = m[1]!;
      continue;
    }
    // Without a #fields line this is not a Zeek log (a zeek-cut extract, say): no rows to read.
    if (fields.length === 0) continue;
    const v = line.split('\t');
    if (v.length !== fields.length) throw new Error(`a row of ${v.length} values under ${fields.length} fields: ${line}`);
    rows.push(Object.fromEntries(fields.map((f, i) => [f, v[i]!])));
  }
  return { header, fields, types, rows, close };
}

/** zeek-cut: the named columns of every row. */
export function zeekCut(log: ZeekLog, names: readonly string[]): string[][] {
  return log.rows.map((r) => names.map((n) => r[n] ?? '-'));
}

/** Whether `value` is a valid Zeek ASCII value of `type` ('-' unset and '(empty)' allowed where Zeek writes them). */
export function validZeekValue(type: string, value: string): boolean {
  if (value === '-') return true;
  switch (type) {
    case 'time':
    case 'interval': return /^-?\d+\.\d{6}$/.test(value);
    case 'count': return /^\d+$/.test(value);
    case 'port': return /^\d+$/.test(value) && Number(value) <= 65535;
    case 'addr': return parseAddress(value) !== null;
    case 'bool': return value === 'T' || value === 'F';
    case 'enum': return /^[A-Za-z0-9_:]+$/.test(value);
    case 'string': return !/[\t\n]/.test(value);
    case 'set[string]': return value === '(empty)' || value.split(',').every((x) => x.length > 0 && !/[\t\n]/.test(x));
    default: return false;
  }
}
