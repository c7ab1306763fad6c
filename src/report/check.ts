/**
 * `synack check` verdicts in four shapes: text for people, JSON for tools, JUnit XML for CI test
 * reports (one testcase per rule), GitHub workflow commands (one annotation per offence).
 */
import { DAMAGED, type Offence, type RuleResult, type Verdict } from '../check/policy.js';
import type { CaptureProblem } from '../pipeline/integrity.js';
import type { InputSummary } from '../pipeline/types.js';
import { jsonSafe, safeText } from './safe-text.js';
import { EXPLAIN_HINT, explainCommandOf } from './explain-hint.js';
import type { Paint } from './style.js';
import { num, plural } from './text.js';

export const CHECK_SCHEMA_VERSION = 1;

/**
 * Offences listed per rule before "… and N more". The verdict itself keeps the first 100 per rule
 * (`count` has them all); JSON lists what the verdict kept.
 */
const LIST_CAP = 20;

const DAMAGED_RULE = `fail-on:${DAMAGED}`;

function offenceLine(o: Offence, rule: string): string {
  // A capture problem's message names its input already, and the frame when there is one.
  if (rule === DAMAGED_RULE) return o.message;
  const where = o.connection === null ? o.flow : `connection #${o.connection} ${o.flow}`;
  return `${where}, packet #${o.packet}: ${o.anomaly ? `${o.anomaly}: ` : ''}${o.message}`;
}

/** "? connection #3 …, packet #12: lost-final-ack: 1,204 packets dropped by the kernel during the capture". */
function uncertainLine(o: Offence): string {
  const where = o.connection === null ? o.flow : `connection #${o.connection} ${o.flow}`;
  return `? ${where}, packet #${o.packet}: ${o.anomaly ?? ''}: ${o.uncertainBecause ?? o.message}`;
}

/** A rule's uncertain matches (not counted without --strict), listed under it. */
function uncertainLines(p: Paint, r: RuleResult, indent: string): string[] {
  const u = r.uncertain;
  if (!u) return [];
  const out = [`${indent}${p.yellow(`${plural(u.count, 'uncertain verdict')} not counted (the capture may have missed packets; --strict counts them):`)}`];
  for (const o of u.offences.slice(0, LIST_CAP)) out.push(`${indent}  ${uncertainLine(o)}`);
  if (u.count > Math.min(u.offences.length, LIST_CAP)) out.push(`${indent}  … and ${num(u.count - Math.min(u.offences.length, LIST_CAP))} more`);
  return out;
}

/** The policy failed on the capture problems themselves (they are then listed as its offences). */
function failedOnDamage(v: Verdict): boolean {
  return v.rules.some((r) => r.rule === DAMAGED_RULE && !r.passed);
}

export function renderCheckText(p: Paint, v: Verdict, inputs: readonly InputSummary[], problems: readonly CaptureProblem[]): string {
  const lines: string[] = [];
  const names = inputs.map((i) => safeText(i.name)).join(', ');
  lines.push(`${p.bold('synack check')} ${names}: ${plural(v.connections, 'connection')}, ${plural(v.rules.length, 'rule')}`);
  if (!failedOnDamage(v)) for (const pr of problems) lines.push(`  ${p.yellow('warning:')} ${safeText(pr.message)}`);
  for (const r of v.rules) {
    const mark = r.passed ? p.green('PASS') : p.red('FAIL');
    const count = r.limit > 0 || r.rule.startsWith('max:') ? ` (${num(r.count)}/${num(r.limit)})` : r.passed ? '' : ` (${num(r.count)})`;
    lines.push(`  ${mark} ${r.description}${count}`);
    if (!r.passed) {
      for (const o of r.offences.slice(0, LIST_CAP)) lines.push(`       ${offenceLine(o, r.rule)}`);
      const listed = Math.min(r.offences.length, LIST_CAP);
      if (r.count > listed) lines.push(`       … and ${num(r.count - listed)} more`);
    }
    lines.push(...uncertainLines(p, r, '       '));
  }
  const failed = v.rules.filter((r) => !r.passed).length;
  if (anomalyIds(v.rules).length) lines.push(`  ${p.dim(EXPLAIN_HINT)}`);
  lines.push(v.passed ? p.green.bold('passed') : p.red.bold(`failed: ${plural(failed, 'rule')} violated`));
  return lines.join('\n') + '\n';
}

/** The --format json document as text: input strings exact, DEL and C1 escaped (safe-text.ts). */
export function renderCheckJson(v: Verdict, inputs: readonly InputSummary[], problems: readonly CaptureProblem[], version: string): string {
  return jsonSafe(JSON.stringify(checkDocument(v, inputs, problems, version), null, 2)) + '\n';
}

/** The anomaly ids the failed rules list (what `synack explain` can teach), in order of appearance. */
function anomalyIds(rules: readonly RuleResult[]): string[] {
  const ids = new Set<string>();
  for (const r of rules) if (!r.passed) for (const o of r.offences) if (o.anomaly) ids.add(o.anomaly);
  return [...ids];
}

export function checkDocument(v: Verdict, inputs: readonly InputSummary[], problems: readonly CaptureProblem[], version: string): object {
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    tool: { name: 'synack', version },
    passed: v.passed,
    connections: v.connections,
    inputs: inputs.map((i) => ({ name: i.name, frames: i.frames, warnings: i.warnings })),
    // Whatever the policy: CI tools reading the verdict see damage without reading inputs[].
    integrity: { damaged: problems.length > 0, problems },
    rules: v.rules,
  };
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[ch]!))
    // XML 1.0 forbids most control characters even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

