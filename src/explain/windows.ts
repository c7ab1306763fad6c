/**
 * What a connection's window fields show, worked out from the bytes: the initial window a SYN offers
 * as a whole number of segments (of the MSS, or of the MSS less the 12-byte timestamp option), and
 * the first window field after a side's SYN, scaled when both sides offered window scaling (RFC 7323
 * §2.2: a SYN's window is never scaled, every later one is). Pure arithmetic and sentences.
 */
import { num } from '../report/text.js';
import type { InitialWindow, ScaledWindow } from './explanation.js';

/** Timestamps option with its two bytes of padding: what it takes out of every segment's payload. */
export const TIMESTAMP_OPTION_BYTES = 12;

/**
 * The SYN's window as whole segments: of `mss`, or, when timestamps will be in every segment
 * (`timestamps`), of mss − 12. Whole MSS first (a client's SYN: it cannot know yet whether the peer
 * agrees to timestamps), then MSS less the option (a SYN-ACK answering a SYN that offered them).
 */
export function initialWindow(packet: number, window: number, mss: number | null, timestamps: boolean): InitialWindow {
  const none: InitialWindow = { packet, window, segmentSize: null, segments: null, lessTimestamps: false, mss };
  if (mss === null || mss <= TIMESTAMP_OPTION_BYTES || window <= 0) return none;
  if (window % mss === 0) return { ...none, segmentSize: mss, segments: window / mss };
  const less = mss - TIMESTAMP_OPTION_BYTES;
  if (timestamps && window % less === 0) return { ...none, segmentSize: less, segments: window / less, lessTimestamps: true };
  return none;
}

/** "64,240 = 44 × 1,460" and why, in a sentence; '' when the window is not whole segments. */
export function initialWindowText(w: InitialWindow, who: string): string {
  if (w.segmentSize === null || w.segments === null) return '';
  const product = `${num(w.window)} = ${w.segments} × ${num(w.segmentSize)}`;
  if (!w.lessTimestamps) {
    return `Its window is whole segments of its MSS: ${product}.`;
  }
  return `Its window is whole segments of ${num(w.segmentSize)} bytes: ${product}, the ${who}'s MSS (${num(w.mss!)}) less the ` +
    `${TIMESTAMP_OPTION_BYTES} bytes of the timestamp option that every segment will carry, both sides having offered timestamps.`;
}

/**
 * Why a SYN-ACK's window counts smaller segments than the SYN's: the client sent its SYN before it
 * could know whether the server would agree to timestamps; the server answered a SYN that offered
 * them. '' when the two windows do not show that.
 */
export function contrastText(client: InitialWindow | null, server: InitialWindow | null): string {
  if (client === null || server === null || client.segmentSize === null || server.segmentSize === null) return '';
  if (client.lessTimestamps || !server.lessTimestamps || client.window === server.window) return '';
  return `Why not the client's ${num(client.window)}: when the client sent its SYN it could not know whether the server would ` +
    `agree to timestamps, so it counted whole ${num(client.segmentSize)}-byte segments; the server, answering a SYN that ` +
    `offered them, knew every segment would carry the ${TIMESTAMP_OPTION_BYTES} bytes and counted ${num(server.segmentSize)}-byte ones.`;
}

/** The first window field after a side's SYN, read with the scaling in effect. */
export function scaledWindow(packet: number, field: number, scaling: ScaledWindow['scaling'], shift: number | null): ScaledWindow {
  const s = scaling === 'negotiated' ? shift : scaling === 'not-negotiated' ? 0 : null;
  return { packet, field, shift: s, bytes: s === null ? null : field * 2 ** s, scaling };
}

/** The sentence for a first scaled window; `synWindow` is what the same side's SYN offered. */
export function scaledWindowText(w: ScaledWindow, synWindow: number | null, notNegotiatedWhy: string): string {
  if (w.scaling === 'unknown' || w.bytes === null) return '';
  if (w.scaling === 'not-negotiated') {
    return `Its window field, ${num(w.field)}, counts bytes: window scaling is not in effect (${notNegotiatedWhy}).`;
  }
  const same = synWindow === w.bytes
    ? `, the same window its SYN offered (a SYN's window field is never scaled)`
    : synWindow !== null ? ` (its SYN offered ${num(synWindow)}; a SYN's window field is never scaled)` : '';
  return `Its window field, ${num(w.field)}, is scaled from here on, both sides having offered window scaling: ` +
    `${num(w.field)} × 2^${w.shift} = ${num(w.bytes)} bytes${same}.`;
}
