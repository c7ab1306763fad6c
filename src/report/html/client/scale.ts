/** Scales and tick choice for the hand-drawn SVG charts (d3-scale's ideas, in a few lines). */
export interface Scale {
  (v: number): number;
  domain: [number, number];
  range: [number, number];
  invert(p: number): number;
  ticks(count: number): number[];
}

/** Tick step for about `count` ticks over [a, b]: 1, 2 or 5 times a power of ten. */
export function tickStep(a: number, b: number, count: number): number {
  const span = Math.abs(b - a) || 1;
  const raw = span / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f >= 5 ? 10 : f >= 2 ? 5 : f >= 1 ? 2 : 1) * pow;
}

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  let [d0, d1] = domain;
  if (d1 === d0) d1 = d0 + 1;
  const [r0, r1] = range;
  const k = (r1 - r0) / (d1 - d0);
  const f = ((v: number) => r0 + (v - d0) * k) as Scale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  f.invert = (p: number) => d0 + (p - r0) / k;
  f.ticks = (count: number) => {
    const step = tickStep(d0, d1, count);
    const out: number[] = [];
    const lo = Math.min(d0, d1), hi = Math.max(d0, d1);
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  };
  return f;
}

/** Base-10 log scale; ticks at powers of ten (and 2, 5 between them when there are few decades). */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const l0 = Math.log10(d0), l1 = Math.log10(d1 === d0 ? d0 * 10 : d1);
  const [r0, r1] = range;
  const k = (r1 - r0) / (l1 - l0);
  const f = ((v: number) => r0 + (Math.log10(v) - l0) * k) as Scale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  f.invert = (p: number) => 10 ** (l0 + (p - r0) / k);
  f.ticks = () => {
    const out: number[] = [];
    const decades = l1 - l0;
    const mults = decades <= 3 ? [1, 2, 5] : [1];
    for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
      for (const m of mults) {
        const v = m * 10 ** e;
        if (v >= d0 * (1 - 1e-9) && v <= d1 * (1 + 1e-9)) out.push(Number(v.toPrecision(6)));
      }
    }
    return out;
  };
  return f;
}
