/**
 * An independent, test-side map of a capture's structure: where each record starts and ends, and where
 * the header fields worth aiming at sit (pcap record lengths, pcapng block and option lengths, IP and
 * TCP length fields, TCP option lengths). Written from the format specs, not from src/capture, so the
 * fuzz targets what the files say rather than what the reader believes.
 */

/** A field to aim a mutation at: `width` bytes at absolute offset `at`. */
export interface Field {
  at: number;
  width: 1 | 2 | 4;
  le: boolean;
  what: string;
}

export interface Layout {
  format: 'pcap' | 'pcapng';
  /** Damage below this offset may make the whole input unreadable (InputError); above it, never. */
  headerEnd: number;
  /** For each frame (in order): end offset of the record (pcap record / pcapng block) that holds it. */
  recordEnds: number[];
  /** Offsets where records (and blocks) start: good places to cut. */
  boundaries: number[];
  /** Container fields (pcap headers, pcapng blocks and options). */
  fields: Field[];
  /** Protocol fields inside the frames (link, IP, TCP, TCP options). */
  frameFields: Field[];
  /** pcap only: record header length (16, or 24 for the Kuznetsov format). */
  recordHeaderLen: number;
}

const PCAP_MAGICS: Record<number, { le: boolean; hdr: number }> = {
  0xa1b2c3d4: { le: false, hdr: 16 }, 0xd4c3b2a1: { le: true, hdr: 16 },
  0xa1b23c4d: { le: false, hdr: 16 }, 0x4d3cb2a1: { le: true, hdr: 16 },
  0xa1b2cd34: { le: false, hdr: 24 }, 0x34cdb2a1: { le: true, hdr: 24 },
};

function rd(b: Buffer, at: number, width: 2 | 4, le: boolean): number {
  if (width === 2) return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
  return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
}

/** Maps a sane capture (a fixture). Throws on anything it does not understand: fixtures are sane. */
export function mapCapture(b: Buffer): Layout {
  const magic = b.readUInt32BE(0);
  const pcap = PCAP_MAGICS[magic];
  if (pcap !== undefined) return mapPcap(b, pcap.le, pcap.hdr);
  if (magic === 0x0a0d0d0a) return mapPcapng(b);
  throw new Error('mapCapture: not pcap or pcapng');
}

function mapPcap(b: Buffer, le: boolean, hdr: number): Layout {
  const fields: Field[] = [
    { at: 4, width: 2, le, what: 'pcap version major' },
    { at: 16, width: 4, le, what: 'pcap snaplen' },
    { at: 20, width: 4, le, what: 'pcap linktype' },
  ];
  const recordEnds: number[] = [];
  const boundaries: number[] = [24];
  const frameFields: Field[] = [];
  const linkType = rd(b, 20, 4, le) & 0x0fffffff;
  let pos = 24;
  while (pos < b.length) {
    if (pos + hdr > b.length) throw new Error(`mapPcap: record header cut at ${pos}`);
    const caplen = rd(b, pos + 8, 4, le);
    fields.push(
      { at: pos, width: 4, le, what: 'pcap ts seconds' },
      { at: pos + 4, width: 4, le, what: 'pcap ts fraction' },
      { at: pos + 8, width: 4, le, what: 'pcap caplen' },
      { at: pos + 12, width: 4, le, what: 'pcap origLen' },
    );
    const end = pos + hdr + caplen;
    if (end > b.length) throw new Error(`mapPcap: record data cut at ${pos}`);
    mapFrame(b, pos + hdr, caplen, linkType, frameFields);
    recordEnds.push(end);
    boundaries.push(end);
    pos = end;
  }
  return { format: 'pcap', headerEnd: 24, recordEnds, boundaries, fields, frameFields, recordHeaderLen: hdr };
}

