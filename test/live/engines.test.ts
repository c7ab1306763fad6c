/**
 * The live capture engines with real traffic, as a user runs sniff: handshake RTTs equal those of an
 * independent tcpdump capturing the same connections (loopback, and a veth pair between two network
 * namespaces this test creates), a burst into a deliberately tiny kernel buffer is reported as drops
 * (status line, events, the analysis), Ctrl-C leaves a valid pcapng that carries the counters, and the
 * cap fallback says what it cannot do. Both capture programs must be installed (CI installs tcpdump
 * and tshark, which brings dumpcap): a missing one fails here instead of being skipped.
 * Needs root. Every wait is bounded; the namespaces are removed afterwards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANOMALIES } from '../../src/flow/anomalies.js';
import type { Connection } from '../../src/flow/model.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { BIN, hasCommand, synack, within } from '../helpers/cli.js';
import { assertValid, validateAnalyze, validateSniffEvent } from '../helpers/schema.js';
import { parseLines, startSniff, type Sniffer } from '../helpers/sniff.js';

const ENGINES = ['tcpdump', 'dumpcap'] as const;
/**
 * Two kernel time stamps of the same packet, read through two capture sockets: the median difference
 * over every RTT compared. Each socket stamps a packet as the kernel hands it over, one after the
 * other, so under load (CI runs other suites at once) a single stamp can come tens of microseconds
 * later (CI, twice: 26 and 27 µs, one comparison of the 15 each time; on a quiet machine all are
 * under 2.5 µs); RTT_OUTLIER bounds those. Time stamps taken in user space would miss by more than the
 * median allows: a loopback handshake's packets arrive in one read, so their RTTs would come out near
 * zero against the kernel's (19-88 µs here).
 */
const RTT_TOLERANCE = 5e-6;
const RTT_OUTLIER = 200e-6;
const CONNECTIONS = 5;
/**
 * Every exchange closed, as each side ends: a close reads LAST_ACK → CLOSED on one side and TIME_WAIT on
 * the other, but when the two FINs cross (the server closes as the client does: a race the test cannot
 * rule out) both sides end in TIME_WAIT and neither reaches CLOSED before 2×MSL. Two such ends each.
 */
const ALL_CLOSED = new RegExp(`("to":"(CLOSED|TIME_WAIT)"[^]*){${2 * CONNECTIONS}}`);

const tmp = mkdtempSync(join(tmpdir(), 'synack-engines-'));
afterAll(() => { if (!process.env.SYNACK_KEEP_TMP) rmSync(tmp, { recursive: true, force: true }); });

test('both capture programs are installed (CI installs tcpdump and tshark, which brings dumpcap)', () => {
  expect(hasCommand('tcpdump')).toBe(true);
  expect(hasCommand('dumpcap')).toBe(true);
  expect(hasCommand('tshark')).toBe(true);
  expect(hasCommand('hping3')).toBe(true);
});

/** Runs `cmd` and fails the test with its stderr when it does not exit 0. */
function run(cmd: string[]): string {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 15000 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** An independent tcpdump writing a file: the oracle for the same packets. */
async function startOracle(iface: string, filter: string, file: string, prefix: string[]): Promise<ChildProcess> {
  const cmd = [...prefix, 'tcpdump', '-i', iface, '--immediate-mode', '-U', '-n', '--time-stamp-precision', 'nano', '-B', '16384', '-w', file, filter];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`oracle tcpdump did not start: ${err}`)), 10000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/listening on/.test(err)) { clearTimeout(timer); resolve(); }
    });
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`oracle tcpdump exited: ${err}`)); });
  });
  return child;
}

/** Stops the oracle (after a settle time) and returns what it said at exit (its own drop counts). */
async function stopOracle(child: ChildProcess): Promise<string> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  if (child.exitCode !== null || child.signalCode !== null) return err;
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGINT');
  if (await within(exited, 10000) === 'timeout') child.kill('SIGKILL');
  return err;
}

interface Rtt { synToSynAck: number; synAckToAck: number; total: number }

