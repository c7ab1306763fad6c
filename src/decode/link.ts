/**
 * Link layer: from the start of a frame to the start of its IP header.
 *
 * Ethernet (with 802.1Q / 802.1ad / 0x9100 tag stacks, 802.3 LLC/SNAP, MPLS label stacks, PPPoE
 * sessions), Linux cooked SLL and SLL2, raw IP, BSD loopback NULL and LOOP, FDDI, Cisco HDLC, IP over
 * InfiniBand and Linux NFLOG. Anything else is 'unsupported-link'; the caller counts those per link type.
 */
import { u16, u32, u32le } from './bytes.js';
import { ENCAP, MAX_VLAN_IDS, type Segment } from './segment.js';
import { STOP, short, type Walk } from './walk.js';

/** LINKTYPE_* values synack decodes (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW as BSDs number it: files written there carry 12 (OpenBSD: 14) instead of 101. */
  FDDI: 10,
  RAW_BSD: 12,
  RAW_OPENBSD: 14,
  RAW: 101,
  C_HDLC: 104,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  IPOIB: 242,
  LINUX_SLL2: 276,
} as const;

export const SUPPORTED_LINKTYPES: ReadonlySet<number> = new Set(Object.values(LINKTYPE));

export const ETHERTYPE = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  /** Pre-standard QinQ tag protocol ids some switches still send. */
  QINQ_OLD1: 0x9100,
  QINQ_OLD2: 0x9200,
  MPLS: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_SESSION: 0x8864,
  /** Type/length values up to this are an 802.3 length: an LLC header follows. */
  MAX_8023_LENGTH: 1500,
  /** Not on any wire: what the link layers that always carry 802.2 LLC (FDDI) hand to etherPayload. */
  LLC_FOLLOWS: 0,
} as const;

const ETH = { TYPE: 12, HEADER_LEN: 14 } as const;
/** Linux cooked capture v1: 16 bytes, protocol (an ethertype, or 802.2 / 802.3 markers) last. */
const SLL = { PROTOCOL: 14, HEADER_LEN: 16 } as const;
/** Linux cooked capture v2: 20 bytes, protocol first. */
const SLL2 = { PROTOCOL: 0, HEADER_LEN: 20 } as const;
/** BSD loopback: a 4-byte address family (host order for NULL, network order for LOOP). */
const LOOPBACK = { HEADER_LEN: 4 } as const;
/** FDDI (ANSI X3.139): frame control, destination and source MACs; 802.2 LLC always follows. */
const FDDI = { HEADER_LEN: 13 } as const;
/** Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an ethertype. */
const C_HDLC = { PROTOCOL: 2, HEADER_LEN: 4 } as const;
/**
 * IP over InfiniBand as libpcap writes it (LINKTYPE_IPOIB, tcpdump's print-ipoib.c): the 20-byte source
 * and destination hardware addresses (QPN + GID), then RFC 4391's 4-byte header: ethertype, reserved.
 */
const IPOIB = { PROTOCOL: 40, HEADER_LEN: 44 } as const;
/**
 * Linux NFLOG (LINKTYPE_NFLOG): family, version, resource id, then TLVs (length including the 4-byte TLV
 * header, type; both in the capturing host's byte order; values padded to 4 bytes). The packet is in
 * the NFULA_PAYLOAD TLV.
 */
