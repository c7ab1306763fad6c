/**
 * Address text for emitted connections. Every connection needs its two addresses as strings, and
 * a capture has far fewer distinct addresses than connections: IPv4 strings are built once per
 * address and shared (which also saves memory when connections are kept).
 *
 * The IPv4 cache is direct-mapped (a slot per hash value, a newcomer replaces the occupant): a
 * lookup is one multiply and two array reads, it never grows, and a scan over many addresses
 * merely builds more strings.
 */
import { ipv4ToString, ipv6ToString } from '../decode/format.js';

const CACHE_BITS = 13;

export class AddressNames {
  private readonly keys = new Int32Array(1 << CACHE_BITS);
  private readonly names = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);
  private readonly words = new Uint32Array(4);

  ipv4(a: number): string {
    const key = a | 0;
    const slot = Math.imul(key, 0x9e3779b1) >>> (32 - CACHE_BITS); // Fibonacci hashing: top bits
    const cached = this.names[slot];
    if (cached !== undefined && this.keys[slot] === key) return cached;
    const s = ipv4ToString(a);
    this.keys[slot] = key;
    this.names[slot] = s;
    return s;
  }

  /** IPv6 text is built each time (rarer, and a 128-bit key would cost what it saves). */
  ipv6(w0: number, w1: number, w2: number, w3: number): string {
    const w = this.words;
    w[0] = w0; w[1] = w1; w[2] = w2; w[3] = w3;
    return ipv6ToString(w);
  }
}
