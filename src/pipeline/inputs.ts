/**
 * Reading the inputs one after another through a FrameSink: checks each path first so the error names
 * the file in plain words, numbers frames on across inputs, and reports progress.
 */
import { statSync } from 'node:fs';
import type { CaptureInfo } from '../capture/frame.js';
import { InputError } from '../util/errors.js';
import type { FrameSink } from './sink.js';
import { linkTypeName, readCapture, type ReadCaptureOptions } from './stages.js';
import type { InputSummary } from './types.js';

export interface Progress {
  input: string;
  /** 0-based index of the input being read, and how many there are. */
  inputIndex: number;
  inputCount: number;
  /** Bytes of this input read so far (compressed bytes for gzip), and its size (0 for '-'). */
  bytesRead: number;
  bytesTotal: number;
  frames: number;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called after every read of an input (about a megabyte), never per frame. */
  onProgress?: (p: Progress) => void;
  /** What each path is called in messages and summaries, when it stands in for another (spooled stdin). */
  names?: readonly string[];
}

/** Refuses what is plainly not a capture before a reader sees it. Returns the size in bytes (0 for stdin). */
export function checkInputPath(path: string, name = path): number {
  if (path === '-') return 0;
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${name}: no such file`);
    if (code === 'EACCES') throw new InputError(`${name}: permission denied`);
    throw new InputError(`${name}: cannot open (${code ?? String(e)})`);
  }
  if (st.isDirectory()) throw new InputError(`${name}: is a directory, not a capture file`);
  if (st.isFile() && st.size === 0) {
    throw new InputError(name === '-' ? 'standard input: the input is empty (0 bytes), not a capture' : `${name}: empty file (0 bytes), not a capture`);
  }
  return st.isFile() ? st.size : 0;
}

export async function readInputs(paths: readonly string[], sink: FrameSink, opts: ReadOptions = {}): Promise<InputSummary[]> {
  if (paths.length === 0) throw new InputError('no input file given');
  if ([...(opts.names ?? paths)].filter((p) => p === '-').length > 1) throw new InputError("standard input ('-') can be read only once");
  const sizes = paths.map((p, i) => checkInputPath(p, opts.names?.[i]));
  const inputs: InputSummary[] = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    if (opts.signal?.aborted || sink.stoppedAtCount) break;
    sink.unsupported = new Map();
    const firstFrame = sink.lastFrameNo + 1;
    const frames0 = sink.frames;
    const report = opts.onProgress;
    const progress: Progress = { input: opts.names?.[i] ?? path, inputIndex: i, inputCount: paths.length, bytesRead: 0, bytesTotal: sizes[i]!, frames: 0 };
    const readOpts: ReadCaptureOptions = {};
    if (opts.signal) readOpts.signal = opts.signal;
    const as = opts.names?.[i];
    if (as !== undefined && as !== path) readOpts.as = as;
    if (report) {
      // The reader calls this once per read (about a megabyte), never per frame.
      readOpts.onProgress = (read, total) => {
        progress.bytesRead = read;
        progress.bytesTotal = total ?? 0;
        progress.frames = sink.frames - frames0;
        report(progress);
      };
    }
    const info: CaptureInfo = await readCapture(path, sink.frame, readOpts);
    sink.frameBase += info.frames;
    // A file whose frames all failed to parse still advances numbering by what the reader counted.
    if (sink.lastFrameNo < sink.frameBase) sink.lastFrameNo = sink.frameBase;
    inputs.push(toInputSummary(info, firstFrame, sink));
  }
  return inputs;
}

function toInputSummary(info: CaptureInfo, firstFrame: number, sink: FrameSink): InputSummary {
  const linkTypes = [...info.linkTypes].sort((a, b) => b[1] - a[1]).map(([linkType, frames]) => ({
    linkType, name: linkTypeName(linkType), frames, supported: !sink.unsupported.has(linkType),
  }));
  const s: InputSummary = {
    name: info.name, format: info.format, detail: info.detail, gzip: info.gzip, frames: info.frames, bytes: info.bytes,
    firstFrame, lastFrame: firstFrame + info.frames - 1, linkTypes, warnings: info.warnings,
  };
  if (info.counts) s.counts = info.counts;
  if (info.interfaceStats) s.interfaceStats = info.interfaceStats;
  return s;
}
