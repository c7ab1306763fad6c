/** `synack sniff` event lines: one per new connection, state transition, anomaly and finished connection. */
import type { FlowEvent } from '../flow/model.js';
import { severityColor, stateColor, type Paint } from './style.js';
import { endpoint, timeOfDay } from './text.js';

export function renderEvent(p: Paint, e: FlowEvent): string {
  switch (e.type) {
    case 'connection-start':
      return `${timeOfDay(e.t)}  #${e.connection}  ${p.bold('new')} ${endpoint(e.client)} → ${endpoint(e.server)}` +
        `${e.roleInferred ? p.dim(' (roles inferred)') : ''}  ${p.dim(`pkt ${e.packet}`)}`;
    case 'transition': {
      const t = e.transition;
      return `${timeOfDay(t.t)}  #${e.connection}  ${t.endpoint.padEnd(6)} ${stateColor(p, t.from)(t.from)} → ${stateColor(p, t.to)(t.to)}` +
        `  ${p.dim(`${t.cause}${t.inferred ? ', inferred' : ''}, pkt ${t.packet}`)}`;
    }
    case 'anomaly': {
      const a = e.anomaly;
      const who = e.connection === null ? '' : `#${e.connection}  `;
      return `${timeOfDay(a.t)}  ${who}${severityColor(p, a.severity)(`${a.severity} ${a.id}`)}: ${a.message}  ${p.dim(`pkt ${a.packet}`)}`;
    }
    case 'connection-end': {
      const c = e.connection;
      return `${timeOfDay(c.end)}  #${c.id}  ${p.bold('end')} ${endpoint(c.client)} → ${endpoint(c.server)}: handshake ${c.handshake.outcome}, close ${c.close.kind}, ` +
        `client ${stateColor(p, c.finalStates.client)(c.finalStates.client)} / server ${stateColor(p, c.finalStates.server)(c.finalStates.server)}` +
        `${c.anomalies.length ? `, ${c.anomalies.length} anomal${c.anomalies.length === 1 ? 'y' : 'ies'}` : ''}`;
    }
  }
}
