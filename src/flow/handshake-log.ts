/**
 * The log of a connection's SYN and SYN-ACK segments while it is only those (embryo.ts): numbers in a
 * flat array, LOG_STRIDE per segment, written at a fill count so a reused record or embryo writes
 * over its old entries instead of emptying the array (emptying one gives its storage back, and the
 * next push allocates it again: once per connection).
 */
import type { Segment } from '../decode/segment.js';

/** Most SYN and SYN-ACK copies a log holds; one more makes the connection too busy to compact. */
export const MAX_LOGGED = 8;

// One logged segment: seconds and nanoseconds (as captured: recombining them reproduces the tracker's
// time exactly), frame, flags (+ FROM_CLIENT), seq, ack, window.
export const LOG_STRIDE = 7;
export const L_SEC = 0, L_NSEC = 1, L_FRAME = 2, L_FLAGS = 3, L_SEQ = 4, L_ACK = 5, L_WIN = 6;
export const FROM_CLIENT = 0x10000;

/** Numbers a full log holds. */
export const LOG_CAPACITY = MAX_LOGGED * LOG_STRIDE;

/** Write a SYN or SYN-ACK at `used` in a connection record's log (capacity LOG_CAPACITY); returns the new fill. */
export function logInRecord(log: Float64Array, used: number, seg: Segment, fromClient: boolean): number {
  log[used + L_SEC] = seg.tsSec; log[used + L_NSEC] = seg.tsNsec; log[used + L_FRAME] = seg.frameNo;
  log[used + L_FLAGS] = seg.flags | (fromClient ? FROM_CLIENT : 0);
  log[used + L_SEQ] = seg.seq; log[used + L_ACK] = seg.ack; log[used + L_WIN] = seg.window;
  return used + LOG_STRIDE;
}

/**
 * Embryos, outside the JS heap: one fixed slot each, in chunks of 32-bit words. A flood holds hundreds
 * of thousands of embryos for a minute; as JS objects with number arrays their logs were most of the
 * heap (61 MB of 120 MB live for 84,000 of them: ~530 bytes each with the arrays' growth slack, 8
 * bytes for every number), addresses and ISNs above 2^30 were boxed numbers, and the old generation
 * grows with what it holds. A slot (SLOT_WORDS words, 244 bytes) holds the embryo's identity and up
 * to MAX_LOGGED segments: the first segment's seconds and frame number (each as two 32-bit halves),
 * then per segment its seconds and frame as offsets from those, its nanoseconds, ACK number, and
 * flags, direction and window in one word. The sequence number is not kept: an embryo logs only
 * copies of its SYN and SYN-ACK, whose sequence number is the sender's ISN (in the header).
 */
const H_SEC_LO = 0, H_SEC_HI = 1, H_FRAME_LO = 2, H_FRAME_HI = 3;
/** Header words of the embryo's identity (embryo.ts). */
export const H_A = 4, H_B = 8, H_PORTS = 12, H_CLIENT_ISN = 13, H_SERVER_ISN = 14, H_CLIENT_OPTS = 15, H_SERVER_OPTS = 16;
/** Bits: BIT_SERVER_ISN (a SYN-ACK was seen), BIT_CLIENT_IS_A, BIT_IPV6; the answer (Conn.answer) above ANSWER_SHIFT. */
export const H_BITS = 17, H_ID_LO = 18, H_ID_HI = 19, H_COUNT = 20;
export const BIT_SERVER_ISN = 1, BIT_CLIENT_IS_A = 2, BIT_IPV6 = 4, ANSWER_SHIFT = 3;
export const SLOT_HEADER = 21;
/** One logged segment in a slot: seconds and frame (offsets from the header's), nanoseconds, ACK, flags|direction|window. */
export const S_SEC = 0, S_NSEC = 1, S_FRAME = 2, S_ACK = 3, S_FLAGS = 4, SLOT_STRIDE = 5;
/** In S_FLAGS: the TCP flags (12 bits), this bit for the client's segments, the window above WINDOW_SHIFT. */
export const S_FROM_CLIENT = 0x1000, WINDOW_SHIFT = 16;
export const SLOT_WORDS = SLOT_HEADER + MAX_LOGGED * SLOT_STRIDE;
/** Slots per chunk: chunks of ~250 KB, so growing never copies what is there. */
const CHUNK_SLOTS = 1024;
export const TWO_32 = 4294967296;

export class LogSlab {
  private readonly chunks: Uint32Array[] = [];
  private readonly free: number[] = [];
  private nextSlot = 0;

  /** A slot for a new embryo (a released one first). */
  alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    const slot = this.nextSlot++;
    if ((slot / CHUNK_SLOTS | 0) === this.chunks.length) this.chunks.push(new Uint32Array(CHUNK_SLOTS * SLOT_WORDS));
    return slot;
  }

  release(slot: number): void { this.free.push(slot); }

  chunk(slot: number): Uint32Array { return this.chunks[slot / CHUNK_SLOTS | 0]!; }
  offset(slot: number): number { return (slot % CHUNK_SLOTS) * SLOT_WORDS; }
}

/** Seconds and frame number of the slot's first segment (the base the others are offsets from). */
export function setSlotBase(chunk: Uint32Array, off: number, sec: number, frame: number): void {
  chunk[off + H_SEC_LO] = sec >>> 0; chunk[off + H_SEC_HI] = Math.floor(sec / TWO_32);
  chunk[off + H_FRAME_LO] = frame >>> 0; chunk[off + H_FRAME_HI] = Math.floor(frame / TWO_32);
}
export function slotBaseSec(chunk: Uint32Array, off: number): number { return chunk[off + H_SEC_HI]! * TWO_32 + chunk[off + H_SEC_LO]!; }
export function slotBaseFrame(chunk: Uint32Array, off: number): number { return chunk[off + H_FRAME_HI]! * TWO_32 + chunk[off + H_FRAME_LO]!; }

/**
 * Write segment `k` (absolute seconds, nanoseconds, frame...) into a slot whose base is set; false when
 * a number does not fit its word (then the connection keeps or gets its full record: never within a
 * handshake's minute, but a capture's clock can do anything).
 */
export function logInSlot(chunk: Uint32Array, off: number, k: number, sec: number, nsec: number, frame: number,
  flags: number, fromClient: boolean, ack: number, win: number): boolean {
  const dSec = sec - slotBaseSec(chunk, off), dFrame = frame - slotBaseFrame(chunk, off);
  // Whole numbers in [0, 2^32) only (a pcapng binary resolution can give fractional nanoseconds).
  if (dSec !== dSec >>> 0 || dFrame !== dFrame >>> 0 || nsec !== nsec >>> 0 || flags >= S_FROM_CLIENT) return false;
  const i = off + SLOT_HEADER + k * SLOT_STRIDE;
  chunk[i + S_SEC] = dSec; chunk[i + S_NSEC] = nsec; chunk[i + S_FRAME] = dFrame; chunk[i + S_ACK] = ack;
  chunk[i + S_FLAGS] = (flags | (fromClient ? S_FROM_CLIENT : 0) | (win << WINDOW_SHIFT)) >>> 0;
  return true;
}
