/**
 * Plain arrays used as queues with an explicit fill count: edits that allocate nothing. Two V8 habits
 * make the obvious code churn garbage on paths that run per connection: splice returns a new array of
 * the removed elements on every call, and setting `length` lower (to 0 when a queue drains) gives back
 * the array's store, which the next pushes regrow in steps (a copy each). Here the arrays keep their
 * stores; `len` says how much of each is in use, and the caller keeps it.
 */

/** Write v at index len (the first unused place), growing the array only when it is full. */
export function putAt<T>(a: T[], len: number, v: T): void {
  if (len < a.length) a[len] = v; else a.push(v);
}

/** Insert v at i in a[0, len), moving the tail up by one place (the caller counts len + 1). */
export function insertAt<T>(a: T[], len: number, i: number, v: T): void {
  if (i === len) { putAt(a, len, v); return; }
  putAt(a, len, a[len - 1]!);
  for (let j = len - 1; j > i; j--) a[j] = a[j - 1]!;
  a[i] = v;
}

/** Remove index i of a[0, len), moving the tail down by one place (the caller counts len - 1). */
export function removeAt<T>(a: T[], len: number, i: number): void {
  for (let j = i + 1; j < len; j++) a[j - 1] = a[j]!;
}

/** Move a[from, len) to the front (the caller counts len - from). */
export function moveToFront<T>(a: T[], from: number, len: number): void {
  for (let j = from; j < len; j++) a[j - from] = a[j]!;
}
