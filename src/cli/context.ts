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
  /**
   * The width text output fits: COLUMNS when set, else the terminal's, else PIPED_WIDTH (a file or a
   * pipe). `--wide` makes it Infinity (outputWidth()).
   */
  columns: number;
  /** COLUMNS or the terminal's width, null when stdout is piped and COLUMNS is unset. */
  terminalColumns: number | null;
  /** Width of stderr when it is a terminal (for the progress bar). */
  errColumns: number;
}

/** The width text fits when stdout is a file or a pipe and COLUMNS is unset (`--wide`: no limit). */
export const PIPED_WIDTH = 100;
/** Narrower than this, COLUMNS or a terminal's width is taken as this (nothing fits below). */
export const MIN_WIDTH = 40;

/** COLUMNS when it is a whole number, else the stream's width when it is a terminal, else null. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number | null {
  const fromEnv = env.COLUMNS !== undefined && /^\d+$/.test(env.COLUMNS.trim()) ? Number(env.COLUMNS) : null;
  const w = fromEnv !== null && fromEnv > 0 ? fromEnv : stream.isTTY && stream.columns ? stream.columns : null;
  return w === null ? null : Math.max(MIN_WIDTH, w);
}

/** The width a command fits: unlimited with --wide, else ctx.columns. */
export function outputWidth(c: Ctx, wide: boolean | undefined): number {
  return wide ? Infinity : c.columns;
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
    columns: terminalWidth(so) ?? PIPED_WIDTH,
    terminalColumns: terminalWidth(so),
    errColumns: se.columns && se.columns > 20 ? se.columns : 80,
  };
}
