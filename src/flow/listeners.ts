/**
 * The listener view: per server address and port, its connections and their outcomes, and its SYN
 * queue as the kernel keeps it: one entry per request it answered statefully, from its first SYN-ACK
 * until the handshake's ACK reaches it, a RST ends it, or it gives up (the back-off the server itself
 * showed stopped). Answers it kept no entry for (SYN cookies) do not count; SYNs it left unanswered
 * while answering others are drops (its queue was full).
 *
 * Queue changes come from the tracker as the wire shows them, sometimes seconds after the moment they
 * describe (whether a SYN-ACK kept state shows by its first re-send; an ACK counts once the server's
 * silence confirms it). They wait here in time order for QUEUE_LAG seconds of capture time before they
 * enter the series, so the series, its peak and the syn-flood alarm follow the exact order of events;
 * a change later still is folded into the series where it belongs.
 */
import { moveRecordsToFront, moveToFront } from '../util/array-edit.js';
import { doubles, settleDoubleFields } from '../util/field-shapes.js';
import { ChangeQueue } from './change-queue.js';
import { LogHistogram } from '../util/log-histogram.js';
import { anomaly } from './anomalies.js';
import type { Conn } from './conn.js';
import { DEFAULT_MAX_LISTENERS, foldListeners, noFoldedListeners, type FoldedListeners } from './listener-fold.js';
import type { AnomalyOccurrence, Listener } from './model.js';
import { TimerHeap } from './timer-heap.js';

/**
 * Capture seconds a queue change may arrive after the time it describes and still enter the series in
 * order: a SYN-ACK's statefulness shows by its first re-send (1 s, +25 %), a give-up by the missed
 * copy (up to 1.25 × the doubled wait: 10 s covers waits up to 8 s, the fourth re-send).
 */
export const QUEUE_LAG = 10;

/**
 * A listener's waiting changes enter the series at most this often (capture seconds): a busy listener
 * has a change due on almost every packet, and taking them one packet at a time cost a timer-heap pop
 * and push per packet. They still enter in time order; they only wait up to this much longer.
 */
export const FLUSH_BATCH = 1;

/**
 * Seconds after a SYN-ACK by which the kind of every answer sent before it has shown (a stateless one
 * by its first re-send not coming: 1 s + 25 %, plus slack).
 */
export const ANSWERS_SETTLED_AFTER = 1.5;
/** How far back the answers' kinds are kept (a listener's mode at a time is its latest answer's kind). */
const ANSWER_MEMORY = 3;

export class ListenerRecord {
  connections = 0;
  completed = 0;
  refused = 0;
  /** SYNs it answered with a SYN-ACK (kept in its SYN queue or not). */
  answered = 0;
  /** Answers it kept no request for (SYN cookies), and when the first was sent. */
  stateless = 0;
  statelessFrom = -1;
  /** Its latest answer whose kind showed was stateless. */
  lastAnswerStateless = false;
  /** Answers whose kind showed, by SYN-ACK time (the last ANSWER_MEMORY seconds, from answerHead on): times, 1 = stateless. */
  answerT: number[] = doubles();
  answerStateless: number[] = [];
  answerHead = 0;
  answerLen = 0;
  /** SYNs it left unanswered while answering others, and when the first came. */
  dropped = 0;
  dropsFrom = -1;
  /** Queue depth when the first drop came (the backlog it inferred from); -1 until known. */
  depthAtFirstDrop = -1;
  /** Requests it dropped when its SYN-ACK back-off stopped; their survival times; their re-sends. */
  expired = 0;
  readonly survival = new LogHistogram();
  resendLimit = -1;
  /** The shortest first SYN-ACK re-send interval it showed (its initial retransmission timeout). */
  initialTimeout = -1;
  /** Handshake ACKs it ignored while the application was not accepting (accept queue full). */
  acceptOverflows = 0;

