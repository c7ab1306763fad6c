/**
 * Standard input read twice: a second pass (`--conn`'s ladder, `packets --conn`) needs the packets
 * again, and a pipe gives them once. So '-' is first copied to a private temporary file, read from
 * there (under the name '-'), and the file is removed at the end, whatever happens.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { streamPromises } from '../util/lazy-builtins.js';

export interface Spooled {
  /** The paths to read ('-' replaced by the copy). */
  paths: string[];
  /** What each is called ('-' for the copy), or undefined when nothing was spooled. */
  names: string[] | undefined;
  cleanup(): void;
}

export async function spoolStdin(paths: readonly string[]): Promise<Spooled> {
  if (!paths.includes('-')) return { paths: [...paths], names: undefined, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'synack-stdin-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const file = join(dir, 'stdin');
  try {
    await streamPromises().pipeline(process.stdin, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    cleanup();
    throw new InputError(`standard input: cannot keep a copy for the second pass (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return { paths: paths.map((p) => (p === '-' ? file : p)), names: [...paths], cleanup };
}
