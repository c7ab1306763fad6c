/**
 * The kernel is the oracle: every fixture made with its kernels' own view (fixtures/NAME.kernel.json:
 * set_state tracepoints, SYN-queue sampling, nstat) is held against what synack infers from the wire.
 *
 * Timelines (issue 11): each endpoint goes through exactly the states its kernel went through while the
 * capture ran, in order, and each transition sits within the one-way delay (plus scheduling slack) of the
 * kernel's. SYN queues (issue 12): peak, depth over time, drops, stateless answers, expiry times, re-send
 * limit and cookie completions equal the kernel's numbers. Where the wire cannot tell, the test says so.
 */
import { join } from 'node:path';
import type { Connection, Listener, TcpState } from '../../src/flow/model.js';
import { analyzeFile } from './helpers.js';
import {
  endpointKey, endpointStateAt, epochSeconds, findKernelConnections, kernelListener, kernelViewNames, listenerRequests,
  loadKernelView, nstatDelta, viewSeconds, type KernelConnection, type KernelView, type LabHost,
} from '../helpers/kernel-view.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

async function analysis(v: KernelView): Promise<{ connections: Connection[]; listeners: Listener[] }> {
  const r = await analyzeFile(join(FIXTURES, v.captures[0]!.file), { compactEmbryos: true });
  return { connections: r.connections, listeners: r.listeners };
}

function hostOf(v: KernelView, ip: string): LabHost {
  return v.hosts.client.addrs.includes(ip) ? 'client' : 'server';
}

/** The kernel connection synack's connection is (the one alive at its first packet, for a reused 4-tuple). */
function kernelOf(v: KernelView, c: Connection): KernelConnection | undefined {
  const all = findKernelConnections(v, c.client, c.server);
  const start = viewSeconds(v, c.start);
  return all.find((k) => Object.values(k.endpoints).some((e) => (e?.states ?? []).some((s) => Math.abs(s.t - start) < 1))) ?? all[0];
}

/**
 * The states the kernel's endpoint went through while the capture ran, from the state it was in at the
 * first frame; a listener's own LISTEN is where a passive endpoint starts (synack infers it).
 */
function kernelPath(v: KernelView, k: KernelConnection, host: LabHost, from: number, to: number): TcpState[] {
  const changes = kernelChanges(v, k, host, from, to);
  const at = endpointStateAt(k, host, changes[0]?.t !== undefined ? changes[0].t - 1e-6 : from).state;
  const path: TcpState[] = [at ?? changes[0]?.from ?? 'CLOSED'];
  for (const s of changes) path.push(s.to);
  return path;
}

/**
 * The kernel's changes during the capture: from a round trip (and slack) before its first frame (an
 * opener's connect() precedes the SYN the capture host sees by up to that) to a one-way delay after
 * its last (the far host gets the last segment that much after it passed).
 */
function kernelChanges(v: KernelView, k: KernelConnection, host: LabHost, from: number, to: number) {
  const delay = v.captures[0]!.oneWayDelayMs / 1000;
  return (k.endpoints[host]?.states ?? []).filter((s) => s.t > from - 2 * delay - 0.05 && s.t <= to + delay + 0.05);
}

/** synack's path, with its inferred CLOSED → LISTEN folded into LISTEN as the kernel starts it. */
function synackPath(c: Connection, role: 'client' | 'server'): TcpState[] {
  const path: TcpState[] = [c.initialStates[role], ...c.timeline.filter((x) => x.endpoint === role).map((x) => x.to)];
  return path[0] === 'CLOSED' && path[1] === 'LISTEN' ? path.slice(1) : path;
}

const TIMELINE_FIXTURES = ['lost-final-ack', 'lost-handshake-ack', 'refused', 'simultaneous-open', 'simultaneous-close', 'mid-stream'];

