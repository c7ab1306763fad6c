/** Text for the page: the terminal report's helpers (src/report/text.ts), and a few of the page's own. */
import { duration, endpoint, num, timestamp } from '../../text.js';

export { duration, endpoint, num, timestamp };

/** Seconds relative to a start, as "+1.234567 s" (µs: what most captures resolve). */
export function rel(t: number): string {
  return `${t < 0 ? '-' : '+'}${Math.abs(t).toFixed(6)} s`;
}

/** A compact tick label for a relative time in seconds ("0", "250 ms", "1.5 s", "2m0.0s"). */
export function tickTime(t: number): string {
  return t === 0 ? '0' : duration(t).replace(/(\.\d*?)0+ /, '$1 ').replace(/\. /, ' ');
}

/** Bytes as "812 B", "12.3 KB", "1.25 MB" (powers of 1,000, as the README's tables). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** A number of bytes on a sequence axis ("0", "1.5 K", "2 M"), shorter than bytes(). */
export function seqTick(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${+(n / 1e3).toFixed(1)} K`;
  return String(n);
}

/** "1 connection" / "2 connections". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}
