/**
 * Node modules that only some commands use, loaded at their first use instead of at start. The CLI is
 * one bundle (scripts/bundle.js), so a static import is paid by every run: crypto (the HTML report's
 * hashes) and stream/promises (spooled standard input) took ~30 M instructions, ~4 ms, of each start.
 * child_process (sniff's capture engines) stays a plain import: commander loads it at start anyway.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function crypto(): typeof import('node:crypto') {
  return load('node:crypto') as typeof import('node:crypto');
}

export function streamPromises(): typeof import('node:stream/promises') {
  return load('node:stream/promises') as typeof import('node:stream/promises');
}
