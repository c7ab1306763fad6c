/**
 * The memory ceiling. When V8's old generation is full Node dies with SIGABRT and a native stack
 * (exit 134, no result): a SYN flood of 1,000,000 half-open connections took 2.9 GB, so a 1 GB heap
 * could not hold it. Instead synack watches its own heap and, before it runs out, sheds state the way
 * Suricata's memcaps and Zeek's table limits do, counted and said aloud: the tracker finishes its
 * oldest idle connections early, those whose handshake never completed first (Tracker.evict: endReason
 * 'evicted', anomaly `evicted`). What the heap holds beyond connections is bounded elsewhere (listeners:
 * listener-fold.ts; anomalies per connection: MAX_LISTED_PER_ID); when even that fills it, the run
 * stops with one line (MemoryError, exit 2) instead of a crash.
 *
 * The ceiling is V8's limit for live data (node --max-old-space-size: its old generation), or
 * `--max-memory` below it. Every CHECK_EVERY segments the guard looks. Used heap counts garbage too, so
 * the live heap is measured (a full collection, ~0.3-1 s near 250 MB) only when the used heap passes
 * `lookAt`, or when an estimate says the live heap passed the trigger: the last measurement plus, for
 * each connection held since, what an evicted connection freed. Above the trigger (SHED_ABOVE of the
 * ceiling) connections are evicted down to about SHED_TO, measuring after each round. What shedding
 * cannot free (tables, interned texts) is tracked too: when it nears the trigger, the trigger rises
 * half-way to GIVE_UP, so a shedding frees a useful amount instead of a few thousand connections at a
 * time. Far from the ceiling, which is every ordinary run, a look reads the heap statistics (~1 µs).
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
/** Rounds of shedding in one look, if the first did not bring the live heap down far enough. */
const MAX_ROUNDS = 4;

/** What the guard can ask to let go (the tracker). */
export interface Shedder {
  /** Connections held now. */
  readonly held: number;
  /** Finish up to n connections early; returns how many went. */
  evict(n: number): number;
}

