/**
 * Which arc of the state table a timeline transition took. A transition records its states and its
 * cause, not its event: the cause is the event's own text (EVENT_CAUSE) or the tracker's more
 * specific one, which starts with it, except for a TIME_WAIT ended by a new SYN. A test resolves
 * every transition of every fixture, so a cause the tracker changes cannot slip by unexplained.
 */
import type { Transition } from '../flow/model.js';
import { arcsBetween, EVENT_CAUSE, type Arc } from '../flow/state-table.js';

export function arcOf(t: Pick<Transition, 'from' | 'to' | 'cause'>): Arc | null {
  const candidates = arcsBetween(t.from, t.to);
  if (candidates.length <= 1) return candidates[0] ?? null;
  const byCause = candidates.filter((a) => t.cause.startsWith(EVENT_CAUSE[a.event]));
  if (byCause.length === 1) return byCause[0]!;
  // "received the SYN of a new connection on the 4-tuple" / "sent the SYN of a new connection ...".
  if (/new connection/.test(t.cause)) return candidates.find((a) => a.event === 'new SYN on the 4-tuple') ?? null;
  return null;
}
