/** A deterministic pseudo-random sequence in [0, 1) (no Math.random: a failure must be reproducible). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}
