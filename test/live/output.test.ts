/**
 * Live capture and output: `sniff`'s event stream into a reader that goes away ends synack quietly
 * with exit 0; interface names holding ESC and 8-bit CSI (veth devices in a network namespace this
 * test creates and deletes) are shown escaped by `interfaces`, `sniff` and their errors. Needs root
 * and cap built (CI runs as root), and iproute2.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { BIN, ROOT, within } from '../helpers/cli.js';
import { RAW_CONTROL } from '../helpers/hostile.js';

describe('sniff into a reader that goes away', () => {
  test('| head -n 1: the reader takes the capture-start line and leaves; sniff ends with exit 0, nothing on stderr but its status', async () => {
    const server = net.createServer((s) => { s.on('data', () => s.end('pong')); s.on('error', () => { /* client first */ }); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const cmd = `"${process.execPath}" "${BIN}" sniff -i lo -f "tcp port ${port}" --json --duration 20 | head -n 1 > /dev/null; ` + 'echo "exit ${PIPESTATUS[0]}" >&2';
    const child = spawn('bash', ['-c', cmd], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    try {
      // Traffic once sniff listens: its events go to a pipe nobody reads any more.
      const deadline = Date.now() + 15000;
      while (!/listening on lo/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(err).toMatch(/listening on lo/);
      for (let i = 0; i < 20 && !/exit \d+/.test(err); i++) {
        await new Promise<void>((resolve) => {
          const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
          c.on('close', () => resolve());
          c.on('error', () => resolve());
          c.setTimeout(2000, () => c.destroy());
        });
      }
      expect(await within(exited, 25000)).not.toBe('timeout');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => server.close(r));
    }
    expect(err).toMatch(/exit 0\n$/);
    expect(err).not.toMatch(/error|EPIPE|at .*:\d+:\d+/);
  }, 60000);
});

describe('interface names with control characters', () => {
  const ns = `synack-out-${process.pid}`;
  const ESC_NAME = 'd\u001b[1m';
  const CSI8_NAME = 'e\u009b2J';
  const inNs = (args: string[]) => spawnSync('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });

  beforeAll(() => {
    // An address (198.18.0.0/15, inside the namespace only): without one cap's native code prints
    // libpcap's "no IPv4 address assigned" warning, device name raw, on stderr itself (README, Known limits).
    const steps = [['netns', 'add', ns], ['-n', ns, 'link', 'add', 'name', ESC_NAME, 'type', 'veth', 'peer', 'name', CSI8_NAME],
      ['-n', ns, 'addr', 'add', '198.18.7.1/30', 'dev', ESC_NAME], ['-n', ns, 'link', 'set', ESC_NAME, 'up'], ['-n', ns, 'link', 'set', CSI8_NAME, 'up']];
    for (const s of steps) {
      const r = spawnSync('ip', s, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${s.join(' ')}: ${r.stderr}`);
    }
  });
  afterAll(() => { spawnSync('ip', ['netns', 'del', ns]); });

  test('interfaces (text and --json): the names escaped, no raw control character; JSON keeps them exact', () => {
    const text = inNs(['interfaces']);
    expect(text.status).toBe(0);
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    expect(text.stdout).toContain('d\\x1b[1m');
    expect(text.stdout).toContain('e\\x9b2J');
    const json = inNs(['interfaces', '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    const names = (JSON.parse(json.stdout) as Array<{ name: string }>).map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining([ESC_NAME, CSI8_NAME]));
  });

  test('sniff on it: the "listening on" line; an unknown one: the error line, listing the others escaped', () => {
    const ok = inNs(['sniff', '-i', ESC_NAME, '--duration', '0.5']);
    expect(ok.status).toBe(0);
    expect(ok.stderr).not.toMatch(RAW_CONTROL);
    expect(ok.stderr).toContain('listening on d\\x1b[1m');
    const bad = inNs(['sniff', '-i', 'x\u001b]0;owned\u0007', '--duration', '0.5']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).not.toMatch(RAW_CONTROL);
    expect(bad.stderr).toMatch(/^synack: error: no interface "x\\x1b]0;owned\\x07"; there are: .*d\\x1b\[1m/);
  });
});
