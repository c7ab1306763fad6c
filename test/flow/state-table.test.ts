/**
 * The state table, arc by arc: every arc is RFC 9293's (drawn in Figure 5, or written in its reset and
 * timeout text), the lookup the tracker runs returns exactly the table, and the arcs the old
 * "correction" transitions drew (backward arcs no diagram has) are gone.
 */
import type { TcpState } from '../../src/flow/model.js';
import { ACTION, ARCS, EVENT_CAUSE, EVENT_CAUSES, EVENTS, eventCode, FIGURE_5, inFigure5, stateCode, STATES, transition, transitionOf } from '../../src/flow/state-table.js';

const changing = ARCS.filter((a) => a.from !== a.to);

describe('the state table', () => {
  test.each(changing.map((a) => [a.from, a.event, a.to] as const))('%s + %s → %s', (from, event, to) => {
    expect(transition(from, event)?.to).toBe(to);
  });

  const armed = new Set(changing.map((a) => `${a.from}|${a.event}`));
  const unchanged: Array<[TcpState, (typeof EVENTS)[number]]> = [];
  for (const s of STATES) for (const e of EVENTS) if (!armed.has(`${s}|${e}`)) unchanged.push([s, e]);
  test.each(unchanged)('%s + %s → no transition', (from, event) => {
    expect(transition(from, event)).toBeNull();
  });

  test('the tracker\'s lookup by codes (stateCode, eventCode) gives what transition() gives, for every state and event', () => {
    for (const s of STATES) {
      for (const e of EVENTS) expect(transitionOf(stateCode(s), eventCode(e))).toBe(transition(s, e));
    }
    EVENTS.forEach((e, i) => { expect(eventCode(e)).toBe(i); expect(EVENT_CAUSES[i]).toBe(EVENT_CAUSE[e]); });
  });

  test('each arc\'s entry action has its own code, and an arc without one has ACTION.NONE', () => {
    const codes = new Map<string, number>();
    for (const a of changing) {
      const r = transition(a.from, a.event)!;
      if (a.action === undefined) { expect(r.action).toBe(ACTION.NONE); continue; }
      expect(r.action).not.toBe(ACTION.NONE);
      expect(codes.get(a.action) ?? r.action).toBe(r.action);
      codes.set(a.action, r.action);
    }
    expect(new Set(codes.values()).size).toBe(codes.size);
    expect(codes.size).toBe(6);
  });

  test('every arc is drawn in Figure 5 or comes from the RFC\'s reset or timeout text', () => {
    for (const a of changing) {
      if (inFigure5(a.from, a.to)) continue;
      // Not drawn: it must be a reset, a timeout or the FIN of a half-synchronized connection, each
      // with the section of the event-processing text that has it.
      expect([a.event, a.rfc]).toEqual([expect.stringMatching(/RST|give up|FIN/), expect.stringMatching(/§3\.10\.(5|7|8)|§3\.8\.3/)]);
    }
  });

  test('the backward "corrections" of earlier versions are no arcs', () => {
    const pairs = changing.map((a) => `${a.from}→${a.to}`);
    for (const bad of ['CLOSED→LAST_ACK', 'ESTABLISHED→SYN_RECEIVED', 'FIN_WAIT_2→FIN_WAIT_1', 'TIME_WAIT→CLOSING', 'CLOSED→ESTABLISHED', 'LISTEN→CLOSED']) {
      expect(pairs).not.toContain(bad);
    }
  });

  test('Figure 5 as written: 20 arcs over the eleven states', () => {
    expect(FIGURE_5).toHaveLength(20);
    const used = new Set(FIGURE_5.flat());
    expect([...used].sort()).toEqual([...STATES].sort());
  });

  test('every arc names its RFC section, its evidence and what it means', () => {
    for (const a of ARCS) {
      expect(a.rfc).toMatch(/RFC \d+/);
      expect(a.note.length).toBeGreaterThan(10);
    }
  });

  test('no allocation: the same result object comes back for the same arc', () => {
    expect(transition('ESTABLISHED', 'send FIN')).toBe(transition('ESTABLISHED', 'send FIN'));
  });
});
