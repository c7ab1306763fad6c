/** `synack check <file...>`: pass/fail for CI. Exit 0 pass, 1 policy violated, 2 usage or input error. */
import { existsSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { buildPolicy, loadPolicyFile, type PolicyFile } from '../../check/config.js';
import type { Policy, Verdict } from '../../check/policy.js';
import type { TrackerOptions } from '../../flow/model.js';
import { analyzeInputs } from '../../pipeline/analyze.js';
import { captureDrops, captureProblems, type CaptureProblem } from '../../pipeline/integrity.js';
import type { Selection } from '../../pipeline/sink.js';
import { OFFENCE_CAP, VerdictBuilder } from '../../pipeline/verdict.js';
import { ANOMALIES } from '../../pipeline/stages.js';
import type { AnalysisResult } from '../../pipeline/types.js';
import { renderCheckJson, renderCheckText, renderGitHub, renderJUnit } from '../../report/check.js';
import { safeText } from '../../report/safe-text.js';
import { runWarnings } from '../../report/run-warnings.js';
import { stripAnsi } from '../../report/text.js';
import { wrapBlock } from '../../report/wrap.js';
import { UsageError } from '../../util/errors.js';
import type { Ctx } from '../context.js';
import { addInputOptions, resolveInputs, type InputFlags } from '../inputs.js';
import { EXIT, ExitStatus } from '../exit.js';
import { addTrackerOptions, collect, collectList, maxMemoryBytes, nonNegativeNumber, trackerOptions, type TrackerFlags } from '../parse.js';
import { warmUp, warmUpCapture, warmUpTracker } from '../warm-up.js';

export interface CheckCommandOptions {
  paths: string[];
  policy: Policy;
  tracker: TrackerOptions;
  verifyChecksums: boolean;
  /** The memory ceiling (--max-memory), bytes; null: node's heap limit. */
  maxMemoryBytes?: number | null;
  /** A capture filter and -c: which segments are judged. */
  selection?: Selection | null;
}

export interface CheckCommandResult {
  /** Per rule: the count, and the first OFFENCE_CAP offences (lowest connection id first). */
  verdict: Verdict;
  /** Per-input facts (connections: empty; each was judged as it finished). */
  result: AnalysisResult;
  /** Why the captures may not be a faithful record (reported in every format, judged by `--fail-on damaged`). */
  problems: CaptureProblem[];
}

export async function checkCommand(o: CheckCommandOptions): Promise<CheckCommandResult> {
  const verdict = new VerdictBuilder(o.policy);
  const result = await analyzeInputs(o.paths, {
    tracker: o.tracker, verifyChecksums: o.verifyChecksums, onConnection: (c) => verdict.add(c),
    maxMemoryBytes: o.maxMemoryBytes ?? null,
    ...(o.selection ? { selection: o.selection } : {}),
  });
  verdict.addGlobal(result.anomalies);
  const problems = captureProblems(result.inputs, result.counts);
  verdict.addProblems(problems);
  return { verdict: verdict.finish(captureDrops(result.inputs)), result, problems };
}

type Format = 'text' | 'json' | 'junit' | 'github';

interface CheckFlags extends TrackerFlags, InputFlags {
  config?: string;
  failOn?: string[];
  allow?: string[];
  max?: string[];
  maxRtt?: number;
  requireComplete?: boolean;
  strict?: boolean;
  format: Format;
  output?: string;
  verifyChecksums?: boolean;
}

export const DEFAULT_CONFIG = 'synack.config.json';

export function defineCheck(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('check')
    .description('judge captures against a policy, for CI: exit 0 pass, 1 policy violated, 2 usage or input error')
    .usage('[options] <file...> [filter expression]')
    .argument('[input...]', "pcap or pcapng files, or '-' for standard input, then optionally a capture filter in tcpdump's syntax");
  addInputOptions(cmd);
  cmd
    .option('--config <file>', `policy file (default: ./${DEFAULT_CONFIG} when it exists)`)
    .option('--fail-on <list>', 'severities (error, warning, info), damaged (capture problems) and/or anomaly ids that fail the check (default: error)', collectList)
    .option('--allow <list>', 'anomaly ids that never fail the check', collectList)
    .option('--max <id=n>', 'fail when anomaly <id> occurs more than n times (repeatable)', collect)
    .option('--max-rtt <ms>', 'fail when a handshake RTT (SYN → completing ACK) exceeds this many milliseconds', nonNegativeNumber)
    .option('--require-complete', 'fail when a handshake seen in the capture did not complete (refused, no answer, half-open, reset)')
    .option('--strict', 'count uncertain verdicts too (those resting on a packet\'s absence where the capture may have missed packets)')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'junit', 'github']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--verify-checksums', 'verify TCP checksums (offloaded checksums look wrong on the sending host)');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
Offences: every rule counts them all and lists the first ${OFFENCE_CAP} (lowest connection id first).

Policy: flags win over the config file, key by key. The config file is JSON:
  { "failOn": ["error", "half-open"], "allow": ["reset"], "max": { "retransmission": 10 },
    "maxRttMs": 200, "requireComplete": true, "strict": false, "msl": 30, "idleTimeout": 300,
    "synFloodThreshold": 64 }

Uncertain verdicts: an anomaly that rests on a packet's absence (lost-final-ack, half-open,
handshake-timeout, syn-dropped...) is uncertain when the capture may have missed packets around it
(drops the capture reports, gaps in that connection, segments the snaplen cut). It is listed with
its reason ("?") and does not fail the check; --strict counts it like a certain one.

