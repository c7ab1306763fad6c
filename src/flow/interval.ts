/**
 * Time between two capture times, as reported. Times are seconds since the epoch in a double, whose
 * step near 2026 is 2^-22 s (0.24 µs): a difference of two of them carries that error ("6.103515625e-05"
 * for 61 µs). Rounded to the microsecond, a difference of microsecond timestamps is exact again;
 * nanosecond captures keep microseconds (their last digits were lost when the times became doubles).
 */
export function elapsed(from: number, to: number): number {
  return Math.round((to - from) * 1e6) / 1e6;
}

/** A sum of two intervals, rounded the same way (0.002385 + 0.000042 is 0.0024270000000000003). */
export function sumIntervals(a: number, b: number): number {
  return Math.round((a + b) * 1e6) / 1e6;
}
