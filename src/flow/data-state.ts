/**
 * One endpoint's sending direction as the data-phase analysis sees it (data-analysis.ts): what the
 * capture showed of its sequence space, its last ACK and window, and the gaps the capture left in it.
 * Wireshark keeps the same facts per flow (tcp_analyze_seq_info in packet-tcp.c); the names here say
 * what they hold. Plain numbers and booleans, updated in place per segment; reset() for recycling
 * (conn.ts). Sequence and acknowledgement numbers are kept as signed 32-bit words (seq.ts seqWord),
 * so they sit in the record as small integers; what reports one gives it back with `>>> 0`.
 */

/** What the analysis found in a direction's last segment (lastKind), for the peer's answer to it. */
export const LAST_KEEP_ALIVE = 1;
export const LAST_ZERO_WINDOW_PROBE = 2;

export class DataState {
  /** The ISN of this side's SYN, when one was seen: a SYN with another starts the sequence space anew. */
  hasSyn = false;
  synSeq = 0;
  /** nextSeq is known: a segment from this side was seen. */
  hasNext = false;
  /** Highest sequence end seen (seq + payload + SYN + FIN): Wireshark's nextseq, "the next expected byte". */
  nextSeq = 0;
  /** Capture time when nextSeq last advanced. */
  advanceT = 0;
  /**
   * End of the sequence space seen without a hole (Wireshark's maxseqtobeacked): an ACK from the peer
   * beyond it acknowledges bytes the capture did not show.
   */
  hasContiguous = false;
  contiguous = 0;

  /** Its last ACK (only segments with the ACK bit), and when. */
  hasAck = false;
  lastAck = 0;
  lastAckT = 0;
  /** Window field of its last segment, as sent (unscaled); -1 before any. */
  lastWin = -1;
  /**
   * Shift of its window field outside SYNs (RFC 7323 §2.2): its window scale when both SYNs offered
   * one, 0 when either did not; -1 while unknown (the SYNs not seen).
   */
  winShift = -1;
  /** Right edge of the window its last ACK advertised (ack + scaled window), when known. */
  hasEdge = false;
  rightEdge = 0;
  /** Duplicate ACKs in a row (RFC 5681 §2) for lastAck. */
  dupAcks = 0;
  /** LAST_* bits: what its last segment was, so the peer's next ACK can be called an answer to it. */
  lastKind = 0;
  /** Inside a zero-window episode (zero-window is raised once per episode). */
  inZeroWindow = false;
  dataBeforeHandshakeFlagged = false;
  /**
   * An ACK from the peer beyond everything the capture showed of this direction was reported; quiet
   * until this side's own ACK moves (one report per stall, as Wireshark).
   */
  ackedUnseenReported = false;
  /** Highest peer ACK beyond nextSeq (bytes acknowledged but never shown), when ackedBeyond is set. */
  hasAckedBeyond = false;
  ackedBeyond = 0;

  // Capture gaps in this direction (Connection.gaps).
  /** Sequence jumps beyond the next expected byte ("previous segment not captured") and their bytes. */
  skipped = 0;
  skippedBytes = 0;
  /** Peer ACKs of bytes the capture had not shown, and bytes acknowledged beyond all it showed. */
  ackedUnseen = 0;
  ackedUnseenBytes = 0;
  /** First and last packet (and time) of any of the above; 0 when none. */
  gapFirstPacket = 0;
  gapFirstT = 0;
  gapLastPacket = 0;
  gapLastT = 0;

  reset(): void {
    this.hasSyn = false; this.synSeq = 0; this.hasNext = false; this.nextSeq = 0; this.advanceT = 0; this.hasContiguous = false; this.contiguous = 0;
    this.hasAck = false; this.lastAck = 0; this.lastAckT = 0; this.lastWin = -1; this.winShift = -1;
    this.hasEdge = false; this.rightEdge = 0;
    this.dupAcks = 0; this.lastKind = 0; this.inZeroWindow = false; this.dataBeforeHandshakeFlagged = false;
    this.ackedUnseenReported = false; this.hasAckedBeyond = false; this.ackedBeyond = 0;
    this.skipped = 0; this.skippedBytes = 0; this.ackedUnseen = 0; this.ackedUnseenBytes = 0;
    this.gapFirstPacket = 0; this.gapFirstT = 0; this.gapLastPacket = 0; this.gapLastT = 0;
  }

  /** A gap was found at this packet. */
  gapAt(packet: number, t: number): void {
    if (this.gapFirstPacket === 0) { this.gapFirstPacket = packet; this.gapFirstT = t; }
    this.gapLastPacket = packet;
    this.gapLastT = t;
  }

  get hasGaps(): boolean { return this.gapFirstPacket !== 0; }
}
