/** Live frames cut at cap's 65535-byte snaplen get their wire length back from the IP header. */
import { SNAPLEN, wireLength } from '../../src/capture/live.js';

function frame(linkType: number, etherType: number, ipLenField: number): Buffer {
  const b = Buffer.alloc(SNAPLEN);
  const off = linkType === 1 ? 14 : linkType === 113 ? 16 : 0;
  if (linkType === 1) b.writeUInt16BE(etherType, 12);
  if (linkType === 113) b.writeUInt16BE(etherType, 14);
  if (etherType === 0x0800) { b[off] = 0x45; b.writeUInt16BE(ipLenField, off + 2); }
  else { b[off] = 0x60; b.writeUInt16BE(ipLenField, off + 4); }
  return b;
}

test.each([
  ['Ethernet IPv4: 14 + total length', 1, 0x0800, 65532, 14 + 65532],
  ['Ethernet IPv6: 14 + 40 + payload length', 1, 0x86dd, 65500, 14 + 40 + 65500],
  ['Linux cooked IPv4', 113, 0x0800, 65530, 16 + 65530],
  ['raw IPv4', 101, 0x0800, 65535, 65535],
  ['an IP length shorter than the capture never shrinks it', 1, 0x0800, 1500, SNAPLEN],
])('%s', (_name, linkType, etherType, len, expected) => {
  expect(wireLength(frame(linkType, etherType, len), SNAPLEN, linkType)).toBe(expected);
});

test('unknown link types keep the captured length', () => {
  expect(wireLength(Buffer.alloc(SNAPLEN, 0xff), SNAPLEN, 147)).toBe(SNAPLEN);
});
