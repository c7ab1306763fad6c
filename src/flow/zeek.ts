/**
 * Zeek-compatible `conn_state` and `history` (Zeek's base/protocols/conn/main.zeek and its TCP
 * session adapter). Zeek's verdicts are defined over Zeek's OWN endpoint states (INACTIVE,
 * SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET), not RFC 793 ones, and over Zeek's
 * own originator (the first packet's sender, flipped by its port heuristic). To agree with Zeek we
 * replay its per-endpoint rules here: one small record per side, like our RFC records, and the
 * conn_state derived from the two. This is an oracle emulation, not synack's own verdict.
 *
 * History letters: S H A D F R C G T W I Q ^ — upper case for the originator, lower case for the
 * responder; S H F R repeat when their sequence number changes; C G T W are counted
 * logarithmically (letter at the 1st, 10th, 100th... occurrence).
 */
import { FLAG, type Segment } from '../decode/segment.js';
import type { ZeekConnState } from './model.js';
import { seqDiff, seqGt } from './seq.js';

export const Z_INACTIVE = 0, Z_SYN_SENT = 1, Z_SYN_ACK_SENT = 2, Z_PARTIAL = 3, Z_ESTABLISHED = 4,
  Z_CLOSED = 5, Z_RESET = 6;

const TOO_LARGE_SEQ_DELTA = 1048576;

// Scaled history letters (Connection::ScaledHistoryEntry): retransmission, zero window, gap, checksum.
const SC_RXMIT = 0, SC_ZERO_WIN = 1, SC_GAP = 2, SC_BAD_SUM = 3;

// History mask bits (per side; the responder's are shifted by 8).
const H_SYN = 0x01, H_FIN = 0x02, H_RST = 0x04, H_ACK = 0x08, H_DATA = 0x10, H_FIN_RST = 0x20, H_MULTI = 0x40;

/**
 * Ports Zeek treats as likely servers when a connection starts without a SYN (its
 * `likely_server_ports`, filled by the analyzers a default Zeek loads). An approximation: the
 * real set depends on the scripts loaded.
 */
export const LIKELY_SERVER_PORTS: ReadonlySet<number> = new Set([
  21, 22, 23, 25, 53, 80, 88, 110, 111, 135, 139, 143, 161, 179, 389, 443, 445, 465, 502, 512, 513,
  514, 587, 636, 853, 989, 990, 992, 993, 995, 1080, 1194, 1433, 1434, 1521, 1723, 1812, 1883, 2049,
  2404, 3128, 3306, 3389, 5060, 5061, 5222, 5269, 5432, 5672, 5900, 5901, 6379, 6697, 8000, 8080,
  8443, 8888, 9200, 11211, 27017,
]);

/**
 * History letters as small codes, so a packet adds a letter with integer arithmetic and the string
 * is made once, when the connection is emitted (most connections share a handful of histories, so
 * that string usually comes from a cache). Code 0 is unused (a packed history never has leading
 * zeros, so the packed number alone identifies it); a responder's letter is its originator's + 12.
 */
const LETTERS = ' ^SHADFRCGTWIQshadfrcgtwiq';
const C_FLIP = 1, C_S = 2, C_H = 3, C_A = 4, C_D = 5, C_F = 6, C_R = 7, C_C = 8, C_G = 9, C_T = 10, C_W = 11,
  C_I = 12, C_Q = 13;
const RESPONDER = 12;
/** Letters packed per number: 5 bits each, 10 letters = 50 bits, below 2^53. */
const PACK_LETTERS = 10, PACK_BASE = 32;

function unpack(packed: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) { s = LETTERS[packed % PACK_BASE]! + s; packed = Math.floor(packed / PACK_BASE); }
  return s;
}

/** Packed history → text, shared across connections (the set of distinct short histories is small). */
const historyCache = new Map<number, string>();
const MAX_CACHED_HISTORIES = 4096;

class ZeekEndpoint {
  state = Z_INACTIVE;
  prevState = Z_INACTIVE;
  startSeq = 0;
  lastSeq = 0;
  ackSeq = 0;
  finCount = 0;
  histLastSyn = -1;
  histLastFin = -1;
  histLastRst = -1;
  /** Scaled-history counters (SC_*) and their next thresholds: plain fields, no arrays per endpoint. */
  n0 = 0; n1 = 0; n2 = 0; n3 = 0;
  th0 = 1; th1 = 1; th2 = 1; th3 = 1;
  /** Highest sequence end this side sent (for "ack above hole" gaps). */
  maxEnd = 0;
  hasMaxEnd = false;
  /** Start of sequence space skipped by a segment that jumped ahead (not yet seen). */
  holeStart = 0;
  hasHole = false;

