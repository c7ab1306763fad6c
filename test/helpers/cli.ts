/**
 * Spawning the built CLI as a user would: `node bin/synack.js ...` (build first: `npm run build`, which
 * `npm test` does). Every run is bounded in time.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'synack.js');
export const FIXTURES = join(ROOT, 'fixtures');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function synack(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): CliResult {
  if (!existsSync(join(ROOT, 'dist', 'bundle', 'synack.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  // Colour only when a test asks for it.
  if (!opts.env || !('FORCE_COLOR' in opts.env)) delete env.FORCE_COLOR;
  const o: SpawnSyncOptions = { cwd: opts.cwd ?? ROOT, env, encoding: 'utf8', timeout: opts.timeoutMs ?? 30000, maxBuffer: 64 * 1024 * 1024 };
  if (opts.input !== undefined) o.input = opts.input;
  const r = spawnSync(process.execPath, [BIN, ...args], o);
  if (r.error) throw r.error;
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** A stack trace line, as Node prints them. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;

/** The promise's value, or 'timeout' after `ms` (the timer is cleared either way). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
