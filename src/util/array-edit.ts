/**
 * Plain arrays used as queues with an explicit fill count: edits that allocate nothing. Two V8 habits
 * make the obvious code churn garbage on paths that run per connection: splice returns a new array of
 * the removed elements on every call, and setting `length` lower (to 0 when a queue drains) gives back
 * the array's store, which the next pushes regrow in steps (a copy each). Here the arrays keep their
 * stores; `len` says how much of each is in use, and the caller keeps it.
 *
 * Only the rare edits live here: the per-change ones (append, insert) are written out at their sites,
 * since a helper shared by arrays of several element kinds (numbers, records) turned polymorphic in V8
 * and cost ~300 ns a call.
 */

/** Remove index i of a[0, len), moving the tail down by one place (the caller counts len - 1). */
export function removeAt<T>(a: T[], len: number, i: number): void {
  for (let j = i + 1; j < len; j++) a[j - 1] = a[j]!;
}

/** Move a[from, len) to the front (the caller counts len - from). */
export function moveToFront<T>(a: T[], from: number, len: number): void {
  for (let j = from; j < len; j++) a[j - from] = a[j]!;
}
