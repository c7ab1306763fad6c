/**
 * A capture filter in tcpdump's language (pcap-filter(7)), parsed: what parser.ts builds and
 * compile.ts turns into one closure. `depth` is how many `vlan` keywords come before a primitive in
 * the text: libpcap moves its offsets past a tag at each one, so `tcp` alone never matches a tagged
 * frame, and everything after `vlan` matches only frames with that tag.
 */

/** Which address or port a primitive looks at (`src or dst` is the default). */
export type Dir = 'src' | 'dst' | 'src-or-dst' | 'src-and-dst';

export type RelOp = '>' | '<' | '>=' | '<=' | '=' | '!=';
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; arg: FilterNode }
  /** `ip` (4) or `ip6` (6). */
  | { kind: 'ip'; version: 4 | 6; depth: number }
  /** `tcp`, `proto tcp`, `ip proto 6` (version 4), `ip6 proto tcp` (version 6). */
  | { kind: 'tcp'; version: 0 | 4 | 6; depth: number }
  /** A protocol no TCP segment is (udp, icmp, arp...): false for every frame synack filters. */
  | { kind: 'never'; what: string }
  /** `host` (prefix 32 / 128) and `net`. */
  | { kind: 'addr'; version: 4 | 6; words: readonly number[]; prefix: number; dir: Dir; depth: number }
  /** `port`, `portrange` (lo..hi inclusive), over TCP. */
  | { kind: 'port'; lo: number; hi: number; dir: Dir; depth: number }
  /** `vlan` (any id) or `vlan N`: the tag at `depth` (0 = outermost). */
  | { kind: 'vlan'; id: number | null; depth: number }
  /** An arithmetic comparison, e.g. `tcp[tcpflags] & tcp-syn != 0`. */
  | { kind: 'compare'; op: RelOp; left: Arith; right: Arith };

export type Arith =
  | { kind: 'const'; value: number }
  /** `tcp[index:size]`: bytes of the TCP header, big-endian; IPv4 only, as in libpcap. */
  | { kind: 'load'; index: Arith; size: 1 | 2 | 4; depth: number }
  | { kind: 'binary'; op: ArithOp; left: Arith; right: Arith }
  | { kind: 'negate'; arg: Arith };
