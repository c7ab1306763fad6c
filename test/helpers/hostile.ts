/**
 * What hostile input carries to a terminal: ESC, CSI (7-bit ESC [ and 8-bit U+009B), OSC (ESC ] ...
 * ended by BEL or by ST; and 8-bit U+009D ... U+009C), BEL. Tests feed each through every path that
 * shows an input string (file names, bytes of a file, interface names) and look for raw ones.
 */
export const HOSTILE = {
  esc: '\u001b',
  csi7: '\u001b[2J',
  csi8: '\u009b31m',
  osc: '\u001b]0;owned\u0007',
  oscSt: '\u001b]8;;owned\u001b\\',
  osc8bit: '\u009d0;owned\u009c',
  bel: '\u0007',
} as const;

/** All of them in one string (a file name can hold every one: only '/' and NUL are out). */
export const HOSTILE_ALL = Object.values(HOSTILE).join('');

/** Raw control characters a terminal acts on: C0 but line feed, DEL, C1. */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
