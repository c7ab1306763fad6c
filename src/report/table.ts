/** cli-table3 with synack's look: no colours of its own (chalk decides), compact padding. */
import Table from 'cli-table3';
import type { Paint } from './style.js';

export function makeTable(p: Paint, head: string[], align?: Array<'left' | 'right' | 'center'>): Table.Table {
  return new Table({
    head: head.map((h) => p.bold(h)),
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1, compact: true },
    // No rule between body rows: a table of connections should read like a list.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(align ? { colAligns: align } : {}),
    wordWrap: false,
  });
}

/** Indent every line of a block (tables are drawn flush left). */
export function indent(block: string, by = '  '): string {
  return block.split('\n').map((l) => by + l).join('\n');
}