  reset(): void {
    this.state = Z_INACTIVE; this.prevState = Z_INACTIVE;
    this.startSeq = 0; this.lastSeq = 0; this.ackSeq = 0; this.finCount = 0;
    this.histLastSyn = -1; this.histLastFin = -1; this.histLastRst = -1;
    this.n0 = 0; this.n1 = 0; this.n2 = 0; this.n3 = 0;
    this.th0 = 1; this.th1 = 1; this.th2 = 1; this.th3 = 1;
    this.maxEnd = 0; this.hasMaxEnd = false; this.holeStart = 0; this.hasHole = false;
  }

  setState(s: number): void { this.prevState = this.state; this.state = s; }

  /** Zeek's TCP_Endpoint::Size(): bytes of sequence space, without SYN and FIN. */
  size(): number {
    if (this.state === Z_INACTIVE) return 0;
    const a = seqDiff(this.lastSeq, this.startSeq);
    const b = seqDiff(this.ackSeq, this.startSeq);
    let size = Math.max(a, b, 0);
    if (size !== 0) size--;
    if (this.finCount > 0 && size !== 0) size--;
    return size;
  }
}

/** Zeek's choice of originator for a connection whose first packet is (flags, srcPort → dstPort). */
export function zeekFlipsFirst(flags: number, srcPort: number, dstPort: number): boolean {
  const syn = (flags & FLAG.SYN) !== 0;
  const ack = (flags & FLAG.ACK) !== 0;
  if (syn && !ack) return false;
  // TCPAnalyzer::WantConnection: a partial connection (no SYN, or SYN-ACK) is flipped when the
  // source looks like a server port; if both do, only a non-SYN packet towards a higher port flips.
  if (LIKELY_SERVER_PORTS.has(srcPort)) {
    if (LIKELY_SERVER_PORTS.has(dstPort)) return !syn && srcPort < dstPort;
    return true;
  }
  return false;
}

/** One connection's Zeek view; reused (reset, then begin) like the tracker's records. */
export class ZeekView {
  /** The history's last letters, packed (see LETTERS), and how many there are. */
  private hist = 0;
  private histLen = 0;
  /** Earlier letters, as text, once more than PACK_LETTERS were added (rare: long histories only). */
  private histHead = '';
  private histSeen = 0;
  private readonly a = new ZeekEndpoint();
  private readonly b = new ZeekEndpoint();
  /** True when the connection's A side (first packet's source) is Zeek's originator. */
  origIsA = true;
  private packets = 0;

  reset(): void {
    this.hist = 0;
    this.histLen = 0;
    this.histHead = '';
    this.histSeen = 0;
    this.a.reset();
    this.b.reset();
    this.origIsA = true;
    this.packets = 0;
  }

  /** The history string (Zeek's conn.log `history`). */
  get history(): string {
    if (this.histHead === '') {
      let s = historyCache.get(this.hist);
      if (s === undefined) {
        s = unpack(this.hist, this.histLen);
        if (historyCache.size < MAX_CACHED_HISTORIES) historyCache.set(this.hist, s);
      }
      return s;
    }
    return this.histHead + unpack(this.hist, this.histLen);
  }

  /** The connection's first packet is (firstFlags, srcPort → dstPort): who is Zeek's originator. */
  begin(firstFlags: number, srcPort: number, dstPort: number): void {
    const flip = zeekFlipsFirst(firstFlags, srcPort, dstPort);
    this.origIsA = !flip;
    if (flip) this.push(C_FLIP);
  }

  private get orig(): ZeekEndpoint { return this.origIsA ? this.a : this.b; }
  private get resp(): ZeekEndpoint { return this.origIsA ? this.b : this.a; }

  /** Append one letter code to the history. */
  private push(code: number): void {
    if (this.histLen === PACK_LETTERS) {
      this.histHead += unpack(this.hist, this.histLen);
      this.hist = 0;
      this.histLen = 0;
    }
    this.hist = this.hist * PACK_BASE + code;
    this.histLen++;
  }

