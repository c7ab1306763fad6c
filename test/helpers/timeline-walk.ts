/**
 * Walks a connection's two timelines against the state table: each endpoint starts in its initial
 * state, every entry leaves the state the previous one entered, and every from → to pair is an arc
 * of the table (RFC 9293's diagram, or its reset and timeout text). Returns the problems found.
 */
import type { Connection, TcpState } from '../../src/flow/model.js';
import { arcsBetween } from '../../src/flow/state-table.js';

export function timelineProblems(c: Connection): string[] {
  const problems: string[] = [];
  for (const who of ['client', 'server'] as const) {
    let state: TcpState = c.initialStates[who];
    let last = -Infinity;
    for (const tr of c.timeline.filter((x) => x.endpoint === who)) {
      if (tr.from !== state) problems.push(`#${c.id} ${who}: ${tr.from} → ${tr.to} at #${tr.packet} does not start from ${state}`);
      if (arcsBetween(tr.from, tr.to).length === 0) problems.push(`#${c.id} ${who}: ${tr.from} → ${tr.to} at #${tr.packet} is no arc of the state table`);
      if (tr.packet < last) problems.push(`#${c.id} ${who}: ${tr.from} → ${tr.to} at #${tr.packet} placed before the previous entry (#${last})`);
      last = tr.packet;
      state = tr.to;
    }
    if (state !== c.finalStates[who]) problems.push(`#${c.id} ${who}: timeline ends in ${state}, final state says ${c.finalStates[who]}`);
  }
  return problems;
}

/** The states one endpoint went through, initial state first. */
export function statePath(c: Connection, who: 'client' | 'server'): TcpState[] {
  return [c.initialStates[who], ...c.timeline.filter((x) => x.endpoint === who).map((x) => x.to)];
}
