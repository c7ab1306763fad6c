/**
 * Tables that fit the terminal. Each column says how much it matters and how it gives way; the fitter
 * drops the least important columns until the rest fit at the widths they want, then narrows the
 * columns that can wrap or be cut, then hands any room left back to them. cli-table3 draws the result.
 */
import type { Paint } from './style.js';
import { makeTable } from './table.js';
import { visibleLength } from './text.js';
import { cutVisible, packItems, wrapLine } from './wrap.js';

export interface Column {
  head: string;
  align?: 'left' | 'right';
  /** 0: never dropped; larger numbers are dropped first. */
  priority: number;
  /** How a cell wider than its column gives way: wrap its items or words, cut it with "…", or not at all. */
  shrink?: 'wrap' | 'cut';
  /** The width a shrinking column asks for before other columns are dropped. */
  want?: number;
  /** The narrowest a shrinking column may become. */
  min?: number;
}

/** A cell: text, or items that wrap between them (an anomaly list). */
export type Cell = string | { items: string[] };

/** What cli-table3 adds around cells: "│ " before each, " │" after the last; the block is indented 2. */
const INDENT = 2;
const tableWidth = (widths: readonly number[]) => INDENT + 1 + widths.reduce((a, w) => a + w + 3, 0);

function natural(c: Cell): number {
  if (typeof c === 'string') return Math.max(0, ...c.split('\n').map(visibleLength));
  return visibleLength(c.items.join(', '));
}

/** The narrowest a cell can be made: its longest item or word. */
function narrowest(c: Cell): number {
  const parts = typeof c === 'string' ? c.split(/[ \n]/) : c.items.map((x) => `${x},`);
  return Math.max(1, ...parts.map(visibleLength));
}

/** Which columns to keep and how wide each is, for `width` visible columns in all. */
export function fitColumns(cols: readonly Column[], rows: readonly Cell[][], width: number): { keep: number[]; widths: number[] } {
  const nat = cols.map((c, i) => Math.max(visibleLength(c.head), ...rows.map((r) => natural(r[i]!))));
  const floor = cols.map((c, i) => {
    if (!c.shrink) return nat[i]!;
    const atLeast = c.shrink === 'wrap' ? Math.max(...rows.map((r) => narrowest(r[i]!)), 1) : 1;
    return Math.min(nat[i]!, Math.max(c.min ?? 8, atLeast, c.shrink === 'cut' ? 1 : 0));
  });
  const want = cols.map((c, i) => (c.shrink ? Math.min(nat[i]!, Math.max(c.want ?? nat[i]!, floor[i]!)) : nat[i]!));
  const wantOf = (i: number) => want[i]!;
  let keep = cols.map((_, i) => i);
  if (!Number.isFinite(width)) return { keep, widths: nat };
  const total = (f: (i: number) => number) => tableWidth(keep.map(f));
  // Drop the least important columns (last first among equals) until the rest fit as they want. A
  // column that can shrink is narrowed instead of dropped when that is enough.
  while (total(wantOf) > width) {
    let drop = -1;
    for (const i of keep) if (cols[i]!.priority > 0 && (drop < 0 || cols[i]!.priority >= cols[drop]!.priority)) drop = i;
    if (drop < 0) break;
    const over = total(wantOf) - width;
    if (cols[drop]!.shrink && want[drop]! - over >= floor[drop]!) {
      want[drop] = want[drop]! - over;
      break;
    }
    keep = keep.filter((i) => i !== drop);
  }
  const w = new Map(keep.map((i) => [i, wantOf(i)]));
  // Still too wide: narrow the shrinking columns, widest first, down to their floors.
  let over = tableWidth([...w.values()]) - width;
  while (over > 0) {
    let widest = -1;
    for (const i of keep) if (cols[i]!.shrink && w.get(i)! > floor[i]! && (widest < 0 || w.get(i)! > w.get(widest)!)) widest = i;
    if (widest < 0) break;
    w.set(widest, w.get(widest)! - 1);
    over--;
  }
  // Room left: back to the shrinking columns, up to what they would take.
  let room = width - tableWidth([...w.values()]);
  for (const i of keep) {
    if (room <= 0) break;
    if (!cols[i]!.shrink) continue;
    const more = Math.min(room, nat[i]! - w.get(i)!);
    if (more > 0) { w.set(i, w.get(i)! + more); room -= more; }
  }
  return { keep, widths: keep.map((i) => w.get(i)!) };
}

function fitCell(c: Cell, col: Column, width: number): string {
  if (typeof c !== 'string') return packItems(c.items, width).join('\n');
  if (visibleLength(c) <= width) return c;
  if (col.shrink === 'wrap') return c.split('\n').flatMap((l) => wrapLine(l, width, 0)).join('\n');
  return cutVisible(c, width);
}

/** The table (indented two spaces) fitted to `width`; the columns dropped are named in `dropped`. */
export function fittedTable(p: Paint, cols: readonly Column[], rows: readonly Cell[][], width: number): { text: string; dropped: string[] } {
  const { keep, widths } = fitColumns(cols, rows, width);
  const t = makeTable(p, keep.map((i) => cols[i]!.head), keep.map((i) => cols[i]!.align ?? 'left'));
  for (const r of rows) t.push(keep.map((i, k) => fitCell(r[i]!, cols[i]!, widths[k]!)));
  const text = t.toString().split('\n').map((l) => ' '.repeat(INDENT) + l).join('\n');
  return { text, dropped: cols.filter((_, i) => !keep.includes(i)).map((c) => c.head) };
}
