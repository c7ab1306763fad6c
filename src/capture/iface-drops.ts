/**
 * The interface's own drop counter, read as libpcap computes ps_ifdrop on Linux: the driver's
 * rx_missed_errors + rx_fifo_errors (/sys/class/net/IF/statistics), counted from when the capture
 * started. For engines that do not report it while capturing (dumpcap, cap).
 */
import { readdirSync, readFileSync } from 'node:fs';

const STATS = ['rx_missed_errors', 'rx_fifo_errors'] as const;

function read(iface: string): number | null {
  let sum = 0;
  for (const s of STATS) {
    try {
      sum += Number(readFileSync(`/sys/class/net/${iface}/statistics/${s}`, 'utf8').trim()) || 0;
    } catch {
      return null;
    }
  }
  return sum;
}

/** A reader of the interface's drops since now; null when the system does not expose them ('any', not Linux). */
export function interfaceDropCounter(iface: string): (() => number) | null {
  if (iface.includes('/') || iface === 'any') return null;
  const base = read(iface);
  if (base === null) return null;
  return () => Math.max(0, (read(iface) ?? base) - base);
}

/** The interfaces the system has (Linux /sys/class/net), or null when it cannot tell. */
export function systemInterfaces(): string[] | null {
  try {
    return readdirSync('/sys/class/net').sort();
  } catch {
    return null;
  }
}
