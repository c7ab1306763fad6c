/**
 * Reading a capture file or standard input: open it, turn OS errors into one-line InputErrors naming the
 * file, recognise gzip by its magic (not the name) and decompress it on the fly, and feed the parser
 * in large sequential reads.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { InputError } from '../util/errors.js';
import type { CaptureInfo, Frame } from './frame.js';
import { createCaptureParser, type CaptureParser } from './parser.js';

export interface ReadCaptureOptions {
  /** Called after every read with raw (compressed) bytes read so far and the file size (null for a pipe). */
  onProgress?(read: number, total: number | null): void;
  /** Stops reading; the promise then resolves with what was read (CaptureInfo.aborted = true). */
  signal?: AbortSignal;
  /**
   * The name the input goes by in messages and CaptureInfo.name, when `path` is a stand-in for it
   * (standard input spooled to a file is still '-', "standard input").
   */
  as?: string;
}

/** One read; measured faster than 64 KiB and on a par with 4 MiB (see README, "Reading captures"). */
const READ_SIZE = 1024 * 1024;
/**
 * zlib output chunk. On a damaged gzip stream Node drops the output of the call that failed, so this
 * bounds what is lost before the damage; 64 KiB keeps that small at no measurable cost in speed.
 */
const GUNZIP_CHUNK = 64 * 1024;

const STDIN = '-';

/**
 * Thrown by a frame consumer to stop reading at this frame (`-c`: the count is reached). readCapture
 * catches it and returns what was read, as for an AbortSignal: stopping is not damage.
 */
export class StopReading extends Error {
  constructor() { super('stop reading'); }
}

/** Reads a capture (`-` = standard input), calling onFrame for every frame. See Frame for the reuse contract. */
export async function readCapture(path: string, onFrame: (f: Frame) => void, opts: ReadCaptureOptions = {}): Promise<CaptureInfo> {
  const name = opts.as ?? path;
  const label = name === STDIN ? 'standard input' : name;
  let source: Source;
  if (path === STDIN) {
    source = streamSource(process.stdin, null);
  } else {
    source = await fileSource(path, label);
  }
  try {
    return await readSource(source, name, label, onFrame, opts);
  } finally {
    await source.close();
  }
}

/** Chunks of raw input. `next` returns null at the end; the buffer it returns may be reused by the next call. */
interface Source {
  total: number | null;
  next(): Promise<Buffer | null>;
  close(): Promise<void>;
}

/** The InputError for an OS error on `label`, or null for codes without a plain-words message. */
export function osError(e: unknown, label: string): InputError | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT': return new InputError(`${label}: no such file`);
    case 'EACCES':
    case 'EPERM': return new InputError(`${label}: permission denied`);
    case 'EISDIR': return new InputError(`${label}: is a directory, not a capture file`);
    case 'ENOTDIR': return new InputError(`${label}: no such file (a part of the path is not a directory)`);
    case 'ELOOP': return new InputError(`${label}: too many levels of symbolic links`);
    case 'EIO': return new InputError(`${label}: I/O error while reading`);
    case 'ENAMETOOLONG': return new InputError(`${label}: file name too long`);
    default: return null;
  }
}

async function fileSource(path: string, label: string): Promise<Source> {
  let fh: FileHandle;
  let size: number | null;
  try {
    const st = await fsp.stat(path);
    if (st.isDirectory()) throw new InputError(`${label}: is a directory, not a capture file`);
    if (st.isFile() && st.size === 0) throw new InputError(`${label}: the file is empty (0 bytes), not a capture`);
    fh = await fsp.open(path, 'r');
    // FIFOs and character devices have no meaningful size.
    size = st.isFile() ? st.size : null;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw osError(e, label) ?? new InputError(`${label}: cannot open (${(e as Error).message})`);
  }
  // Two buffers, alternating: the next read runs while the parser works on the current one. The parser
  // copies only what straddles reads, and frames are views the consumer must not keep (see Frame), so
  // a buffer can be refilled once the parser is past it; this spares the GC a megabyte per read.
  const bufs = [Buffer.allocUnsafe(READ_SIZE), Buffer.allocUnsafe(READ_SIZE)];
  let which = 0;
  const startRead = (b: Buffer) => {
    const p = fh.read(b, 0, READ_SIZE, null);
    p.catch(() => { /* awaited in next(); this only keeps an abandoned read from being "unhandled" */ });
    return p;
  };
  let pending = startRead(bufs[0]!);
  return {
    total: size,
    async next() {
      let n: number;
      try {
        ({ bytesRead: n } = await pending);
      } catch (e) {
        throw osError(e, label) ?? new InputError(`${label}: read failed (${(e as Error).message})`);
      }
      if (n === 0) return null;
      const cur = bufs[which]!;
      which ^= 1;
      pending = startRead(bufs[which]!);
      return cur.subarray(0, n);
    },
    close: async () => {
      await pending.catch(() => undefined);
      await fh.close();
    },
  };
}

