/**
 * What every command's CLI wiring needs from the process, gathered once: global flags, colour decided
 * per stream, and the two output streams (tests and the bench can swap them).
 */
import { readFileSync } from 'node:fs';
import { colorLevel, makePaint, type Paint } from '../report/style.js';
import type { OutStream } from './output.js';

export interface Ctx {
  version: string;
  debug: boolean;
  quiet: boolean;
  /** Colours for stdout and stderr (each decided for its own stream). */
  paint: Paint;
  paintErr: Paint;
  out: (s: string) => void;
  err: (s: string) => void;
  /** The stream behind `out`, for output streamed through a BufferedWriter (--json, --ndjson). */
  outStream: OutStream;
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  columns: number;
  /** Width of stderr when it is a terminal (for the progress bar). */
  errColumns: number;
}

export interface GlobalFlags { color: boolean; debug?: boolean; quiet?: boolean }

let cachedVersion: string | null = null;

/** The version from package.json (two levels up from both src/cli and dist/cli). */
export function packageVersion(): string {
  if (cachedVersion === null) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

export function makeCtx(g: GlobalFlags): Ctx {
  const so = process.stdout;
  const se = process.stderr;
  return {
    version: packageVersion(),
    debug: g.debug ?? false,
    quiet: g.quiet ?? false,
    paint: makePaint(colorLevel(so, g.color)),
    paintErr: makePaint(colorLevel(se, g.color)),
    out: (s) => { so.write(s); },
    outStream: so,
    err: (s) => { se.write(s); },
    stdoutIsTTY: so.isTTY === true,
    stderrIsTTY: se.isTTY === true,
    columns: so.columns && so.columns > 40 ? so.columns : 100,
    errColumns: se.columns && se.columns > 20 ? se.columns : 80,
  };
}
