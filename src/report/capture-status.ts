/**
 * sniff's status lines about the capture itself (stderr): which engine runs and what it cannot do,
 * drops as the counters change, the closing counts; and the matching NDJSON events. Pure: data in, text out.
 */
import type { DropCounters } from '../capture/live-source.js';
import type { LiveCaptureFacts } from '../pipeline/live-input.js';
import { safeText } from './safe-text.js';
import type { Paint } from './style.js';
import { num, plural, timeOfDay } from './text.js';

export interface StartInfo {
  iface: string;
  linkTypeName: string;
  snaplen: number;
  filter: string;
  write: string | null;
  capture: LiveCaptureFacts;
}

/** "listening on lo with tcpdump 4.99.3 (libpcap 1.10.3), kernel time stamps, ...", then limits and fallbacks. */
export function startLines(p: Paint, i: StartInfo): string {
  const c = i.capture;
  // The interface, filter and file are the user's words; reasons and details may quote a capture
  // program's own messages: all shown with control characters escaped (safe-text.ts).
  const lines = [`listening on ${safeText(i.iface)} with ${safeText(c.engineDetail)}, ${c.kernelTimestamps ? 'kernel time stamps' : p.yellow('time stamps taken by Node')}` +
    `, link-type ${i.linkTypeName}, snapshot length ${i.snaplen} bytes, buffer ${num(c.bufferKiB)} KiB` +
    `${i.filter ? `, filter "${safeText(i.filter)}"` : ''}${i.write ? `, writing ${safeText(i.write)}` : ''}`];
  for (const s of c.skipped) lines.push(`  ${p.yellow(`engine ${s.engine} not used:`)} ${safeText(s.reason)}`);
  if (c.engine === 'cap' && c.skipped.length) lines.push(`  ${p.yellow('fell back to the in-process cap engine')}`);
  for (const l of c.limits) lines.push(`  ${p.dim(`${c.engine} cannot:`)} ${safeText(l)}`);
  return lines.join('\n') + '\n';
}

function count(n: number | null, what: string): string {
  return n === null ? `${what}: not reported` : `${num(n)} ${what}`;
}

/** "drops: 1,204 by the kernel, 0 by the interface, of 50,112 received (13:45:12.4 UTC, 48,900 captured)". */
export function dropLine(p: Paint, c: DropCounters & { t: number; captured: number }): string {
  const line = `drops so far: ${count(c.kernel, 'by the kernel')}, ${count(c.interface, 'by the interface')}` +
    `${c.received !== null ? `, of ${num(c.received)} received` : ''} (${timeOfDay(c.t)} UTC, ${num(c.captured)} captured)`;
  return ((c.kernel ?? 0) + (c.interface ?? 0) > 0 ? p.yellow(line) : line) + '\n';
}

/** The closing line: what synack took in, and the engine's own counters. */
export function stopLine(p: Paint, r: { reason: string; packets: number; tcpSegments: number; connections: number; counters: DropCounters; engine: string }): string {
  const c = r.counters;
  const engineCounts = [
    c.received !== null ? `${num(c.received)} received by the filter` : null,
    count(c.kernel, 'dropped by the kernel'), count(c.interface, 'dropped by the interface'),
  ].filter((x): x is string => x !== null).join(', ');
  const dropped = (c.kernel ?? 0) + (c.interface ?? 0) > 0;
  return `\nstopped (${r.reason}): ${plural(r.packets, 'packet')} captured, ${plural(r.tcpSegments, 'TCP segment')}, ${plural(r.connections, 'connection')}; ` +
    `${r.engine}: ${dropped ? p.yellow(engineCounts) : engineCounts}\n`;
}

/** The `capture-stats` event (schema/sniff-events.schema.json). */
export function captureStatsEvent(engine: string, c: DropCounters & { t: number; captured: number }): Record<string, unknown> {
  return { type: 'capture-stats', t: c.t, engine, captured: c.captured, received: c.received, kernel: c.kernel, interface: c.interface };
}
