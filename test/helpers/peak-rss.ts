/**
 * A child's peak resident set size, measured from outside: /proc/<pid>/status VmHWM (the kernel's
 * high-water mark) read every few milliseconds until it exits. Memory inside jest is jest's; this is
 * the child's own (bench/measure.js does the same where GNU time is missing).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';

export interface Measured { code: number | null; signal: NodeJS.Signals | null; stderr: string; peakMB: number; seconds: number }

function vmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited between two reads
  }
}

/** Runs `cmd args` with `stdout` (a file descriptor or a stream with one) and measures its peak RSS. */
export function measured(cmd: string, args: string[], stdout: number | Writable,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', stdout, 'pipe'], env: opts.env ?? process.env });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 64 * 1024) stderr += d.toString(); });
    let peak = 0;
    const poll = setInterval(() => { peak = Math.max(peak, vmHwmKb(child.pid!)); }, 5);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    // 'close' waits for stderr only: stdout is a descriptor the child was given, not a pipe of ours.
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, signal, stderr, peakMB: peak / 1024, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
  });
}
