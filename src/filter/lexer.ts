/**
 * Tokens of a tcpdump filter expression. Words hold letters, digits and `_ . - :` (so addresses,
 * `tcp-syn`, `1000-2000` and `2001:db8::1` are one word each); inside `[ ]` a colon separates an
 * offset from a size instead. Positions are 1-based characters, for error messages.
 */
import { FilterError } from './errors.js';

export interface Token {
  kind: 'word' | 'punct' | 'end';
  text: string;
  /** 1-based character position in the expression. */
  pos: number;
  /** A word written with a leading backslash (`proto \tcp`): a name, never a keyword. */
  escaped?: boolean;
}

const PUNCT2 = ['&&', '||', '!=', '==', '<=', '>=', '<<', '>>'];
const PUNCT1 = '()[]:!=<>&|+-*/%^';

function wordChar(ch: string, inBrackets: boolean): boolean {
  return /[A-Za-z0-9_.-]/.test(ch) || (!inBrackets && ch === ':');
}

export function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let brackets = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const two = src.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      out.push({ kind: 'punct', text: two, pos: i + 1 });
      i += 2;
      continue;
    }
    const escaped = ch === '\\';
    const start = escaped ? i + 1 : i;
    const first = src[start];
    if (first !== undefined && /[A-Za-z0-9_]/.test(first) || (!escaped && ch === ':' && brackets === 0)) {
      let j = start;
      while (j < src.length && wordChar(src[j]!, brackets > 0)) j++;
      out.push({ kind: 'word', text: src.slice(start, j), pos: i + 1, ...(escaped ? { escaped } : {}) });
      i = j;
      continue;
    }
    if (PUNCT1.includes(ch)) {
      if (ch === '[') brackets++;
      else if (ch === ']' && brackets > 0) brackets--;
      out.push({ kind: 'punct', text: ch, pos: i + 1 });
      i++;
      continue;
    }
    throw new FilterError(src, i + 1, `unexpected character ${JSON.stringify(ch)}`);
  }
  out.push({ kind: 'end', text: '', pos: src.length + 1 });
  return out;
}
