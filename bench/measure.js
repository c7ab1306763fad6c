/**
 * Runs one child process and measures its wall time and peak resident set size.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child: exact, and
 * for a process that forks it is the largest single process, not the sum). Without GNU time it falls
 * back to polling /proc/<pid>/status VmHWM (a high-water mark the kernel keeps, so polling only
 * misses growth in the last few milliseconds before exit). Wall time is measured here, around the
 * spawn, in both cases; user + system CPU seconds come from GNU time only (null without it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  const r = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+\s*$/m.test(r.stderr);
}

// SYNACK_BENCH_RSS=proc forces the fallback (to test it, or where GNU time misbehaves).
export const rssMethod = process.env.SYNACK_BENCH_RSS !== 'proc' && hasGnuTime() ? 'gnu-time' : 'proc-vmhwm';

function signalName(n) {
  return Object.keys(constants.signals).find((k) => constants.signals[k] === n) ?? `signal ${n}`;
}

function readVmHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited between polls
  }
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ timeoutSec?: number, stdout?: string }} [opts] stdout: a file to send stdout to (default /dev/null)
 * @returns {Promise<{ wallSec: number, rssMB: number | null, cpuSec: number | null, code: number | null, signal: string | null,
 *   timedOut: boolean, stderr: string }>}
 */
export function measure(cmd, args, opts = {}) {
  const timeoutSec = opts.timeoutSec ?? 600;
  const outFd = openSync(opts.stdout ?? '/dev/null', 'w');
  let tmp = null;
  let spawnCmd = cmd;
  let spawnArgs = args;
  if (rssMethod === 'gnu-time') {
    tmp = mkdtempSync(join(tmpdir(), 'synack-bench-'));
    spawnCmd = GNU_TIME;
    spawnArgs = ['-f', '%M %U %S', '-o', join(tmp, 'rusage'), cmd, ...args];
  }
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    // Own process group, so a timeout kills the measured command too, not just GNU time.
    const child = spawn(spawnCmd, spawnArgs, { stdio: ['ignore', outFd, 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024); // keep the tail only
    });
    let hwmKb = 0;
    const poll = rssMethod === 'proc-vmhwm'
      ? setInterval(() => { hwmKb = Math.max(hwmKb, readVmHwmKb(child.pid)); }, 5)
      : null;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, timeoutSec * 1000);
    child.on('error', (err) => { stderr += `${err.message}\n`; });
    child.on('close', (exitCode, exitSignal) => {
      let code = exitCode;
      let signal = exitSignal;
      const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      closeSync(outFd);
      let rssMB = hwmKb > 0 ? hwmKb / 1024 : null;
      let cpuSec = null;
      if (tmp) {
        try {
          // GNU time writes "Command exited with non-zero status N" before the format line on failure.
          const text = readFileSync(join(tmp, 'rusage'), 'utf8').trim();
          const lines = text.split('\n');
          const [kb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
          if (Number.isFinite(kb) && kb > 0) rssMB = kb / 1024;
          if (Number.isFinite(user) && Number.isFinite(sys)) cpuSec = user + sys;
          // GNU time exits 128+N when the command died of signal N: report the command's fate instead.
          const sig = /terminated by signal (\d+)/.exec(text);
          if (sig) { code = null; signal = signalName(Number(sig[1])); }
        } catch { /* the child never started */ }
        rmSync(tmp, { recursive: true, force: true });
      }
      resolve({ wallSec, rssMB, cpuSec, code, signal, timedOut, stderr });
    });
  });
}

/** Runs a command to completion and returns its stdout (for --help probing and versions); '' on failure. */
export function probe(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return null;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}