const NFLOG = { FAMILY: 0, HEADER_LEN: 4, TLV_HEADER_LEN: 4, TLV_PAYLOAD: 9, AF_INET: 2, AF_INET6: 10 } as const;
/** AF_INET is 2 everywhere; AF_INET6 differs per BSD (24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin). */
const AF = { INET: 2, INET6_BSD: 24, INET6_FREEBSD: 28, INET6_DARWIN: 30 } as const;
const VLAN_TAG = { TCI: 0, TYPE: 2, LEN: 4, VID_MASK: 0x0fff } as const;
/** MPLS label stack entry: 4 bytes; bit 0 of byte 2 marks the bottom of the stack. */
const MPLS = { LEN: 4, BOS_BYTE: 2, BOS_BIT: 0x01, PW_CONTROL_WORD_LEN: 4 } as const;
/** PPPoE session header (RFC 2516) then the PPP protocol number (RFC 1661). */
const PPPOE = { LENGTH: 4, HEADER_LEN: 6 } as const;
const PPP = { IPV4: 0x0021, IPV6: 0x0057 } as const;
/** 802.2 LLC (DSAP, SSAP, control) and the SNAP extension (OUI, ethertype). */
const LLC = { SAP_SNAP: 0xaa, SAP_IP: 0x06, CONTROL_UI: 0x03, LEN: 3, SNAP_LEN: 8, SNAP_TYPE: 6 } as const;

/** More nested link headers than this is not a real frame. */
const MAX_LINK_LAYERS = 16;

/**
 * Decode the link header of a frame starting at `off`. Returns the offset of the IP header and sets
 * `w.ipHint`, or a STOP code. Fills the VLAN fields of `seg`.
 */
export function decodeLink(b: Buffer, off: number, linkType: number, w: Walk, seg: Segment): number {
  const avail = w.capEnd - off;
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (avail < ETH.HEADER_LEN) return short(w, off, ETH.HEADER_LEN);
      return etherPayload(b, off + ETH.HEADER_LEN, u16(b, off + ETH.TYPE), w, seg);
    case LINKTYPE.LINUX_SLL:
      return typedHeader(b, off, SLL, w, seg);
    case LINKTYPE.LINUX_SLL2:
      return typedHeader(b, off, SLL2, w, seg);
    case LINKTYPE.NULL: {
      if (avail < LOOPBACK.HEADER_LEN) return short(w, off, LOOPBACK.HEADER_LEN);
      // The family is in the capturing host's byte order, and some systems wrote it as 16 bits, or wrote
      // an ethertype instead. Read it as libpcap's consumers do (tshark's packet-null.c): a family needs
      // only the low 16 bits, so set high bits mean another byte order; a value above 1500 is an ethertype.
      let family = u32le(b, off);
      if (family > 0xffff) {
        family = (family & 0xff000000) === 0 && (family & 0x00ff0000) < 0x00060000 ? family >>> 16 : u32(b, off);
      } else if ((family & 0xff) === 0 && (family & 0xff00) < 0x0600) {
        family >>>= 8;
      }
      if (family > ETHERTYPE.MAX_8023_LENGTH) {
        seg.encap |= ENCAP.LINK_SHIM;
        return etherPayload(b, off + LOOPBACK.HEADER_LEN, family & 0xffff, w, seg);
      }
      return loopbackPayload(off + LOOPBACK.HEADER_LEN, family, w);
    }
    case LINKTYPE.LOOP:
      if (avail < LOOPBACK.HEADER_LEN) return short(w, off, LOOPBACK.HEADER_LEN);
      return loopbackPayload(off + LOOPBACK.HEADER_LEN, u32(b, off), w);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD:
    case LINKTYPE.RAW_OPENBSD:
      w.ipHint = 0;
      return off;
    case LINKTYPE.IPV4:
      w.ipHint = 4;
      return off;
    case LINKTYPE.IPV6:
      w.ipHint = 6;
      return off;
    case LINKTYPE.FDDI:
      if (avail < FDDI.HEADER_LEN) return short(w, off, FDDI.HEADER_LEN);
      return etherPayload(b, off + FDDI.HEADER_LEN, ETHERTYPE.LLC_FOLLOWS, w, seg);
    case LINKTYPE.C_HDLC:
      return typedHeader(b, off, C_HDLC, w, seg);
    case LINKTYPE.IPOIB:
      return typedHeader(b, off, IPOIB, w, seg);
    case LINKTYPE.NFLOG:
      return nflogPayload(b, off, w);
    default:
      return STOP.UNSUPPORTED_LINK;
  }
}

