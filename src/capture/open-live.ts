/**
 * Choosing and starting the live capture engine (`sniff --engine auto|dumpcap|tcpdump|cap`).
 *
 * auto prefers a capture program to the in-process cap module: as root tcpdump first (it reports the
 * kernel's drops while capturing), then dumpcap; as another user dumpcap first (the program
 * distributions let a group capture with), then tcpdump; cap last. An engine that is not installed
 * or may not capture is skipped, and the result says which were and why, so the output can tell
 * plainly when synack fell back to cap.
 */
import { CaptureError } from '../util/errors.js';
import { EngineMissing, startChildCapture } from './child-capture.js';
import { dumpcapEngine } from './dumpcap-engine.js';
import { CapturePermissionError } from './engine-errors.js';
import { systemInterfaces } from './iface-drops.js';
import { startCapSource } from './live.js';
import type { EngineChoice, EngineName, LiveCaptureOptions, LiveSource, SkippedEngine } from './live-source.js';
import { tcpdumpEngine } from './tcpdump-engine.js';

export interface OpenedLive {
  source: LiveSource;
  /** Engines auto tried before this one, each with why it was not used. */
  skipped: SkippedEngine[];
}

export function autoOrder(root: boolean): EngineName[] {
  return root ? ['tcpdump', 'dumpcap', 'cap'] : ['dumpcap', 'tcpdump', 'cap'];
}

async function start(engine: EngineName, o: LiveCaptureOptions): Promise<LiveSource> {
  switch (engine) {
    case 'tcpdump': return startChildCapture(tcpdumpEngine(), o);
    case 'dumpcap': return startChildCapture(dumpcapEngine(o.iface), o);
    case 'cap': return startCapSource(o);
  }
}

export async function openLive(choice: EngineChoice, o: LiveCaptureOptions): Promise<OpenedLive> {
  const known = systemInterfaces();
  if (known !== null && o.iface !== 'any' && !known.includes(o.iface)) {
    throw new CaptureError(`no interface "${o.iface}"; there are: ${[...known, 'any'].join(', ')}`);
  }
  if (choice !== 'auto') return { source: await start(choice, o), skipped: [] };
  const skipped: SkippedEngine[] = [];
  let permission: CaptureError | null = null;
  const onStart = o.onStart;
  // onStart hears which engines were passed over before this one.
  const opts: LiveCaptureOptions = { ...o, ...(onStart ? { onStart: (s: LiveSource) => onStart(s, [...skipped]) } : {}) };
  for (const engine of autoOrder(process.getuid?.() === 0)) {
    try {
      return { source: await start(engine, opts), skipped };
    } catch (e) {
      // Not installed, or not allowed to capture: the next engine may be. Anything else (no such
      // interface, a bad filter) would fail the same way everywhere: say it now.
      const last = engine === 'cap';
      if (e instanceof CapturePermissionError) permission ??= e;
      else if (!(e instanceof EngineMissing) && !last) throw e;
      if (last) {
        if (permission) throw permission;
        throw skipped.length ? new CaptureError(`no capture engine could start: ${skipped.map((s) => s.reason).join('; ')}; and ${(e as Error).message}`) : e;
      }
      skipped.push({ engine, reason: (e as Error).message });
    }
  }
  throw new Error('unreachable: cap is the last engine');
}
