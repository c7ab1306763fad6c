/**
 * V8 heap settings for the CLI process, decided from measurements on the bench captures (README,
 * "Performance"); the bin shim applies them at start unless node was given the flags, and the
 * pipeline widens the young generation again when a run builds an object per connection.
 *
 * - The old generation grows by 30 % at a time (V8 picks a factor from its own speed, and with a heap
 *   limit of gigabytes it rarely collects: a flood of 200,000 half-open requests peaked at 415 MB of
 *   RSS for ~120 MB of live data).
 * - The young generation stays at its first size (V8 doubles it up to 16 MB a semi-space when objects
 *   survive, as a flood's embryos and a capture's lingering connections do): 20-50 MB less RSS for
 *   ~60 ms more scavenging on the bench's 1× capture. A run that builds a Connection object for every
 *   connection (--json, --ndjson, zeek, csv, events) allocates 5× more, and there the small young
 *   generation cost ~0.5 s of 8 s: it grows as V8 likes (`documentsAhead`).
 */
import v8 from 'node:v8';

let smallYoung = false;

/** The bin shim's call, before anything is allocated in earnest; `given`: node's own flags. */
export function tuneHeap(given: readonly string[]): void {
  if (!given.some((f) => /^--heap[-_]growing[-_]percent/.test(f))) v8.setFlagsFromString('--heap-growing-percent=30');
  if (!given.some((f) => /^--(max|min)[-_]semi[-_]space[-_]size|^--semi[-_]space[-_]growth[-_]factor/.test(f))) {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    smallYoung = true;
  }
}

/** The run builds an object per connection: let the young generation grow again (V8's default factor). */
export function documentsAhead(): void {
  if (!smallYoung) return;
  v8.setFlagsFromString('--semi-space-growth-factor=2');
  smallYoung = false;
}
