/**
 * Why a capture program could not start, in one line: its own words, classified so the fix can be
 * said (rights, interface, filter).
 */
import { CaptureError } from '../util/errors.js';
import type { LiveCaptureOptions } from './live-source.js';

/** How capture rights are given to the capture program only (never to node): README "Live capture". */
export const RIGHTS_FIX =
  'capturing needs root, or capture rights for the capture program alone: ' +
  'sudo setcap cap_net_raw,cap_net_admin=eip $(command -v dumpcap) and a group allowed to run it ' +
  '(Debian: dpkg-reconfigure wireshark-common; usermod -a -G wireshark $USER)';

/** Permission errors carry this class, so `--engine auto` can try the next engine. */
export class CapturePermissionError extends CaptureError {}

export function captureFailure(program: string, lines: readonly string[], o: LiveCaptureOptions): CaptureError {
  const said = lines.map((l) => l.trim()).filter(Boolean);
  const own = said.filter((l) => l.startsWith(`${program}: `)).map((l) => l.slice(program.length + 2));
  const main = own[0] ?? said.find((l) => !/^Capturing on|^File: /.test(l)) ?? 'exited before capturing';
  const detail = said.find((l) => /^\(.*\)$/.test(l) || /isn't a valid capture filter/.test(l));
  const msg = `${main}${detail && !main.includes(detail) ? ` ${detail}` : ''}`;
  if (/permission|not permitted/i.test(msg)) return new CapturePermissionError(`${o.iface}: ${program}: ${msg}; ${RIGHTS_FIX}`);
  if (o.filter && /filter/i.test(msg)) return new CaptureError(`bad capture filter "${o.filter}": ${program}: ${msg}`);
  if (/no such device|no device named/i.test(msg)) return new CaptureError(`no interface "${o.iface}" (${program}: ${msg})`);
  return new CaptureError(`${o.iface}: ${program} could not capture: ${msg}`);
}
