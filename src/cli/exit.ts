/** Exit codes, and the way a command asks for a non-zero one after finishing its output. */
export const EXIT = { OK: 0, POLICY: 1, USAGE: 2, INTERNAL: 3 } as const;

/** Thrown by a command that finished its output but must end with a non-zero code (check's verdict). */
export class ExitStatus extends Error {
  constructor(readonly code: number) { super(`exit ${code}`); }
}
