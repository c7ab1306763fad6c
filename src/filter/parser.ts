/**
 * tcpdump's filter language (pcap-filter(7)) → FilterNode, with libpcap's own rules where they
 * surprise: `and` and `or` have the same precedence and group left to right (`a or b and c` is
 * `(a or b) and c`); `not` binds tightest; a bare value after `and`/`or` takes the qualifiers of the
 * primitive before it (`host a or b`, `port 80 or 443`); and each `vlan` moves every primitive after it
 * in the text one tag deeper. What synack cannot evaluate is refused by name, never ignored.
 */
import type { Arith, ArithOp, Dir, FilterNode, RelOp } from './ast.js';
import { FilterError } from './errors.js';
import { lex, type Token } from './lexer.js';
import { parseIPv4, parseIPv6 } from '../util/address.js';

/** Protocols no TCP segment is: primitives naming them match nothing synack filters. */
const NEVER = new Set(['udp', 'icmp', 'icmp6', 'igmp', 'igrp', 'pim', 'vrrp', 'carp', 'sctp', 'arp', 'rarp', 'esp']);
const PROTOS = new Set(['ip', 'ip6', 'tcp', ...NEVER]);
const TYPES = new Set(['host', 'net', 'port', 'portrange', 'proto']);

/** Keywords of pcap-filter(7) that synack's filter does not evaluate, with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  ether: 'link-layer (MAC) addresses are not kept by the decoder',
  link: 'link-layer (MAC) addresses are not kept by the decoder',
  fddi: 'link-layer (MAC) addresses are not kept by the decoder',
  tr: 'link-layer (MAC) addresses are not kept by the decoder',
  wlan: '802.11 headers are not decoded',
  broadcast: 'link-layer and IP broadcast tests are not supported',
  multicast: 'link-layer and IP multicast tests are not supported',
  gateway: 'gateway needs name lookups and MAC addresses',
  mpls: 'MPLS label tests are not supported (without a filter, synack decodes TCP inside MPLS)',
  pppoes: 'PPPoE session tests are not supported (without a filter, synack decodes TCP inside PPPoE)',
  pppoed: 'PPPoE discovery is not TCP',
  geneve: 'Geneve is not decoded',
  vxlan: 'VXLAN is not decoded',
  less: 'packet length tests are not supported',
  greater: 'packet length tests are not supported',
  len: 'packet length tests are not supported',
  inbound: 'the direction of a frame is not kept (files have none)',
  outbound: 'the direction of a frame is not kept (files have none)',
  ifname: 'pflog headers are not decoded',
  on: 'pflog headers are not decoded',
  rulenum: 'pflog headers are not decoded',
  reason: 'pflog headers are not decoded',
  action: 'pflog headers are not decoded',
  protochain: 'protochain is not supported; `ip6 proto tcp` and `tcp` are',
  ah: 'IPsec AH is not a filter primitive here',
  iso: 'OSI protocols are not TCP',
  atalk: 'AppleTalk is not TCP',
  decnet: 'DECnet is not TCP',
  ipx: 'IPX is not TCP',
  llc: '802.2 LLC tests are not supported',
  type: '802.11 frame types are not decoded',
  subtype: '802.11 frame types are not decoded',
  dir: '802.11 directions are not decoded',
};

/** Named values in arithmetic (pcap-filter(7)): the TCP flags byte and its bits. */
const CONSTANTS: Record<string, number> = {
  tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10,
  'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};

/** Well-known service names, only to say which number to write (synack looks no name up). */
const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, www: 80, pop3: 110, imap: 143, bgp: 179,
  ldap: 389, https: 443, submission: 587, imaps: 993, mysql: 3306, rdp: 3389, postgresql: 5432,
};

interface Head { proto: string | null; dir: Dir | null; type: string | null }