  /**
   * Has this side's history already got the letter for `mask`? A tiny check V8 inlines into
   * packet(): the per-packet 'A' and 'D' letters are almost always there already.
   */
  private seen(isOrig: boolean, mask: number): boolean {
    return (this.histSeen & (isOrig ? mask : mask << 8)) !== 0;
  }

  /** Add `code` once per side (Connection::CheckHistory); true when it had been seen before. */
  private check(isOrig: boolean, mask: number, code: number): boolean {
    const m = isOrig ? mask : mask << 8;
    if ((this.histSeen & m) === 0) {
      this.histSeen |= m;
      this.push(isOrig ? code : code + RESPONDER);
      return false;
    }
    return true;
  }

  private add(isOrig: boolean, code: number): void {
    this.push(isOrig ? code : code + RESPONDER);
  }

  private flipRoles(recase = false): void {
    this.origIsA = !this.origIsA;
    this.histSeen = ((this.histSeen & 0xff) << 8) | ((this.histSeen >> 8) & 0xff);
    if (recase) {
      // Rare (a connection opened by a SYN-ACK): rebuild the history with every letter's case swapped.
      const old = this.history;
      this.hist = 0; this.histLen = 0; this.histHead = '';
      this.push(C_FLIP);
      for (const ch of old) {
        const code = LETTERS.indexOf(ch);
        this.push(code <= C_FLIP ? code : code <= C_Q ? code + RESPONDER : code - RESPONDER);
      }
    } else this.push(C_FLIP);
  }

