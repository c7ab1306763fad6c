/**
 * The listener view: per server address and port, how many connections it got, completed, refused,
 * and its half-open (SYN_RECEIVED) count over time — the SYN backlog an attacker fills in a flood.
 */
import { anomaly } from './anomalies.js';
import { DEFAULT_MAX_LISTENERS, foldListeners, noFoldedListeners, type FoldedListeners } from './listener-fold.js';
import type { AnomalyOccurrence, Listener } from './model.js';

export class ListenerRecord {
  connections = 0;
  completed = 0;
  refused = 0;
  halfOpen = 0;
  peak = 0;
  peakTime: number | null = null;
  /**
   * The half-open series as two parallel number arrays (times, counts): a point costs no
   * allocation; the [t, count] pairs of the output are built once, by list().
   */
  seriesT: number[] = [];
  seriesN: number[] = [];
  anomalies: AnomalyOccurrence[] = [];
  /** Above the flood threshold right now (so a flood is reported once per crossing). */
  flooding = false;
  /** Connections of this listener the tracker holds now (one that holds some is never folded). */
  live = 0;

  constructor(readonly ip: string, readonly port: number) {}
}

export class ListenerTable {
  private byKey = new Map<string, ListenerRecord>();
  /** Connection-less anomalies raised here (syn-flood), in order. */
  readonly anomalies: AnomalyOccurrence[] = [];
  /** Listeners folded into counts beyond maxListeners (listener-fold.ts), and how many times it happened. */
  readonly folded: FoldedListeners = noFoldedListeners();
  folds = 0;

  constructor(private readonly synFloodThreshold: number, private readonly maxSeriesPoints: number,
    private readonly onAnomaly?: (a: AnomalyOccurrence) => void, private readonly maxListeners = DEFAULT_MAX_LISTENERS) {}

  /** The listener for a server; `ip` is built once per connection, when its server is known. */
  get(ip: string, port: number): ListenerRecord {
    const key = ip + ' ' + port;
    let l = this.byKey.get(key);
    if (l === undefined) {
      if (this.byKey.size >= this.maxListeners) {
        foldListeners(this.byKey, Math.floor(this.maxListeners * 0.75), this.folded);
        this.folds++;
      }
      l = new ListenerRecord(ip, port);
      this.byKey.set(key, l);
    }
    return l;
  }

  /** A server endpoint of this listener entered (+1) or left (-1) SYN_RECEIVED at time t. */
  changeHalfOpen(l: ListenerRecord, delta: 1 | -1, t: number, packet: number): void {
    l.halfOpen += delta;
    if (l.halfOpen > l.peak) { l.peak = l.halfOpen; l.peakTime = t; }
    this.addPoint(l, t, l.halfOpen);
    if (!l.flooding && l.halfOpen > this.synFloodThreshold) {
      l.flooding = true;
      const a = anomaly('syn-flood', packet, t, 'server',
        `${l.halfOpen} half-open connections on ${l.ip}:${l.port} (threshold ${this.synFloodThreshold})`,
        { halfOpen: l.halfOpen, threshold: this.synFloodThreshold, ip: l.ip, port: l.port });
      l.anomalies.push(a);
      this.anomalies.push(a);
      this.onAnomaly?.(a);
    } else if (l.flooding && l.halfOpen <= this.synFloodThreshold / 2) {
      l.flooding = false; // hysteresis: a new flood is reported only after the backlog drained
    }
  }

  private addPoint(l: ListenerRecord, t: number, count: number): void {
    const ts = l.seriesT, ns = l.seriesN;
    const last = ts.length - 1;
    if (last >= 0 && ts[last] === t) { ns[last] = count; return; }
    ts.push(t);
    ns.push(count);
    if (ts.length > this.maxSeriesPoints) thinSeries(l, this.maxSeriesPoints);
  }

  list(): Listener[] {
    const out: Listener[] = [];
    for (const l of this.byKey.values()) {
      out.push({
        ip: l.ip, port: l.port, connections: l.connections, completed: l.completed, refused: l.refused,
        halfOpenNow: l.halfOpen, halfOpenPeak: l.peak, halfOpenPeakTime: l.peakTime,
        halfOpenSeries: seriesPairs(l), anomalies: l.anomalies.slice(),
      });
    }
    out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
    return out;
  }
}

/**
 * Thin a series to half, in place: keep every other point, but always the first, the last and the
 * peak; then at most `max` points (the latest).
 */
function thinSeries(l: ListenerRecord, max: number): void {
  const ts = l.seriesT, ns = l.seriesN, n = ts.length;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0 || i === n - 1 || (ns[i] === l.peak && ts[i] === l.peakTime)) {
      ts[kept] = ts[i]!; ns[kept] = ns[i]!; kept++;
    }
  }
  const drop = kept > max ? kept - max : 0;
  if (drop > 0) { ts.copyWithin(0, drop, kept); ns.copyWithin(0, drop, kept); }
  ts.length = ns.length = kept - drop;
}

function seriesPairs(l: ListenerRecord): Array<[t: number, count: number]> {
  const out = new Array<[number, number]>(l.seriesT.length);
  for (let i = 0; i < out.length; i++) out[i] = [l.seriesT[i]!, l.seriesN[i]!];
  return out;
}
