/**
 * How many give-ups may wait for a late copy at once (handshake.ts `stopped`). A held connection keeps
 * its record (compacted: embryo.ts) until a copy from the slowest sender is no longer plausible, 3.75 s
 * after a lone SYN instead of the 1.25 s the Linux schedule alone allows. Under a flood of spoofed SYNs,
 * none ever re-sent (100,000 a second), holding every one would keep 250,000 more records: 200 MB of a
 * 1,000,000-SYN flood's 450 MB peak. Past the bound a give-up is decided when the Linux schedule has
 * it, as it was before holds, so a flood costs what it did plus the bound's records.
 */

/** Give-ups held at once by default: about 3 MB of compacted records at most. */
export const DEFAULT_MAX_HELD_GIVE_UPS = 4096;

export class HoldBudget {
  /** End times of the holds granted, in the order granted (a ring). */
  private readonly ends: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly max: number) {
    this.ends = new Float64Array(Math.max(1, max));
  }

  /**
   * A hold until `until`, granted when fewer than `max` are held at `now`. A hold counts until its end
   * even if a copy ended it earlier, and ends are let go in the order granted (nearly their order of
   * time): both can only refuse a hold early, never keep more than `max`.
   */
  grant(now: number, until: number): boolean {
    const ends = this.ends, cap = ends.length;
    while (this.size > 0 && ends[this.head]! <= now) { this.head = (this.head + 1) % cap; this.size--; }
    if (this.size >= this.max) return false;
    ends[(this.head + this.size) % cap] = until;
    this.size++;
    return true;
  }
}
