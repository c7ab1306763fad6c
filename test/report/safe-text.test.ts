/** Input strings shown with their control characters escaped (report/safe-text.ts). */
import { jsonSafe, safeLines, safeText } from '../../src/report/safe-text.js';
import { HOSTILE, RAW_CONTROL } from '../helpers/hostile.js';


describe('safeText', () => {
  test.each(Object.entries(HOSTILE))('%s is shown escaped, nothing raw left', (_name, seq) => {
    const shown = safeText(`a${seq}b.pcap`);
    expect(shown).not.toMatch(RAW_CONTROL);
    expect(shown.startsWith('a') && shown.endsWith('b.pcap')).toBe(true);
    // Every control character became a visible \xHH escape of its own code.
    for (const ch of seq) if (RAW_CONTROL.test(ch)) expect(shown).toContain(`\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  });

  test('tab, line feed and carriage return are escaped too: a name cannot forge a line', () => {
    expect(safeText('a\tb\nc\rd')).toBe('a\\x09b\\x0ac\\x0dd');
  });

  test('invisible reordering characters (bidi overrides, isolates, line separators) are escaped', () => {
    expect(safeText('x\u202eeman\u2066y\u2028z')).toBe('x\\u{202e}eman\\u{2066}y\\u{2028}z');
  });

  test('ordinary text, other scripts and emoji are untouched (the same string back)', () => {
    const s = 'capture-été 日本 🦈 [2001:db8::1]:443 C:\\path';
    expect(safeText(s)).toBe(s);
  });

  test('safeLines keeps line feeds and escapes the rest', () => {
    expect(safeLines(`error: unknown option '--${HOSTILE.csi7}'\n(add --help)\n`)).toBe("error: unknown option '--\\x1b[2J'\n(add --help)\n");
  });
});

describe('jsonSafe', () => {
  test('JSON keeps input strings exact (it parses back to them) and carries no raw control character', () => {
    const value = { name: `x${Object.values(HOSTILE).join('')}\u007f\u202e` };
    const text = jsonSafe(JSON.stringify(value, null, 2));
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).not.toMatch(/[\u202e]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
