/**
 * dumpcap (Wireshark's capture program) as the capture engine: `dumpcap -w -` writes pcapng with
 * nanosecond kernel time stamps to the pipe, flushing each packet. It reports libpcap's counters only
 * when it stops ("Packets received/dropped on interface 'lo': R/D (pcap:P/dumpcap:Q/flushed:F/
 * ps_ifdrop:I)"), so while it runs synack reads the interface's drop counter itself (iface-drops.ts).
 */
import { spawnSync } from 'node:child_process';
import type { ChildEngineSpec } from './child-capture.js';
import { captureFailure } from './engine-errors.js';
import { interfaceDropCounter } from './iface-drops.js';
import type { DropCounters, LiveCaptureOptions } from './live-source.js';

const FINAL = /Packets received\/dropped on interface .*: (\d+)\/\d+ \(pcap:(\d+)\/dumpcap:(\d+)\/flushed:(\d+)\/ps_ifdrop:(\d+)\)/;

/**
 * Reads dumpcap's closing counters from one stderr line into c. Packets dumpcap itself dropped or
 * flushed (its own buffer was full) count with the kernel's: they were lost before synack saw them.
 */
export function dumpcapCounters(line: string, c: DropCounters): boolean {
  const m = FINAL.exec(line);
  if (!m) return false;
  c.received = Number(m[1]);
  c.kernel = Number(m[2]) + Number(m[3]) + Number(m[4]);
  c.interface = Number(m[5]);
  return true;
}

function version(): string {
  const r = spawnSync('dumpcap', ['-v'], { encoding: 'utf8', timeout: 5000 });
  const v = /Dumpcap \(Wireshark\) (\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1];
  return v ? `dumpcap ${v}` : 'dumpcap';
}

export function dumpcapEngine(iface: string): ChildEngineSpec {
  const ifDrops = interfaceDropCounter(iface);
  return {
    name: 'dumpcap',
    command: 'dumpcap',
    args: (o: LiveCaptureOptions) => [
      '-i', o.iface, '-n', '-w', '-', '-s', String(o.snaplen),
      // dumpcap's buffer is in MiB: round up, at least 1.
      '-B', String(Math.max(1, Math.ceil(o.bufferKiB / 1024))),
      ...(o.filter ? ['-f', o.filter] : []),
    ],
    ready: /^Capturing on /,
    counters: dumpcapCounters,
    pollSignal: null,
    extraPoll: ifDrops ? (c) => { c.interface = ifDrops(); } : null,
    failure: (lines, o) => captureFailure('dumpcap', lines, o),
    limits: [
      'dumpcap reports kernel drops only when it stops: while capturing, only the interface\'s own drop counter is polled',
      ...(ifDrops ? [] : [`no interface drop counter for ${iface} while capturing`]),
    ],
    detail: version(),
    nanosecond: true,
  };
}
