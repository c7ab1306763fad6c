import { isKnownLinkType, linkTypeName } from '../../src/capture/linktypes.js';

describe('link type names', () => {
  test.each([
    [0, 'NULL'], [1, 'EN10MB'], [10, 'FDDI'], [12, 'DLT_RAW_BSD'], [101, 'RAW'], [104, 'C_HDLC'], [113, 'LINUX_SLL'],
    [228, 'IPV4'], [229, 'IPV6'], [239, 'NFLOG'], [242, 'IPOIB'], [274, 'ETHERNET_MPACKET'], [276, 'LINUX_SLL2'],
    [127, 'IEEE802_11_RADIOTAP'],
  ])('%i is %s (every link type of the test corpus, and common ones)', (n, name) => {
    expect(linkTypeName(n)).toBe(name);
    expect(isKnownLinkType(n)).toBe(true);
  });

  test('a number without a name is printed as LINKTYPE_<n>', () => {
    expect(linkTypeName(147)).toBe('LINKTYPE_147');
    expect(isKnownLinkType(147)).toBe(false);
  });
});
