/**
 * Colour policy, decided once per run: chalk instances are created here and handed to renderers, so a
 * renderer never asks the environment itself (tests render with a fixed level).
 */
import { Chalk, supportsColor, type ChalkInstance } from 'chalk';
import type { Severity, TcpState } from '../flow/model.js';

export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * Off for --no-color, NO_COLOR (non-empty, https://no-color.org) and non-TTY streams; FORCE_COLOR
 * (0..3, "true", "false", empty = 1) overrides the TTY test. NO_COLOR wins over FORCE_COLOR: a user
 * who asked for no colour at all gets none.
 */
export function colorLevel(
  stream: { isTTY?: boolean },
  colorFlag: boolean,
  env: NodeJS.ProcessEnv = process.env,
): ColorLevel {
  if (!colorFlag) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === 'false' || force === '0') return 0;
    if (force === '' || force === 'true') return 1;
    const n = Number.parseInt(force, 10);
    if (Number.isFinite(n)) return Math.max(0, Math.min(3, n)) as ColorLevel;
    return 1;
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  const detected = supportsColor === false ? 1 : supportsColor.level;
  return (detected === 0 ? 1 : detected) as ColorLevel;
}

export type Paint = ChalkInstance;

export function makePaint(level: ColorLevel): Paint {
  return new Chalk({ level });
}

export function severityColor(p: Paint, s: Severity): (text: string) => string {
  switch (s) {
    case 'error': return p.red.bold;
    case 'warning': return p.yellow;
    case 'info': return p.cyan;
  }
}

/** One colour per family of states, so a timeline reads at a glance: opening, open, closing, closed. */
export function stateColor(p: Paint, s: TcpState): (text: string) => string {
  switch (s) {
    case 'ESTABLISHED': return p.green;
    case 'SYN_SENT': case 'SYN_RECEIVED': case 'LISTEN': return p.cyan;
    case 'FIN_WAIT_1': case 'FIN_WAIT_2': case 'CLOSE_WAIT': case 'CLOSING': case 'LAST_ACK': return p.yellow;
    case 'TIME_WAIT': return p.magenta;
    case 'CLOSED': return p.gray;
  }
}