const ARITH_LEVELS: ReadonlyArray<readonly ArithOp[]> = [['|', '^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
const RELOPS: Record<string, RelOp> = { '>': '>', '<': '<', '>=': '>=', '<=': '<=', '=': '=', '==': '=', '!=': '!=' };

/** A number as libpcap reads one: decimal, 0x hex, 0-led octal; 32 bits at most. Null when not a number. */
export function parseNumber(text: string): number | null {
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) v = parseInt(text.slice(1), 8);
  else if (/^\d+$/.test(text)) v = Number(text);
  else return null;
  return v <= 0xffffffff ? v : null;
}

export function parseFilter(src: string): FilterNode {
  return new Parser(src).parse();
}

class Parser {
  private readonly toks: Token[];
  private i = 0;
  /** `vlan` keywords seen so far in the text. */
  private depth = 0;
  /** Qualifiers of the last primitive that had some, for a bare value after and/or. */
  private lastHead: Head | null = null;

  constructor(private readonly src: string) {
    this.toks = lex(src);
  }

  parse(): FilterNode {
    if (this.peek().kind === 'end') throw this.error(this.peek(), 'the expression is empty');
    const n = this.expr();
    const t = this.peek();
    if (t.kind !== 'end') {
      throw this.error(t, t.text === ')' ? 'unbalanced ")"' : `expected "and", "or" or the end, found ${JSON.stringify(t.text)}`);
    }
    return n;
  }

  private peek(k = 0): Token { return this.toks[Math.min(this.i + k, this.toks.length - 1)]!; }
  private next(): Token { return this.toks[this.i++]!; }
  private error(t: Token, reason: string): FilterError { return new FilterError(this.src, t.pos, reason); }
  private isWord(t: Token, ...words: string[]): boolean { return t.kind === 'word' && !t.escaped && words.includes(t.text); }
  private isPunct(t: Token, ...p: string[]): boolean { return t.kind === 'punct' && p.includes(t.text); }
  private isAnd(t: Token): boolean { return this.isWord(t, 'and') || this.isPunct(t, '&&'); }
  private isOr(t: Token): boolean { return this.isWord(t, 'or') || this.isPunct(t, '||'); }

  private expect(p: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, p)) throw this.error(t, `expected ${JSON.stringify(p)}${t.kind === 'end' ? ' before the end' : `, found ${JSON.stringify(t.text)}`}`);
    return this.next();
  }

  /** and / or: one precedence, left to right (pcap-filter(7)). */
  private expr(): FilterNode {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const kind = this.isAnd(t) ? 'and' : this.isOr(t) ? 'or' : null;
      if (kind === null) return left;
      this.next();
      left = { kind, left, right: this.unary() };
    }
  }

  private unary(): FilterNode {
    const t = this.peek();
    if (this.isWord(t, 'not') || this.isPunct(t, '!')) {
      this.next();
      return { kind: 'not', arg: this.unary() };
    }
    // tcp[...], a named constant or a minus can only begin a comparison.
    if (this.isPunct(t, '-') || (t.kind === 'word' && (t.text in CONSTANTS || this.isPunct(this.peek(1), '[')))) return this.relation();
    if (this.isPunct(t, '(') || this.startsArith(t)) {
      // A comparison, or (for "(") a parenthesised expression: try the comparison first, and keep
      // the error of whichever reading got further.
      const at = this.i;
      let relErr: FilterError;
      try {
        return this.relation();
      } catch (e) {
        if (!(e instanceof FilterError)) throw e;
        relErr = e;
      }
      const relI = this.i;
      this.i = at;
      try {
        if (this.isPunct(t, '(')) {
          this.next();
          const inner = this.expr();
          this.expect(')');
          return inner;
        }
        return this.primitive();
      } catch (e) {
        if (!(e instanceof FilterError)) throw e;
        // A lone number read as arithmetic says little ("expected a comparison"): the other reading
        // knows what the number was for. Otherwise the reading that got further explains best.
        const loneNumber = relI - at <= 1 && parseNumber(t.text) !== null;
        throw !loneNumber && relErr.position > e.position ? relErr : e;
      }
    }
    return this.primitive();
  }

  /** Could `t` begin an arithmetic expression (a number, a named constant, tcp[...], a minus)? */
  private startsArith(t: Token): boolean {
    if (this.isPunct(t, '-')) return true;
    if (t.kind !== 'word') return false;
    if (parseNumber(t.text) !== null || t.text in CONSTANTS) return true;
    return this.isPunct(this.peek(1), '[');
  }

  private relation(): FilterNode {
    const left = this.arith(0);
    const t = this.peek();
    const op = t.kind === 'punct' ? RELOPS[t.text] : undefined;
    if (op === undefined) throw this.error(t, `expected a comparison (=, !=, <, <=, >, >=)${t.kind === 'end' ? ' before the end' : `, found ${JSON.stringify(t.text)}`}`);
    this.next();
    return { kind: 'compare', op, left, right: this.arith(0) };
  }

  private arith(level: number): Arith {
    if (level === ARITH_LEVELS.length) return this.arithPrimary();
    let left = this.arith(level + 1);
    for (;;) {
      const t = this.peek();
      const op = ARITH_LEVELS[level]!.find((o) => this.isPunct(t, o));
      if (op === undefined) return left;
      this.next();
      left = { kind: 'binary', op, left, right: this.arith(level + 1) };
    }
  }

  private arithPrimary(): Arith {
    const t = this.peek();
    if (this.isPunct(t, '-')) {
      this.next();
      return { kind: 'negate', arg: this.arithPrimary() };
    }
    if (this.isPunct(t, '(')) {
      this.next();
      const inner = this.arith(0);
      this.expect(')');
      return inner;
    }
    if (t.kind === 'word') {
      const n = parseNumber(t.text);
      if (n !== null) { this.next(); return { kind: 'const', value: n }; }
      if (t.text in CONSTANTS) { this.next(); return { kind: 'const', value: CONSTANTS[t.text]! }; }
      if (this.isPunct(this.peek(1), '[')) {
        if (t.text !== 'tcp') {
          throw this.error(t, `${t.text}[...] is not supported; tcp[...] is (e.g. tcp[tcpflags] & tcp-syn != 0)`);
        }
        this.next();
        this.next();
        const index = this.arith(0);
        let size: 1 | 2 | 4 = 1;
        if (this.isPunct(this.peek(), ':')) {
          this.next();
          const st = this.next();
          const v = st.kind === 'word' ? parseNumber(st.text) : null;
          if (v !== 1 && v !== 2 && v !== 4) throw this.error(st, 'the size after ":" must be 1, 2 or 4');
          size = v;
        }
        this.expect(']');
        return { kind: 'load', index, size, depth: this.depth };
      }
      if (t.text in UNSUPPORTED) throw this.error(t, `${t.text}: ${UNSUPPORTED[t.text]}`);
    }
    throw this.error(t, t.kind === 'end' ? 'the expression ends too soon' : `expected a number or tcp[...], found ${JSON.stringify(t.text)}`);
  }

  private atBoundary(t: Token): boolean {
    return t.kind === 'end' || this.isPunct(t, ')') || this.isAnd(t) || this.isOr(t);
  }

  private primitive(): FilterNode {
    const t = this.peek();
    if (t.kind !== 'word') {
      throw this.error(t, t.kind === 'end' ? 'the expression ends too soon' : `expected a primitive (host, net, port, tcp, vlan...), found ${JSON.stringify(t.text)}`);
    }
    if (!t.escaped && t.text in UNSUPPORTED) throw this.error(t, `${t.text}: ${UNSUPPORTED[t.text]}`);
    if (this.isWord(t, 'vlan')) return this.vlan();

    const head: Head = { proto: null, dir: null, type: null };
    const first = t;
    if (t.kind === 'word' && !t.escaped && PROTOS.has(t.text)) { head.proto = t.text; this.next(); }
    head.dir = this.direction();
    const ty = this.peek();
    if (this.isWord(ty, ...TYPES)) { head.type = ty.text; this.next(); }

    if (head.proto !== null && head.dir === null && head.type === null) {
      const nx = this.peek();
      if (!this.atBoundary(nx)) {
        throw this.error(nx, `expected host, net, port, portrange or proto after "${head.proto}", or "and"/"or", found ${JSON.stringify(nx.text)}`);
      }
      return this.protocol(head.proto, first);
    }
    if (head.type === 'proto') return this.ipProto(head.proto, first);
    const explicit = head.proto !== null || head.dir !== null || head.type !== null;
    const h = explicit ? head : this.lastHead ?? head;
    if (explicit) this.lastHead = head;
    return this.value(h);
  }

  private vlan(): FilterNode {
    this.next();
    let id: number | null = null;
    const t = this.peek();
    if (t.kind === 'word' && parseNumber(t.text) !== null) {
      id = parseNumber(t.text)!;
      if (id > 4095) throw this.error(t, `VLAN id ${id} is beyond 4095`);
      this.next();
    }
    // Everything after this point in the text looks one tag deeper, as libpcap's offsets move.
    return { kind: 'vlan', id, depth: this.depth++ };
  }

  private direction(): Dir | null {
    const t = this.peek();
    if (!this.isWord(t, 'src', 'dst')) return null;
    this.next();
    const join = this.peek();
    const other = this.peek(1);
    if ((this.isOr(join) || this.isAnd(join)) && this.isWord(other, t.text === 'src' ? 'dst' : 'src')) {
      this.next();
      this.next();
      return this.isOr(join) ? 'src-or-dst' : 'src-and-dst';
    }
    return t.text as Dir;
  }

  private protocol(proto: string, at: Token): FilterNode {
    if (proto === 'ip') return { kind: 'ip', version: 4, depth: this.depth };
    if (proto === 'ip6') return { kind: 'ip', version: 6, depth: this.depth };
    if (proto === 'tcp') return { kind: 'tcp', version: 0, depth: this.depth };
    if (NEVER.has(proto)) return { kind: 'never', what: proto };
    throw this.error(at, `${proto}: not a protocol synack's filter knows`);
  }

  /** `proto N`, `ip proto N`, `ip6 proto N` (N a number or tcp, udp, icmp...). */
  private ipProto(proto: string | null, at: Token): FilterNode {
    if (proto !== null && proto !== 'ip' && proto !== 'ip6') throw this.error(at, `"proto" applies to ip or ip6, not ${proto}`);
    const t = this.next();
    if (t.kind !== 'word') throw this.error(t, 'expected a protocol number or name after "proto"');
    const n = parseNumber(t.text);
    const version = proto === 'ip' ? 4 : proto === 'ip6' ? 6 : 0;
    if (n === 6 || t.text === 'tcp') return { kind: 'tcp', version, depth: this.depth };
    if (n !== null) {
      if (n > 255) throw this.error(t, `protocol number ${n} is beyond 255`);
      return { kind: 'never', what: `proto ${n}` };
    }
    if (NEVER.has(t.text)) return { kind: 'never', what: `proto ${t.text}` };
    throw this.error(t, `${t.text}: not a protocol name synack knows; give its number`);
  }

  /** The value of host / net / port / portrange (head already chosen, inherited when bare). */
  private value(h: Head): FilterNode {
    const t = this.next();
    if (t.kind !== 'word') {
      throw this.error(t, t.kind === 'end' ? `expected a value after "${h.type ?? h.dir ?? h.proto}"` : `expected an address or a number, found ${JSON.stringify(t.text)}`);
    }
    const dir: Dir = h.dir ?? 'src-or-dst';
    const type = h.type ?? 'host';
    if ((type === 'port' || type === 'portrange') && h.proto !== null && h.proto !== 'tcp') {
      if (h.proto === 'udp' || h.proto === 'sctp') {
        if (type === 'port') this.portNumber(t); else this.portRange(t);
        return { kind: 'never', what: `${h.proto} ${type}` };
      }
      throw this.error(t, `"${type}" applies to tcp, udp or sctp, not ${h.proto}`);
    }
    if (type === 'port') {
      const p = this.portNumber(t);
      return { kind: 'port', lo: p, hi: p, dir, depth: this.depth };
    }
    if (type === 'portrange') {
      const [lo, hi] = this.portRange(t);
      return { kind: 'port', lo, hi, dir, depth: this.depth };
    }
    if (h.proto === 'tcp' || h.proto === 'udp' || h.proto === 'sctp') throw this.error(t, `"${h.proto}" does not apply to ${type}`);
    const never = h.proto !== null && NEVER.has(h.proto);
    const node = type === 'net' ? this.network(t, dir) : this.host(t, dir);
    if (h.proto === 'ip' && node.version !== 4) throw this.error(t, `${t.text} is not an IPv4 address (ip ${type})`);
    if (h.proto === 'ip6' && node.version !== 6) throw this.error(t, `${t.text} is not an IPv6 address (ip6 ${type})`);
    return never ? { kind: 'never', what: `${h.proto} ${type}` } : node;
  }

  private portNumber(t: Token): number {
    const n = parseNumber(t.text);
    if (n === null) {
      const known = SERVICES[t.text];
      throw this.error(t, known !== undefined
        ? `synack looks no service name up: write ${known} for ${t.text}`
        : `${JSON.stringify(t.text)} is not a port number (synack looks no service name up)`);
    }
    if (n > 65535) throw this.error(t, `port ${n} is beyond 65535`);
    return n;
  }

  private portRange(t: Token): [number, number] {
    const m = /^([^-]+)-([^-]+)$/.exec(t.text);
    if (!m) throw this.error(t, `expected a port range like 1024-2048, found ${JSON.stringify(t.text)}`);
    const a = this.portNumber({ ...t, text: m[1]! });
    const b = this.portNumber({ ...t, text: m[2]! });
    // libpcap accepts the ends in either order.
    return a <= b ? [a, b] : [b, a];
  }

  private host(t: Token, dir: Dir): Extract<FilterNode, { kind: 'addr' }> {
    const v4 = parseIPv4(t.text);
    if (v4 !== null) return { kind: 'addr', version: 4, words: [v4, 0, 0, 0], prefix: 32, dir, depth: this.depth };
    if (t.text.includes(':')) {
      const v6 = parseIPv6(t.text);
      if (v6 !== null) return { kind: 'addr', version: 6, words: [...v6], prefix: 128, dir, depth: this.depth };
      throw this.error(t, `${JSON.stringify(t.text)} is not an IPv6 address`);
    }
    if (/^\d+$/.test(t.text)) throw this.error(t, `a bare number needs a keyword: port ${t.text}, or host with an address`);
    if (/^[\d.]+$/.test(t.text)) throw this.error(t, `${JSON.stringify(t.text)} is not a whole IPv4 address (for a network, write net ${t.text})`);
    throw this.error(t, `${JSON.stringify(t.text)} is not an address or a filter keyword (synack looks no host name up)`);
  }

  /** `net 10`, `net 10.1.0.0/16`, `net 10.1.0.0 mask 255.255.0.0`, `net 2001:db8::/32`. */
  private network(t: Token, dir: Dir): Extract<FilterNode, { kind: 'addr' }> {
    let version: 4 | 6;
    let words: number[];
    let prefix: number;
    if (t.text.includes(':')) {
      const v6 = parseIPv6(t.text);
      if (v6 === null) throw this.error(t, `${JSON.stringify(t.text)} is not an IPv6 address`);
      version = 6;
      words = [...v6];
      prefix = 128;
    } else {
      const parts = t.text.split('.');
      if (parts.length > 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
        throw this.error(t, `${JSON.stringify(t.text)} is not an IPv4 network (synack looks no network name up)`);
      }
      version = 4;
      // A partial address names the network of its bytes: 10 is 10/8, 10.1 is 10.1/16.
      let v = 0;
      for (let k = 0; k < 4; k++) v = v * 256 + Number(parts[k] ?? 0);
      words = [v >>> 0, 0, 0, 0];
      prefix = parts.length * 8;
    }
    const max = version === 4 ? 32 : 128;
    if (this.isPunct(this.peek(), '/')) {
      this.next();
      const pt = this.next();
      const p = pt.kind === 'word' ? parseNumber(pt.text) : null;
      if (p === null || p > max) throw this.error(pt, `expected a prefix length 0..${max} after "/"`);
      prefix = p;
    } else if (this.isWord(this.peek(), 'mask')) {
      this.next();
      const mt = this.next();
      if (version !== 4) throw this.error(mt, '"mask" is for IPv4; write the IPv6 prefix length after "/"');
      const m = mt.kind === 'word' ? parseIPv4(mt.text) : null;
      if (m === null) throw this.error(mt, 'expected a dotted mask after "mask", e.g. 255.255.0.0');
      const len = 32 - Math.log2(((~m) >>> 0) + 1);
      if (!Number.isInteger(len)) throw this.error(mt, `${mt.text} is not a contiguous mask`);
      prefix = len;
    }
    for (let k = 0; k < 4; k++) {
      const keep = Math.max(0, Math.min(32, prefix - 32 * k));
      const mask = keep === 0 ? 0 : keep === 32 ? 0xffffffff : (0xffffffff << (32 - keep)) >>> 0;
      if (((words[k]! & ~mask) >>> 0) !== 0) throw this.error(t, `${t.text}/${prefix} has bits set beyond its ${prefix}-bit network`);
    }
    return { kind: 'addr', version, words, prefix, dir, depth: this.depth };
  }
}