  /**
   * One segment from side A (fromA) or B. It takes the Segment itself rather than its fields: sequence
   * numbers above 2^30 passed as arguments would be boxed into a heap number per packet.
   */
  packet(fromA: boolean, seg: Segment, badChecksum: boolean): void {
    // Sequence numbers as signed words (seq.ts seqWord): small integers in the endpoint's fields, where
    // unsigned words of 2^31 and more were doubles in boxes.
    const flags = seg.flags, seq = seg.seq | 0, ack = seg.ack | 0, payloadLen = seg.payloadLen;
    // An originator that opened with a SYN-ACK is taken for the responder as soon as the
    // connection has a second packet (Zeek's baselines: one-sided-2745 "^haf", http-on-irc "^hADadFf",
    // while a lone SYN-ACK stays "H"). The history so far is re-cased and marked '^'.
    if (this.packets++ === 1 && this.orig.state === Z_SYN_ACK_SENT && this.resp.state === Z_INACTIVE) this.flipRoles(true);
    const isOrig = fromA === this.origIsA;
    const ep = fromA ? this.a : this.b;
    const peer = fromA ? this.b : this.a;

    if (badChecksum) {
      // Zeek records 'C' and drops the packet before any TCP processing.
      this.scaled(isOrig, ep, SC_BAD_SUM, C_C);
      return;
    }

    const SYN = (flags & FLAG.SYN) !== 0, FIN = (flags & FLAG.FIN) !== 0, RST = (flags & FLAG.RST) !== 0;
    const ACK = (flags & FLAG.ACK) !== 0;
    const len = payloadLen;
    let segLen = len + (SYN ? 1 : 0) + (FIN ? 1 : 0);
    if (RST) segLen -= len;
    const lastSeqNew = (seq + segLen) | 0;

    // init_endpoint
    if (ep.state === Z_INACTIVE) {
      if (SYN) { ep.startSeq = seq; ep.ackSeq = seq; ep.lastSeq = lastSeqNew; }
      else { ep.startSeq = (seq - 1) | 0; ep.ackSeq = ep.startSeq; ep.lastSeq = seq; }
    } else if (SYN && (ep.state === Z_SYN_SENT || ep.state === Z_SYN_ACK_SENT || ep.state === Z_ESTABLISHED || ep.state === Z_PARTIAL) && seq !== ep.startSeq) {
      ep.startSeq = seq; ep.ackSeq = seq; ep.lastSeq = lastSeqNew;
    } else if (SYN && ep.state === Z_RESET && ep.prevState === Z_INACTIVE) {
      ep.startSeq = seq; ep.ackSeq = seq; ep.lastSeq = lastSeqNew;
    }
    const relSeq = seqDiff(seq, ep.startSeq);

    // update_history
    const bits = (SYN ? 1 : 0) + (FIN ? 1 : 0) + (RST ? 1 : 0);
    if (bits > 1) {
      if (FIN && RST) this.check(isOrig, H_FIN_RST, C_I);
      else this.check(isOrig, H_MULTI, C_Q);
    } else if (bits === 1) {
      if (SYN) {
        const code = ACK ? C_H : C_S;
        if (this.check(isOrig, H_SYN, code) && relSeq !== ep.histLastSyn) this.add(isOrig, code);
        ep.histLastSyn = relSeq;
      }
      if (FIN) {
        if (this.check(isOrig, H_FIN, C_F) && relSeq + len !== ep.histLastFin) this.add(isOrig, C_F);
        ep.histLastFin = relSeq + len;
      }
      if (RST) {
        if (this.check(isOrig, H_RST, C_R) && relSeq !== ep.histLastRst) this.add(isOrig, C_R);
        ep.histLastRst = relSeq;
      }
    } else if (len > 0) { if (!this.seen(isOrig, H_DATA)) this.check(isOrig, H_DATA, C_D); }
    else if (ACK) { if (!this.seen(isOrig, H_ACK)) this.check(isOrig, H_ACK, C_A); }

    // update_window: zero windows are interesting unless with/after RST or after the peer's FIN.
    if (seg.window === 0 && !RST && peer.state !== Z_CLOSED && ep.state !== Z_RESET) this.scaled(isOrig, ep, SC_ZERO_WIN, C_W);

    if (FIN) ep.finCount++;

    if (ACK) {
      if (peer.state === Z_INACTIVE) {
        // init_peer: number the silent peer as though its SYN had been seen.
        peer.startSeq = (ack - 1) | 0; peer.ackSeq = peer.startSeq; peer.lastSeq = peer.startSeq;
      } else if (!RST && !(ack === 0 && seqDiff(ack, peer.ackSeq) > TOO_LARGE_SEQ_DELTA) && seqGt(ack, peer.ackSeq)) {
        peer.ackSeq = ack;
      }
    }

    // update_last_seq
    const deltaLast = seqDiff(lastSeqNew, ep.lastSeq);
    if ((SYN || RST) && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) { /* distrust */ }
    else if (FIN && ep.lastSeq === ((ep.startSeq + 1) | 0)) ep.lastSeq = lastSeqNew;
    else if (ep.state === Z_RESET) { /* don't trust sequence numbers after a RST */ }
    else if (deltaLast > 0) ep.lastSeq = lastSeqNew;
    else if (len > 0) this.scaled(isOrig, ep, SC_RXMIT, C_T);

    // Only SYN, FIN and RST move an endpoint that has started (see updateState): a plain data or
    // ACK segment skips the call, which is most of them.
    if (SYN || FIN || RST || ep.state === Z_INACTIVE) this.updateState(ep, peer, isOrig, SYN, FIN, RST, ACK, seq === ep.startSeq, len);

    // Content gaps (Zeek's reassembler "ack above hole"): the peer acknowledges sequence space this
    // side skipped or was never seen sending. A FIN or RST carrying the ACK is not trusted for it.
    if ((!RST && len > 0) || SYN || FIN) {
      const end = lastSeqNew;
      const dataStart = SYN ? (seq + 1) | 0 : seq;
      if (ep.hasMaxEnd && !ep.hasHole && seqGt(seq, ep.maxEnd) && !SYN) { ep.holeStart = ep.maxEnd; ep.hasHole = true; }
      if (len > 0 && seg.capturedPayloadLen < len && !RST) {
        // Payload cut by the snaplen never reaches Zeek's reassembler: it is a hole too.
        if (!ep.hasHole) { ep.holeStart = dataStart; ep.hasHole = true; }
      } else if (ep.hasHole && !seqGt(seq, ep.holeStart) && seqGt(end, ep.holeStart)) ep.hasHole = false; // filled
      if (!ep.hasMaxEnd || seqGt(end, ep.maxEnd)) { ep.maxEnd = end; ep.hasMaxEnd = true; }
    }
    if (ACK && !RST && !FIN && peer.hasMaxEnd && peer.state !== Z_RESET && ep.state !== Z_RESET) {
      if (peer.hasHole && seqGt(ack, peer.holeStart)) {
        this.scaled(!isOrig, peer, SC_GAP, C_G);
        peer.hasHole = false;
        if (seqGt(ack, peer.maxEnd)) peer.maxEnd = ack;
      } else if (seqGt(ack, peer.maxEnd)) {
        this.scaled(!isOrig, peer, SC_GAP, C_G);
        peer.maxEnd = ack;
      }
    }
  }