describe('timelines read as the kernels went (issue 11)', () => {
  test('the timeline fixtures have kernel views', () => {
    expect(kernelViewNames()).toEqual(expect.arrayContaining(TIMELINE_FIXTURES));
  });

  test.each(TIMELINE_FIXTURES)('%s: each endpoint goes through its kernel\'s states, in order, at the segments that caused them', async (name) => {
    const v = loadKernelView(name);
    const { connections } = await analysis(v);
    const delay = (v.captures[0]!.oneWayDelayMs / 1000);
    let compared = 0;
    for (const c of connections) {
      const k = kernelOf(v, c);
      if (k === undefined) continue; // not traced (the view covers the lab's IPv4 connections)
      const from = viewSeconds(v, c.start), to = viewSeconds(v, c.end);
      for (const role of ['client', 'server'] as const) {
        const host = hostOf(v, c[role].ip);
        if ((k.endpoints[host]?.states ?? []).length === 0) {
          // No socket at all on that host (a RST from a CLOSED port): synack shows no transition either.
          expect([c.id, role, synackPath(c, role)]).toEqual([c.id, role, ['CLOSED']]);
          continue;
        }
        const kernel = kernelPath(v, k, host, from, to);
        // A kernel's last TIME_WAIT → CLOSED comes 60 s after the capture: not part of its span.
        expect([c.id, role, synackPath(c, role)]).toEqual([c.id, role, kernel]);
        // Each transition within the far host's distance (its events and the capture point are up to two
        // one-way delays of the lab's wire apart, one each way through the relay) plus scheduling slack.
        const ks = kernelChanges(v, k, host, from, to);
        const ours = c.timeline.filter((x) => x.endpoint === role && x.to !== 'LISTEN');
        ours.forEach((tr, i) => {
          const kt = epochSeconds(v, ks[i]!.t);
          expect([c.id, role, tr.to, Math.abs(tr.t - kt) <= 2 * delay + 0.02]).toEqual([c.id, role, tr.to, true]);
        });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  test('lost final ACK: the server is in LAST_ACK once, CLOSED once, at the ACK that reached it; the lost ones are marked', async () => {
    const v = loadKernelView('lost-final-ack');
    const [c] = (await analysis(v)).connections;
    const k = kernelOf(v, c!)!;
    expect(synackPath(c!, 'server').filter((s) => s === 'LAST_ACK')).toHaveLength(1);
    const closed = c!.timeline.find((x) => x.endpoint === 'server' && x.to === 'CLOSED')!;
    const kClosed = k.endpoints.server!.states.find((s) => s.to === 'CLOSED')!;
    expect(Math.abs(closed.t - epochSeconds(v, kClosed.t))).toBeLessThanOrEqual(0.03);
    expect(c!.lostSegments!.length).toBeGreaterThan(0);
  });
});

const QUEUE_FIXTURES = ['syn-queue-overflow', 'syn-cookies', 'accept-queue-full', 'synack-expiry'];
const LISTENER = '198.18.0.2:4040';

/** The depth of a step series at time t. */
function depthAt(series: ReadonlyArray<readonly [number, number]>, t: number): number {
  let n = 0;
  for (const [at, v] of series) { if (at > t) break; n = v; }
  return n;
}

/**
 * Timer slack Linux adds to a wait (its timer wheel rounds long timeouts up by up to an eighth; HZ=250),
 * plus the kernel view's sampling window.
 */
function slack(v: KernelView, wait: number): number {
  return wait / 8 + v.sampling.maxGapMs / 1000 + 0.02;
}

describe('SYN queues as the kernel kept them (issue 12)', () => {
  test('the queue fixtures have kernel views', () => {
    expect(kernelViewNames()).toEqual(expect.arrayContaining(QUEUE_FIXTURES));
  });

  test.each(QUEUE_FIXTURES)('%s: peak, depth over time, answers, stateless answers, expiries and re-send limit', async (name) => {
    const v = loadKernelView(name);
    const { connections, listeners } = await analysis(v);
    const kl = kernelListener(v, LISTENER)!;
    const l = listeners.find((x) => endpointKey(x) === LISTENER)!;
    const q = l.synQueue;
    expect(l.halfOpenPeak).toBe(kl.synQueue.peak);
    // Requests the kernel created, plus the cookies it sent, are the SYNs it answered.
    expect(q.answered).toBe(kl.answered.requests + nstatDelta(v, 'SyncookiesSent'));
    expect(q.stateless).toBe(nstatDelta(v, 'SyncookiesSent'));
    expect(q.expired).toBe(kl.answered.dropped);
    // The depth over time: wherever the kernel's depth held for a while (away from its changes by the
    // timer slack of the longest wait, 1 s, and the sampling window), synack's equals it.
    const ours = l.halfOpenSeries.map(([t, n]) => [viewSeconds(v, t), n] as const);
    const ks = kl.synQueue.series;
    const guard = slack(v, 8);
    let checked = 0;
    for (let i = 0; i < ks.length; i++) {
      const from = ks[i]![0], to = i + 1 < ks.length ? ks[i + 1]![0] : from + 5;
      for (let t = from + guard; t < to - guard; t += 0.25) {
        expect([name, +t.toFixed(2), depthAt(ours, t)]).toEqual([name, +t.toFixed(2), ks[i]![1]]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    // Each expired request left when its next SYN-ACK was due; the kernel drops it up to an eighth of
    // that wait later (timer slack).
    const resends: number[] = [];
    for (const { connection: k, request } of listenerRequests(v, LISTENER)) {
      if (request?.outcome !== 'dropped') continue;
      resends.push(request.resends ?? request.synAckRetransmits.length);
      const c = connections.find((x) => endpointKey(x.client) === k.client)!;
      const drop = c.timeline.find((x) => x.endpoint === 'server' && x.from === 'SYN_RECEIVED' && x.to === 'CLOSED')!;
      expect([c.id, drop.inferred]).toEqual([c.id, true]);
      const gone = epochSeconds(v, request.gone!);
      const lastWait = drop.t - epochSeconds(v, request.synAckRetransmits.at(-1) ?? request.seen![0]);
      expect([c.id, drop.t - gone <= 0.02, gone - drop.t <= slack(v, lastWait)]).toEqual([c.id, true, true]);
    }
    if (resends.length > 0) expect(q.resendLimit).toBe(Math.max(...resends));
  });

  test('syn-queue-overflow: 34 answered, 17 at most held, 166 SYNs dropped (ListenDrops), expiries at +7 s', async () => {
    const v = loadKernelView('syn-queue-overflow');
    const { listeners, connections } = await analysis(v);
    const q = listeners.find((x) => endpointKey(x) === LISTENER)!.synQueue;
    expect(q).toMatchObject({ answered: 34, dropped: nstatDelta(v, 'ListenDrops'), inferredBacklog: 17, resendLimit: 2 });
    expect(q.dropped).toBe(166);
    expect(q.survival!.min).toBeGreaterThan(7 - 0.05);
    expect(q.survival!.max).toBeLessThan(7 + 0.2);
    expect(q.initialTimeout!).toBeCloseTo(1, 1);
    expect(connections.filter((c) => c.anomalies.some((a) => a.id === 'syn-dropped'))).toHaveLength(166);
  });

  test('syn-cookies: the real clients completed from cookies: rebuilt at their ACK, never in the queue (SyncookiesRecv)', async () => {
    const v = loadKernelView('syn-cookies');
    const { connections } = await analysis(v);
    const cookies = connections.filter((c) => c.anomalies.some((a) => a.id === 'stateless-answer' && a.details?.['completed'] === true));
    expect(cookies).toHaveLength(nstatDelta(v, 'SyncookiesRecv'));
    for (const c of cookies) {
      const k = kernelOf(v, c)!;
      expect(k.endpoints.server!.request).toBeNull();
      const rebuilt = c.timeline.find((x) => x.endpoint === 'server' && x.to === 'SYN_RECEIVED')!;
      const established = c.timeline.find((x) => x.endpoint === 'server' && x.to === 'ESTABLISHED')!;
      expect(rebuilt).toMatchObject({ packet: established.packet, inferred: true });
    }
  });

  test('accept-queue-full: the ACKs of the third client ignored, its request dropped; the fourth client\'s SYNs dropped', async () => {
    const v = loadKernelView('accept-queue-full');
    const { connections, listeners } = await analysis(v);
    const q = listeners.find((x) => endpointKey(x) === LISTENER)!.synQueue;
    const ignored = connections.find((c) => c.anomalies.some((a) => a.id === 'accept-queue-overflow'))!;
    const k = kernelOf(v, ignored)!;
    expect(k.endpoints.server!.request!.outcome).toBe('dropped');
    expect(synackPath(ignored, 'server')).toEqual(['LISTEN', 'SYN_RECEIVED', 'CLOSED']);
    expect(q.acceptOverflows).toBeGreaterThan(0);
    expect(nstatDelta(v, 'ListenOverflows')).toBeGreaterThan(0);
    const dropped = connections.filter((c) => c.anomalies.some((a) => a.id === 'syn-dropped'));
    expect(dropped.length).toBeGreaterThan(0);
    for (const c of dropped) expect(kernelOf(v, c)?.endpoints.server?.states ?? []).toEqual([]);
  });

  test('synack-expiry: the request survived 1 + 2 + 4 + 8 = 15 s after 3 re-sends (tcp_synack_retries=3)', async () => {
    const v = loadKernelView('synack-expiry');
    const { listeners } = await analysis(v);
    const q = listeners.find((x) => endpointKey(x) === LISTENER)!.synQueue;
    expect(q).toMatchObject({ expired: 1, resendLimit: 3 });
    expect(q.survival!.median).toBeGreaterThan(15 - 0.05);
    expect(q.survival!.median).toBeLessThan(15 + 0.5);
  });
});