  /** Queue depth as far as the changes that entered the series go, and as far as all known go. */
  halfOpen = 0;
  live = 0;
  peak = 0;
  peakTime: number | null = null;
  /**
   * The queue series as two parallel number arrays (times, counts): a point costs no allocation;
   * the [t, count] pairs of the output are built once, by list().
   */
  seriesT: number[] = doubles();
  seriesN: number[] = [];
  /**
   * Points in use (the arrays may be longer): thinning the series must not shorten the arrays, or V8
   * trims their stores and regrows them as points come, ~60 bytes of garbage a point.
   */
  seriesLen = 0;
  /** Changes not in the series yet, earliest first, with their frames. */
  readonly pending = new ChangeQueue();
  /** Time of the latest change that entered the series. */
  flushedT = -Infinity;
  dirty = false;
  /** When its earliest waiting change is due to enter the series, and that scheduling's token (timer-heap.ts). */
  timerAt = Infinity;
  timerToken = 0;
  anomalies: AnomalyOccurrence[] = [];
  /** Above the flood threshold right now (so a flood is reported once per crossing). */
  flooding = false;
  /** Connections of this listener the tracker holds now (one that holds some is never folded). */
  held = 0;

  constructor(readonly ip: string, readonly port: number) {}
}

// Its first SYN-ACK re-send interval and the times of its first cookie, drop and peak are doubles that
// may first come mid-run (field-shapes.ts); its queue depth and peak (integers) became double fields
// mid-run on the bench's 1x capture, added from the change queue's delta (change-queue.ts).
settleDoubleFields(new ListenerRecord('', 0), ['initialTimeout', 'statelessFrom', 'dropsFrom', 'peakTime', 'halfOpen', 'peak']);

export class ListenerTable {
  private byKey = new Map<string, ListenerRecord>();
  /** Connection-less anomalies raised here (syn-flood, syn-cookies, syn-queue-overflow), in order. */
  readonly anomalies: AnomalyOccurrence[] = [];
  /** Listeners folded into counts beyond maxListeners (listener-fold.ts), and how many times it happened. */
  readonly folded: FoldedListeners = noFoldedListeners();
  folds = 0;
  /** Table size at which folding is tried next (listener-fold.ts). */
  private foldAt: number;
  /**
   * Listeners with changes waiting, by when the first of them is due. A list walked whenever one came
   * due made a connect() scan quadratic: past QUEUE_LAG every packet walked the ~250,000 listeners
   * waiting (300,000 listeners over 12 s: killed after 300 s; 200,000 over 8 s, never walked: 5 s).
   */
  private readonly due = new TimerHeap<ListenerRecord>();
  /**
   * Answers an ACK completed before their kind could show (taken as queued), to look at again once
   * the answers around them have shown theirs: a listener answering statelessly then sent a cookie.
   */
  private readonly provisional = new ProvisionalAnswers();
  /** Some listener answered statelessly (from then on provisional answers are settled). */
  private statelessSeen = false;

  constructor(private readonly synFloodThreshold: number, private readonly maxSeriesPoints: number,
    private readonly onAnomaly?: (a: AnomalyOccurrence) => void,
    /** A provisional answer proved a cookie (tracker.ts revises the connection, if it still holds it). */
    private readonly onCookie?: (c: Conn, id: number) => void,
    private readonly maxListeners = DEFAULT_MAX_LISTENERS) {
    this.foldAt = maxListeners;
  }

  /** The listener for a server; `ip` is built once per connection, when its server is known. */
  get(ip: string, port: number): ListenerRecord {
    const key = ip + ' ' + port;
    let l = this.byKey.get(key);
    if (l === undefined) {
      if (this.byKey.size >= this.foldAt) {
        const folded = foldListeners(this.byKey, Math.floor(this.maxListeners * 0.75), this.folded, (x) => {
          if (x.dirty) this.flush(x, Infinity);
          x.dirty = false;
          x.pending.clear();
          x.timerToken = 0; x.timerAt = Infinity; // its entry in `due` no longer counts: pruned below
          // A settled answer may still name the record for ANSWERS_SETTLED_AFTER (provisional): its
          // lists go now (a scan's 68,000 such records held 55 MB of them).
          x.seriesT.length = 0; x.seriesN.length = 0; x.seriesLen = 0;
          x.answerT.length = 0; x.answerStateless.length = 0; x.answerLen = 0; x.answerHead = 0;
        });
        // Let the folded records go now, not when their changes would have come due.
        if (folded > 0) this.due.prune();
        this.folds++;
        // Too few quiet to fold (a scan's queues settle QUEUE_LAG later): the next try waits for a
        // quarter of the bound more, or every new listener would scan the table (60,000: 70 s).
        this.foldAt = Math.max(this.maxListeners, this.byKey.size + (this.maxListeners >> 2));
      }
      l = new ListenerRecord(ip, port);
      this.byKey.set(key, l);
    }
    return l;
  }

