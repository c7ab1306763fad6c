/**
 * Node modules that only some commands use, loaded at their first use instead of at start. The CLI is
 * one bundle (scripts/bundle.js), so a static import is paid by every run: child_process (sniff's
 * capture engines), crypto (the HTML report's hashes) and stream/promises (spooled standard input)
 * took ~45 M instructions, ~6 ms, of each start, beside ~30 ms for all of node's own start-up.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function childProcess(): typeof import('node:child_process') {
  return load('node:child_process') as typeof import('node:child_process');
}

export function crypto(): typeof import('node:crypto') {
  return load('node:crypto') as typeof import('node:crypto');
}

export function streamPromises(): typeof import('node:stream/promises') {
  return load('node:stream/promises') as typeof import('node:stream/promises');
}
