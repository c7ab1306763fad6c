/**
 * Large synthetic captures for the limit tests, made at test time by bench/gen.js (deterministic: the
 * same arguments give the same bytes) into bench/out/ (gitignored), and reused while their arguments
 * are the same.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export function generated(name: string, args: string[]): string {
  const file = join(ROOT, 'bench', 'out', `test-${name}.pcap`);
  const stamp = `${file}.args`;
  const want = args.join(' ');
  if (existsSync(file) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return file;
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'gen.js'), ...args, '--out', file, '--quiet'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`bench/gen.js ${want} failed: ${r.stderr}`);
  writeFileSync(stamp, want);
  return file;
}
