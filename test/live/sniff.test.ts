/**
 * Live capture on loopback, as a user runs it: a TCP server and client (node net, 127.0.0.1) talk while
 * `synack sniff` captures them; the test waits for sniff's "listening on lo" line before connecting,
 * and every wait is bounded. Needs root (or CAP_NET_RAW) and cap built: CI runs as root.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, FlowEvent } from '../../src/flow/model.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { BIN, hasCommand, ROOT, synack, within } from '../helpers/cli.js';
import { parseLines, startSniff } from '../helpers/sniff.js';
import { assertValid, validateAnalyze, validateConnection, validateSniffEvent } from '../helpers/schema.js';

const tmp = mkdtempSync(join(tmpdir(), 'synack-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A server that answers "ping" with "pong" and closes; resolves with its port. */
async function startServer(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((s) => {
    s.on('data', () => { s.end('pong'); });
    s.on('error', () => { /* the client may go first */ });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

async function pingPong(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
    c.on('data', () => { /* pong */ });
    c.on('end', () => c.end());
    c.on('close', () => resolve());
    c.on('error', reject);
    c.setTimeout(5000, () => { c.destroy(); reject(new Error('client timed out')); });
  });
}

describe('sniff on loopback', () => {
  let srv: { server: net.Server; port: number };
  beforeEach(async () => { srv = await startServer(); });
  afterEach(async () => { await new Promise((r) => srv.server.close(r)); });

  test('Ctrl-C: events stream as NDJSON, the summary follows, exit 0, the pcap is complete', async () => {
    const pcap = join(tmp, 'sigint.pcap');
    const s = startSniff(['-i', 'lo', '-f', `tcp port ${srv.port}`, '-w', pcap, '--json']);
    try {
      await s.waitFor('stderr', /listening on lo/, 10000);
      await pingPong(srv.port);
      // One side has fully closed: every packet of the exchange has reached sniff.
      await s.waitFor('stdout', /"to":"CLOSED"/, 10000);
      s.child.kill('SIGINT');
      expect(await within(s.exited, 10000)).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
    const events = parseLines(s.stdout());
    expect(events[0]).toMatchObject({ type: 'capture-start', interface: 'lo', filter: `tcp port ${srv.port}` });
    const flow = events.slice(1, -1) as unknown as FlowEvent[];
    expect(flow[0]).toMatchObject({ type: 'connection-start', server: { ip: '127.0.0.1', port: srv.port } });
    const client = flow.filter((e) => e.type === 'transition' && e.transition.endpoint === 'client').map((e) => (e as { transition: { to: string } }).transition.to);
    expect(client.slice(0, 2)).toEqual(['SYN_SENT', 'ESTABLISHED']);
    const end = flow.find((e) => e.type === 'connection-end') as { connection: Connection };
    expect(end.connection.handshake.outcome).toBe('complete');
    expect(end.connection.server.port).toBe(srv.port);
    for (const e of events) assertValid(validateSniffEvent, e);
    const last = events.at(-1) as unknown as { type: string; reason: string; analysis: AnalyzeDocument };
    expect(last).toMatchObject({ type: 'summary', reason: 'SIGINT' });
    const summary = last.analysis;
    assertValid(validateAnalyze, summary);
    assertValid(validateConnection, end.connection);
    expect(summary.connections).toHaveLength(1);
    expect(s.stderr()).toMatch(/stopped \(SIGINT\): \d+ packets captured/);

    // The file holds every packet sniff saw: synack reads back the same connection.
    const back = synack(['analyze', '--json', pcap]);
    expect(back.code).toBe(0);
    const doc = JSON.parse(back.stdout) as AnalyzeDocument;
    expect(doc.inputs[0]!.frames).toBe(summary.summary.frames.frames);
    expect(doc.inputs[0]!.warnings).toEqual([]);
    expect(doc.connections).toHaveLength(1);
    const [a, b] = [doc.connections[0]!, summary.connections[0]!];
    expect(a.finalStates).toEqual(b.finalStates);
    expect(a.handshake.outcome).toBe(b.handshake.outcome);
    expect(a.timeline.map((t) => `${t.endpoint}:${t.to}@${t.packet}`)).toEqual(b.timeline.map((t) => `${t.endpoint}:${t.to}@${t.packet}`));
    // ... and so does tshark (CI installs it).
    expect(hasCommand('tshark')).toBe(true);
    const ts = spawnSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.dstport'], { encoding: 'utf8', timeout: 30000 });
    expect(ts.status).toBe(0);
    const rows = ts.stdout.trim().split('\n');
    expect(rows).toHaveLength(doc.inputs[0]!.frames);
  }, 30000);

  test('--count stops by itself after n packets; text events and the analyze summary', async () => {
    const s = startSniff(['-i', 'lo', '-f', `tcp port ${srv.port}`, '--count', '3']);
    try {
      await s.waitFor('stderr', /listening on lo/, 10000);
      await pingPong(srv.port);
      const code = await within(s.exited, 10000);
      expect(code).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
    const out = s.stdout();
    expect(out).toMatch(new RegExp(`#1  new 127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${srv.port}`));
    expect(out).toMatch(/#1  client CLOSED → SYN_SENT/);
    expect(out).toMatch(/#1  client SYN_SENT → ESTABLISHED/);
    expect(out).toContain('Connections: 1');
    expect(out).toMatch(/handshake: complete 1/);
    expect(s.stderr()).toMatch(/stopped \(count\): 3 packets captured, 3 TCP segments, 1 connection;/);
  }, 30000);

  test('--duration stops with nothing captured and exits 0', async () => {
    const s = startSniff(['-i', 'lo', '-f', `tcp port ${srv.port}`, '--duration', '0.3']);
    const code = await within(s.exited, 10000);
    s.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(s.stdout()).toContain('Connections: 0');
  }, 15000);
});

describe('sniff errors: one line with the fix, exit 2', () => {
  test('unknown interface lists the ones there are', () => {
    const r = synack(['sniff', '-i', 'nosuch0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no interface "nosuch0"; there are: .*\blo\b/);
  });

  test('-w into a missing directory names the file', () => {
    const r = synack(['sniff', '-i', 'lo', '-f', 'tcp port 9', '-w', join(tmp, 'no', 'such', 'dir.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/dir\.pcap: cannot create capture file \(no such directory\)/);
  });

  test('bad filter gives libpcap\'s message', () => {
    const r = synack(['sniff', '-i', 'lo', '-f', 'tcp port']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^synack: error: bad capture filter "tcp port": .*syntax error/);
  });

  test('without privileges: rights for the capture program only, never setcap on node', () => {
    expect(hasCommand('runuser')).toBe(true);
    const asNobody = (engine: string) => spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'sniff', '-i', 'lo', '--count', '1', '--engine', engine],
      { cwd: ROOT, encoding: 'utf8', timeout: 15000 });
    for (const engine of ['auto', 'tcpdump', 'dumpcap']) {
      const r = asNobody(engine);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/permission.*capturing needs root, or capture rights for the capture program alone: sudo setcap cap_net_raw,cap_net_admin=eip \$\(command -v dumpcap\)/);
    }
    const cap = asNobody('cap');
    expect(cap.status).toBe(2);
    expect(cap.stderr).toMatch(/--engine cap\) needs root: run with sudo, or install tcpdump or dumpcap/);
    for (const r of [cap, asNobody('auto')]) expect(r.stderr).not.toMatch(/which node|readlink/);
    expect(synack(['sniff', '--help']).stdout).not.toMatch(/setcap[^\n]*node|which node/);
  });

  test('interfaces lists lo with 127.0.0.1', () => {
    const r = synack(['interfaces', '--json']);
    expect(r.code).toBe(0);
    const lo = (JSON.parse(r.stdout) as Array<{ name: string; addresses: Array<{ addr: string }> }>).find((d) => d.name === 'lo');
    expect(lo?.addresses.map((a) => a.addr)).toContain('127.0.0.1');
  });
});
