/**
 * `synack explain ID CAPTURE` tells a connection from its analysis: for every connection of every
 * fixture, the narration holds every transition of its timeline (inferred ones said so, with why),
 * every lost segment (with the re-send that shows it), every anomaly; and the fixtures of issue 14
 * say what their README rows say.
 */
import { readdirSync } from 'node:fs';
import { narrateConnection } from '../../src/explain/narrate.js';
import type { ConnectionExplanation, NarrationStep } from '../../src/explain/explanation.js';
import { arcOf } from '../../src/explain/arc-of.js';
import { DEFAULT_TRACKER_OPTIONS, type Connection, type Listener } from '../../src/flow/model.js';
import { analyzeInputs } from '../../src/pipeline/analyze.js';
import { collectLadders } from '../../src/pipeline/ladder.js';
import { FIXTURES, fixture } from '../helpers/cli.js';
import { schemaErrors, validateExplain } from '../helpers/schema.js';

interface Told { c: Connection; e: ConnectionExplanation; l: Listener | null }

async function explainAll(name: string): Promise<Told[]> {
  const path = fixture(name);
  const r = await analyzeInputs([path], { tracker: DEFAULT_TRACKER_OPTIONS, verifyChecksums: false, keepConnections: true });
  const ladders = await collectLadders([path], r.connections, false);
  return r.connections.map((c) => {
    const l = r.listeners.find((x) => x.ip === c.server.ip && x.port === c.server.port) ?? null;
    return {
      c, l,
      e: narrateConnection({
        connection: c, segments: ladders.get(c.id) ?? [], segmentLimit: 2000, inputs: [path], mslSeconds: DEFAULT_TRACKER_OPTIONS.mslSeconds,
        listener: l,
      }),
    };
  });
}

const stepAt = (e: ConnectionExplanation, packet: number): NarrationStep[] => e.steps.filter((s) => s.packet === packet);

const CAPTURES = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f));

