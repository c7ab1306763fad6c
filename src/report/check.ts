/**
 * `synack check` verdicts in four shapes: text for people, JSON for tools, JUnit XML for CI test
 * reports (one testcase per rule), GitHub workflow commands (one annotation per offence).
 */
import type { Offence, RuleResult, Verdict } from '../check/policy.js';
import type { InputSummary } from '../pipeline/types.js';
import { jsonSafe, safeText } from './safe-text.js';
import type { Paint } from './style.js';
import { num, plural } from './text.js';

export const CHECK_SCHEMA_VERSION = 1;

/**
 * Offences listed per rule before "… and N more". The verdict itself keeps the first 100 per rule
 * (`count` has them all); JSON lists what the verdict kept.
 */
const LIST_CAP = 20;

function offenceLine(o: Offence): string {
  const where = o.connection === null ? o.flow : `connection #${o.connection} ${o.flow}`;
  return `${where}, packet #${o.packet}: ${o.anomaly ? `${o.anomaly}: ` : ''}${o.message}`;
}

export function renderCheckText(p: Paint, v: Verdict, inputs: readonly InputSummary[]): string {
  const lines: string[] = [];
  const names = inputs.map((i) => safeText(i.name)).join(', ');
  lines.push(`${p.bold('synack check')} ${names}: ${plural(v.connections, 'connection')}, ${plural(v.rules.length, 'rule')}`);
  for (const i of inputs) for (const w of i.warnings) lines.push(`  ${p.yellow('warning:')} ${safeText(w.message)}`);
  for (const r of v.rules) {
    const mark = r.passed ? p.green('PASS') : p.red('FAIL');
    const count = r.limit > 0 || r.rule.startsWith('max:') ? ` (${num(r.count)}/${num(r.limit)})` : r.passed ? '' : ` (${num(r.count)})`;
    lines.push(`  ${mark} ${r.description}${count}`);
    if (!r.passed) {
      for (const o of r.offences.slice(0, LIST_CAP)) lines.push(`       ${offenceLine(o)}`);
      const listed = Math.min(r.offences.length, LIST_CAP);
      if (r.count > listed) lines.push(`       … and ${num(r.count - listed)} more`);
    }
  }
  const failed = v.rules.filter((r) => !r.passed).length;
  lines.push(v.passed ? p.green.bold('passed') : p.red.bold(`failed: ${plural(failed, 'rule')} violated`));
  return lines.join('\n') + '\n';
}

/** The --format json document as text: input strings exact, DEL and C1 escaped (safe-text.ts). */
export function renderCheckJson(v: Verdict, inputs: readonly InputSummary[], version: string): string {
  return jsonSafe(JSON.stringify(checkDocument(v, inputs, version), null, 2)) + '\n';
}

export function checkDocument(v: Verdict, inputs: readonly InputSummary[], version: string): object {
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    tool: { name: 'synack', version },
    passed: v.passed,
    connections: v.connections,
    inputs: inputs.map((i) => ({ name: i.name, frames: i.frames, warnings: i.warnings })),
    rules: v.rules,
  };
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[ch]!))
    // XML 1.0 forbids most control characters even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

function testcase(r: RuleResult, suite: string): string {
  const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(`${r.rule}: ${r.description}`)}" time="0">`;
  if (r.passed) return `${open}</testcase>`;
  const more = r.count > r.offences.length ? `\n… and ${r.count - r.offences.length} more` : '';
  const body = r.offences.map(offenceLine).join('\n') + more;
  const msg = `${r.description}: ${plural(r.count, 'offence')}${r.limit ? ` (limit ${r.limit})` : ''}`;
  return `${open}\n      <failure message="${xmlEscape(msg)}" type="${xmlEscape(r.rule)}">${xmlEscape(body)}</failure>\n    </testcase>`;
}

export function renderJUnit(v: Verdict, inputs: readonly InputSummary[]): string {
  const suite = `synack.check ${inputs.map((i) => safeText(i.name)).join(' ')}`;
  const failures = v.rules.filter((r) => !r.passed).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="synack check" tests="${v.rules.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${v.rules.length}" failures="${failures}" errors="0" skipped="0">`,
    ...v.rules.map((r) => testcase(r, suite)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** GitHub workflow command escaping: data escapes %, CR, LF; properties also , and :. */
function ghData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function ghProp(s: string): string {
  return ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderGitHub(v: Verdict, inputs: readonly InputSummary[]): string {
  const file = inputs.length === 1 ? safeText(inputs[0]!.name) : null;
  const lines: string[] = [];
  for (const r of v.rules) {
    if (r.passed) continue;
    const fileProp = file && file !== '-' ? `file=${ghProp(file)},` : '';
    const shown = r.offences.slice(0, LIST_CAP);
    for (const o of shown) lines.push(`::error ${fileProp}title=${ghProp(`synack ${r.rule}`)}::${ghData(offenceLine(o))}`);
    if (r.count > shown.length && shown.length > 0) {
      lines.push(`::error ${fileProp}title=${ghProp(`synack ${r.rule}`)}::${ghData(`… and ${r.count - shown.length} more`)}`);
    }
    if (r.offences.length === 0) lines.push(`::error ${fileProp}title=${ghProp(`synack ${r.rule}`)}::${ghData(r.description)}`);
  }
  for (const i of inputs) for (const w of i.warnings) lines.push(`::warning title=${ghProp('synack capture')}::${ghData(safeText(w.message))}`);
  const failed = v.rules.filter((r) => !r.passed).length;
  lines.push(v.passed ? `synack check: passed (${plural(v.rules.length, 'rule')})` : `synack check: failed (${failed} of ${plural(v.rules.length, 'rule')})`);
  return lines.join('\n') + '\n';
}
