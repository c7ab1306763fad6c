/**
 * CI policy evaluation: a pure function of (policy, connections) → verdict, one result per rule.
 * No I/O here; src/check/config.ts builds the Policy from flags and synack.config.json.
 */
import { ANOMALIES } from '../flow/anomalies.js';
import type { AnomalyId, AnomalyOccurrence, Connection, Severity } from '../flow/model.js';
import type { CaptureProblem } from '../pipeline/integrity.js';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** `--fail-on damaged`: the captures are not a faithful record (pipeline/integrity.ts). */
export const DAMAGED = 'damaged';

export interface Policy {
  /** Severities and/or anomaly ids (and `damaged`: capture problems) that fail the run. Default: ['error']. */
  failOn: Array<Severity | AnomalyId | typeof DAMAGED>;
  /** Anomaly ids never failing the run (they still count for `max`). */
  allow: AnomalyId[];
  /** Anomaly id → the most occurrences tolerated (more fails). */
  max: Partial<Record<AnomalyId, number>>;
  /** Handshake RTT (SYN → completing ACK) above this many milliseconds fails; null = no limit. */
  maxRttMs: number | null;
  /** Every connection whose handshake was seen must complete it. */
  requireComplete: boolean;
}

export const DEFAULT_POLICY: Policy = { failOn: ['error'], allow: [], max: {}, maxRttMs: null, requireComplete: false };

export interface Offence {
  /** Connection id, or null for a listener-wide anomaly or a capture problem. */
  connection: number | null;
  /** "client ip:port → server ip:port", the listener for a global anomaly, the input for a capture problem. */
  flow: string;
  /** Frame number that shows it (0 for a capture problem that hit no frame). */
  packet: number;
  /** Capture time (0 for a capture problem: it has none). */
  t: number;
  /** The anomaly id, for anomaly rules. */
  anomaly?: AnomalyId;
  message: string;
}

export interface RuleResult {
  /** Stable rule id: "fail-on:error", "fail-on:reset", "fail-on:damaged", "max:retransmission", "max-rtt", "require-complete". */
  rule: string;
  /** One line a person reads: "no error-severity anomalies (allowed: reset)". */
  description: string;
  passed: boolean;
  /** What was counted against the rule (occurrences, slow or incomplete handshakes). */
  count: number;
  /** The tolerated count (0 for fail-on and require-complete). */
  limit: number;
  offences: Offence[];
}

export interface Verdict {
  passed: boolean;
  rules: RuleResult[];
  connections: number;
}

function flowOf(c: Connection): string {
  const fmt = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  return `${fmt(c.client.ip, c.client.port)} → ${fmt(c.server.ip, c.server.port)}`;
}

/** A listener-wide anomaly names its listener in details (ip, port). */
function listenerOf(a: AnomalyOccurrence): string {
  const ip = a.details?.['ip'];
  const port = a.details?.['port'];
  if (typeof ip !== 'string' || typeof port !== 'number') return 'listener';
  return ip.includes(':') ? `listener [${ip}]:${port}` : `listener ${ip}:${port}`;
}

function offence(c: Connection | null, a: AnomalyOccurrence): Offence {
  return {
    connection: c ? c.id : null,
    flow: c ? flowOf(c) : listenerOf(a),
    packet: a.packet, t: a.t, anomaly: a.id, message: a.message,
  };
}

/**
 * Occurrences the connections counted without listing them (flow/anomalies.ts MAX_LISTED_PER_ID) whose
 * id passes `match`: they count against a rule like listed ones, with no offence line of their own.
 */
function omittedMatching(conns: readonly Connection[], match: (id: AnomalyId) => boolean): number {
  let n = 0;
  for (const c of conns) {
    const o = c.anomaliesOmitted;
    if (o) for (const [id, k] of Object.entries(o) as Array<[AnomalyId, number]>) if (match(id)) n += k;
  }
  return n;
}

function isSeverity(x: string): x is Severity {
  return (SEVERITIES as readonly string[]).includes(x);
}