describe.each(CAPTURES)('%s: every connection told from its analysis', (name) => {
  test('transitions, lost segments and anomalies are all there', async () => {
    for (const { c, e } of await explainAll(name)) {
      if (!validateExplain(e)) throw new Error(`#${c.id}: ${schemaErrors(validateExplain)}`);
      const told = e.steps.flatMap((s) => s.transitions ?? []);
      // Each timeline transition once, as the timeline has it, and the arc of the state table it took.
      expect(told.map((t) => `${t.endpoint} ${t.from} ${t.to} ${t.cause}`).sort())
        .toEqual(c.timeline.map((t) => `${t.endpoint} ${t.from} ${t.to} ${t.cause}`).sort());
      for (const t of c.timeline) expect(arcOf(t)).not.toBeNull();
      // Inferred steps say so, and why.
      for (const t of told.filter((x) => x.inferred)) expect(t.text).toMatch(/inferred/);
      for (const s of e.steps.filter((x) => x.transitions?.some((t) => t.inferred))) expect(s.because).toBeTruthy();
      expect(told.filter((t) => t.inferred).length).toBe(c.timeline.filter((t) => t.inferred).length);
      // Each lost segment at its own step, with the packet of the re-send that shows it.
      for (const p of c.lostSegments ?? []) {
        const [s] = stepAt(e, p).filter((x) => x.lost);
        expect(s).toBeDefined();
        expect(s!.notes!.join(' ')).toMatch(/Lost after the capture point.*(#\d+|\+\d+\.\d+ s)/);
      }
      expect(e.steps.filter((s) => s.lost).map((s) => s.packet).sort()).toEqual([...(c.lostSegments ?? [])].sort());
      // Each anomaly occurrence, at its step, in a run's count, or with the ending.
      const counted = new Map<string, number>();
      for (const a of [...e.steps.flatMap((s) => s.anomalies ?? []), ...e.endingAnomalies]) counted.set(a.id, (counted.get(a.id) ?? 0) + (a.count ?? 1));
      const expected = new Map<string, number>();
      for (const a of c.anomalies) expected.set(a.id, (expected.get(a.id) ?? 0) + 1);
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
      expect([...e.anomalies].sort()).toEqual([...new Set(c.anomalies.map((a) => a.id))].sort());
      // Steps in time order, each timed from the first packet.
      for (let i = 1; i < e.steps.length; i++) expect(e.steps[i]!.t).toBeGreaterThanOrEqual(e.steps[i - 1]!.t - 1e-9);
      for (const s of e.steps) expect(s.offset).toBeCloseTo(s.t - c.start, 9);
      expect(e.ending.length).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('the fixtures of issue 14, as their README rows tell them', () => {
  test('lost-final-ack: the ACKs #10 and #12 were lost, each shown by the server\'s FIN re-sent next (#11, #13)', async () => {
    const [{ c, e }] = await explainAll('lost-final-ack.pcap') as [Told];
    expect(c.lostSegments).toEqual([10, 12]);
    expect(stepAt(e, 10)[0]!.notes!.join(' ')).toMatch(/#11.*#9/);
    expect(stepAt(e, 12)[0]!.notes!.join(' ')).toMatch(/#13.*#11/);
    expect(stepAt(e, 11)[0]!.anomalies!.map((a) => a.id)).toEqual(['fin-retransmission', 'lost-final-ack']);
    // The server's LAST_ACK → CLOSED once, at the ACK that reached it.
    const closed = e.steps.flatMap((s) => (s.transitions ?? []).map((t) => ({ ...t, packet: s.packet }))).filter((t) => t.from === 'LAST_ACK');
    expect(closed).toEqual([expect.objectContaining({ to: 'CLOSED', packet: 14, evidence: 'not-resent' })]);
    expect(e.connection.finalStates).toEqual({ client: 'TIME_WAIT', server: 'CLOSED' });
  });

  test('lost-handshake-ack: the lost ACKs are named, the server is ESTABLISHED at the ACK that arrived', async () => {
    const [{ c, e }] = await explainAll('lost-handshake-ack.pcap') as [Told];
    expect(c.lostSegments!.length).toBeGreaterThan(0);
    const est = c.timeline.find((t) => t.endpoint === 'server' && t.to === 'ESTABLISHED')!;
    expect(est.packet).toBeGreaterThan(Math.max(...c.lostSegments!));
    const step = e.steps.find((s) => s.transitions?.some((t) => t.endpoint === 'server' && t.to === 'ESTABLISHED'))!;
    expect(step.packet).toBe(est.packet);
    for (const p of c.lostSegments!) expect(stepAt(e, p)[0]!.notes!.join(' ')).toMatch(/SYN-ACK again at #\d+/);
    expect(e.anomalies).toContain('lost-handshake-ack');
  });

  test('simultaneous-open: both sides SYN_SENT → SYN_RECEIVED → ESTABLISHED, no LISTEN, told at the crossing SYN', async () => {
    const [{ e }] = await explainAll('simultaneous-open.pcap') as [Told];
    const tr = e.steps.flatMap((s) => s.transitions ?? []);
    for (const who of ['client', 'server'] as const) {
      expect(tr.filter((t) => t.endpoint === who).map((t) => t.to).slice(0, 3)).toEqual(['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
    }
    expect(tr.some((t) => t.to === 'LISTEN')).toBe(false);
    expect(stepAt(e, 2)[0]!.anomalies!.map((a) => a.id)).toEqual(['simultaneous-open']);
    expect(e.connection.outcome).toBe('simultaneous-open');
  });

  test('refused: the RST at #2 refuses the SYN; the server has no transition', async () => {
    const [{ e }] = await explainAll('refused.pcap') as [Told];
    expect(stepAt(e, 2)[0]!.anomalies!.map((a) => a.id)).toEqual(['handshake-refused']);
    expect(e.steps.flatMap((s) => s.transitions ?? []).filter((t) => t.endpoint === 'server')).toEqual([]);
    expect(stepAt(e, 2)[0]!.transitions).toEqual([expect.objectContaining({ endpoint: 'client', from: 'SYN_SENT', to: 'CLOSED', event: 'receive RST' })]);
  });

  test('mid-stream: the first step says both endpoints start ESTABLISHED, inferred, and why', async () => {
    const [{ e }] = await explainAll('mid-stream.pcap') as [Told];
    expect(e.steps[0]).toMatchObject({ packet: 1, inferred: true, because: expect.stringMatching(/no SYN/) });
    expect(e.steps[0]!.text).toMatch(/ESTABLISHED \(inferred\)/);
    expect(e.connection.roleInferred).toBe(true);
    expect(e.windows.firstScaled).toEqual({ client: null, server: null });
  });

  test('syn-cookies: a real client\'s connection rebuilt from the cookie at its ACK, the SYN-ACK a stateless answer', async () => {
    const all = await explainAll('syn-cookies.pcap');
    const rebuilt = all.filter(({ c }) => c.anomalies.some((a) => a.id === 'stateless-answer' && a.details?.['completed'] === true));
    expect(rebuilt.map(({ c }) => c.client.ip)).toEqual(['198.18.0.1', '198.18.0.1', '198.18.0.1']);
    for (const { c, e, l } of rebuilt) {
      // The listener's own alarms are named where its SYN queue is told.
      const listenerIds = [...new Set(l!.anomalies.map((a) => a.id))];
      expect(listenerIds).toContain('syn-cookies');
      expect(e.ending.join(' ')).toContain(`raised ${listenerIds.join(', ')}`);
      const ack = c.anomalies.find((a) => a.id === 'stateless-answer')!.details!['ackPacket'] as number;
      const atAck = stepAt(e, ack)[0]!;
      expect(atAck.inferred).toBe(true);
      expect(atAck.transitions).toContainEqual(expect.objectContaining({ endpoint: 'server', from: 'LISTEN', to: 'SYN_RECEIVED', inferred: true }));
      expect(atAck.because).toMatch(/SYN cookie/);
      const synAck = e.steps.find((s) => s.anomalies?.some((a) => a.id === 'stateless-answer'))!;
      expect(synAck.packet).toBeLessThan(ack);
      expect(e.ending.join(' ')).toMatch(/statelessly \(SYN cookies\)/);
    }
  });

  test('synack-expiry: the server\'s give-up is a moment of its own, inferred from time, after its last SYN-ACK', async () => {
    const [{ c, e }] = await explainAll('synack-expiry.pcap') as [Told];
    const gaveUp = c.timeline.find((t) => t.endpoint === 'server' && t.from === 'SYN_RECEIVED' && t.to === 'CLOSED')!;
    const step = e.steps.find((s) => s.transitions?.some((t) => t.event === 'give up'))!;
    expect(step).toMatchObject({ packet: null, inferred: true, t: gaveUp.t });
    expect(step.anomalies!.map((a) => a.id)).toContain('half-open-expired');
  });
});