  /** A request entered (+1) or left (-1) l's SYN queue at capture time t (which may be in the past). */
  changeHalfOpen(l: ListenerRecord, delta: 1 | -1, t: number, packet: number): void {
    l.live += delta;
    if (t <= l.flushedT) { this.lateChange(l, delta, t, packet); return; }
    l.pending.push(t, delta, packet);
    l.dirty = true;
    if (t + QUEUE_LAG + FLUSH_BATCH < l.timerAt) this.due.push(l, t + QUEUE_LAG);
  }

  /** Has advance(now) anything to do (the tracker asks before calling it, on every packet)? */
  anythingDue(now: number): boolean {
    return now >= this.due.nextAt || (this.statelessSeen && this.provisional.anythingDue(now));
  }

  /** Capture time moved to `now`: provisional answers settle, changes older than QUEUE_LAG enter the series. */
  advance(now: number): void {
    if (this.statelessSeen) this.provisional.settle(now, this.settleAnswer);
    if (now < this.due.nextAt) return;
    this.flushUpTo(now - QUEUE_LAG);
  }

  /** A provisional answer settles: a cookie if its listener was answering statelessly then (made once: advance runs per packet). */
  private readonly settleAnswer = (l: ListenerRecord, c: Conn, id: number, t: number): void => {
    if (this.modeAt(l, t)) this.onCookie?.(c, id);
  };

  /** An answer's kind showed (t: its SYN-ACK). */
  noteAnswer(l: ListenerRecord, t: number, stateless: boolean): void {
    l.lastAnswerStateless = stateless;
    if (stateless) this.statelessSeen = true;
    const ts = l.answerT, ks = l.answerStateless, n = l.answerLen;
    // Kinds show about in SYN-ACK order: the search for the place starts at the end.
    let i = n;
    while (i > l.answerHead && ts[i - 1]! > t) i--;
    if (n === ts.length) { ts.push(0); ks.push(0); }
    for (let j = n; j > i; j--) { ts[j] = ts[j - 1]!; ks[j] = ks[j - 1]!; }
    ts[i] = t; ks[i] = stateless ? 1 : 0;
    const len = l.answerLen = n + 1;
    // Forget what is too old to settle anything (a head index; the arrays are compacted now and then).
    const horizon = ts[len - 1]! - ANSWER_MEMORY;
    let h = l.answerHead;
    while (h < len && ts[h]! < horizon) h++;
    if (h > 4096 && h > len / 2) { moveToFront(ts, h, len); moveToFront(ks, h, len); l.answerLen = len - h; h = 0; }
    l.answerHead = h;
  }

  /** An ACK completed c's answer (t: its SYN-ACK) before its kind showed: settled later (advance). */
  noteProvisional(l: ListenerRecord, c: Conn, t: number): void {
    // Until some listener has answered statelessly, no answer can settle as a cookie: the entries that
    // came due are dropped here (t is no later than now), and settle() never runs. An ordinary capture
    // thus pays a push per handshake (settling each cost 1.5 % of the bench's 1× capture, 4.5 % of 0.1×,
    // mostly in V8's compiling of what expire() inlined).
    if (!this.statelessSeen) this.provisional.drop(t);
    this.provisional.push(l, c, t);
  }

  /** Was l answering statelessly at t (its latest answer at or before t whose kind showed)? */
  private modeAt(l: ListenerRecord, t: number): boolean {
    const ts = l.answerT;
    let lo = l.answerHead, hi = l.answerLen; // the first index with a time after t
    while (lo < hi) { const m = (lo + hi) >> 1; if (ts[m]! <= t) lo = m + 1; else hi = m; }
    return lo > l.answerHead && l.answerStateless[lo - 1] === 1;
  }

