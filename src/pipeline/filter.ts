/** Selecting connections for `analyze --conn/--host/--port/--anomaly/--state` (all given criteria must hold). */
import type { AnomalyId, Connection, TcpState } from '../flow/model.js';

export interface ConnectionFilter {
  ids?: number[];
  /** An address either side (as printed: dotted IPv4, compressed lowercase IPv6). */
  hosts?: string[];
  ports?: number[];
  anomalies?: AnomalyId[];
  /** Matches a connection where either endpoint ENDED in this state. */
  states?: TcpState[];
}

export function isEmptyFilter(f: ConnectionFilter): boolean {
  return !f.ids?.length && !f.hosts?.length && !f.ports?.length && !f.anomalies?.length && !f.states?.length;
}

export function matchesFilter(c: Connection, f: ConnectionFilter): boolean {
  if (f.ids?.length && !f.ids.includes(c.id)) return false;
  if (f.hosts?.length && !f.hosts.some((h) => h === c.client.ip || h === c.server.ip)) return false;
  if (f.ports?.length && !f.ports.some((p) => p === c.client.port || p === c.server.port)) return false;
  if (f.anomalies?.length && !c.anomalies.some((a) => f.anomalies!.includes(a.id))) return false;
  if (f.states?.length && !f.states.some((s) => s === c.finalStates.client || s === c.finalStates.server)) return false;
  return true;
}
