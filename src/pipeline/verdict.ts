/**
 * `check`'s verdict gathered one connection at a time: each finished connection goes through the
 * policy (src/check/policy.ts) alone, and per rule only the count and the first OFFENCE_CAP offences
 * (lowest connection id first, listener-wide ones last, as a whole-capture evaluation lists them)
 * are kept. A connection finished while the inputs were still being read was judged without the
 * capture's drop counts (known at the end: flow/confidence.ts); its verdicts that rest on a packet's
 * absence, still certain, wait for them (the connection's identity and those occurrences only).
 */
import { evaluatePolicy, type Offence, type Policy, type RuleResult, type Verdict } from '../check/policy.js';
import { ANOMALIES } from '../flow/anomalies.js';
import { judgeConfidence, type CaptureDrops } from '../flow/confidence.js';
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

interface RuleAcc {
  head: RuleResult;
  count: number;
  offences: TopK<Ranked>;
  uncertain: number;
  uncertainOffences: TopK<Ranked>;
}

function waitsForDrops(a: AnomalyOccurrence): boolean {
  return a.confidence !== 'uncertain' && ANOMALIES[a.id].restsOnAbsence === true;
}

/**
 * What a connection waiting for the drop counts keeps: what the anomaly rules and the confidence rule
 * read (its identity and endpoints, where it lies in frames and time, its gaps and cuts) and the
 * waiting occurrences. A shallow copy of the whole connection kept its handshake, options and
 * listener facts too: 20,000 unanswered SYNs under a 32 MB ceiling could not be held at all.
 */
function waitingCopy(c: Connection): Connection {
  const w = {
    id: c.id, client: c.client, server: c.server, ipVersion: c.ipVersion,
    firstPacket: c.firstPacket, lastPacket: c.lastPacket, start: c.start, end: c.end,
    anomalies: c.anomalies.filter(waitsForDrops),
    ...(c.gaps ? { gaps: c.gaps } : {}),
    ...(c.cutSegments ? { cutSegments: c.cutSegments } : {}),
  };
  // The anomaly policy (anomalyPolicy: no RTT or completion rule) and judgeConfidence read only these.
  return w as unknown as Connection;
}

export class VerdictBuilder {
  private connections = 0;
  private seq = 0;
  private readonly rules: RuleAcc[];
  /** Connections (trimmed to what the anomaly rules read) whose certain absence verdicts await the drop counts. */
  private readonly waiting: Connection[] = [];
  /** The policy without its connection-wide rules (RTT, completion): for the waiting occurrences alone. */
  private readonly anomalyPolicy: Policy;

  constructor(private readonly policy: Policy) {
    // The rules a policy has, in its order: what an evaluation of nothing returns.
    this.rules = evaluatePolicy(policy, [], []).rules.map((head) => ({
      head, count: 0, offences: new TopK(OFFENCE_CAP, byConnection), uncertain: 0, uncertainOffences: new TopK(OFFENCE_CAP, byConnection),
    }));
    // Anomaly rules come first in a verdict, so this one's results line up with the full policy's.
    this.anomalyPolicy = { ...policy, maxRttMs: null, requireComplete: false };
  }

  add(c: Connection): void {
    this.connections++;
    if (this.policy.strict || !c.anomalies.some(waitsForDrops)) {
      this.take(evaluatePolicy(this.policy, [c], []).rules);
      return;
    }
    this.take(evaluatePolicy(this.policy, [{ ...c, anomalies: c.anomalies.filter((a) => !waitsForDrops(a)) }], []).rules);
    this.waiting.push(waitingCopy(c));
  }

  /** Listener-wide anomalies, once the tracker has finished. */
  addGlobal(anomalies: readonly AnomalyOccurrence[]): void {
    if (anomalies.length) this.take(evaluatePolicy(this.policy, [], anomalies).rules);
  }

  /** Capture problems (pipeline/integrity.ts), once the inputs are read: `--fail-on damaged` counts them. */
  addProblems(problems: readonly CaptureProblem[]): void {
    if (problems.length) this.take(evaluatePolicy(this.policy, [], [], problems).rules);
  }

  /** The verdict, the waiting absence verdicts judged with the capture's drop counts. */
  finish(drops: readonly CaptureDrops[] = []): Verdict {
    for (const w of this.waiting) this.take(evaluatePolicy(this.anomalyPolicy, [judgeConfidence(w, drops)], []).rules);
    this.waiting.length = 0;
    const rules: RuleResult[] = this.rules.map((r) => {
      const out: RuleResult = {
        ...r.head,
        // As the policy judges: a `max:` rule tolerates up to its limit, every other rule none.
        passed: r.head.rule.startsWith('max:') ? r.count <= r.head.limit : r.count === 0,
        count: r.count,
        offences: r.offences.sorted().map((x) => x.o),
      };
      delete out.uncertain;
      if (r.uncertain > 0) out.uncertain = { count: r.uncertain, offences: r.uncertainOffences.sorted().map((x) => x.o) };
      return out;
    });
    return { passed: rules.every((r) => r.passed), rules, connections: this.connections };
  }

  private take(results: readonly RuleResult[]): void {
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      const acc = this.rules[i]!;
      if (r.uncertain) {
        acc.uncertain += r.uncertain.count;
        for (const o of r.uncertain.offences) acc.uncertainOffences.add({ o, seq: this.seq++ });
      }
      if (r.count === 0) continue;
      acc.count += r.count;
      for (const o of r.offences) acc.offences.add({ o, seq: this.seq++ });
    }
  }
}
