/** `synack sniff` spawned as a user runs it, with its output collected and bounded waits on it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './cli.js';

export interface Sniffer {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when `pattern` appears on the stream, rejects after `ms` or when sniff exits first. */
  waitFor: (stream: 'stdout' | 'stderr', pattern: RegExp, ms: number) => Promise<void>;
  exited: Promise<number | null>;
}

/** Runs `synack sniff ARGS`; `prefix` runs it through another command (e.g. ip netns exec NS). */
export function startSniff(args: string[], prefix: string[] = []): Sniffer {
  const cmd = [...prefix, process.execPath, BIN, 'sniff', ...args];
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); waiters.forEach((w) => w()); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); waiters.forEach((w) => w()); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp, ms: number) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pattern.test(stream === 'stdout' ? out : err)) { clearTimeout(timer); resolve(); return true; }
      return false;
    };
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${pattern} on ${stream}; stdout:\n${out.slice(-2000)}\nstderr:\n${err}`)), ms);
    if (!check()) waiters.push(() => { check(); });
    void exited.then(() => { if (!check()) { clearTimeout(timer); reject(new Error(`sniff exited before ${pattern}; stderr:\n${err}`)); } });
  });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

export function parseLines(s: string): Array<Record<string, unknown>> {
  return s.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
