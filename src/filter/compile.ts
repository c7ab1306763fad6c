/**
 * A parsed filter → one predicate over the decoded Segment, built once: each node becomes a closure,
 * so a packet costs a few calls and number compares (no strings, no allocation).
 *
 * The meaning is libpcap's, on the facts the decoder keeps: a primitive sees IP only right behind the
 * link header and as many VLAN tags as `vlan` keywords precede it (Segment.vlanCount, .encap); `tcp`,
 * `port` and `tcp[...]` see TCP only right behind that IP header (libpcap reads fixed offsets; an IPv6
 * fragment header alone still counts for `tcp`); `tcp[...]` reads IPv4 segments only. A read past the
 * captured bytes rejects the packet, whatever the rest of the expression says (BPF does the same).
 */
import { ENCAP, MAX_VLAN_IDS, type Segment } from '../decode/segment.js';
import type { Arith, Dir, FilterNode } from './ast.js';
import { parseFilter } from './parser.js';

export type PacketFilter = (seg: Segment) => boolean;

/** Per evaluation: a load ran past the captured bytes (the packet is rejected). */
interface State { aborted: boolean }

type Pred = (s: Segment) => boolean;
type Num = (s: Segment) => number;

const NOT_PLAIN_IP = ENCAP.LINK_SHIM | ENCAP.TUNNEL;

/** IP right behind the link header and exactly `depth` VLAN tags. */
function plainIp(s: Segment, depth: number): boolean {
  return s.vlanCount === depth && (s.encap & NOT_PLAIN_IP) === 0;
}

function outerVersion(s: Segment): number {
  if ((s.encap & ENCAP.TUNNEL) === 0) return s.ipVersion;
  return (s.encap & ENCAP.OUTER_IPV6) !== 0 ? 6 : 4;
}

/** TCP right behind that IP header (libpcap's `ip proto 6` / `ip6 proto 6` reading). */
function directTcp(s: Segment): boolean {
  return (s.encap & ENCAP.IP_EXTENSION) === 0;
}

export function compileFilter(text: string): PacketFilter {
  return compileAst(parseFilter(text));
}

export function compileAst(ast: FilterNode): PacketFilter {
  const st: State = { aborted: false };
  const root = pred(ast, st);
  return (s) => {
    st.aborted = false;
    return root(s) && !st.aborted;
  };
}

function byDir(dir: Dir, test: (a: Uint32Array) => boolean): Pred {
  switch (dir) {
    case 'src': return (s) => test(s.src);
    case 'dst': return (s) => test(s.dst);
    case 'src-or-dst': return (s) => test(s.src) || test(s.dst);
    case 'src-and-dst': return (s) => test(s.src) && test(s.dst);
  }
}

function portDir(dir: Dir, lo: number, hi: number): Pred {
  const inRange = (p: number) => p >= lo && p <= hi;
  switch (dir) {
    case 'src': return (s) => inRange(s.srcPort);
    case 'dst': return (s) => inRange(s.dstPort);
    case 'src-or-dst': return (s) => inRange(s.srcPort) || inRange(s.dstPort);
    case 'src-and-dst': return (s) => inRange(s.srcPort) && inRange(s.dstPort);
  }
}

function prefixMask(prefix: number, word: number): number {
  const keep = Math.max(0, Math.min(32, prefix - 32 * word));
  return keep === 0 ? 0 : keep === 32 ? 0xffffffff : (0xffffffff << (32 - keep)) >>> 0;
}

