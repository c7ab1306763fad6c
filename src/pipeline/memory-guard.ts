/**
 * The memory ceiling. When V8's heap is full Node dies with SIGABRT and a native stack (exit 134, no
 * result): a SYN flood of 1,000,000 half-open connections took 2.9 GB, so a 1 GB heap could not hold
 * it. Instead synack watches its own heap and, before it runs out, sheds state the way Suricata's
 * memcaps and Zeek's table limits do, counted and said aloud: the tracker finishes its oldest idle
 * connections early, half-open ones first (Tracker.evict: endReason 'evicted', anomaly `evicted`).
 * What the heap holds beyond connections is bounded elsewhere (listeners: listener-fold.ts; anomalies
 * per connection: MAX_LISTED_PER_ID); when even that fills the heap, the run stops with one line
 * (MemoryError, exit 2) instead of a crash.
 *
 * The ceiling is V8's heap limit (node --max-old-space-size), or `--max-memory` below it. Every
 * CHECK_EVERY segments the guard looks: it estimates the live heap from the connections held and what
 * one cost when last measured, and sheds when that passes SHED_ABOVE of the ceiling, down to about
 * SHED_TO. It measures (a full collection, then the used heap: used heap alone counts garbage too)
 * only when the used heap passes `lookAt`: the first time near the ceiling, and whenever the estimate
 * has fallen behind. A 1,000,000-SYN flood under a 256 MB heap is shed 19 times with one full
 * collection of ours (measuring at each shedding took 36 of them: 115 s against 92 s in one pair of
 * runs). Thresholds by paired runs of that flood: 0.6/0.25 took 55-75 s, 0.75/0.4 121-124 s (V8
 * collects ever more often near its limit), 0.5/0.2 70-89 s. Far from the ceiling, which is every
 * ordinary run, a look reads the heap statistics (~1 µs) and compares.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { MemoryError } from '../util/errors.js';

/** Segments between two looks at the heap: 4,096 connections of a SYN flood grow it ~12 MB. */
export const CHECK_EVERY = 4096;

/** Fractions of the ceiling: shed when the live heap is above SHED_ABOVE, down to about SHED_TO. */
const SHED_ABOVE = 0.6;
const SHED_TO = 0.25;
/** Used heap (garbage included) above which the live heap is measured again, at least. */
const MEASURE_ABOVE = 0.8;
/** Live heap above this, with no connection left to shed: stop (MemoryError). */
const GIVE_UP = 0.9;
/** Fewest connections held for a measurement to say what one costs. */
const CALIBRATE_MIN = 1000;

/** What the guard can ask to let go (the tracker). */
export interface Shedder {
  /** Connections held now. */
  readonly held: number;
  /** Finish up to n connections early; returns how many went. */
  evict(n: number): number;
}

/** The ceiling a run kept under, and what it shed (AnalysisResult.memory, the summary's memoryPressure). */
export interface MemoryStatus {
  /** Bytes of V8 heap the run may use: --max-memory, or V8's heap limit. */
  ceiling: number;
  /** V8's heap limit (node --max-old-space-size), bytes. */
  heapLimit: number;
  /** --max-memory in bytes, null when not given (above heapLimit, the heap limit is the ceiling). */
  requested: number | null;
  /** Times connections were shed, and how many. */
  episodes: number;
  evicted: number;
  /** Largest live heap measured (after a full collection), bytes; 0 when never measured. */
  peakLive: number;
}

function heapUsed(): number {
  return v8.getHeapStatistics().used_heap_size;
}

/**
 * A full collection on demand. Node exposes `gc` only with --expose-gc; setting the flag now makes
 * V8 define it in contexts created afterwards. null when that fails: the guard then reads used heap
 * as live, which sheds earlier than needed but still before the crash.
 */
function fullCollection(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    const f: unknown = vm.runInNewContext('gc');
    return typeof f === 'function' ? (f as () => void) : null;
  } catch {
    return null;
  }
}

export function mb(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MB`;
}

export class MemoryGuard {
  readonly status: MemoryStatus;
  /** Used heap above which the next look measures the live heap (a full collection). */
  private lookAt: number;
  /** What the heap holds with no connection (code, tables): not the connections' to shed. */
  private readonly baseline: number;
  /** Bytes a held connection costs, from the last measurement (0: not measured yet). */
  private each = 0;
  private gc: (() => void) | null | undefined = undefined;

  /** `maxBytes`: --max-memory, or null for the heap limit. */
  constructor(maxBytes: number | null, private readonly shedder: Shedder) {
    const heapLimit = v8.getHeapStatistics().heap_size_limit;
    const ceiling = maxBytes === null ? heapLimit : Math.min(maxBytes, heapLimit);
    this.status = { ceiling, heapLimit, requested: maxBytes, episodes: 0, evicted: 0, peakLive: 0 };
    this.lookAt = ceiling * SHED_ABOVE;
    this.baseline = heapUsed();
  }

  /**
   * A look at the heap (every CHECK_EVERY segments). Between measurements the live heap is estimated
   * from the connections held and what one cost at the last measurement, so a flood is shed without a
   * full collection each time; a measurement comes when the used heap passes `lookAt` anyway.
   */
  check(): void {
    const c = this.status.ceiling;
    const estimate = this.baseline + this.shedder.held * this.each;
    if (this.each > 0 && estimate > c * SHED_ABOVE) this.shed(estimate);
    if (heapUsed() < this.lookAt) return;
    let live = this.live();
    const held = this.shedder.held;
    if (held >= CALIBRATE_MIN) this.each = Math.max(256, (live - this.baseline) / held);
    if (live > c * SHED_ABOVE && held > 0) {
      this.shed(live);
      live = this.live();
    }
    if (live > c * GIVE_UP) {
      throw new MemoryError(`the memory ceiling of ${mb(c)} is reached (${mb(live)} in use after a full collection, ` +
        `${this.shedder.held} connections held) and shedding connections does not bring it down; ` +
        'raise it with --max-memory or node\'s --max-old-space-size');
    }
    this.lookAt = Math.max(c * MEASURE_ABOVE, live + (c - live) / 2);
  }

  /** Evict connections to bring a live heap of `live` bytes down to about SHED_TO of the ceiling. */
  private shed(live: number): void {
    const held = this.shedder.held;
    const each = this.each > 0 ? this.each : Math.max(256, (live - this.baseline) / held);
    const want = Math.min(held, Math.ceil((live - this.status.ceiling * SHED_TO) / each));
    const gone = want > 0 ? this.shedder.evict(want) : 0;
    if (gone === 0) return;
    this.status.episodes++;
    this.status.evicted += gone;
  }

  /** The live heap: used heap after a full collection. */
  private live(): number {
    if (this.gc === undefined) this.gc = fullCollection();
    this.gc?.();
    const live = heapUsed();
    if (live > this.status.peakLive) this.status.peakLive = live;
    return live;
  }
}

/** `push` with a look at the heap every CHECK_EVERY segments (the look: `guard.check`). */
export function guarded<T>(push: (x: T) => void, guard: MemoryGuard): (x: T) => void {
  let budget = CHECK_EVERY;
  return (x: T): void => {
    push(x);
    if (--budget === 0) {
      budget = CHECK_EVERY;
      guard.check();
    }
  };
}
