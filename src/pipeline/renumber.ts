/**
 * `--jobs`: each worker numbers frames and connections of its file from 1. The run's numbering
 * continues across inputs (as one process reading them in turn does), so a file's numbers are
 * shifted by the frames and connections of the files before it. These functions shift in place.
 */
import type { AnomalyOccurrence, Connection, Listener } from '../flow/model.js';
import type { Offence } from '../check/policy.js';

export interface Shift {
  /** Added to connection ids. */
  ids: number;
  /** Added to frame (packet) numbers. */
  frames: number;
}

export function shiftAnomaly(a: AnomalyOccurrence, s: Shift): void {
  a.packet += s.frames;
  // time-wait-reuse names the connection it follows, in its details and its message.
  const prev = a.details?.['previousConnection'];
  if (typeof prev === 'number' && s.ids !== 0) {
    a.details!['previousConnection'] = prev + s.ids;
    a.message = a.message.replace(`connection ${prev} `, `connection ${prev + s.ids} `);
  }
}

export function shiftConnection(c: Connection, s: Shift): void {
  if (s.ids === 0 && s.frames === 0) return;
  c.id += s.ids;
  c.firstPacket += s.frames;
  c.lastPacket += s.frames;
  for (const t of c.timeline) t.packet += s.frames;
  for (const a of c.anomalies) shiftAnomaly(a, s);
}

export function shiftOffence(o: Offence, s: Shift): void {
  if (o.connection !== null) o.connection += s.ids;
  o.packet += s.frames;
  const prev = /connection (\d+) /.exec(o.message);
  if (o.anomaly === 'time-wait-reuse' && prev && s.ids !== 0) {
    o.message = o.message.replace(prev[0], `connection ${Number(prev[1]) + s.ids} `);
  }
}

/**
 * Listeners of several files, by ip:port: counts add up; the half-open peak is the largest of the
 * files' peaks (each file's tracker saw only its own file, so a queue building across a file
 * boundary is not seen as one); the series are joined in file order.
 */
export function mergeListeners(perFile: readonly Listener[][]): Listener[] {
  const byKey = new Map<string, Listener>();
  for (const list of perFile) {
    for (const l of list) {
      const key = `${l.ip}\u0000${l.port}`;
      const m = byKey.get(key);
      if (!m) { byKey.set(key, { ...l, halfOpenSeries: [...l.halfOpenSeries], anomalies: [...l.anomalies] }); continue; }
      m.connections += l.connections;
      m.completed += l.completed;
      m.refused += l.refused;
      m.halfOpenNow += l.halfOpenNow;
      if (l.halfOpenPeak > m.halfOpenPeak) { m.halfOpenPeak = l.halfOpenPeak; m.halfOpenPeakTime = l.halfOpenPeakTime; }
      m.halfOpenSeries.push(...l.halfOpenSeries);
      m.anomalies.push(...l.anomalies);
    }
  }
  // The tracker's order: by address, then port.
  return [...byKey.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
}