/** Every anomaly occurrence, with its connection (null for global ones), in connection order. */
function* occurrences(conns: readonly Connection[], global: readonly AnomalyOccurrence[]):
  Generator<[Connection | null, AnomalyOccurrence]> {
  for (const c of conns) for (const a of c.anomalies) yield [c, a];
  for (const a of global) yield [null, a];
}

export function evaluatePolicy(
  policy: Policy,
  connections: readonly Connection[],
  globalAnomalies: readonly AnomalyOccurrence[] = [],
  problems: readonly CaptureProblem[] = [],
): Verdict {
  const rules: RuleResult[] = [];
  const allowed = new Set<string>(policy.allow);
  const allowNote = policy.allow.length ? ` (allowed: ${policy.allow.join(', ')})` : '';

  for (const entry of policy.failOn) {
    if (entry === DAMAGED) {
      const offences = problems.map((p): Offence => ({ connection: null, flow: p.input ?? 'capture', packet: p.frame ?? 0, t: 0, message: p.message }));
      rules.push({
        rule: `fail-on:${DAMAGED}`, description: 'capture integrity: no truncation, corruption or undecodable frames',
        passed: offences.length === 0, count: offences.length, limit: 0, offences,
      });
      continue;
    }
    const sev = isSeverity(entry);
    const offences: Offence[] = [];
    const matches = (id: AnomalyId, severity: Severity) => !allowed.has(id) && (sev ? severity === entry : id === entry);
    for (const [c, a] of occurrences(connections, globalAnomalies)) if (matches(a.id, a.severity)) offences.push(offence(c, a));
    const count = offences.length + omittedMatching(connections, (id) => matches(id, ANOMALIES[id].severity));
    rules.push({
      rule: `fail-on:${entry}`,
      description: sev ? `no ${entry}-severity anomalies${allowNote}` : `no ${entry} anomalies${allowed.has(entry) ? ' (allowed)' : ''}`,
      passed: count === 0, count, limit: 0, offences,
    });
  }

  for (const [id, limit] of Object.entries(policy.max) as Array<[AnomalyId, number]>) {
    const offences: Offence[] = [];
    for (const [c, a] of occurrences(connections, globalAnomalies)) if (a.id === id) offences.push(offence(c, a));
    const count = offences.length + omittedMatching(connections, (x) => x === id);
    rules.push({
      rule: `max:${id}`, description: `at most ${limit} ${id} occurrence${limit === 1 ? '' : 's'}`,
      passed: count <= limit, count, limit, offences,
    });
  }

  if (policy.maxRttMs !== null) {
    const offences: Offence[] = [];
    for (const c of connections) {
      // SYN → completing ACK only: a handshake that never completed has no such RTT (half-open,
      // refused); its SYN → SYN-ACK time is not what the rule promises to bound.
      const rtt = c.handshake.rtt.total;
      if (rtt === null || rtt * 1000 <= policy.maxRttMs) continue;
      offences.push({
        connection: c.id, flow: flowOf(c), packet: c.firstPacket, t: c.handshake.synTime ?? c.start,
        message: `handshake RTT ${(rtt * 1000).toFixed(3)} ms exceeds ${policy.maxRttMs} ms`,
      });
    }
    rules.push({
      rule: 'max-rtt', description: `handshake RTT at most ${policy.maxRttMs} ms`,
      passed: offences.length === 0, count: offences.length, limit: 0, offences,
    });
  }

  if (policy.requireComplete) {
    const offences: Offence[] = [];
    for (const c of connections) {
      const o = c.handshake.outcome;
      // A connection picked up mid-stream shows no handshake to judge; a simultaneous open is complete.
      if (o === 'complete' || o === 'not-seen' || o === 'simultaneous-open') continue;
      offences.push({
        connection: c.id, flow: flowOf(c), packet: c.firstPacket, t: c.start,
        message: `handshake ${o} (client ${c.finalStates.client}, server ${c.finalStates.server})`,
      });
    }
    rules.push({
      rule: 'require-complete', description: 'every observed handshake completes',
      passed: offences.length === 0, count: offences.length, limit: 0, offences,
    });
  }

  return { passed: rules.every((r) => r.passed), rules, connections: connections.length };
}
