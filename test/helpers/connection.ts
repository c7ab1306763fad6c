/** Hand-built Connection records for renderer and policy tests: a test states only what differs. */
import type { AnomalyId, AnomalyOccurrence, Connection, Severity, Transition } from '../../src/flow/model.js';

export const T0 = 1_700_000_000;

export function anomalyAt(id: AnomalyId, severity: Severity, packet: number, t = T0, message = `${id} here`): AnomalyOccurrence {
  return { id, severity, packet, t, endpoint: 'client', message };
}

/** A clean, complete connection: 3-way handshake at packets 1–3, four-way close ending at packet 10. */
export function completeConnection(over: Partial<Connection> = {}): Connection {
  const tl: Transition[] = [
    { t: T0, packet: 1, endpoint: 'client', from: 'CLOSED', to: 'SYN_SENT', cause: 'sent SYN' },
    { t: T0, packet: 1, endpoint: 'server', from: 'LISTEN', to: 'SYN_RECEIVED', cause: 'received SYN' },
    { t: T0 + 0.001, packet: 2, endpoint: 'client', from: 'SYN_SENT', to: 'ESTABLISHED', cause: 'received SYN-ACK' },
    { t: T0 + 0.002, packet: 3, endpoint: 'server', from: 'SYN_RECEIVED', to: 'ESTABLISHED', cause: 'received ACK' },
  ];
  return {
    id: 1,
    client: { ip: '10.0.0.1', port: 40000 },
    server: { ip: '10.0.0.2', port: 80 },
    ipVersion: 4,
    roleInferred: false,
    start: T0, end: T0 + 0.5,
    firstPacket: 1, lastPacket: 10,
    packets: { client: 5, server: 5 },
    bytes: { client: 100, server: 1000 },
    handshake: {
      outcome: 'complete',
      rtt: { synToSynAck: 0.001, synAckToAck: 0.001, total: 0.002 },
      synRetransmissions: 0, synAckRetransmissions: 0,
      synTime: T0, synAckTime: T0 + 0.001, ackTime: T0 + 0.002,
      client: { isn: 1000, mss: 1460, wscale: 7, sackPermitted: true, timestamps: true, fastOpen: null },
      server: { isn: 5000, mss: 1460, wscale: 7, sackPermitted: true, timestamps: true, fastOpen: null },
      negotiated: { windowScaling: true, clientWscale: 7, serverWscale: 7, sackPermitted: true, timestamps: true, effectiveMss: 1460 },
      synAckAckValid: true, finalAckValid: true,
    },
    close: { kind: 'four-way', initiator: 'client', finRetransmissions: 0, finTimes: { client: T0 + 0.4, server: T0 + 0.45 }, resetBy: null },
    initialStates: { client: 'CLOSED', server: 'CLOSED' },
    finalStates: { client: 'TIME_WAIT', server: 'CLOSED' },
    timeline: tl,
    anomalies: [],
    zeek: { connState: 'SF', history: 'ShADadFf' },
    endReason: 'closed',
    ...over,
  };
}

export function refusedConnection(id: number, over: Partial<Connection> = {}): Connection {
  const base = completeConnection();
  return completeConnection({
    id,
    client: { ip: '10.0.0.1', port: 40000 + id },
    server: { ip: '10.0.0.2', port: 81 },
    firstPacket: 20 + id, lastPacket: 21 + id,
    handshake: { ...base.handshake, outcome: 'refused', rtt: { synToSynAck: null, synAckToAck: null, total: null }, ackTime: null, synAckTime: null },
    close: { kind: 'reset', initiator: 'server', finRetransmissions: 0, finTimes: { client: null, server: null }, resetBy: 'server' },
    finalStates: { client: 'CLOSED', server: 'CLOSED' },
    anomalies: [anomalyAt('handshake-refused', 'error', 21 + id, T0 + 0.1, 'RST answered the SYN')],
    zeek: { connState: 'REJ', history: 'Sr' },
    ...over,
  });
}