  /** A change already sent proved not to have happened (a request that was a cookie): taken back. */
  retract(l: ListenerRecord, delta: 1 | -1, t: number): void {
    l.live -= delta;
    if (l.pending.retract(t, delta)) return;
    this.lateChange(l, -delta, t, 0);
  }

  /** Changes up to `upTo` enter the series, listener by listener as their first change comes due. */
  private flushUpTo(upTo: number): void {
    const due = this.due, until = upTo + QUEUE_LAG;
    while (due.size > 0 && due.nextAt <= until) {
      const l = due.pop();
      if (l === null) continue; // rescheduled earlier since
      l.timerAt = Infinity;
      this.flush(l, upTo);
      if (l.pending.size > 0) due.push(l, Math.max(l.pending.minT, upTo + FLUSH_BATCH) + QUEUE_LAG);
      else l.dirty = false;
    }
  }

  private flush(l: ListenerRecord, upTo: number): void {
    const q = l.pending;
    while (q.hasDueBy(upTo)) {
      q.take();
      const t = q.takenT, delta = q.takenDelta, packet = q.takenPacket;
      // The depth the first drop met: the count before the first change after it.
      if (l.dropsFrom >= 0 && l.depthAtFirstDrop < 0 && t > l.dropsFrom) l.depthAtFirstDrop = l.halfOpen;
      l.halfOpen += delta;
      l.flushedT = t;
      this.seriesChange(l, t, packet);
    }
  }

  /** The count changed at t (in order): series point, peak, the backlog at the first drop, floods. */
  private seriesChange(l: ListenerRecord, t: number, packet: number): void {
    if (l.halfOpen > l.peak) { l.peak = l.halfOpen; l.peakTime = t; }
    this.addPoint(l, t, l.halfOpen);
    if (!l.flooding && l.halfOpen > this.synFloodThreshold) {
      l.flooding = true;
      this.raise(l, anomaly('syn-flood', packet, t, 'server',
        `${l.halfOpen} half-open connections on ${l.ip}:${l.port} (threshold ${this.synFloodThreshold})`,
        { halfOpen: l.halfOpen, threshold: this.synFloodThreshold, ip: l.ip, port: l.port }));
    } else if (l.flooding && l.halfOpen <= this.synFloodThreshold / 2) {
      l.flooding = false; // hysteresis: a new flood is reported only after the backlog drained
    }
  }

  /** A change that came after later ones entered the series: folded in where it belongs. */
  private lateChange(l: ListenerRecord, delta: number, t: number, packet: number): void {
    l.halfOpen += delta;
    const ts = l.seriesT, ns = l.seriesN;
    ts.length = ns.length = l.seriesLen; // rare: the arrays may be cut to the points in use here
    let i = ts.length;
    while (i > 0 && ts[i - 1]! >= t) { ns[i - 1]! += delta; i--; }
    const before = i > 0 ? ns[i - 1]! : 0;
    if (i === 0 || ts[i]! !== t) { ts.splice(i, 0, t); ns.splice(i, 0, before + delta); }
    l.seriesLen = ts.length;
    let peak = 0, at: number | null = null;
    for (let k = 0; k < ts.length; k++) if (ns[k]! > peak) { peak = ns[k]!; at = ts[k]!; }
    l.peak = peak; l.peakTime = at;
    void packet;
  }

  private raise(l: ListenerRecord, a: AnomalyOccurrence): void {
    l.anomalies.push(a);
    this.anomalies.push(a);
    this.onAnomaly?.(a);
  }

  /** l answered a SYN without keeping the request (t: its SYN-ACK). */
  noteStateless(l: ListenerRecord, t: number, packet: number): void {
    l.stateless++;
    this.noteAnswer(l, t, true);
    if (l.statelessFrom >= 0) return;
    l.statelessFrom = t;
    this.raise(l, anomaly('syn-cookies', packet, t, 'server',
      `${l.ip}:${l.port} answered SYNs without keeping them (SYN cookies) from here on`, { ip: l.ip, port: l.port }));
  }

