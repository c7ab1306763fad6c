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
 *
 * Numbers and records have a helper each, and must not share one. A store site in V8 that has seen
 * arrays of records and arrays of doubles converts the next array of doubles it writes into an array
 * of records: every double then sits in its own 16-byte box, allocated at each store. One shared
 * moveToFront did that to the listeners' change runs and answer times (`--trace-elements-transitions`:
 * PACKED_DOUBLE_ELEMENTS -> PACKED_ELEMENTS, arrays of up to 16,614 times).
 */

/** Remove index i of a[0, len), moving the tail down by one place (the caller counts len - 1). */
export function removeAt(a: number[], len: number, i: number): void {
  for (let j = i + 1; j < len; j++) a[j - 1] = a[j]!;
}

/** Move a[from, len) to the front (the caller counts len - from). Numbers only: see above. */
export function moveToFront(a: number[], from: number, len: number): void {
  for (let j = from; j < len; j++) a[j - from] = a[j]!;
}

/**
 * moveToFront for arrays of records (or null): the places the tail left are cleared, so they keep no
 * record alive.
 */
export function moveRecordsToFront<T extends object>(a: Array<T | null>, from: number, len: number): void {
  for (let j = from; j < len; j++) a[j - from] = a[j]!;
  for (let j = len - from; j < len; j++) a[j] = null;
}
