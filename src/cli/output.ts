/**
 * Buffered output for documents streamed while the analysis runs (--json, --ndjson): small strings are
 * gathered into ~64 KB writes, and the stream's backpressure is honoured. On Linux, stdout to a file
 * or a pipe is written synchronously by Node (nothing queues in memory); elsewhere a full stream
 * queues until `drained()` — the command awaits it between inputs and at the end.
 */
const CHUNK = 64 * 1024;

export interface OutStream {
  write(s: string): boolean;
  once(event: 'drain', cb: () => void): unknown;
}

export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  private pending: Promise<void> | null = null;

  constructor(private readonly stream: OutStream) {}

  readonly write = (s: string): void => {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  };

  flush(): void {
    if (this.size === 0) return;
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(s) && !this.pending) {
      this.pending = new Promise((resolve) => this.stream.once('drain', () => { this.pending = null; resolve(); }));
    }
  }

  /** Writes what is buffered and waits until the stream has taken it. */
  async drained(): Promise<void> {
    this.flush();
    while (this.pending) await this.pending;
  }
}