function mapPcapng(b: Buffer): Layout {
  const fields: Field[] = [];
  const recordEnds: number[] = [];
  const boundaries: number[] = [];
  const frameFields: Field[] = [];
  let le = true;
  let headerEnd = 0;
  let ifLinkTypes: number[] = [];
  let pos = 0;
  while (pos < b.length) {
    boundaries.push(pos);
    const type = b.readUInt32LE(pos);
    if (type === 0x0a0d0d0a) {
      le = b.readUInt32LE(pos + 8) === 0x1a2b3c4d;
      ifLinkTypes = [];
    }
    const len = rd(b, pos + 4, 4, le);
    if (len < 12 || pos + len > b.length) throw new Error(`mapPcapng: bad block at ${pos}`);
    fields.push(
      { at: pos, width: 4, le, what: 'pcapng block type' },
      { at: pos + 4, width: 4, le, what: 'pcapng block length' },
      { at: pos + len - 4, width: 4, le, what: 'pcapng trailing block length' },
    );
    let optStart = -1;
    if (type === 0x0a0d0d0a) {
      if (headerEnd === 0) headerEnd = pos + len;
      fields.push({ at: pos + 8, width: 4, le, what: 'pcapng byte-order magic' }, { at: pos + 12, width: 2, le, what: 'pcapng version major' });
      optStart = pos + 24;
    } else if (type === 1) {
      ifLinkTypes.push(rd(b, pos + 8, 2, le));
      fields.push({ at: pos + 8, width: 2, le, what: 'pcapng IDB linktype' }, { at: pos + 12, width: 4, le, what: 'pcapng IDB snaplen' });
      optStart = pos + 16;
    } else if (type === 6 || type === 2) {
      const caplen = rd(b, pos + 20, 4, le);
      const ifId = type === 6 ? rd(b, pos + 8, 4, le) : rd(b, pos + 8, 2, le);
      fields.push(
        { at: pos + 8, width: type === 6 ? 4 : 2, le, what: 'pcapng EPB interface id' },
        { at: pos + 12, width: 4, le, what: 'pcapng EPB timestamp high' },
        { at: pos + 20, width: 4, le, what: 'pcapng EPB caplen' },
        { at: pos + 24, width: 4, le, what: 'pcapng EPB origLen' },
      );
      mapFrame(b, pos + 28, caplen, ifLinkTypes[ifId] ?? -1, frameFields);
      optStart = pos + 28 + ((caplen + 3) & ~3);
      recordEnds.push(pos + len);
    } else if (type === 3) {
      fields.push({ at: pos + 8, width: 4, le, what: 'pcapng SPB origLen' });
      recordEnds.push(pos + len);
    }
    if (optStart >= 0) {
      // Options: code (2), length (2), value padded to 4; up to the trailing length.
      let o = optStart;
      while (o + 4 <= pos + len - 4) {
        const code = rd(b, o, 2, le);
        const olen = rd(b, o + 2, 2, le);
        fields.push({ at: o, width: 2, le, what: 'pcapng option code' }, { at: o + 2, width: 2, le, what: 'pcapng option length' });
        if (code === 0) break;
        // IDB options that change how every later frame is read: timestamp resolution, FCS length, offset.
        if (type === 1 && (code === 9 || code === 13) && olen >= 1) fields.push({ at: o + 4, width: 1, le, what: code === 9 ? 'pcapng if_tsresol' : 'pcapng if_fcslen' });
        if (type === 1 && code === 14 && olen >= 8) fields.push({ at: o + 4, width: 4, le, what: 'pcapng if_tsoffset half' }, { at: o + 8, width: 4, le, what: 'pcapng if_tsoffset half' });
        o += 4 + ((olen + 3) & ~3);
      }
    }
    pos += len;
  }
  boundaries.push(b.length);
  return { format: 'pcapng', headerEnd, recordEnds, boundaries, fields, frameFields, recordHeaderLen: 0 };
}