/** A fixed-size link header whose ethertype sits at `h.PROTOCOL` (SLL, SLL2, Cisco HDLC, IPoIB). */
function typedHeader(b: Buffer, off: number, h: { PROTOCOL: number; HEADER_LEN: number }, w: Walk, seg: Segment): number {
  if (w.capEnd - off < h.HEADER_LEN) return short(w, off, h.HEADER_LEN);
  return etherPayload(b, off + h.HEADER_LEN, u16(b, off + h.PROTOCOL), w, seg);
}

/** The packet inside an NFLOG record: walk the TLVs to NFULA_PAYLOAD, which bounds the datagram. */
function nflogPayload(b: Buffer, off: number, w: Walk): number {
  const end = w.capEnd;
  if (end - off < NFLOG.HEADER_LEN) return short(w, off, NFLOG.HEADER_LEN);
  const family = b[off + NFLOG.FAMILY];
  let p = off + NFLOG.HEADER_LEN;
  // Host byte order: the first TLV's length tells which (a little-endian length that does not fit the
  // frame, where the big-endian one does, means a big-endian host), as Wireshark's NFLOG dissector guesses.
  let le = true;
  if (end - p >= NFLOG.TLV_HEADER_LEN) {
    const l = b[p] | (b[p + 1] << 8);
    if (l < NFLOG.TLV_HEADER_LEN || p + l > w.wireEnd) le = false;
  }
  for (;;) {
    // Every TLV read and no payload among them: a record logged without its packet.
    if (p >= w.wireEnd) return STOP.NOT_IP;
    if (end - p < NFLOG.TLV_HEADER_LEN) return short(w, p, NFLOG.TLV_HEADER_LEN);
    const len = le ? b[p] | (b[p + 1] << 8) : u16(b, p);
    const type = le ? b[p + 2] | (b[p + 3] << 8) : u16(b, p + 2);
    if (len < NFLOG.TLV_HEADER_LEN) return STOP.MALFORMED;
    if (type === NFLOG.TLV_PAYLOAD) {
      const start = p + NFLOG.TLV_HEADER_LEN;
      const payloadEnd = p + len;
      if (payloadEnd < w.wireEnd) {
        w.wireEnd = payloadEnd;
        if (w.capEnd > payloadEnd) w.capEnd = payloadEnd;
      }
      w.ipHint = family === NFLOG.AF_INET ? 4 : family === NFLOG.AF_INET6 ? 6 : 0;
      return start;
    }
    p += (len + 3) & ~3;
  }
}

function loopbackPayload(off: number, family: number, w: Walk): number {
  if (family === AF.INET) { w.ipHint = 4; return off; }
  if (family === AF.INET6_BSD || family === AF.INET6_FREEBSD || family === AF.INET6_DARWIN) {
    w.ipHint = 6;
    return off;
  }
  return STOP.NOT_IP;
}