const INTEGRITY_CASE = 'capture integrity';

function problemText(problems: readonly CaptureProblem[]): string {
  return problems.map((pr) => `warning: ${safeText(pr.message)}`).join('\n');
}

/**
 * The "capture integrity" test case: the `--fail-on damaged` rule when the policy has it, else a case
 * that passes but carries the problems in its <system-err>, so a damaged capture is never silent.
 */
function integrityCase(v: Verdict, problems: readonly CaptureProblem[], suite: string): string {
  const rule = v.rules.find((r) => r.rule === DAMAGED_RULE);
  if (rule) return testcase(rule, suite, `${INTEGRITY_CASE}: ${rule.description}`, problems);
  const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(`${INTEGRITY_CASE}: not judged (add --fail-on ${DAMAGED} to fail on it)`)}" time="0">`;
  if (problems.length === 0) return `${open}</testcase>`;
  return `${open}\n      <system-err>${xmlEscape(problemText(problems))}</system-err>\n    </testcase>`;
}

function testcase(r: RuleResult, suite: string, name = `${r.rule}: ${r.description}`, problems: readonly CaptureProblem[] = []): string {
  const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(name)}" time="0">`;
  const err = problems.length ? `\n      <system-err>${xmlEscape(problemText(problems))}</system-err>` : '';
  // Uncertain verdicts the rule did not count: said in <system-out>, never silent.
  const u = r.uncertain;
  const out = u ? `\n      <system-out>${xmlEscape([`${plural(u.count, 'uncertain verdict')} not counted (--strict counts them):`, ...u.offences.map(uncertainLine)].join('\n'))}</system-out>` : '';
  if (r.passed) return err || out ? `${open}${out}${err}\n    </testcase>` : `${open}</testcase>`;
  const more = r.count > r.offences.length ? `\n… and ${r.count - r.offences.length} more` : '';
  // Read one test case at a time: each names the explain command of the anomalies it lists.
  const explain = anomalyIds([r]).map((id) => `\n${explainCommandOf(id)}`).join('');
  const body = r.offences.map((o) => offenceLine(o, r.rule)).join('\n') + more + explain;
  const msg = `${r.description}: ${plural(r.count, 'offence')}${r.limit ? ` (limit ${r.limit})` : ''}`;
  return `${open}\n      <failure message="${xmlEscape(msg)}" type="${xmlEscape(r.rule)}">${xmlEscape(body)}</failure>${out}${err}\n    </testcase>`;
}

export function renderJUnit(v: Verdict, inputs: readonly InputSummary[], problems: readonly CaptureProblem[]): string {
  const suite = `synack.check ${inputs.map((i) => safeText(i.name)).join(' ')}`;
  const failures = v.rules.filter((r) => !r.passed).length;
  const others = v.rules.filter((r) => r.rule !== DAMAGED_RULE);
  // One case per rule, the integrity case always (it is the damaged rule when the policy has it).
  const tests = others.length + 1;
  const suiteErr = problems.length ? [`    <system-err>${xmlEscape(problemText(problems))}</system-err>`] : [];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="synack check" tests="${tests}" failures="${failures}" errors="0">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${tests}" failures="${failures}" errors="0" skipped="0">`,
    integrityCase(v, problems, suite),
    ...others.map((r) => testcase(r, suite)),
    ...suiteErr,
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

export function renderGitHub(v: Verdict, inputs: readonly InputSummary[], problems: readonly CaptureProblem[]): string {
  const file = inputs.length === 1 ? safeText(inputs[0]!.name) : null;
  const lines: string[] = [];
  for (const r of v.rules) {
    const fileProp = file && file !== '-' ? `file=${ghProp(file)},` : '';
    for (const o of r.uncertain?.offences.slice(0, LIST_CAP) ?? []) {
      lines.push(`::notice ${fileProp}title=${ghProp(`synack ${r.rule} (uncertain, not counted)`)}::${ghData(uncertainLine(o))}`);
    }
    if (r.passed) continue;
    const shown = r.offences.slice(0, LIST_CAP);
    for (const o of shown) {
      const explain = o.anomaly ? ` (${explainCommandOf(o.anomaly)})` : '';
      lines.push(`::error ${fileProp}title=${ghProp(`synack ${r.rule}`)}::${ghData(offenceLine(o, r.rule) + explain)}`);
    }
    if (r.count > shown.length && shown.length > 0) {
      lines.push(`::error ${fileProp}title=${ghProp(`synack ${r.rule}`)}::${ghData(`… and ${r.count - shown.length} more`)}`);
    }
    if (r.offences.length === 0) lines.push(`::error ${fileProp}title=${ghProp(`synack ${r.rule}`)}::${ghData(r.description)}`);
  }
  // Failing on damage listed them as ::error already; otherwise each is a ::warning.
  if (!failedOnDamage(v)) {
    for (const pr of problems) {
      const where = pr.input && pr.input !== '-' ? `file=${ghProp(safeText(pr.input))},` : '';
      lines.push(`::warning ${where}title=${ghProp('synack capture integrity')}::${ghData(safeText(pr.message))}`);
    }
  }
  const failed = v.rules.filter((r) => !r.passed).length;
  lines.push(v.passed ? `synack check: passed (${plural(v.rules.length, 'rule')})` : `synack check: failed (${failed} of ${plural(v.rules.length, 'rule')})`);
  return lines.join('\n') + '\n';
}