Formats: text (people), json (schemaVersion 1), junit (one testcase per rule; failures list the
offending connections and packet numbers), github (::error annotations for GitHub Actions).

Capture problems (a truncated or corrupt file, undecodable frames) are reported by every format:
a "warning:" line in text, a ::warning in github, "integrity" in json, a "capture integrity"
test case and <system-err> in junit, and on stderr when the report is json, junit or a file.
--fail-on damaged makes them fail the check.

Examples:
  $ synack check capture.pcap
  $ synack check capture.pcap --fail-on error,lost-final-ack --allow reset --max retransmission=20
  $ synack check capture.pcap --max-rtt 150 --require-complete --format junit -o synack-junit.xml
  $ synack check capture.pcap --format github          # in a GitHub Actions step
  $ synack check capture.pcap --fail-on error,damaged --format junit -o synack.xml
  $ synack check capture.pcap 'port 443'                # judge the HTTPS connections only
`);
  cmd.action(async (args: string[], f: CheckFlags) => {
    const c = ctx();
    const input = resolveInputs(args, f, 'check');
    const paths = input.paths;
    let file: PolicyFile | null = null;
    let fileName = f.config ?? DEFAULT_CONFIG;
    if (f.config) file = loadPolicyFile(f.config);
    else if (existsSync(DEFAULT_CONFIG)) file = loadPolicyFile(DEFAULT_CONFIG);
    else fileName = 'config';
    const known = new Set<string>(Object.keys(ANOMALIES));
    const policy = buildPolicy({
      ...(f.failOn ? { failOn: f.failOn } : {}),
      ...(f.allow ? { allow: f.allow } : {}),
      ...(f.max ? { max: f.max } : {}),
      ...(f.maxRtt !== undefined ? { maxRttMs: f.maxRtt } : {}),
      ...(f.requireComplete ? { requireComplete: true } : {}),
      ...(f.strict ? { strict: true } : {}),
    }, file, known, fileName);
    if (policy.failOn.length === 0 && Object.keys(policy.max).length === 0 && policy.maxRttMs === null && !policy.requireComplete) {
      throw new UsageError('the policy has no rule (empty --fail-on and nothing else): nothing to check');
    }
    const opts: CheckCommandOptions = {
      paths, policy, tracker: trackerOptions(f, file ?? {}), verifyChecksums: f.verifyChecksums ?? false, selection: input.selection,
      maxMemoryBytes: maxMemoryBytes(f),
    };
    const warm = warmUpCapture(paths);
    if (warm !== null) await warmUp(() => checkCommand({ ...opts, paths: [warm], selection: null, tracker: warmUpTracker(opts.tracker) })); // warm-up.ts
    const { verdict, result, problems } = await checkCommand(opts);
    for (const w of runWarnings(result)) c.err(`warning: ${w}\n`);
    let text: string;
    switch (f.format) {
      case 'json': text = renderCheckJson(verdict, result.inputs, problems, c.version); break;
      case 'junit': text = renderJUnit(verdict, result.inputs, problems); break;
      case 'github': text = renderGitHub(verdict, result.inputs, problems); break;
      // On a terminal (or with COLUMNS) the lines fit it; in a CI log or a file each offence stays one line.
      case 'text': text = wrapBlock(renderCheckText(c.paint, verdict, result.inputs, problems), f.output ? Infinity : c.terminalColumns ?? Infinity, 4); break;
    }
    // CI never hides damage: unless the report itself is on the terminal in words (text, github),
    // each capture problem goes to stderr too, which every CI log shows (--quiet keeps warnings).
    if (f.output || f.format === 'json' || f.format === 'junit') {
      for (const pr of problems) c.err(`${c.paintErr.yellow('warning:')} ${safeText(pr.message)}\n`);
    }
    if (f.output) {
      try {
        writeFileSync(f.output, f.format === 'text' ? stripAnsi(text) : text);
      } catch (e) {
        throw new UsageError(`${f.output}: cannot write report (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      if (!c.quiet) c.err(`synack check: ${verdict.passed ? 'passed' : 'failed'}; report written to ${safeText(f.output)}\n`);
    } else {
      c.out(text);
    }
    if (!verdict.passed) throw new ExitStatus(EXIT.POLICY);
  });
}

