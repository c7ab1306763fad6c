/**
 * Output that never outruns its reader.
 *
 * Standard output to a pipe or a socket is non-blocking in Node: a write the reader cannot take yet is
 * queued in memory and the program runs on. A capture analysed faster than `jq` reads it queued the
 * whole document (`analyze --json | cat` on 300,000 connections: 1.8 GB, then "write ENOBUFS").
 * `waitForReader` puts the descriptor back in blocking mode, as a shell hands it over: a write returns
 * once the reader has room, so synack (reading, decoding, tracking) pauses exactly while the reader
 * is behind, and memory stays what it is when writing to a file. Measured on 60,000 connections
 * (`analyze --json x.pcap | cat`, 233 MB capture): 427 MB and 6.2 s queued, 118 MB and 4.1 s
 * blocking (the same as to /dev/null: 119 MB). Files and terminals are written synchronously by Node
 * already. A reader that goes away ends the run quietly (EPIPE: see main.ts).
 */
const CHUNK = 64 * 1024;

export interface OutStream {
  write(s: string): boolean;
  once(event: 'drain', cb: () => void): unknown;
  writableNeedDrain?: boolean;
}

/** A libuv stream handle (pipe, TCP socket, TTY); only stream handles have setBlocking. */
interface StreamHandle { setBlocking?(blocking: boolean): number }

/**
 * Makes writes to `stream` wait for its reader when it is a pipe or a socket. Returns true when they
 * now do (or always did: a file or a terminal).
 */
export function waitForReader(stream: NodeJS.WriteStream): boolean {
  const handle = (stream as unknown as { _handle?: StreamHandle })._handle;
  // A file is written with fs.writeSync (no handle): synchronous already.
  if (handle === undefined || handle === null) return true;
  if (typeof handle.setBlocking !== 'function') return false;
  return handle.setBlocking(true) === 0;
}

/**
 * Small strings (one per connection or packet) gathered into ~64 KB writes: one system call per chunk.
 */
export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;

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
    this.stream.write(s);
  }

  /**
   * Writes what is buffered; for a stream that queues (one `waitForReader` could not switch), waits
   * until it has taken everything.
   */
  async drained(): Promise<void> {
    this.flush();
    if (this.stream.writableNeedDrain) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
}
