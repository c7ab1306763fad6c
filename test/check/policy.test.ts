import { buildPolicy, parseMaxEntry } from '../../src/check/config.js';
import { DEFAULT_POLICY, evaluatePolicy, type Policy } from '../../src/check/policy.js';
import { ANOMALIES } from '../../src/flow/anomalies.js';
import { UsageError } from '../../src/util/errors.js';
import { anomalyAt, completeConnection, refusedConnection } from '../helpers/connection.js';

const known = new Set(Object.keys(ANOMALIES));
const policy = (over: Partial<Policy>): Policy => ({ ...DEFAULT_POLICY, ...over });

describe('evaluatePolicy', () => {
  test('clean connections pass the default policy (error severity)', () => {
    const v = evaluatePolicy(DEFAULT_POLICY, [completeConnection()]);
    expect(v.passed).toBe(true);
    expect(v.rules.map((r) => r.rule)).toEqual(['fail-on:error']);
  });

  test('an error-severity anomaly fails the default policy, naming connection and packet', () => {
    const v = evaluatePolicy(DEFAULT_POLICY, [completeConnection(), refusedConnection(2)]);
    expect(v.passed).toBe(false);
    const r = v.rules[0]!;
    expect(r.passed).toBe(false);
    expect(r.offences).toHaveLength(1);
    expect(r.offences[0]).toMatchObject({ connection: 2, packet: 23, anomaly: 'handshake-refused' });
    expect(r.offences[0]!.flow).toBe('10.0.0.1:40002 → 10.0.0.2:81');
  });

  test('--allow exempts an id from severity and id rules', () => {
    const conns = [refusedConnection(2)];
    expect(evaluatePolicy(policy({ allow: ['handshake-refused'] }), conns).passed).toBe(true);
    expect(evaluatePolicy(policy({ failOn: ['handshake-refused'], allow: ['handshake-refused'] }), conns).passed).toBe(true);
  });

  test('fail-on by id catches warnings the default ignores', () => {
    const c = completeConnection({ anomalies: [anomalyAt('retransmission', 'warning', 5)] });
    expect(evaluatePolicy(DEFAULT_POLICY, [c]).passed).toBe(true);
    const v = evaluatePolicy(policy({ failOn: ['retransmission'] }), [c]);
    expect(v.passed).toBe(false);
    expect(v.rules[0]!.rule).toBe('fail-on:retransmission');
  });

  test('fail-on warning severity', () => {
    const c = completeConnection({ anomalies: [anomalyAt('reset', 'warning', 5), anomalyAt('keep-alive', 'info', 6)] });
    const v = evaluatePolicy(policy({ failOn: ['warning'] }), [c]);
    expect(v.rules[0]!.count).toBe(1);
  });

  test('max: at the limit passes, one over fails', () => {
    const c = completeConnection({ anomalies: [anomalyAt('retransmission', 'warning', 5), anomalyAt('retransmission', 'warning', 7)] });
    expect(evaluatePolicy(policy({ failOn: [], max: { retransmission: 2 } }), [c]).passed).toBe(true);
    const v = evaluatePolicy(policy({ failOn: [], max: { retransmission: 1 } }), [c]);
    expect(v.passed).toBe(false);
    expect(v.rules[0]).toMatchObject({ rule: 'max:retransmission', count: 2, limit: 1 });
  });

  test('max counts allowed ids too', () => {
    const c = completeConnection({ anomalies: [anomalyAt('reset', 'warning', 5), anomalyAt('reset', 'warning', 6)] });
    expect(evaluatePolicy(policy({ failOn: [], allow: ['reset'], max: { reset: 1 } }), [c]).passed).toBe(false);
  });

  test('max-rtt compares the SYN → ACK time in milliseconds', () => {
    const c = completeConnection(); // total 2 ms
    expect(evaluatePolicy(policy({ failOn: [], maxRttMs: 2 }), [c]).passed).toBe(true);
    const v = evaluatePolicy(policy({ failOn: [], maxRttMs: 1.5 }), [c]);
    expect(v.passed).toBe(false);
    expect(v.rules[0]!.offences[0]!.message).toContain('2.000 ms');
  });

  test('require-complete fails refused handshakes but not mid-stream pickups', () => {
    const base = completeConnection();
    const midstream = completeConnection({ id: 3, handshake: { ...base.handshake, outcome: 'not-seen' } });
    expect(evaluatePolicy(policy({ failOn: [], requireComplete: true }), [base, midstream]).passed).toBe(true);
    const v = evaluatePolicy(policy({ failOn: [], requireComplete: true }), [base, refusedConnection(2)]);
    expect(v.passed).toBe(false);
    expect(v.rules[0]!.offences.map((o) => o.connection)).toEqual([2]);
  });

  test('global (listener) anomalies count, with a null connection', () => {
    const flood = { ...anomalyAt('syn-flood', 'error', 99), endpoint: null, details: { ip: '10.0.0.2', port: 80, halfOpen: 70 } };
    const v = evaluatePolicy(DEFAULT_POLICY, [completeConnection()], [flood]);
    expect(v.passed).toBe(false);
    expect(v.rules[0]!.offences[0]).toMatchObject({ connection: null, flow: 'listener 10.0.0.2:80', packet: 99 });
  });
});

describe('buildPolicy', () => {
  test('defaults to failing on error severity', () => {
    expect(buildPolicy({}, null, known)).toEqual(DEFAULT_POLICY);
  });

  test('flags win over the file key by key; max entries merge per id', () => {
    const p = buildPolicy(
      { failOn: ['warning'], max: ['reset=3'] },
      { failOn: ['error'], allow: ['keep-alive'], max: { retransmission: 10, reset: 1 }, maxRttMs: 100, requireComplete: true },
      known,
    );
    expect(p).toEqual({ failOn: ['warning'], allow: ['keep-alive'], max: { retransmission: 10, reset: 3 }, maxRttMs: 100, requireComplete: true, strict: false });
  });

  test('unknown ids and severities are usage errors', () => {
    expect(() => buildPolicy({ failOn: ['fatal'] }, null, known)).toThrow(UsageError);
    expect(() => buildPolicy({ allow: ['error'] }, null, known)).toThrow(/unknown "error"/);
    expect(() => buildPolicy({ max: ['nope=1'] }, null, known)).toThrow(/--max/);
    expect(() => buildPolicy({}, { allow: ['nope'] }, known, 'x.json')).toThrow(/x.json: allow/);
  });

  test('parseMaxEntry', () => {
    expect(parseMaxEntry('retransmission=10')).toEqual(['retransmission', 10]);
    expect(() => parseMaxEntry('retransmission')).toThrow(UsageError);
    expect(() => parseMaxEntry('retransmission=-1')).toThrow(UsageError);
  });
});
