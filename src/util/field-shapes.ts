/**
 * V8 gives each field of an object a representation from the first values stored in it (small
 * integer, double, object), shared by every object of the same shape. The first time a value does not
 * fit (a fraction, or an integer past 2^31, into a field that held only small integers), the shape is
 * replaced and every function compiled against the old one is thrown away and compiled again.
 *
 * Times and frame numbers that arrive as doubles only late in a run did that mid-run: the time of a
 * rare event (a give-up, a simultaneous close), a frame number rebuilt from an embryo's slot (a sum of
 * doubles). On the bench's 1× capture that was ~70 deoptimizations of the hot path. So each record
 * type has its double fields set to a fraction once, on a throwaway object, when its module loads:
 * the shape is settled before anything is compiled.
 */
export function settleDoubleFields<T extends object>(throwaway: T, fields: ReadonlyArray<keyof T>): void {
  const o = throwaway as Record<keyof T, unknown>;
  for (const f of fields) o[f] = 0.5;
}

/**
 * An empty array for doubles (times). V8 starts an empty array as one of small integers and converts
 * it when its first fraction comes, which gives the array another shape mid-run: code compiled against
 * the first one is thrown away (the listeners' change queues, series and timer heaps did it on the
 * bench's 1× capture, a few deoptimizations each, each a recompile of the functions that inlined them).
 */
export function doubles(): number[] {
  const a = [0.5];
  a.length = 0; // drops the one-place store (pop() kept it, one per array: six per listener)
  return a;
}
