/**
 * Live streaming on a quiet network: `synack sniff` must report a connection when it ends in capture
 * time (a closed one once its 2×MSL linger runs out, an idle one after --idle-timeout), not only when
 * the capture stops. Nothing but sniff's own timer can do it here: after the two exchanges below no
 * packet passes the filter, so the test records the wall time each NDJSON line arrives and checks the
 * connection-end lines come seconds before the summary. Needs root (or CAP_NET_RAW) and cap built.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Connection } from '../../src/flow/model.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { BIN, ROOT, within } from '../helpers/cli.js';
import { assertValid, validateConnection, validateSniffEvent } from '../helpers/schema.js';

const MSL = 1; // TIME_WAIT lingers 2×MSL = 2 s in capture time
const IDLE = 3;
const DURATION = 9;

interface Line { at: number; event: Record<string, unknown> }

/** sniff's stdout as NDJSON lines, each stamped with the wall time (ms) it reached the test. */
interface Sniffer {
  child: ChildProcess;
  lines: Line[];
  stderr: () => string;
  stoppedAt: () => number | null;
  exited: Promise<number | null>;
  /** Resolves when `pattern` appears on stderr, rejects after `ms` or if sniff exits first. */
  waitStderr: (pattern: RegExp, ms: number) => Promise<void>;
}

