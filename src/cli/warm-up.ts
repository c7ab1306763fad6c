/**
 * Before a big input, the same command runs once on a small real capture of our own, and its result is
 * thrown away: V8's optimizing compiler then first compiles the hot path with type feedback for most of
 * its branches.
 *
 * Why it pays: without it, V8 compiles the per-packet functions a few thousand packets in, before the
 * first reset, retransmission, refusal, IPv6 segment or give-up has passed through them. Each of those
 * branches, met later, throws the compiled code away (V8 deoptimizes on code that never ran) and
 * compiles it again; the tracker's push inlines most of the flow stage, so each recompile is ~10-20 ms.
 * On the bench's 0.1× capture (35 MB, 353 k packets) that was 46 deoptimizations and ~0.8 s of
 * single-threaded compiling; after a warm-up on fixtures/demo.pcap, 26 and ~0.36 s. Measured (bench/HISTORY.md,
 * session 9; paired runs against the same build without it): −11 to −14 % of wall time on
 * the 0.1× captures (35 MB), −15 % on a 37 MB one, −3 to −5 % at 4 MB, −2 % at 11 MB, level at 1-2 MB;
 * −2.2 % of instructions on the 777 MB capture. On a 0.1 MB capture it costs ~10 ms (+3 %): hence the
 * threshold.
 *
 * The capture is fixtures/demo.pcap (shipped in the package): the Linux stack's own traffic, 387 frames
 * and 51 connections over IPv4 and IPv6, with closes from either side, refusals, resets, a lost final
 * ACK, a lost handshake ACK, a SYN that never got through and a small flood of spoofed SYNs. Commands
 * hold no state between runs (test/cli/warm-up.test.ts runs one capture before and after another), so
 * the warm-up changes nothing but the time.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TrackerOptions } from '../flow/model.js';

/**
 * Closed connections the warm-up holds for their linger at most (TrackerOptions.maxLingering): a big
 * capture reaches the default (1,024) and reports lingering connections early, leaving tombstones;
 * demo.pcap's 51 connections never would, and those paths were first met, and the tracker's hot
 * functions compiled again, in the real run (session 10: 13 → 10 deoptimizations on the 0.1× capture,
 * with the memory guard's first look moved to the first segment).
 */
export const WARM_UP_MAX_LINGERING = 4;

/** The tracker options of the warm-up's run: the real run's, with the small linger bound above. */
export function warmUpTracker(tracker: TrackerOptions): TrackerOptions {
  return { ...tracker, maxLingering: WARM_UP_MAX_LINGERING };
}

/** Inputs smaller than this (together) are read cold: the warm-up's own ~10 ms would not come back. */
export const WARM_UP_FROM = 2 * 1024 * 1024;

// Two levels below the package root, as this file is in every form it runs in (src/cli/warm-up.ts,
// dist/cli/warm-up.js, dist/bundle/synack.js).
const CAPTURE = fileURLToPath(new URL('../../fixtures/demo.pcap', import.meta.url));

function fileSize(path: string): number | null {
  try {
    const s = statSync(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/**
 * The capture to warm up on before reading `paths`, or null when it would not pay: the inputs are
 * small, or one of them is not a regular file (standard input, a pipe: its size is unknown), or the
 * package lacks the capture.
 */
export function warmUpCapture(paths: readonly string[], from: number = WARM_UP_FROM): string | null {
  let total = 0;
  for (const p of paths) {
    const size = p === '-' ? null : fileSize(p);
    if (size === null) return null;
    total += size;
  }
  if (total < from) return null;
  return fileSize(CAPTURE) === null ? null : CAPTURE;
}

/**
 * Run `command` for its side effect on V8 alone. A failure here says nothing about the user's inputs
 * and only costs speed, so it is not reported: the real run that follows reports its own.
 */
export async function warmUp(command: () => Promise<unknown>): Promise<void> {
  try {
    await command();
  } catch {
    // Nothing to do: see above.
  }
}