  /** l left a SYN unanswered (t: the SYN) while it answered others. */
  noteDrop(l: ListenerRecord, t: number, packet: number, syns: number): void {
    l.dropped += syns;
    if (l.dropsFrom >= 0 && l.dropsFrom <= t) return;
    const first = l.dropsFrom < 0;
    l.dropsFrom = t;
    // Known once the series passes t (flush), or now if it already has.
    l.depthAtFirstDrop = t <= l.flushedT ? depthAt(l, t) : -1;
    if (first) {
      this.raise(l, anomaly('syn-queue-overflow', packet, t, 'server',
        `${l.ip}:${l.port} left SYNs unanswered while it answered others: its queue was full`, { ip: l.ip, port: l.port }));
    }
  }

  /** A request of l was dropped when its SYN-ACK back-off stopped, after `survived` s and `resends` re-sends. */
  noteExpired(l: ListenerRecord, survived: number, resends: number): void {
    l.expired++;
    l.survival.add(survived);
    if (resends > l.resendLimit) l.resendLimit = resends;
  }

  /** l ignored `n` more handshake ACKs (re-sent its SYN-ACK after them, repeatedly): counted as accept-queue overflows. */
  noteIgnoredAcks(l: ListenerRecord, n: number): void {
    l.acceptOverflows += n;
  }

  /** l re-sent a SYN-ACK `interval` s after its first (the initial retransmission timeout). */
  noteFirstResend(l: ListenerRecord, interval: number): void {
    if (l.initialTimeout < 0 || interval < l.initialTimeout) l.initialTimeout = interval;
  }

  /** Every change enters the series (end of input): the view of the whole capture. */
  finish(): void {
    this.flushUpTo(Infinity);
    for (const l of this.byKey.values()) if (l.dropsFrom >= 0 && l.depthAtFirstDrop < 0) l.depthAtFirstDrop = l.halfOpen;
  }

  private addPoint(l: ListenerRecord, t: number, count: number): void {
    const ts = l.seriesT, ns = l.seriesN, n = l.seriesLen;
    if (n > 0 && ts[n - 1] === t) { ns[n - 1] = count; return; }
    if (n < ts.length) { ts[n] = t; ns[n] = count; } else { ts.push(t); ns.push(count); }
    l.seriesLen = n + 1;
    if (n + 1 > this.maxSeriesPoints) thinSeries(l, this.maxSeriesPoints);
  }

