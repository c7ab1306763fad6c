/** Small text helpers shared by the renderers (numbers, durations, times, endpoints). */
import type { Address } from '../flow/model.js';

/** "1,234,567". Whole numbers are grouped here: toLocaleString's first call loads ICU (~10 ms). */
export function num(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** A count for a narrow column: exact below 10,000, then 12.3k, 123k, 1.23M, 12.3M... */
export function compactCount(n: number): string {
  if (n < 10_000) return String(n);
  const units: Array<[number, string]> = [[1e3, 'k'], [1e6, 'M'], [1e9, 'G'], [1e12, 'T']];
  for (const [v, u] of units) {
    const x = n / v;
    // Three significant digits; a value that would print as 1000 moves to the next unit.
    if (x < 999.5 || u === 'T') return `${x >= 99.95 ? x.toFixed(0) : x >= 9.995 ? x.toFixed(1) : x.toFixed(2)}${u}`;
  }
  return String(n);
}

/** Seconds → "812 µs", "12.3 ms", "1.25 s" (three significant-ish digits, unit chosen for reading). */
export function duration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '–';
  const a = Math.abs(sec);
  if (a < 1e-3) return `${(sec * 1e6).toFixed(0)} µs`;
  if (a < 1) return `${(sec * 1e3).toFixed(a < 0.01 ? 3 : a < 0.1 ? 2 : 1)} ms`;
  if (a < 60) return `${sec.toFixed(3)} s`;
  const m = Math.floor(a / 60);
  return `${sec < 0 ? '-' : ''}${m}m${(a - m * 60).toFixed(1)}s`;
}

/** Seconds since the epoch → "2024-05-01 12:00:00.123456 UTC" (UTC: captures travel between time zones). */
export function timestamp(t: number): string {
  const ms = Math.floor(t * 1000);
  const d = new Date(ms);
  // A capture can carry times no date holds (a pcapng with a wrong if_tsresol: year 584,000).
  if (Number.isNaN(d.getTime())) return `${t.toFixed(6)} s since 1970 (not a date)`;
  const micros = Math.round((t - Math.floor(t)) * 1e6) % 1e6;
  const iso = d.toISOString(); // 2024-05-01T12:00:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(micros).padStart(6, '0')} UTC`;
}

/** Seconds since the epoch → "12:00:00.123456" (UTC time of day, tcpdump's default shape). */
export function timeOfDay(t: number): string {
  return timestamp(t).slice(11, 26);
}

export function endpoint(a: Address): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** The text without ANSI colour codes. */
export function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Visible width of a string that may hold ANSI colour codes. */
export function visibleLength(s: string): number {
  return stripAnsi(s).length;
}

export function padEndVisible(s: string, width: number): string {
  const n = visibleLength(s);
  return n >= width ? s : s + ' '.repeat(width - n);
}