function pred(n: FilterNode, st: State): Pred {
  switch (n.kind) {
    case 'and': {
      const l = pred(n.left, st), r = pred(n.right, st);
      return (s) => l(s) && r(s);
    }
    case 'or': {
      const l = pred(n.left, st), r = pred(n.right, st);
      return (s) => l(s) || r(s);
    }
    case 'not': {
      const a = pred(n.arg, st);
      return (s) => !a(s);
    }
    case 'never':
      return () => false;
    case 'ip': {
      // The outermost IP header's version: a tunnel's inner datagram is invisible to libpcap too.
      const { version, depth } = n;
      return (s) => s.vlanCount === depth && (s.encap & ENCAP.LINK_SHIM) === 0 && outerVersion(s) === version;
    }
    case 'tcp': {
      const { version, depth } = n;
      return (s) => plainIp(s, depth) && (version === 0 || s.ipVersion === version) &&
        (directTcp(s) || (s.ipVersion === 6 && (s.encap & ENCAP.IPV6_FRAGMENT_ONLY) !== 0));
    }
    case 'vlan': {
      const { id, depth } = n;
      if (id === null) return (s) => s.vlanCount > depth;
      if (depth >= MAX_VLAN_IDS) return () => false;
      return (s) => s.vlanCount > depth && s.vlanIds[depth] === id;
    }
    case 'addr': {
      const { version, depth, prefix } = n;
      let test: (a: Uint32Array) => boolean;
      if (version === 4) {
        const net = n.words[0]!, mask = prefixMask(prefix, 0);
        test = (a) => ((a[0]! & mask) >>> 0) === net;
      } else {
        const w = n.words;
        const m = [0, 1, 2, 3].map((k) => prefixMask(prefix, k));
        const [w0, w1, w2, w3] = [w[0]!, w[1]!, w[2]!, w[3]!];
        const [m0, m1, m2, m3] = [m[0]!, m[1]!, m[2]!, m[3]!];
        test = (a) => ((a[0]! & m0) >>> 0) === w0 && ((a[1]! & m1) >>> 0) === w1 && ((a[2]! & m2) >>> 0) === w2 && ((a[3]! & m3) >>> 0) === w3;
      }
      const inDir = byDir(n.dir, test);
      return (s) => plainIp(s, depth) && s.ipVersion === version && inDir(s);
    }
    case 'port': {
      const { depth } = n;
      const inDir = portDir(n.dir, n.lo, n.hi);
      return (s) => plainIp(s, depth) && directTcp(s) && inDir(s);
    }
    case 'compare': {
      const depth = loadDepth(n.left) ?? loadDepth(n.right);
      const l = num(n.left, st), r = num(n.right, st);
      const cmp = comparator(n.op);
      // libpcap tests the protocol before it loads: a segment tcp[...] cannot read is false, not rejected.
      if (depth === null) return (s) => cmp(l(s), r(s));
      return (s) => plainIp(s, depth) && s.ipVersion === 4 && directTcp(s) && cmp(l(s), r(s));
    }
  }
}

function comparator(op: Extract<FilterNode, { kind: 'compare' }>['op']): (a: number, b: number) => boolean {
  switch (op) {
    case '>': return (a, b) => a > b;
    case '<': return (a, b) => a < b;
    case '>=': return (a, b) => a >= b;
    case '<=': return (a, b) => a <= b;
    case '=': return (a, b) => a === b;
    case '!=': return (a, b) => a !== b;
  }
}

/** The vlan depth of the first tcp[...] in an arithmetic expression, or null when it reads nothing. */
function loadDepth(a: Arith): number | null {
  switch (a.kind) {
    case 'const': return null;
    case 'load': return a.depth;
    case 'negate': return loadDepth(a.arg);
    case 'binary': return loadDepth(a.left) ?? loadDepth(a.right);
  }
}

/** Unsigned 32-bit arithmetic, as BPF's accumulator. */
function num(a: Arith, st: State): Num {
  switch (a.kind) {
    case 'const': {
      const v = a.value >>> 0;
      return () => v;
    }
    case 'negate': {
      const x = num(a.arg, st);
      return (s) => (-x(s)) >>> 0;
    }
    case 'load': {
      const index = num(a.index, st);
      const size = a.size;
      return (s) => {
        const at = s.tcpOffset + index(s);
        if (at + size > s.capEnd) { st.aborted = true; return 0; }
        const b = s.data;
        if (size === 1) return b[at]!;
        if (size === 2) return (b[at]! << 8) | b[at + 1]!;
        return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
      };
    }
    case 'binary': {
      const l = num(a.left, st), r = num(a.right, st);
      switch (a.op) {
        case '+': return (s) => (l(s) + r(s)) >>> 0;
        case '-': return (s) => (l(s) - r(s)) >>> 0;
        case '*': return (s) => Math.imul(l(s), r(s)) >>> 0;
        case '/': return (s) => { const d = r(s); if (d === 0) { st.aborted = true; return 0; } return Math.floor(l(s) / d); };
        case '%': return (s) => { const d = r(s); if (d === 0) { st.aborted = true; return 0; } return l(s) % d; };
        case '&': return (s) => (l(s) & r(s)) >>> 0;
        case '|': return (s) => (l(s) | r(s)) >>> 0;
        case '^': return (s) => (l(s) ^ r(s)) >>> 0;
        case '<<': return (s) => { const k = r(s); return k >= 32 ? 0 : (l(s) << k) >>> 0; };
        case '>>': return (s) => { const k = r(s); return k >= 32 ? 0 : l(s) >>> k; };
      }
    }
  }
}