  list(): Listener[] {
    const out: Listener[] = [];
    for (const l of this.byKey.values()) {
      const s = l.survival.stats();
      out.push({
        ip: l.ip, port: l.port, connections: l.connections, completed: l.completed, refused: l.refused,
        halfOpenNow: l.halfOpen, halfOpenPeak: l.peak, halfOpenPeakTime: l.peakTime,
        halfOpenSeries: seriesPairs(l), anomalies: l.anomalies.slice().sort(byTime),
        synQueue: {
          answered: l.answered,
          stateless: l.stateless, statelessFrom: l.statelessFrom >= 0 ? l.statelessFrom : null,
          dropped: l.dropped, dropsFrom: l.dropsFrom >= 0 ? l.dropsFrom : null,
          inferredBacklog: l.depthAtFirstDrop >= 0 ? l.depthAtFirstDrop : null,
          expired: l.expired,
          survival: s.samples > 0 ? { min: s.min!, median: s.median!, max: s.max! } : null,
          resendLimit: l.resendLimit >= 0 ? l.resendLimit : null,
          initialTimeout: l.initialTimeout >= 0 ? l.initialTimeout : null,
          acceptOverflows: l.acceptOverflows,
        },
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
  const ts = l.seriesT, ns = l.seriesN, n = l.seriesLen;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0 || i === n - 1 || (ns[i] === l.peak && ts[i] === l.peakTime)) {
      ts[kept] = ts[i]!; ns[kept] = ns[i]!; kept++;
    }
  }
  const drop = kept > max ? kept - max : 0;
  if (drop > 0) { ts.copyWithin(0, drop, kept); ns.copyWithin(0, drop, kept); }
  l.seriesLen = kept - drop;
}

/** Capture order (listener anomalies are raised when the wire shows them, not always in order). */
export function byTime(a: AnomalyOccurrence, b: AnomalyOccurrence): number {
  return a.t - b.t || a.packet - b.packet;
}

/** The series' count at time t (the latest point at or before it). */
function depthAt(l: ListenerRecord, t: number): number {
  const ts = l.seriesT;
  let i = l.seriesLen - 1;
  while (i >= 0 && ts[i]! > t) i--;
  return i >= 0 ? l.seriesN[i]! : 0;
}

function seriesPairs(l: ListenerRecord): Array<[t: number, count: number]> {
  const out = new Array<[number, number]>(l.seriesLen);
  for (let i = 0; i < out.length; i++) out[i] = [l.seriesT[i]!, l.seriesN[i]!];
  return out;
}

/**
 * Answers waiting to settle (ListenerTable.advance), in SYN-ACK order, as parallel arrays from a head
 * index: one per completed handshake, so an object each would be garbage that lives 1.5 s of capture
 * time, long enough to be promoted to V8's old generation. A settled entry lets go of its listener
 * and record at once, and the arrays are compacted now and then: a steady stream of handshakes (a
 * connect() scan) never drains them, and settled entries that kept what they named held 152,000
 * listeners at 5 s.
 */
class ProvisionalAnswers {
  private readonly ls: Array<ListenerRecord | null> = [];
  private readonly cs: Array<Conn | null> = [];
  private readonly ids: number[] = [];
  private readonly ts: number[] = doubles();
  /** Entries waiting: [head, len) (array-edit.ts: the arrays keep their stores when they drain). */
  private head = 0;
  private len = 0;

  push(l: ListenerRecord, c: Conn, t: number): void {
    const n = this.len;
    // The arrays grow together; a place past len is reused (array-edit.ts: no store given back).
    if (n === this.ts.length) { this.ls.push(l); this.cs.push(c); this.ids.push(c.id); this.ts.push(t); }
    else { this.ls[n] = l; this.cs[n] = c; this.ids[n] = c.id; this.ts[n] = t; }
    this.len = n + 1;
  }

  /** Is an entry ANSWERS_SETTLED_AFTER old at `now`? */
  anythingDue(now: number): boolean {
    return this.head !== this.len && this.ts[this.head]! + ANSWERS_SETTLED_AFTER <= now;
  }

  /** Hand each entry ANSWERS_SETTLED_AFTER old at `now` to `settled`, oldest first, and forget it. */
  settle(now: number, settled: (l: ListenerRecord, c: Conn, id: number, t: number) => void): void {
    const ts = this.ts;
    let h = this.head;
    if (!this.anythingDue(now)) return;
    // len read each time: what `settled` does must not lose an entry pushed meanwhile.
    while (h < this.len && ts[h]! + ANSWERS_SETTLED_AFTER <= now) {
      const l = this.ls[h]!, c = this.cs[h]!;
      this.ls[h] = null; this.cs[h] = null;
      settled(l, c, this.ids[h]!, ts[h]!);
      h++;
    }
    this.forgetTo(h);
  }

  /** Forget the entries ANSWERS_SETTLED_AFTER old at `now`, settling none (none can be a cookie). */
  drop(now: number): void {
    const ts = this.ts, n = this.len;
    let h = this.head;
    while (h < n && ts[h]! + ANSWERS_SETTLED_AFTER <= now) { this.ls[h] = null; this.cs[h] = null; h++; }
    this.forgetTo(h);
  }

  /** Entries before h are gone: the head moves there, and the arrays are compacted now and then. */
  private forgetTo(h: number): void {
    const ts = this.ts;
    const n = this.len;
    if (h === n) { this.len = 0; h = 0; }
    else if (h > 4096 && h > n / 2) {
      // The places the tail left keep no listener or record alive (moveRecordsToFront clears them).
      moveRecordsToFront(this.ls, h, n); moveRecordsToFront(this.cs, h, n); moveToFront(this.ids, h, n); moveToFront(ts, h, n);
      this.len = n - h; h = 0;
    }
    this.head = h;
  }
}
