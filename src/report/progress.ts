/**
 * A one-line progress bar on stderr for reads that take more than a moment: bytes read / total,
 * connections, packets/s. Only on a TTY, never with --quiet; it clears itself when done.
 */
import type { Progress } from '../pipeline/inputs.js';
import { safeText } from './safe-text.js';
import type { Paint } from './style.js';
import { num, plural } from './text.js';

/** Shown only once a read has taken this long (ms): short reads stay silent. */
const SHOW_AFTER_MS = 400;
const REPAINT_MS = 100;

export class ProgressBar {
  private readonly start = Date.now();
  private lastPaint = 0;
  private shown = false;

  constructor(private readonly write: (s: string) => void, private readonly p: Paint, private readonly width = 100) {}

  update(pr: Progress, connections: number): void {
    const now = Date.now();
    if (now - this.start < SHOW_AFTER_MS || now - this.lastPaint < REPAINT_MS) return;
    this.lastPaint = now;
    this.shown = true;
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? Math.round(pr.frames / secs) : 0;
    const frac = pr.bytesTotal > 0 ? Math.min(1, pr.bytesRead / pr.bytesTotal) : 0;
    const barW = 24;
    const filled = Math.round(frac * barW);
    const bar = pr.bytesTotal > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(barW - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%` : '[stdin]';
    const mb = (b: number) => (b / 1e6).toFixed(1);
    const which = pr.inputCount > 1 ? ` (${pr.inputIndex + 1}/${pr.inputCount})` : '';
    let rest = ` ${safeText(pr.input)}${which} ${bar} ${mb(pr.bytesRead)}/${mb(pr.bytesTotal)} MB, ` +
      `${plural(connections, 'connection')}, ${num(rate)} packets/s`;
    // Never wrap: a wrapped line cannot be redrawn in place.
    if (rest.length > this.width - 8) rest = rest.slice(0, Math.max(0, this.width - 8));
    this.write(`\r\u001b[2K${this.p.cyan('reading')}${rest}`);
  }

  done(): void {
    if (this.shown) this.write('\r\u001b[2K');
    this.shown = false;
  }
}
