/**
 * A capture program as a child process (dumpcap, tcpdump): it captures with its own rights and writes
 * pcap/pcapng on its standard output, which synack parses with its own reader (parser.ts) as the
 * bytes arrive; its standard error says when it is capturing, why it could not, and its counters.
 * The engine specifics (arguments, what its lines mean) are in tcpdump-engine.ts and dumpcap-engine.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CaptureError } from '../util/errors.js';
import type { Frame } from './frame.js';
import { createCaptureParser, type CaptureParser } from './parser.js';
import { sameCounters, type DropCounters, type LiveCaptureOptions, type LiveSource } from './live-source.js';

export interface ChildEngineSpec {
  name: 'tcpdump' | 'dumpcap';
  command: string;
  args(o: LiveCaptureOptions): string[];
  /** The stderr line that says the capture runs (the stream's header must have come too). */
  ready: RegExp;
  /** Reads counters from one stderr line into c; true when the line held any. */
  counters(line: string, c: DropCounters): boolean;
  /** Signal that makes the program print its counters while capturing (tcpdump: SIGUSR1), or null. */
  pollSignal: NodeJS.Signals | null;
  /** Reads counters the program does not report while capturing (dumpcap: the interface's), or null. */
  extraPoll: ((c: DropCounters) => void) | null;
  /** The one-line reason the program gave for failing, from its stderr lines. */
  failure(lines: readonly string[], o: LiveCaptureOptions): CaptureError;
  limits: readonly string[];
  detail: string;
  /** True when time stamps are in nanoseconds (else microseconds). */
  nanosecond: boolean;
}

/** The program is not installed (spawn found no such file): `auto` tries the next engine. */
export class EngineMissing extends CaptureError {}

/** How long stop() waits for the program to flush and exit before it is killed. */
const STOP_TIMEOUT_MS = 5000;
/** stderr lines kept for an error message. */
const KEEP_LINES = 40;

export function startChildCapture(spec: ChildEngineSpec, o: LiveCaptureOptions): Promise<LiveSource> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args(o), { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new CaptureError(`${spec.command}: cannot start (${(e as Error).message})`));
      return;
    }
    const source = new ChildSource(spec, o, child);
    source.started.then(() => resolve(source), reject);
  });
}

class ChildSource implements LiveSource {
  readonly engine: 'tcpdump' | 'dumpcap';
  readonly engineDetail: string;
  readonly kernelTimestamps = true;
  readonly limits: readonly string[];
  linkType = 0;
  snaplen = 0;
  packets = 0;
  counters: DropCounters = { received: null, kernel: null, interface: null };
  readonly started: Promise<void>;

  private readonly parser: CaptureParser;
  private readonly lines: string[] = [];
  private partial = '';
  private sawReady = false;
  private isReady = false;
  private stopping = false;
  private failed = false;
  private readonly closed: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  private readonly killOnExit = (): void => { this.child.kill('SIGKILL'); };

  constructor(private readonly spec: ChildEngineSpec, private readonly o: LiveCaptureOptions, private readonly child: ChildProcess) {
    this.engine = spec.name;
    this.engineDetail = spec.detail;
    this.limits = spec.limits;
    this.started = new Promise((resolve, reject) => {
      this.settle = { resolve: () => { this.resolved = true; resolve(); }, reject };
    });
    const onFrame = (f: Frame): void => {
      // A packet can come in the same read as the stream's header, before the "listening" line.
      if (!this.isReady) this.markReady();
      this.packets++;
      o.onFrame(f);
    };
    this.parser = createCaptureParser(`${spec.name} on ${o.iface}`, onFrame);
    // A synack that exits (normally, or through an uncaught error) takes its capture child with it.
    process.once('exit', this.killOnExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.failed) return;
      try {
        this.parser.push(chunk);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      this.checkReady();
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => this.stderr(s));
    this.closed = new Promise((done) => {
      child.on('close', (code, signal) => {
        process.off('exit', this.killOnExit);
        if (this.partial) this.line(this.partial);
        this.partial = '';
        if (!this.isReady) {
          this.settle.reject(spec.failure(this.lines, o));
        } else if (!this.stopping && !this.failed) {
          const why = this.lines.filter((l) => /\S/.test(l)).at(-1) ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
          this.fail(new CaptureError(`${spec.name} on ${o.iface} stopped capturing: ${why}`));
        }
        done();
      });
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') this.settle.reject(new EngineMissing(`${spec.command} is not installed (apt-get install ${spec.name === 'dumpcap' ? 'wireshark-common' : 'tcpdump'})`));
      else this.settle.reject(new CaptureError(`${spec.command}: cannot start (${e.message})`));
    });
  }

  private stderr(s: string): void {
    // dumpcap rewrites its packet count in place with carriage returns.
    const parts = (this.partial + s).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const l of parts) this.line(l);
  }

  private line(l: string): void {
    this.lines.push(l);
    if (this.lines.length > KEEP_LINES) this.lines.shift();
    if (!this.sawReady && this.spec.ready.test(l)) {
      this.sawReady = true;
      this.checkReady();
    }
    const next = { ...this.counters };
    if (this.spec.counters(l, next)) this.update(next);
  }

  private checkReady(): void {
    if (this.isReady || !this.sawReady || this.parser.firstInterface() === null) return;
    try {
      this.markReady();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** The stream's header has been read: the capture runs. onStart may throw (e.g. the -w file). */
  private markReady(): void {
    const first = this.parser.firstInterface()!;
    this.linkType = first.linkType;
    this.snaplen = first.snaplen;
    this.isReady = true;
    this.o.onStart?.(this, []);
    this.settle.resolve();
  }

  private update(next: DropCounters): void {
    if (sameCounters(next, this.counters)) return;
    this.counters = next;
    this.o.onCounters?.(next);
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.child.kill('SIGKILL');
    // Before the start promise settled (onStart threw): the caller gets the error from it.
    if (this.isReady && this.resolved) this.o.onFailure?.(e);
    else this.settle.reject(e);
  }
  private resolved = false;

  now(): number {
    return Date.now() / 1000;
  }

  poll(): void {
    if (this.stopping || this.failed) return;
    if (this.spec.pollSignal) this.child.kill(this.spec.pollSignal);
    if (this.spec.extraPoll) {
      const next = { ...this.counters };
      this.spec.extraPoll(next);
      this.update(next);
    }
  }

  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.closed;
      clearTimeout(timer);
      if (!this.failed) {
        try { this.parser.end(); } catch { /* a stream cut mid-record at exit: what came before was delivered */ }
      }
    }
    await this.closed;
  }
}