/** Follow an ethertype (and any tags, label stacks, LLC/SNAP or PPPoE in between) to IP. */
function etherPayload(b: Buffer, off: number, type: number, w: Walk, seg: Segment): number {
  const end = w.capEnd;
  for (let layer = 0; layer < MAX_LINK_LAYERS; layer++) {
    switch (type) {
      case ETHERTYPE.IPV4:
        w.ipHint = 4;
        return off;
      case ETHERTYPE.IPV6:
        w.ipHint = 6;
        return off;
      case ETHERTYPE.VLAN:
      case ETHERTYPE.QINQ:
      case ETHERTYPE.QINQ_OLD1:
      case ETHERTYPE.QINQ_OLD2: {
        if (end - off < VLAN_TAG.LEN) return short(w, off, VLAN_TAG.LEN);
        const vid = u16(b, off + VLAN_TAG.TCI) & VLAN_TAG.VID_MASK;
        if (seg.vlanCount === 0) seg.vlan0 = vid;
        if (seg.vlanCount < MAX_VLAN_IDS) seg.vlanIds[seg.vlanCount] = vid;
        seg.vlanCount++;
        type = u16(b, off + VLAN_TAG.TYPE);
        off += VLAN_TAG.LEN;
        break;
      }
      case ETHERTYPE.MPLS:
      case ETHERTYPE.MPLS_MULTICAST: {
        seg.encap |= ENCAP.LINK_SHIM;
        // Pop labels to the bottom of the stack; MPLS does not say what it carries, so look at the
        // first nibble as every decoder does: 4/6 is IP, 0 is a pseudowire control word + Ethernet.
        for (;;) {
          if (end - off < MPLS.LEN) return short(w, off, MPLS.LEN);
          const bottom = b[off + MPLS.BOS_BYTE] & MPLS.BOS_BIT;
          off += MPLS.LEN;
          if (bottom) break;
          if (++layer >= MAX_LINK_LAYERS) return STOP.MALFORMED;
        }
        if (end - off < 1) return short(w, off, 1);
        const nibble = b[off] >> 4;
        if (nibble === 4) { w.ipHint = 4; return off; }
        if (nibble === 6) { w.ipHint = 6; return off; }
        if (nibble !== 0) return STOP.NOT_IP;
        const ethLen = MPLS.PW_CONTROL_WORD_LEN + ETH.HEADER_LEN;
        if (end - off < ethLen) return short(w, off, ethLen);
        type = u16(b, off + MPLS.PW_CONTROL_WORD_LEN + ETH.TYPE);
        off += ethLen;
        break;
      }
      case ETHERTYPE.PPPOE_SESSION: {
        seg.encap |= ENCAP.LINK_SHIM;
        if (end - off < PPPOE.HEADER_LEN + 2) return short(w, off, PPPOE.HEADER_LEN + 2);
        // The session's payload length bounds the PPP frame (the rest is Ethernet padding).
        const payloadEnd = off + PPPOE.HEADER_LEN + u16(b, off + PPPOE.LENGTH);
        if (payloadEnd < w.wireEnd) {
          w.wireEnd = payloadEnd;
          if (w.capEnd > payloadEnd) w.capEnd = payloadEnd;
        }
        off += PPPOE.HEADER_LEN;
        // Protocol-field compression (RFC 1661 §6.5): an odd first byte is a 1-byte protocol number.
        const first = b[off];
        const proto = first & 1 ? first : u16(b, off);
        off += first & 1 ? 1 : 2;
        if (proto === PPP.IPV4) { w.ipHint = 4; return off; }
        if (proto === PPP.IPV6) { w.ipHint = 6; return off; }
        return STOP.NOT_IP;
      }
      default: {
        if (type > ETHERTYPE.MAX_8023_LENGTH) return STOP.NOT_IP;
        // 802.3 length field: an 802.2 LLC header follows. Only SNAP with an ethertype, or the IP SAP.
        // On Ethernet that is a shim a filter does not see through; FDDI always carries it (LLC_FOLLOWS).
        if (type !== ETHERTYPE.LLC_FOLLOWS) seg.encap |= ENCAP.LINK_SHIM;
        if (end - off < LLC.LEN) return short(w, off, LLC.LEN);
        const dsap = b[off];
        const control = b[off + 2];
        if (control !== LLC.CONTROL_UI) return STOP.NOT_IP;
        if (dsap === LLC.SAP_IP && b[off + 1] === LLC.SAP_IP) { w.ipHint = 4; return off + LLC.LEN; }
        if (dsap !== LLC.SAP_SNAP || b[off + 1] !== LLC.SAP_SNAP) return STOP.NOT_IP;
        if (end - off < LLC.SNAP_LEN) return short(w, off, LLC.SNAP_LEN);
        // OUI 00-00-00 (RFC 1042) and 00-00-F8 (Cisco) carry an ethertype; other OUIs their own ids.
        if (b[off + 3] !== 0 || b[off + 4] !== 0 || (b[off + 5] !== 0 && b[off + 5] !== 0xf8)) return STOP.NOT_IP;
        type = u16(b, off + LLC.SNAP_TYPE);
        off += LLC.SNAP_LEN;
        break;
      }
    }
  }
  return STOP.MALFORMED;
}
