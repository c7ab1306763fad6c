/**
 * Fitting text to a terminal: word wrap and cuts that count what a terminal shows (colour codes have
 * no width; every other character here is one column wide: synack prints no wide characters).
 */
import { visibleLength } from './text.js';

/** A colour code (SGR) at the cursor: no width. */
const ANSI = /\u001b\[[0-9;]*m/y;

/** s cut to `width` visible characters, the last one an ellipsis when anything was cut. */
export function cutVisible(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let shown = 0;
  let coloured = false;
  for (let i = 0; i < s.length;) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(s);
    if (m) { out += m[0]; coloured = true; i += m[0].length; continue; }
    if (shown === width - 1) break;
    out += s[i];
    shown++;
    i++;
  }
  return out + '…' + (coloured ? '\u001b[0m' : '');
}

/** A word longer than `width`, in pieces of `width` visible characters. */
function breakWord(w: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  let n = 0;
  for (let i = 0; i < w.length;) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(w);
    if (m) { cur += m[0]; i += m[0].length; continue; }
    if (n === width) { out.push(cur); cur = ''; n = 0; }
    cur += w[i];
    n++;
    i++;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * One line wrapped at spaces to `width`; continuation lines start with `hang` spaces. The line's own
 * indentation and the spacing between words on a line are kept; a break eats the spaces at it. Words
 * longer than a line are broken.
 */
export function wrapLine(line: string, width: number, hang: number): string[] {
  if (!Number.isFinite(width) || visibleLength(line) <= width) return [line];
  const lead = /^ */.exec(line)![0];
  // [spaces before, word] pairs, the first word's spaces being the indentation.
  const parts: Array<[string, string]> = [];
  const re = /( *)([^ ]+)/g;
  for (let m = re.exec(line.slice(lead.length)); m; m = re.exec(line.slice(lead.length))) parts.push([m[1]!, m[2]!]);
  const out: string[] = [];
  let cur = lead;
  let curLen = lead.length;
  let empty = true;
  const newLine = () => { out.push(cur); cur = ' '.repeat(hang); curLen = hang; empty = true; };
  for (const [sp, w] of parts) {
    const len = visibleLength(w);
    const gap = empty ? 0 : sp.length;
    if (!empty && curLen + gap + len > width) newLine();
    const room = width - curLen - (empty ? 0 : sp.length);
    if (len > room && len > width - hang) {
      // Too long for any line: fill this one, then whole lines of it.
      let rest = w;
      if (!empty) { cur += sp; curLen += sp.length; }
      for (;;) {
        const take = Math.max(1, width - curLen);
        const pieces = breakWord(rest, take);
        cur += pieces[0]!;
        curLen += visibleLength(pieces[0]!);
        empty = false;
        if (pieces.length === 1) break;
        rest = pieces.slice(1).join('');
        newLine();
      }
      continue;
    }
    cur += (empty ? '' : sp) + w;
    curLen += (empty ? 0 : sp.length) + len;
    empty = false;
  }
  if (!empty || out.length === 0) out.push(cur);
  return out;
}

/** Every line of a block wrapped to `width`, continuation lines indented `extra` past the line's own indent. */
export function wrapBlock(block: string, width: number, extra = 4): string {
  if (!Number.isFinite(width)) return block;
  return block.split('\n').flatMap((l) => wrapLine(l, width, /^ */.exec(l)![0].length + extra)).join('\n');
}

/** Items joined with `sep`, on as many lines of at most `width` visible characters as they need. */
export function packItems(items: readonly string[], width: number, sep = ', '): string[] {
  const lines: string[] = [];
  let cur = '';
  let curLen = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]! + (i < items.length - 1 ? sep.trimEnd() : '');
    const len = visibleLength(it);
    if (curLen > 0 && curLen + 1 + len > width) { lines.push(cur); cur = ''; curLen = 0; }
    cur += (curLen > 0 ? ' ' : '') + it;
    curLen += (curLen > 0 ? 1 : 0) + len;
  }
  if (cur || lines.length === 0) lines.push(cur);
  return lines;
}
