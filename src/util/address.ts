/**
 * IP address text ↔ the words the decoder fills (IPv4 in word 0; IPv6 as four big-endian words), and
 * the numeric order people expect of a list of addresses (10.0.0.2 before 10.0.0.10).
 */

/** "10.0.0.1" → 0x0a000001, or null when the text is not a dotted quad of 0..255. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** IPv6 text (with ::, or a trailing dotted IPv4) → four big-endian words, or null when malformed. */
export function parseIPv6(text: string): Uint32Array | null {
  let s = text.toLowerCase();
  const groups: number[] = [];
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    const a = parseIPv4(v4[1]!);
    if (a === null) return null;
    tail = [a >>> 16, a & 0xffff];
    s = s.slice(0, s.length - v4[1]!.length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  groups.push(...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail);
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return w;
}

/** Either family: the version and the four words (IPv4 in word 0), or null. */
export function parseAddress(text: string): { version: 4 | 6; words: Uint32Array } | null {
  if (text.includes(':')) {
    const w = parseIPv6(text.replace(/%.*$/, ''));
    return w ? { version: 6, words: w } : null;
  }
  const a = parseIPv4(text);
  if (a === null) return null;
  const w = new Uint32Array(4);
  w[0] = a;
  return { version: 4, words: w };
}

/** Numeric order of two printed addresses: IPv4 before IPv6, then by value (unparsable ones last, as text). */
export function compareAddresses(a: string, b: string): number {
  const x = parseAddress(a), y = parseAddress(b);
  if (!x || !y) return x ? -1 : y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (x.version !== y.version) return x.version - y.version;
  for (let i = 0; i < 4; i++) if (x.words[i] !== y.words[i]) return x.words[i]! - y.words[i]!;
  return 0;
}

/** Endpoints (ip, port) in numeric order. */
export function compareEndpoints(a: { ip: string; port: number }, b: { ip: string; port: number }): number {
  return compareAddresses(a.ip, b.ip) || a.port - b.port;
}
