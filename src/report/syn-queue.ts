/**
 * The listeners' SYN queues in words (flow/listeners.ts: what the wire showed of each queue): how much it
 * held and when, what it answered and how, what it dropped, and how long its requests survived. One
 * line (or two) per listener that queued, dropped or answered statelessly; the text report prints them
 * under the listeners table, the detail view the one of its connection's listener.
 */
import type { Listener } from '../flow/model.js';
import type { Paint } from './style.js';
import { endpoint, num, timestamp } from './text.js';

const secs = (x: number): string => `${x.toFixed(3)} s`;

/** Does the listener's queue have anything to say beyond its counts? */
export function queueWorthSaying(l: Listener): boolean {
  const q = l.synQueue;
  return l.halfOpenPeak > 0 || q.dropped > 0 || q.stateless > 0 || q.expired > 0 || q.acceptOverflows > 0;
}

/** The facts of one listener's SYN queue, as sentences. */
export function describeSynQueue(p: Paint, l: Listener): string[] {
  const q = l.synQueue;
  const out: string[] = [];
  const held = l.halfOpenPeak > 0
    ? `held at most ${p.yellow(num(l.halfOpenPeak))} request${l.halfOpenPeak === 1 ? '' : 's'} (at ${timestamp(l.halfOpenPeakTime!).slice(11)}), ${num(l.halfOpenNow)} at the end`
    : 'held no request';
  out.push(`${held}; answered ${num(q.answered)} SYN${q.answered === 1 ? '' : 's'}${q.stateless > 0 ? `, ${p.yellow(num(q.stateless))} of them statelessly (SYN cookies, from ${timestamp(q.statelessFrom!).slice(11)})` : ''}`);
  if (q.dropped > 0) {
    // A full accept queue drops SYNs whatever the SYN queue holds; otherwise the depth is the limit.
    const limit = q.acceptOverflows > 0 ? '; its accept queue was full (it ignored handshake ACKs too)'
      : q.inferredBacklog !== null ? `; the queue held ${q.inferredBacklog} when drops began (Linux: listen backlog + 1)` : '';
    out.push(`${p.red(`dropped ${num(q.dropped)} SYN${q.dropped === 1 ? '' : 's'}`)} while answering others, from ${timestamp(q.dropsFrom!).slice(11)}${limit}`);
  }
  if (q.expired > 0 && q.survival !== null) {
    const s = q.survival;
    const range = s.min === s.max ? secs(s.min) : `${secs(s.min)}–${secs(s.max)} (median ${secs(s.median)})`;
    out.push(`${num(q.expired)} request${q.expired === 1 ? '' : 's'} expired after ${q.resendLimit ?? '?'} SYN-ACK re-send${q.resendLimit === 1 ? '' : 's'} ` +
      `(tcp_synack_retries=${q.resendLimit ?? '?'}): survived ${range} in the queue`);
  }
  if (q.initialTimeout !== null) out.push(`first SYN-ACK re-sent after ${secs(q.initialTimeout)} (its initial retransmission timeout)`);
  if (q.acceptOverflows > 0) out.push(p.red(`ignored ${num(q.acceptOverflows)} handshake ACK${q.acceptOverflows === 1 ? '' : 's'} (accept queue full, or lost on the way)`));
  return out;
}

/** The "SYN queues" section: listeners whose queue has something to say, busiest first; '' when none. */
export function renderSynQueues(p: Paint, listeners: readonly Listener[], limit = 10): string {
  const shown = listeners.filter(queueWorthSaying)
    .sort((a, b) => b.halfOpenPeak - a.halfOpenPeak || b.synQueue.dropped - a.synQueue.dropped || b.connections - a.connections);
  if (shown.length === 0) return '';
  const lines = [p.bold('SYN queues')];
  for (const l of shown.slice(0, limit)) {
    const [first, ...rest] = describeSynQueue(p, l);
    lines.push(`  ${endpoint(l)}: ${first}`);
    for (const r of rest) lines.push(`    ${r}`);
  }
  if (shown.length > limit) lines.push(p.dim(`  … ${shown.length - limit} more listener(s) with a queue (--json has them all)`));
  return lines.join('\n');
}
