/**
 * Strings that come from input, made safe to show. A file name, an interface description, a line
 * quoted from a file or a pcapng option is data: printed raw, its control characters are commands to
 * the terminal that shows synack's output or log (ESC [ ... moves the cursor or rewrites lines,
 * ESC ] ... BEL retitles the window or plants a hyperlink, the 8-bit CSI U+009B does the same on
 * terminals that honour C1, BEL rings). Every renderer passes such strings through `safeText`, and
 * the one error line (cli/main.ts) passes the whole message.
 *
 * Escaped: C0 controls (U+0000-U+001F: tab and line feed too, so a name cannot forge a line), DEL,
 * C1 controls (U+0080-U+009F), and the invisible characters that reorder or split displayed text:
 * bidirectional marks, embeddings, overrides and isolates ("Trojan Source"), line and paragraph
 * separators. Each becomes `\xHH` (below U+0100) or `\u{HHHH}`: visible, and the code point can be
 * read back. Everything else, any script or emoji, is shown as it is.
 *
 * JSON keeps input strings exact (tools may need the real file name): JSON.stringify escapes C0 and
 * `jsonSafe` the rest of the list as \u escapes, so the document parses to the same strings and is
 * still safe to `cat`.
 */

// One regular expression, kept without the /g flag for test() (no lastIndex state) and with it for replace().
const UNSAFE_CLASS = '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]';
const UNSAFE = new RegExp(UNSAFE_CLASS);
const UNSAFE_ALL = new RegExp(UNSAFE_CLASS, 'g');
/** The same without C0 (JSON.stringify has escaped those already). */
const JSON_UNSAFE_ALL = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u{${hex(code, 4)}}`;
}

/** `s` with every control and invisible reordering character shown as an escape (see above). */
export function safeText(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, escapeChar) : s;
}

/** Text of several lines (commander's usage errors): each line made safe, the line feeds kept. */
export function safeLines(s: string): string {
  return UNSAFE.test(s) ? s.split('\n').map(safeText).join('\n') : s;
}

/** JSON text whose strings may come from input: DEL, C1 and the invisible characters as \u escapes. */
export function jsonSafe(json: string): string {
  return json.replace(JSON_UNSAFE_ALL, (ch) => `\\u${hex(ch.charCodeAt(0), 4)}`);
}