function streamSource(stream: Readable, total: number | null): Source {
  const it = stream[Symbol.asyncIterator]();
  return {
    total,
    async next() {
      const r = await it.next();
      return r.done ? null : (r.value as Buffer);
    },
    async close() { /* standard input stays open; nothing of ours to release */ },
  };
}

async function readSource(
  src: Source, path: string, label: string, onFrame: (f: Frame) => void, opts: ReadCaptureOptions,
): Promise<CaptureInfo> {
  const { signal, onProgress } = opts;
  let read = 0;
  let first = await src.next();
  // gzip is told by two bytes; a pipe may deliver fewer first. (concat also copies the reused read buffer.)
  while (first !== null && first.length < 2) {
    const more = await src.next();
    if (more === null) break;
    first = Buffer.concat([first, more]);
  }
  if (first === null) {
    // Only a pipe gets here (an empty regular file is caught by its size).
    throw new InputError(`${label}: the input is empty (0 bytes), not a capture`);
  }
  read += first.length;
  onProgress?.(read, src.total);
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  const parser = createCaptureParser(label, onFrame, { gzip });
  let aborted = false;
  if (!gzip) {
    try {
      parser.push(first);
      for (;;) {
        if (signal?.aborted) { aborted = true; break; }
        const chunk = await src.next();
        if (chunk === null) break;
        read += chunk.length;
        parser.push(chunk);
        onProgress?.(read, src.total);
      }
    } catch (e) {
      if (!(e instanceof StopReading)) throw e;
      aborted = true;
    }
    return finish(parser, path, aborted);
  }
  // gzip: the first chunk may be the reused read buffer, so it is written before the next read.
  const gunzip = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK });
  const result = { aborted: false, gzipError: null as Error | null, parseError: null as unknown };
  const decoded = new Promise<void>((resolve) => {
    gunzip.on('data', (c: Buffer) => {
      if (result.parseError !== null) return;
      try { parser.push(c); } catch (e) { result.parseError = e; gunzip.destroy(); resolve(); }
    });
    gunzip.on('error', (e: Error) => { result.gzipError = e; resolve(); });
    gunzip.on('end', () => resolve());
    gunzip.on('close', () => resolve());
  });
  let chunk: Buffer | null = first;
  while (chunk !== null && result.gzipError === null && result.parseError === null) {
    if (signal?.aborted) { result.aborted = true; break; }
    // Backpressure: wait for zlib to take this chunk before reading (and overwriting) the next.
    // (A failing zlib may never call back: the race with `decoded` ends the wait then.)
    await Promise.race([new Promise<void>((resolve) => gunzip.write(chunk, () => resolve())), decoded]);
    chunk = await src.next();
    if (chunk !== null) {
      read += chunk.length;
      onProgress?.(read, src.total);
    }
  }
  if (result.parseError instanceof StopReading) {
    result.parseError = null;
    result.aborted = true;
  }
  if (result.aborted) gunzip.destroy(); else gunzip.end();
  await decoded;
  if (result.parseError instanceof StopReading) result.aborted = true;
  else if (result.parseError !== null) throw result.parseError;
  const info = finish(parser, path, result.aborted);
  if (result.gzipError !== null) {
    const z = result.gzipError as NodeJS.ErrnoException;
    const what = z.code === 'Z_BUF_ERROR' ? 'gzip stream ends early (truncated)' : `gzip stream damaged (${z.message})`;
    info.warnings.push({
      kind: z.code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt',
      message: `${label}: ${what} after ${info.bytes} decompressed bytes; kept the ${info.frames} frames before it`,
      offset: info.bytes,
      frameNo: info.frames + 1,
    });
  }
  return info;
}

function finish(parser: CaptureParser, path: string, aborted: boolean): CaptureInfo {
  const info = parser.end(aborted);
  info.name = path;
  if (aborted) info.aborted = true;
  return info;
}

/** For callers that already hold a stream (tests, other sources): same as readCapture on it. */
export async function readCaptureStream(
  stream: Readable, name: string, onFrame: (f: Frame) => void, opts: ReadCaptureOptions = {},
): Promise<CaptureInfo> {
  return readSource(streamSource(stream, null), name, name, onFrame, opts);
}
