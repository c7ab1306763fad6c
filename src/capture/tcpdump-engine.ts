/**
 * tcpdump as the capture engine: `tcpdump --immediate-mode -U -w -` writes each packet to the pipe as
 * it is captured, with nanosecond kernel time stamps; SIGUSR1 makes it print libpcap's counters
 * ("N packets captured, N packets received by filter, N packets dropped by kernel[, N packets dropped
 * by interface]"), and it prints them again, one a line, when it stops.
 */
import { spawnSync } from 'node:child_process';
import type { ChildEngineSpec } from './child-capture.js';
import type { DropCounters, LiveCaptureOptions } from './live-source.js';
import { captureFailure } from './engine-errors.js';

const COUNTER = /(\d+) packets? (received by filter|dropped by kernel|dropped by interface)/g;

/** Reads libpcap's counters from one line of tcpdump's stderr into c; true when it held any. */
export function tcpdumpCounters(line: string, c: DropCounters): boolean {
  let found = false;
  for (const m of line.matchAll(COUNTER)) {
    const n = Number(m[1]);
    found = true;
    if (m[2] === 'received by filter') c.received = n;
    else if (m[2] === 'dropped by interface') c.interface = n;
    else {
      c.kernel = n;
      // tcpdump prints the interface's drops only when there are some (polled: on this line; at the
      // end: on the next): none said yet means none (the counter never goes down).
      if (c.interface === null) c.interface = 0;
    }
  }
  return found;
}

function version(): string {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8', timeout: 5000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const t = /tcpdump version (\S+)/.exec(out)?.[1];
  const l = /libpcap version (\S+)/.exec(out)?.[1];
  return t ? `tcpdump ${t}${l ? ` (libpcap ${l})` : ''}` : 'tcpdump';
}

export function tcpdumpEngine(): ChildEngineSpec {
  return {
    name: 'tcpdump',
    command: 'tcpdump',
    args: (o: LiveCaptureOptions) => [
      '-i', o.iface, '--immediate-mode', '-U', '-n', '--time-stamp-precision', 'nano',
      '-s', String(o.snaplen), '-B', String(o.bufferKiB), '-w', '-',
      ...(o.filter ? ['--', o.filter] : []),
    ],
    ready: /^tcpdump: listening on /,
    counters: tcpdumpCounters,
    pollSignal: 'SIGUSR1',
    extraPoll: null,
    failure: (lines, o) => captureFailure('tcpdump', lines, o),
    limits: [],
    detail: version(),
    nanosecond: true,
  };
}