function startSniff(args: string[]): Sniffer {
  const child = spawn(process.execPath, [BIN, 'sniff', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let partial = '';
  let err = '';
  let stoppedAt: number | null = null;
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    const at = Date.now();
    partial += d.toString();
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (text) lines.push({ at, event: JSON.parse(text) as Record<string, unknown> });
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (stoppedAt === null && /stopped \(/.test(err)) stoppedAt = Date.now();
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitStderr = (pattern: RegExp, ms: number) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out after ${ms} ms waiting for ${pattern}; stderr:\n${err}`)); }, ms);
    const check = () => {
      if (!pattern.test(err)) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    };
    waiters.add(check);
    check();
    void exited.then(() => {
      if (!waiters.has(check)) return;
      clearTimeout(timer);
      waiters.delete(check);
      reject(new Error(`sniff exited before ${pattern}; stderr:\n${err}`));
    });
  });
  return { child, lines, stderr: () => err, stoppedAt: () => stoppedAt, exited, waitStderr };
}

/** Connects, sends one line, resolves once the server's answer has come back. */
async function connectAndAsk(port: number): Promise<net.Socket> {
  return await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
    const giveUp = () => { c.destroy(); reject(new Error('client timed out')); };
    // Bounded until the answer comes; after that the socket must stay silent (no idle timer).
    c.once('data', () => { c.setTimeout(0); c.off('timeout', giveUp); resolve(c); });
    c.on('error', reject);
    c.setTimeout(5000, giveUp);
  });
}

describe('sniff streams connection ends while capturing (quiet loopback)', () => {
  let server: net.Server;
  let port = 0;
  let sniff: Sniffer | null = null;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    // Answers every request and never closes first: with allowHalfOpen false (the default) it ends
    // its side only when the client's FIN comes, so the client is the one left in TIME_WAIT.
    server = net.createServer((s) => {
      sockets.add(s);
      s.on('data', () => { s.write('pong'); });
      s.on('error', () => { /* torn down in afterAll */ });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    sniff?.child.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  test('a closed connection ends after 2×MSL, an idle one after --idle-timeout, both before the summary', async () => {
    sniff = startSniff(['-i', 'lo', '-f', `tcp port ${port}`, '--json', '--msl', String(MSL), '--idle-timeout', String(IDLE), '--duration', String(DURATION)]);
    await sniff.waitStderr(/listening on lo/, 10000);

    // (a) request, answer, client closes first; resolves when the socket is fully closed.
    const a = await connectAndAsk(port);
    sockets.add(a);
    const aPort = a.localPort!;
    await new Promise<void>((resolve) => { a.once('close', () => resolve()); a.end(); });
    // (b) request, answer, then silence: left open until the capture has stopped.
    const b = await connectAndAsk(port);
    sockets.add(b);
    const bPort = b.localPort!;
    const bQuietSince = Date.now();

    expect(await within(sniff.exited, (DURATION + 10) * 1000)).toBe(0);
    const lines = sniff.lines;
    for (const l of lines) assertValid(validateSniffEvent, l.event);
    const summary = lines.at(-1)!;
    expect(summary.event).toMatchObject({ type: 'summary', reason: 'duration' });
    const stoppedAt = sniff.stoppedAt();
    expect(stoppedAt).not.toBeNull();

    const ends = lines.filter((l) => l.event.type === 'connection-end');
    const endOf = (clientPort: number) => {
      const found = ends.filter((l) => (l.event.connection as Connection).client.port === clientPort);
      expect(found).toHaveLength(1);
      return { at: found[0]!.at, c: found[0]!.event.connection as Connection };
    };

    // (a): lingered 2×MSL after its last packet, then emitted with TIME_WAIT → CLOSED inferred.
    const endA = endOf(aPort);
    assertValid(validateConnection, endA.c);
    expect(endA.c.endReason).toBe('closed');
    expect(endA.c.close.initiator).toBe('client');
    expect(endA.c.finalStates).toEqual({ client: 'CLOSED', server: 'CLOSED' });
    const clientSteps = endA.c.timeline.filter((t) => t.endpoint === 'client');
    expect(clientSteps.map((t) => t.to)).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED']);
    const lastStep = clientSteps.at(-1)!;
    expect(lastStep).toMatchObject({ from: 'TIME_WAIT', to: 'CLOSED', inferred: true });
    const intoTimeWait = clientSteps.at(-2)!;
    expect(intoTimeWait.inferred).not.toBe(true);
    expect(lastStep.t - intoTimeWait.t).toBeCloseTo(2 * MSL, 6);
    // Not before the linger ran out (50 ms for the two clocks), and seconds before the capture stopped.
    expect(endA.at).toBeGreaterThanOrEqual((intoTimeWait.t + 2 * MSL) * 1000 - 50);
    expect(endA.at).toBeLessThanOrEqual(stoppedAt! - 2000);
    expect(endA.at).toBeLessThanOrEqual(summary.at - 2000);

    // (b): still ESTABLISHED on both sides, emitted as idle, --idle-timeout after its last packet.
    const endB = endOf(bPort);
    assertValid(validateConnection, endB.c);
    expect(endB.c.endReason).toBe('idle');
    expect(endB.c.finalStates).toEqual({ client: 'ESTABLISHED', server: 'ESTABLISHED' });
    expect(endB.c.close.initiator).toBeNull();
    expect(endB.at).toBeGreaterThanOrEqual(endB.c.end * 1000 + IDLE * 1000 - 50);
    expect(endB.at).toBeGreaterThanOrEqual(bQuietSince + IDLE * 1000 - 50);
    expect(endB.at).toBeLessThanOrEqual(stoppedAt! - 2000);
    expect(endB.at).toBeLessThanOrEqual(summary.at - 2000);
    // Nothing of (b) was seen after the test went quiet (so the idle clock really started there); the
    // second allows for a delayed ACK of the answer and stamping delay.
    expect(endB.c.end * 1000).toBeLessThanOrEqual(bQuietSince + 1000);

    // The summary holds the same two connections, with the same end reasons, and nothing else ended.
    const doc = (summary.event as { analysis: AnalyzeDocument }).analysis;
    expect(doc.connections.map((c) => [c.client.port, c.endReason])).toEqual([[aPort, 'closed'], [bPort, 'idle']]);
    expect(ends).toHaveLength(2);

    // Only now does (b) close (the capture has stopped: its FIN is not part of the test).
    expect(b.destroyed).toBe(false);
    await new Promise<void>((resolve) => { b.once('close', () => resolve()); b.end(); });
  }, 30000);
});