  private scaled(isOrig: boolean, ep: ZeekEndpoint, which: number, code: number): void {
    let n: number, th: number;
    switch (which) {
      case SC_RXMIT: n = ++ep.n0; th = ep.th0; if (n === th) ep.th0 = th * 10; break;
      case SC_ZERO_WIN: n = ++ep.n1; th = ep.th1; if (n === th) ep.th1 = th * 10; break;
      case SC_GAP: n = ++ep.n2; th = ep.th2; if (n === th) ep.th2 = th * 10; break;
      default: n = ++ep.n3; th = ep.th3; if (n === th) ep.th3 = th * 10; break;
    }
    if (n === th) this.add(isOrig, code);
  }

  /** TCPSessionAdapter::UpdateStateMachine, reduced to the state changes conn_state reads. */
  private updateState(ep: ZeekEndpoint, peer: ZeekEndpoint, isOrig: boolean, SYN: boolean, FIN: boolean, RST: boolean,
    ACK: boolean, seqIsStart: boolean, len: number): void {
    switch (ep.state) {
      case Z_INACTIVE: {
        if (SYN) {
          if (isOrig) ep.setState(ACK ? Z_SYN_ACK_SENT : Z_SYN_SENT);
          else {
            if (!ACK && peer.state === Z_SYN_ACK_SENT && seqIsStart) {
              // SYN/SYN-ACK seen reversed: flip roles and establish.
              this.flipRoles();
              peer.setState(Z_ESTABLISHED);
            }
            if (peer.state === Z_SYN_SENT) peer.setState(Z_ESTABLISHED);
            ep.setState(Z_ESTABLISHED);
          }
        }
        if (FIN) ep.setState(Z_CLOSED);
        if (RST) ep.setState(Z_RESET);
        if (ep.state === Z_INACTIVE) {
          const orig = this.orig;
          if (!isOrig && len === 0 && orig.state === Z_SYN_SENT) { /* eccentric ACK of a SYN before the SYN-ACK */ }
          else if (ACK && peer.state === Z_ESTABLISHED) ep.setState(Z_ESTABLISHED);
          else ep.setState(Z_PARTIAL);
        }
        break;
      }
      case Z_SYN_SENT:
      case Z_SYN_ACK_SENT:
        if (FIN) ep.setState(Z_CLOSED);
        if (RST) ep.setState(Z_RESET);
        break;
      case Z_ESTABLISHED:
      case Z_PARTIAL:
        if (SYN && ep.state === Z_PARTIAL && peer.state === Z_INACTIVE && !ACK) ep.setState(Z_SYN_SENT);
        if (FIN && !RST) {
          ep.setState(Z_CLOSED);
          // A FIN followed by a RST from the peer was a normal close after all.
          if (peer.state === Z_RESET && peer.prevState === Z_CLOSED) peer.setState(Z_CLOSED);
        }
        if (RST) ep.setState(Z_RESET);
        break;
      case Z_CLOSED:
        // After both FINs, a RST changes nothing.
        if (RST && peer.state !== Z_CLOSED) ep.setState(Z_RESET);
        break;
      case Z_RESET:
        break;
    }
  }

  /** conn_state as base/protocols/conn/main.zeek derives it from the two endpoint states. */
  connState(): ZeekConnState {
    const o = this.orig, r = this.resp;
    const os = o.state, rs = r.state;
    const oInactive = os === Z_INACTIVE || os === Z_PARTIAL;
    const rInactive = rs === Z_INACTIVE || rs === Z_PARTIAL;
    if (rs === Z_RESET) {
      if (os === Z_SYN_SENT || os === Z_SYN_ACK_SENT || (os === Z_RESET && o.size() === 0 && r.size() === 0)) return 'REJ';
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (os === Z_RESET) {
      if (rInactive) return /^\^?S[^HAFGIQ]*R.*$/.test(this.history) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (rs === Z_CLOSED && os === Z_CLOSED) return 'SF';
    if (os === Z_CLOSED) return rInactive ? 'SH' : 'S2';
    if (rs === Z_CLOSED) return oInactive ? 'SHR' : 'S3';
    if (os === Z_SYN_SENT && rs === Z_INACTIVE) return 'S0';
    if (os === Z_ESTABLISHED && rs === Z_ESTABLISHED) return 'S1';
    return 'OTH';
  }
}