/** Adds the link / IP / TCP fields of the frame at [off, off + caplen) (all big-endian). */
function mapFrame(b: Buffer, off: number, caplen: number, linkType: number, out: Field[]): void {
  const end = off + caplen;
  const f = (at: number, width: 1 | 2 | 4, what: string): void => {
    if (at + width <= end) out.push({ at, width, le: false, what });
  };
  let p: number;
  let type: number;
  if (linkType === 1) { p = off + 14; type = off + 14 <= end ? b.readUInt16BE(off + 12) : 0; f(off + 12, 2, 'ethertype'); }
  else if (linkType === 113) { p = off + 16; type = off + 16 <= end ? b.readUInt16BE(off + 14) : 0; f(off + 14, 2, 'SLL protocol'); }
  else if (linkType === 276) { p = off + 20; type = off + 20 <= end ? b.readUInt16BE(off) : 0; f(off, 2, 'SLL2 protocol'); }
  else return;
  while (type === 0x8100 && p + 4 <= end) {
    f(p + 2, 2, 'VLAN inner ethertype');
    type = b.readUInt16BE(p + 2);
    p += 4;
  }
  let proto: number;
  let t: number;
  if (type === 0x0800 && p + 20 <= end) {
    f(p, 1, 'IPv4 version/IHL');
    f(p + 2, 2, 'IPv4 total length');
    f(p + 6, 2, 'IPv4 flags/fragment offset');
    f(p + 9, 1, 'IPv4 protocol');
    proto = b[p + 9]!;
    t = p + (b[p]! & 0x0f) * 4;
  } else if (type === 0x86dd && p + 40 <= end) {
    f(p, 1, 'IPv6 version');
    f(p + 4, 2, 'IPv6 payload length');
    f(p + 6, 1, 'IPv6 next header');
    proto = b[p + 6]!;
    t = p + 40;
  } else {
    return;
  }
  if (proto !== 6 || t + 20 > end) return;
  f(t + 12, 1, 'TCP data offset');
  f(t + 13, 1, 'TCP flags');
  const hdrEnd = Math.min(t + (b[t + 12]! >> 4) * 4, end);
  let o = t + 20;
  while (o < hdrEnd) {
    const kind = b[o]!;
    f(o, 1, 'TCP option kind');
    if (kind === 0) break;
    if (kind === 1) { o++; continue; }
    if (o + 1 >= hdrEnd) break;
    f(o + 1, 1, 'TCP option length');
    const len = b[o + 1]!;
    if (len < 2) break;
    o += len;
  }
}

/**
 * Where the pcapng block framing of `b` breaks (per the spec: a Section Header Block with a valid
 * byte-order magic and version 1 first, every block length >= 12, a multiple of 4, inside the input,
 * repeated at the block's end), or null when every byte belongs to a well-framed block.
 */
export function pcapngFramingBreak(b: Buffer): string | null {
  let le = true;
  let pos = 0;
  while (pos < b.length) {
    if (b.length - pos < 12) return `block header cut at ${pos}`;
    const isShb = b.readUInt32LE(pos) === 0x0a0d0d0a;
    if (isShb) {
      const bom = b.readUInt32LE(pos + 8);
      if (bom !== 0x1a2b3c4d && bom !== 0x4d3c2b1a) return `damaged byte-order magic at ${pos}`;
      le = bom === 0x1a2b3c4d;
    } else if (pos === 0) {
      return 'no section header first';
    }
    const len = rd(b, pos + 4, 4, le);
    if (len < 12 || len % 4 !== 0 || (isShb && len < 28)) return `impossible length ${len} at ${pos}`;
    if (pos + len > b.length) return `block at ${pos} runs past the end`;
    if (rd(b, pos + len - 4, 4, le) !== len) return `trailing length differs at ${pos}`;
    if (isShb && rd(b, pos + 12, 2, le) !== 1) return `section version ${rd(b, pos + 12, 2, le)} at ${pos}`;
    pos += len;
  }
  return null;
}