/** Handshake RTTs per client port, from tshark's fields on the oracle's file. */
function oracleRtts(file: string, serverPort: number): Map<number, Rtt> {
  const out = run(['tshark', '-r', file, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags', '-e', 'frame.time_epoch']);
  const seen = new Map<number, { syn?: number; synAck?: number; ack?: number }>();
  // In time order: the RTTs are differences of time stamps, and a capture file need not be in time
  // order (packets reach a capture socket from more than one CPU).
  const lines = out.trim().split('\n').map((l) => l.split('\t'));
  lines.sort((x, y) => Number(x[3]) - Number(y[3]));
  for (const [src, dst, flags, t] of lines) {
    const f = Number(flags);
    const time = Number(t);
    const toServer = Number(dst) === serverPort;
    const client = toServer ? Number(src) : Number(dst);
    const h = seen.get(client) ?? {};
    seen.set(client, h);
    if (f === 0x002 && toServer) h.syn ??= time;
    else if (f === 0x012 && !toServer) h.synAck ??= time;
    else if (toServer && (f & 0x010) && h.synAck !== undefined) h.ack ??= time;
  }
  const rtts = new Map<number, Rtt>();
  for (const [port, h] of seen) {
    if (h.syn !== undefined && h.synAck !== undefined && h.ack !== undefined) {
      rtts.set(port, { synToSynAck: h.synAck - h.syn, synAckToAck: h.ack - h.synAck, total: h.ack - h.syn });
    }
  }
  return rtts;
}

function summaryOf(s: Sniffer): { events: Array<Record<string, unknown>>; doc: AnalyzeDocument } {
  const events = parseLines(s.stdout());
  for (const e of events) assertValid(validateSniffEvent, e);
  const last = events.at(-1) as { type: string; analysis: AnalyzeDocument };
  expect(last.type).toBe('summary');
  assertValid(validateAnalyze, last.analysis);
  return { events, doc: last.analysis };
}

function expectSameRtts(conns: Connection[], oracle: Map<number, Rtt>, oracleSaid: string): void {
  const diffs: number[] = [];
  expect(conns).toHaveLength(CONNECTIONS);
  if (oracle.size !== CONNECTIONS) throw new Error(`the oracle tcpdump holds ${oracle.size} of ${CONNECTIONS} handshakes; it said: ${oracleSaid}`);
  for (const c of conns) {
    const theirs = oracle.get(c.client.port);
    expect(theirs).toBeDefined();
    const ours = c.handshake.rtt;
    for (const k of ['synToSynAck', 'synAckToAck', 'total'] as const) {
      const d = Math.abs((ours[k] as number) - theirs![k]);
      diffs.push(d);
      if (d > RTT_OUTLIER) throw new Error(`connection ${c.client.port} ${k}: sniff ${ours[k]} s, tcpdump ${theirs![k]} s`);
    }
  }
  diffs.sort((a, b) => a - b);
  const median = diffs[diffs.length >> 1]!;
  if (median > RTT_TOLERANCE) throw new Error(`median difference from tcpdump ${median} s (all: ${diffs.join(', ')})`);
}

/** A place to run the exchange: loopback here, or a veth pair between two namespaces. */
interface Site {
  iface: string;
  /** Runs a command inside the client's namespace (empty for the root namespace). */
  prefix: string[];
  serverIp: string;
  /** Makes CONNECTIONS request/answer exchanges with the server on `port`, each closed. */
  exchange(port: number): Promise<void>;
  /** Starts a server answering "pong" on a free port; returns its port and a stop function. */
  server(): Promise<{ port: number; stop: () => Promise<void> }>;
}

const loopback: Site = {
  iface: 'lo', prefix: [], serverIp: '127.0.0.1',
  async server() {
    const srv = net.createServer((s) => { s.on('data', () => s.end('pong')); s.on('error', () => undefined); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { port: (srv.address() as net.AddressInfo).port, stop: () => new Promise((r) => srv.close(() => r())) };
  },
  async exchange(port) {
    for (let i = 0; i < CONNECTIONS; i++) {
      await new Promise<void>((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
        c.on('data', () => undefined);
        c.on('end', () => c.end());
        c.on('close', () => resolve());
        c.on('error', reject);
        c.setTimeout(5000, () => { c.destroy(); reject(new Error('client timed out')); });
      });
    }
  },
};

/** Two namespaces of this run joined by a veth pair: client 198.18.0.1, server 198.18.0.2. */
function vethSite(): Site & { setup(): void; teardown(): void } {
  const tag = `sycap${process.pid % 100000}`;
  const nsC = `${tag}-c`;
  const nsS = `${tag}-s`;
  const ifC = `${tag}c`;
  const ifS = `${tag}s`;
  const inNs = (ns: string) => ['ip', 'netns', 'exec', ns];
  const py = (ns: string, code: string, ...args: string[]) => [...inNs(ns), 'python3', '-c', code, ...args];
  return {
    iface: ifC, prefix: inNs(nsC), serverIp: '198.18.0.2',
    setup() {
      run(['ip', 'netns', 'add', nsC]);
      run(['ip', 'netns', 'add', nsS]);
      run(['ip', 'link', 'add', ifC, 'netns', nsC, 'type', 'veth', 'peer', 'name', ifS, 'netns', nsS]);
      run([...inNs(nsC), 'ip', 'addr', 'add', '198.18.0.1/24', 'dev', ifC]);
      run([...inNs(nsS), 'ip', 'addr', 'add', '198.18.0.2/24', 'dev', ifS]);
      for (const [ns, i] of [[nsC, ifC], [nsS, ifS]] as const) {
        run([...inNs(ns), 'ip', 'link', 'set', i, 'up']);
        run([...inNs(ns), 'ip', 'link', 'set', 'lo', 'up']);
      }
    },
    teardown() {
      for (const ns of [nsC, nsS]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10000 });
    },
    async server() {
      // Answers each connection with "pong" and closes; gives up after 60 s whatever happens.
      const code = 'import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(("198.18.0.2",0));s.listen(16)\n'
        + 'print(s.getsockname()[1],flush=True);s.settimeout(60)\nwhile True:\n  c,_=s.accept();c.settimeout(5);c.recv(100);c.sendall(b"pong");c.close()';
      const cmd = py(nsS, code);
      const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not start')), 10000);
        child.stdout!.once('data', (d: Buffer) => { clearTimeout(timer); resolve(Number(d.toString().trim())); });
      });
      return { port, stop: async () => { child.kill('SIGKILL'); } };
    },
    async exchange(port) {
      const code = 'import socket,sys\nfor i in range(int(sys.argv[2])):\n  c=socket.create_connection(("198.18.0.2",int(sys.argv[1])),timeout=5);c.sendall(b"ping");c.recv(10);c.close()';
      run(py(nsC, code, String(port), String(CONNECTIONS)));
    },
  };
}

describe.each(ENGINES)('--engine %s', (engine) => {
  const veth = vethSite();
  beforeAll(() => veth.setup());
  afterAll(() => veth.teardown());

  test.each([['loopback', loopback], ['a veth pair between two namespaces', veth]] as const)('on %s: kernel-time-stamped handshake RTTs equal tcpdump\'s within 5 µs', async (_name, site) => {
    const srv = await site.server();
    const filter = `tcp port ${srv.port}`;
    const oracleFile = join(tmp, `oracle-${engine}-${site.iface}.pcap`);
    const oracle = await startOracle(site.iface, filter, oracleFile, site.prefix);
    let oracleSaid = '';
    const s = startSniff(['-i', site.iface, '-f', filter, '--engine', engine, '--json'], site.prefix);
    try {
      await s.waitFor('stderr', new RegExp(`listening on ${site.iface} with ${engine}`), 10000);
      await site.exchange(srv.port);
      await s.waitFor('stdout', ALL_CLOSED, 10000);
      await new Promise((r) => setTimeout(r, 200));
      s.child.kill('SIGINT');
      expect(await within(s.exited, 15000)).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
      oracleSaid = await stopOracle(oracle);
      await srv.stop();
    }
    const { events, doc } = summaryOf(s);
    expect(events[0]).toMatchObject({ type: 'capture-start', engine, kernelTimestamps: true, skipped: [] });
    expect(doc.inputs[0]!.capture).toMatchObject({ engine, kernelTimestamps: true });
    expectSameRtts(doc.connections, oracleRtts(oracleFile, srv.port), oracleSaid);
  }, 60000);

  test('a burst into a tiny kernel buffer: drops counted, in the status line, the events and the analysis, with when', async () => {
    const port = 20000 + (process.pid % 20000);
    const s = startSniff(['-i', 'lo', '-f', `tcp port ${port}`, '--engine', engine, '-B', '1', '--json', '-w', join(tmp, `burst-${engine}.pcapng`)]);
    let burstStart = 0;
    try {
      await s.waitFor('stderr', /listening on lo/, 10000);
      burstStart = Date.now() / 1000;
      // 5,000 SYNs to a closed port, 10 µs apart, each answered by a RST: ~10,000 packets in a blink.
      // (hping3 exits 1 when it hears no answer it counts: RSTs to its own SYNs on lo are not.)
      const h = spawnSync('hping3', ['-q', '-S', '-p', String(port), '-c', '5000', '-i', 'u10', '127.0.0.1'], { encoding: 'utf8', timeout: 30000 });
      expect(`${h.stdout}${h.stderr}`).toMatch(/5000 packets transmitted/);
      // tcpdump's counters are polled once a second: let one poll see the drops.
      if (engine === 'tcpdump') await s.waitFor('stderr', /drops so far: [\d,]*[1-9][\d,]* by the kernel/, 10000);
      s.child.kill('SIGINT');
      expect(await within(s.exited, 15000)).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
    expect(s.stderr()).toMatch(new RegExp(`stopped \\(SIGINT\\): .*; ${engine}: .*[1-9][\\d,]* dropped by the kernel`));
    const { events, doc } = summaryOf(s);
    const stats = events.filter((e) => e.type === 'capture-stats') as Array<{ t: number; kernel: number | null }>;
    expect(stats.at(-1)!.kernel).toBeGreaterThan(0);
    const input = doc.inputs[0]!;
    expect(input.interfaceStats![0]!.osDrop).toBeGreaterThan(0);
    expect(input.interfaceStats![0]!.dropped).toBeGreaterThan(0);
    // When: the change that first shows kernel drops has a window that ends after the burst began.
    const first = input.capture!.dropChanges.find((d) => (d.kernel ?? 0) > 0)!;
    expect(first.t).toBeGreaterThanOrEqual(burstStart);
    expect(first.since).toBeLessThanOrEqual(first.t);
    if (engine === 'tcpdump') expect(first.t).toBeLessThan(input.interfaceStats![0]!.end!); // seen while capturing
    // The file says it too.
    const back = JSON.parse(synack(['analyze', '--json', join(tmp, `burst-${engine}.pcapng`)]).stdout) as AnalyzeDocument;
    expect(back.inputs[0]!.interfaceStats![0]!.osDrop).toBe(input.interfaceStats![0]!.osDrop);
    // Verdicts in that window that rest on a packet's absence are uncertain, with the drops as the
    // reason (flow/confidence.ts): live, and from the file. A SYN whose RST the capture dropped reads as
    // unanswered, but the kernel may drop both (dumpcap's runs often do); the file read without its
    // RSTs (a capture filter) leaves every SYN unanswered: one such verdict for each SYN it holds. (It
    // holds thousands here; under CI's load one run showed no such verdict, and "at least one" failed.)
    const noRsts = JSON.parse(synack(['analyze', '--json', join(tmp, `burst-${engine}.pcapng`), 'tcp[tcpflags] & tcp-rst == 0']).stdout) as AnalyzeDocument;
    const absence = (d: AnalyzeDocument) => d.connections.flatMap((c) => c.anomalies.filter((a) => ANOMALIES[a.id].restsOnAbsence === true));
    const lone = noRsts.connections.filter((c) => c.packets.client > 0 && c.packets.server === 0);
    expect(lone).toHaveLength(noRsts.connections.length);
    expect(absence(noRsts)).toHaveLength(lone.length);
    for (const a of [doc, back, noRsts].flatMap(absence)) {
      expect(a.confidence).toBe('uncertain');
      expect(a.uncertainBecause).toMatch(/dropped by the kernel/);
    }
  }, 60000);

  test('Ctrl-C leaves a valid pcapng ending with the statistics block', async () => {
    const srv = await loopback.server();
    const file = join(tmp, `sigint-${engine}.pcapng`);
    const s = startSniff(['-i', 'lo', '-f', `tcp port ${srv.port}`, '--engine', engine, '-w', file, '--json']);
    try {
      await s.waitFor('stderr', /listening on lo/, 10000);
      await loopback.exchange(srv.port);
      await s.waitFor('stdout', ALL_CLOSED, 10000);
      s.child.kill('SIGINT');
      expect(await within(s.exited, 15000)).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
      await srv.stop();
    }
    const { doc } = summaryOf(s);
    const r = synack(['analyze', '--json', file]);
    expect(r.code).toBe(0);
    const back = JSON.parse(r.stdout) as AnalyzeDocument;
    assertValid(validateAnalyze, back);
    const inp = back.inputs[0]!;
    expect(inp.format).toBe('pcapng');
    expect(inp.warnings).toEqual([]);
    expect(inp.frames).toBe(doc.summary.frames.frames);
    const st = inp.interfaceStats![0]!;
    expect(st).toMatchObject({ interface: 0, name: 'lo', userDeliv: inp.frames, osDrop: 0, blocks: 1 });
    expect(st.received).toBeGreaterThanOrEqual(inp.frames);
    expect(st.start).toBeLessThan(st.end!);
    expect(back.connections.map((c) => c.client.port).sort()).toEqual(doc.connections.map((c) => c.client.port).sort());
    // tshark reads every packet of it, with nanosecond time stamps equal to sniff's.
    const ts = run(['tshark', '-r', file, '-T', 'fields', '-e', 'frame.time_epoch']).trim().split('\n');
    expect(ts).toHaveLength(inp.frames);
    expect(Number(ts[0])).toBeCloseTo(doc.connections[0]!.start, 6);
  }, 60000);
});

describe('the cap engine (in-process fallback)', () => {
  test('--engine cap: says it stamps packets in Node and cannot count kernel drops', async () => {
    const srv = await loopback.server();
    const s = startSniff(['-i', 'lo', '-f', `tcp port ${srv.port}`, '--engine', 'cap', '--json', '--count', '10']);
    try {
      await s.waitFor('stderr', /listening on lo with cap/, 10000);
      await loopback.exchange(srv.port);
      expect(await within(s.exited, 15000)).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
      await srv.stop();
    }
    expect(s.stderr()).toMatch(/time stamps taken by Node/);
    expect(s.stderr()).toMatch(/cap cannot: no kernel drop counter/);
    const { events, doc } = summaryOf(s);
    expect(events[0]).toMatchObject({ type: 'capture-start', engine: 'cap', kernelTimestamps: false, snaplen: 65535 });
    expect(doc.inputs[0]!.capture).toMatchObject({ engine: 'cap', kernelTimestamps: false });
    expect(doc.inputs[0]!.interfaceStats![0]).toMatchObject({ osDrop: null, received: null, userDeliv: 10 });
  }, 30000);

  test('auto with neither program on the PATH falls back to cap and says so', async () => {
    const env = { ...process.env, PATH: join(tmp, 'empty-path') };
    const r = spawnSync(process.execPath, [BIN, 'sniff', '-i', 'lo', '-f', 'tcp port 9', '--duration', '0.3'],
      { env, encoding: 'utf8', timeout: 15000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/listening on lo with cap/);
    expect(r.stderr).toMatch(/engine tcpdump not used: tcpdump is not installed/);
    expect(r.stderr).toMatch(/engine dumpcap not used: dumpcap is not installed/);
    expect(r.stderr).toMatch(/fell back to the in-process cap engine/);
  }, 30000);
});
