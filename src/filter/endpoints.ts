/**
 * synack's own selection by endpoint (`--host`, `--port` of `packets`): an address or port on either
 * side of the segment, whatever the encapsulation (unlike tcpdump's `host`, which sees no tagged or
 * tunnelled frame unless told). Addresses are compared as numbers, so any spelling of an IPv6
 * address matches.
 */
import type { Segment } from '../decode/segment.js';
import { parseAddress } from '../util/address.js';
import { UsageError } from '../util/errors.js';

export type SegmentPredicate = (seg: Segment) => boolean;

/** The address words of `--host` values; a UsageError naming the flag for one that is not an address. */
export function parseHosts(hosts: readonly string[], flag = '--host'): Array<{ version: 4 | 6; words: Uint32Array }> {
  return hosts.map((h) => {
    const a = parseAddress(h);
    if (a === null) throw new UsageError(`${flag} ${h}: not an IPv4 or IPv6 address (synack looks no host name up)`);
    return a;
  });
}

function same(a: Uint32Array, b: Uint32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Segments with one of `hosts` on either side (when given) and one of `ports` on either side (when given). */
export function endpointPredicate(hosts: readonly string[], ports: readonly number[]): SegmentPredicate | null {
  const hs = parseHosts(hosts);
  const ps = new Set(ports);
  const hostOk: SegmentPredicate | null = hs.length === 0 ? null : (s) => {
    for (const h of hs) if (s.ipVersion === h.version && (same(s.src, h.words) || same(s.dst, h.words))) return true;
    return false;
  };
  const portOk: SegmentPredicate | null = ps.size === 0 ? null : (s) => ps.has(s.srcPort) || ps.has(s.dstPort);
  if (hostOk && portOk) return (s) => hostOk(s) && portOk(s);
  return hostOk ?? portOk;
}
