/**
 * How far one shard of a sharded run may run ahead of the slowest (shards.ts): the merge holds what
 * the lead produced until the others catch up, so the lead waits past `LAG` frames. The shards share
 * one SharedArrayBuffer: a tick (Int32, bumped and notified on every report) and each shard's
 * progress (Float64: frames handled).
 */

/** Frames a shard may be ahead of the slowest (about 30 MB of capture at 230 bytes a frame). */
export const LAG = 1 << 17;
/** The same when connections are streamed (they wait in the merge): about 1,000 connections' worth. */
export const STREAM_LAG = 1 << 14;
/** Waits are sliced; a peer that reports nothing for this long is not waited for (it failed: its error ends the run). */
const SLICE_MS = 20;
const STALLED_MS = 2000;

export function gateBuffer(shards: number): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + 8 * shards);
}

export class ShardGate {
  private readonly tick: Int32Array;
  private readonly progress: Float64Array;

  constructor(buffer: SharedArrayBuffer, private readonly me: number, private readonly lag = LAG) {
    this.tick = new Int32Array(buffer, 0, 1);
    this.progress = new Float64Array(buffer, 8);
  }

  /** Seconds spent waiting for the others (what --debug shows). */
  waited = 0;

  /** This shard has handled every frame up to `through`: tell the others, then wait if too far ahead. */
  reached(through: number): void {
    this.progress[this.me] = through;
    Atomics.add(this.tick, 0, 1);
    Atomics.notify(this.tick, 0);
    if (through - this.slowest() <= this.lag) return;
    const t0 = performance.now();
    let slowest = -1;
    let since = t0;
    for (;;) {
      const seen = Atomics.load(this.tick, 0);
      const now = this.slowest();
      if (through - now <= this.lag) break;
      const t = performance.now();
      if (now !== slowest) { slowest = now; since = t; } else if (t - since > STALLED_MS) break;
      Atomics.wait(this.tick, 0, seen, SLICE_MS);
    }
    this.waited += (performance.now() - t0) / 1000;
  }

  private slowest(): number {
    let min = Infinity;
    for (let s = 0; s < this.progress.length; s++) if (s !== this.me && this.progress[s]! < min) min = this.progress[s]!;
    return min;
  }
}
