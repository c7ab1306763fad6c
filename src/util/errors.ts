/**
 * Typed errors, mapped to exit codes in one place (src/cli/main.ts). Nothing else calls process.exit.
 */
export class SynackError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong flags or arguments. */
export class UsageError extends SynackError {
  constructor(message: string) { super(message, 2); }
}

/** An input that cannot be read at all: missing, unreadable, not a capture. Message names the file. */
export class InputError extends SynackError {
  constructor(message: string) { super(message, 2); }
}

/**
 * The memory ceiling is reached and nothing is left to shed (pipeline/memory-guard.ts): one line and
 * exit 2 instead of V8's crash (SIGABRT, exit 134).
 */
export class MemoryError extends SynackError {
  constructor(message: string) { super(message, 2); }
}

/** Live capture cannot start (permissions, no such interface, bad filter, cap not built). */
export class CaptureError extends SynackError {
  constructor(message: string) { super(message, 2); }
}
