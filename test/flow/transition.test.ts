/**
 * The transition function, arm by arm: `STATE + event → NEW_STATE`, and every other (state, event)
 * pair leaves the state alone. The expected arms are written out from RFC 9293 §3.3.2 (Figure 5)
 * and §3.10, plus the observer arms documented in transition.ts.
 */
import type { TcpState } from '../../src/flow/model.js';
import { transition, type TcpEvent } from '../../src/flow/transition.js';

const STATES: TcpState[] = ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2',
  'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT'];
const EVENTS: TcpEvent[] = ['listening (inferred)', 'picked up mid-stream', 'sent SYN', 'received SYN', 'sent SYN-ACK',
  'received SYN-ACK', 'sent ACK of SYN', 'received ACK of SYN', 'sent FIN', 'received FIN', 'received ACK of FIN',
  'sent RST', 'received RST', '2×MSL elapsed', 'sent SYN-ACK again', 'sent FIN again'];

const ARMS: Array<[TcpState, TcpEvent, TcpState]> = [
  ['CLOSED', 'sent SYN', 'SYN_SENT'],
  ['CLOSED', 'listening (inferred)', 'LISTEN'],
  ['CLOSED', 'picked up mid-stream', 'ESTABLISHED'],
  ['LISTEN', 'sent SYN-ACK', 'SYN_RECEIVED'],
  ['LISTEN', 'sent RST', 'CLOSED'],
  ['LISTEN', 'sent SYN', 'SYN_SENT'],
  ['SYN_SENT', 'received SYN-ACK', 'ESTABLISHED'],
  ['SYN_SENT', 'received SYN', 'SYN_RECEIVED'],
  ['SYN_SENT', 'sent ACK of SYN', 'ESTABLISHED'],
  ['SYN_SENT', 'sent FIN', 'FIN_WAIT_1'],
  ['SYN_SENT', 'sent RST', 'CLOSED'],
  ['SYN_SENT', 'received RST', 'CLOSED'],
  ['SYN_RECEIVED', 'received ACK of SYN', 'ESTABLISHED'],
  ['SYN_RECEIVED', 'received SYN-ACK', 'ESTABLISHED'],
  ['SYN_RECEIVED', 'sent ACK of SYN', 'ESTABLISHED'],
  ['SYN_RECEIVED', 'sent FIN', 'FIN_WAIT_1'],
  ['SYN_RECEIVED', 'received FIN', 'CLOSE_WAIT'],
  ['SYN_RECEIVED', 'sent RST', 'CLOSED'],
  ['SYN_RECEIVED', 'received RST', 'CLOSED'],
  ['ESTABLISHED', 'sent FIN', 'FIN_WAIT_1'],
  ['ESTABLISHED', 'received FIN', 'CLOSE_WAIT'],
  ['ESTABLISHED', 'sent RST', 'CLOSED'],
  ['ESTABLISHED', 'received RST', 'CLOSED'],
  ['FIN_WAIT_1', 'received ACK of FIN', 'FIN_WAIT_2'],
  ['FIN_WAIT_1', 'received FIN', 'CLOSING'],
  ['FIN_WAIT_1', 'sent RST', 'CLOSED'],
  ['FIN_WAIT_1', 'received RST', 'CLOSED'],
  ['FIN_WAIT_2', 'received FIN', 'TIME_WAIT'],
  ['FIN_WAIT_2', 'sent RST', 'CLOSED'],
  ['FIN_WAIT_2', 'received RST', 'CLOSED'],
  ['CLOSE_WAIT', 'sent FIN', 'LAST_ACK'],
  ['CLOSE_WAIT', 'sent RST', 'CLOSED'],
  ['CLOSE_WAIT', 'received RST', 'CLOSED'],
  ['CLOSING', 'received ACK of FIN', 'TIME_WAIT'],
  ['CLOSING', 'sent RST', 'CLOSED'],
  ['CLOSING', 'received RST', 'CLOSED'],
  ['LAST_ACK', 'received ACK of FIN', 'CLOSED'],
  ['LAST_ACK', 'sent RST', 'CLOSED'],
  ['LAST_ACK', 'received RST', 'CLOSED'],
  ['TIME_WAIT', '2×MSL elapsed', 'CLOSED'],
  ['TIME_WAIT', 'received RST', 'CLOSED'],
  ['TIME_WAIT', 'received SYN', 'CLOSED'],
  ['TIME_WAIT', 'sent SYN', 'CLOSED'],
  // Corrections: a SYN-ACK or FIN re-sent after its ACK passed the capture point proves the ACK had
  // not arrived; the endpoint goes back to the state that waits for it.
  ['ESTABLISHED', 'sent SYN-ACK again', 'SYN_RECEIVED'],
  ['FIN_WAIT_2', 'sent FIN again', 'FIN_WAIT_1'],
  ['TIME_WAIT', 'sent FIN again', 'CLOSING'],
  ['CLOSED', 'sent FIN again', 'LAST_ACK'],
];

describe('transition(state, event)', () => {
  test.each(ARMS)('%s + %s → %s', (from, event, to) => {
    expect(transition(from, event)?.to).toBe(to);
  });

  const armed = new Set(ARMS.map(([s, e]) => `${s}|${e}`));
  const unchanged: Array<[TcpState, TcpEvent]> = [];
  for (const s of STATES) for (const e of EVENTS) if (!armed.has(`${s}|${e}`)) unchanged.push([s, e]);

  test.each(unchanged)('%s + %s → no change', (from, event) => {
    expect(transition(from, event)).toBeNull();
  });

  test('no allocation: the same result object comes back for the same target state', () => {
    expect(transition('ESTABLISHED', 'sent FIN')).toBe(transition('SYN_RECEIVED', 'sent FIN'));
  });
});
