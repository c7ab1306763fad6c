/**
 * `check`'s verdict gathered one connection at a time: each finished connection goes through the
 * policy (src/check/policy.ts) alone, and per rule only the count and the first OFFENCE_CAP offences
 * (lowest connection id first, listener-wide ones last, as a whole-capture evaluation lists them)
 * are kept.
 */
import { evaluatePolicy, type Offence, type Policy, type RuleResult, type Verdict } from '../check/policy.js';
import type { AnomalyOccurrence, Connection } from '../flow/model.js';
import type { CaptureProblem } from './integrity.js';
import { TopK } from './top-k.js';

/** Offences kept per rule; `count` always has the total. */
export const OFFENCE_CAP = 100;

interface Ranked { o: Offence; seq: number }

function byConnection(a: Ranked, b: Ranked): number {
  const ca = a.o.connection ?? Infinity;
  const cb = b.o.connection ?? Infinity;
  return ca - cb || a.seq - b.seq;
}

interface RuleAcc { head: RuleResult; count: number; offences: TopK<Ranked> }

export class VerdictBuilder {
  private connections = 0;
  private seq = 0;
  private readonly rules: RuleAcc[];

  constructor(private readonly policy: Policy) {
    // The rules a policy has, in its order: what an evaluation of nothing returns.
    this.rules = evaluatePolicy(policy, [], []).rules.map((head) => ({ head, count: 0, offences: new TopK(OFFENCE_CAP, byConnection) }));
  }

  add(c: Connection): void {
    this.connections++;
    this.take(evaluatePolicy(this.policy, [c], []).rules);
  }

  /** Listener-wide anomalies, once the tracker has finished. */
  addGlobal(anomalies: readonly AnomalyOccurrence[]): void {
    if (anomalies.length) this.take(evaluatePolicy(this.policy, [], anomalies).rules);
  }

  /** Capture problems (pipeline/integrity.ts), once the inputs are read: `--fail-on damaged` counts them. */
  addProblems(problems: readonly CaptureProblem[]): void {
    if (problems.length) this.take(evaluatePolicy(this.policy, [], [], problems).rules);
  }

  finish(): Verdict {
    const rules: RuleResult[] = this.rules.map((r) => ({
      ...r.head,
      // As the policy judges: a `max:` rule tolerates up to its limit, every other rule none.
      passed: r.head.rule.startsWith('max:') ? r.count <= r.head.limit : r.count === 0,
      count: r.count,
      offences: r.offences.sorted().map((x) => x.o),
    }));
    return { passed: rules.every((r) => r.passed), rules, connections: this.connections };
  }

  private take(results: readonly RuleResult[]): void {
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.count === 0) continue;
      const acc = this.rules[i]!;
      acc.count += r.count;
      for (const o of r.offences) acc.offences.add({ o, seq: this.seq++ });
    }
  }
}