/** The ceiling a run kept under, and what it shed (AnalysisResult.memory, the summary's memoryPressure). */
export interface MemoryStatus {
  /** Bytes of V8 heap the run may use: --max-memory, or V8's limit for live data (its old generation). */
  ceiling: number;
  /** V8's limit for live data (node --max-old-space-size: the old generation), bytes. */
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

/** V8's default semi-space on 64-bit (V8 11, Node 20): 16 MiB. */
const DEFAULT_SEMI_SPACE_MB = 16;

/** --max-semi-space-size (MiB) as node was started with it (command line or NODE_OPTIONS), else the default. */
function semiSpaceMb(): number {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  let mb = DEFAULT_SEMI_SPACE_MB;
  for (const f of flags) {
    const m = /^--max[-_]semi[-_]space[-_]size=(\d+)$/.exec(f);
    if (m) mb = Number(m[1]);
  }
  return mb;
}

/**
 * What the old generation may hold, bytes: V8 dies when it is full. heap_size_limit counts the young
 * generation too (three semi-spaces: 48 MiB by default), so under --max-old-space-size=256 the limit
 * reads 304 MiB but live data ends at 256 MiB.
 */
export function oldGenerationLimit(): number {
  const limit = v8.getHeapStatistics().heap_size_limit;
  const young = 3 * semiSpaceMb() * 1048576;
  return limit > 2 * young ? limit - young : limit / 2;
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
  /** The last measurement: live heap and connections held then; bytes a held connection costs (0: none yet). */
  private anchorLive = 0;
  private anchorHeld = 0;
  private each = 0;
  /** What the heap holds that shedding cannot free, as of the last measurement; the live heap that sheds. */
  private fixed = 0;
  private trigger: number;
  private gc: (() => void) | null | undefined = undefined;

  /** `maxBytes`: --max-memory, or null for the heap limit. */
  constructor(maxBytes: number | null, private readonly shedder: Shedder) {
    const heapLimit = oldGenerationLimit();
    const ceiling = maxBytes === null ? heapLimit : Math.min(maxBytes, heapLimit);
    this.status = { ceiling, heapLimit, requested: maxBytes, episodes: 0, evicted: 0, peakLive: 0 };
    this.lookAt = ceiling * SHED_ABOVE;
    this.trigger = ceiling * SHED_ABOVE;
    this.baseline = heapUsed();
  }

  /**
   * A look at the heap (every CHECK_EVERY segments). The live heap is measured when the used heap
   * (garbage included) passes `lookAt`, or when the estimate says it passed the trigger: the last
   * measurement plus what the connections held since cost, each as much as an evicted one freed.
   */
  check(): void {
    const c = this.status.ceiling;
    const estimate = this.anchorLive + (this.shedder.held - this.anchorHeld) * this.each;
    if (!(this.each > 0 && estimate > this.trigger) && heapUsed() < this.lookAt) return;
    let live = this.measure();
    if (live > this.trigger) live = this.shed(live);
    if (live > c * GIVE_UP) {
      throw new MemoryError(`the memory ceiling of ${mb(c)} is reached (${mb(live)} in use after a full collection, ` +
        `${this.shedder.held} connections held) and shedding connections does not bring it down; ` +
        'raise it with --max-memory or node\'s --max-old-space-size');
    }
    this.lookAt = Math.max(c * MEASURE_ABOVE, live + (c - live) / 2);
  }

  /**
   * Evict connections from a live heap of `live` bytes above the trigger, measuring after each round,
   * down to about SHED_TO of the ceiling, or half-way back to the trigger when what cannot be shed is
   * above that. Returns the live heap measured last.
   */
  private shed(live: number): number {
    const c = this.status.ceiling;
    for (let round = 0; round < MAX_ROUNDS && live > this.trigger; round++) {
      const held = this.shedder.held;
      if (held === 0) break;
      // Before any eviction, what a connection costs is guessed as the heap's average per connection.
      const each = this.each > 0 ? this.each : Math.max(256, (live - this.baseline) / held);
      const target = Math.max(c * SHED_TO, (this.fixed + this.trigger) / 2);
      const gone = this.shedder.evict(Math.min(held, Math.ceil((live - target) / each)));
      if (gone === 0) break;
      if (round === 0) this.status.episodes++;
      this.status.evicted += gone;
      const before = live;
      live = this.measure();
      // What an evicted connection freed: the cost the estimate counts per connection held.
      if (live < before) this.each = Math.max(256, (before - live) / gone);
      this.setTrigger(live);
    }
    return live;
  }

  /**
   * Shed above SHED_ABOVE of the ceiling; when what cannot be shed (the heap less what the held
   * connections cost: interned texts, tables) has grown near that, above half-way from it to GIVE_UP,
   * so that each shedding frees a useful amount instead of a few thousand connections at a time.
   */
  private setTrigger(live: number): void {
    const c = this.status.ceiling;
    this.fixed = this.each > 0 ? Math.max(0, live - this.shedder.held * this.each) : 0;
    this.trigger = Math.max(c * SHED_ABOVE, this.fixed + (c * GIVE_UP - this.fixed) / 2);
  }

  /** The live heap (used heap after a full collection), which anchors the estimate. */
  private measure(): number {
    if (this.gc === undefined) this.gc = fullCollection();
    this.gc?.();
    const live = heapUsed();
    if (live > this.status.peakLive) this.status.peakLive = live;
    this.anchorLive = live;
    this.anchorHeld = this.shedder.held;
    this.setTrigger(live);
    return live;
  }
}

/** `push` with a look at the heap every CHECK_EVERY segments (the look: `guard.check`). */
export function guarded<T>(push: (x: T) => void, guard: MemoryGuard): (x: T) => void {
  // The first look is at the first segment: a warm-up (cli/warm-up.ts) on fewer than CHECK_EVERY
  // segments then runs it too, and the reader loop that inlines this is not compiled without it (it was
  // thrown away and compiled again at segment 4,096 of the real run).
  let budget = 1;
  return (x: T): void => {
    push(x);
    if (--budget === 0) {
      budget = CHECK_EVERY;
      guard.check();
    }
  };
}
