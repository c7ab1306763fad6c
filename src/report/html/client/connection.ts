/**
 * One connection: its facts (handshake, options, close), both state timelines as swimlanes, the
 * anomalies, the ladder diagram and the time-sequence graph. Connections outside the report's
 * detail set show their table row and how to get the rest.
 */
import type { Connection, OfferedOptions } from '../../../flow/model.js';
import type { ReportData } from '../data.js';
import { clear, h, link, section, type Child } from './dom.js';
import { bytes, duration, endpoint, num, plural, rel, timestamp } from './format.js';
import { ladder } from './ladder.js';
import { swimlanes } from './swimlane.js';
import { rowAnomalies } from './table.js';
import { timeSequenceGraph } from './tsg.js';

function kv(rows: Array<[string, Child]>, id?: string): HTMLTableElement {
  return h('table', { class: 'kv', ...(id ? { id } : {}) }, ...rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v))));
}

function optionsTable(c: OfferedOptions, s: OfferedOptions): HTMLTableElement {
  const v = (x: number | null) => (x === null ? '–' : String(x));
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  const tfo = (x: string | null) => (x === null ? '–' : x === '' ? 'cookie request' : `cookie ${x}`);
  const rows: Array<[string, string, string]> = [
    ['ISN', v(c.isn), v(s.isn)], ['MSS', v(c.mss), v(s.mss)], ['window scale', v(c.wscale), v(s.wscale)],
    ['SACK permitted', yn(c.sackPermitted), yn(s.sackPermitted)], ['timestamps', yn(c.timestamps), yn(s.timestamps)],
    ['TCP Fast Open', tfo(c.fastOpen), tfo(s.fastOpen)],
  ];
  return h('table', { class: 'grid-table compact' },
    h('thead', null, h('tr', null, h('th', null, 'option'), h('th', null, 'client offered'), h('th', null, 'server offered'))),
    h('tbody', null, ...rows.map(([a, b, cc]) => h('tr', null, h('th', null, a), h('td', { class: 'mono' }, b), h('td', { class: 'mono' }, cc)))));
}

function facts(c: Connection): HTMLElement {
  const hs = c.handshake;
  const n = hs.negotiated;
  const cl = c.close;
  return h('div', { class: 'two-col' },
    kv([
      ['time', `${timestamp(c.start)}, lasted ${duration(c.end - c.start)}`],
      ['packets', `#${num(c.firstPacket)} – #${num(c.lastPacket)}; client sent ${plural(c.packets.client, 'packet')} / ${bytes(c.bytes.client)}, server ${plural(c.packets.server, 'packet')} / ${bytes(c.bytes.server)}`],
      ['handshake', h('span', { class: `oc oc-${hs.outcome}` }, hs.outcome)],
      ['RTT', `SYN → SYN-ACK ${duration(hs.rtt.synToSynAck)}, SYN-ACK → ACK ${duration(hs.rtt.synAckToAck)}, total ${duration(hs.rtt.total)}`],
      ['retransmitted', `${plural(hs.synRetransmissions, 'SYN')}, ${plural(hs.synAckRetransmissions, 'SYN-ACK')}, ${plural(cl.finRetransmissions, 'FIN')}`],
      ['close', `${cl.kind}${cl.initiator ? `, started by the ${cl.initiator}` : ''}${cl.resetBy ? `, reset by the ${cl.resetBy}` : ''}`],
      ['final states', `client ${c.finalStates.client}, server ${c.finalStates.server}`],
      ['Zeek', `conn_state ${c.zeek.connState}, history ${c.zeek.history || '–'}`],
      ['reported because', c.endReason],
    ], 'conn-facts'),
    h('div', null, optionsTable(hs.client, hs.server),
      h('p', { class: 'small' }, `negotiated: window scaling ${n.windowScaling ? `yes (client ${n.clientWscale}, server ${n.serverWscale})` : 'no'}, SACK ${n.sackPermitted ? 'yes' : 'no'}, timestamps ${n.timestamps ? 'yes' : 'no'}, effective MSS ${n.effectiveMss ?? '–'}`),
      hs.synAckAckValid === false ? h('p', { class: 'bad' }, 'The SYN-ACK does not acknowledge the client ISN + 1.') : null,
      hs.finalAckValid === false ? h('p', { class: 'bad' }, 'The final ACK does not acknowledge the server ISN + 1.') : null));
}

function anomalyList(c: Connection): HTMLElement {
  if (c.anomalies.length === 0 && !c.anomaliesOmitted) return h('p', { class: 'ok', id: 'conn-anomalies' }, 'No anomaly.');
  // A long list (a lossy transfer) scrolls in its own box.
  const list = h('ul', { class: `events${c.anomalies.length > 12 ? ' long' : ''}`, id: 'conn-anomalies' });
  for (const a of c.anomalies) {
    list.appendChild(h('li', { 'data-anomaly': a.id, 'data-packet': a.packet },
      h('span', { class: `sev sev-${a.severity}` }, a.severity), ' ', link(`anomaly/${a.id}`, { class: 'mono' }, a.id), ' ',
      link(`conn/${c.id}/${a.packet}`, { class: 'mono' }, `#${a.packet}`), ` ${rel(a.t - c.start)} ${a.endpoint ?? 'both'}: ${a.message}`));
  }
  for (const [id, n] of Object.entries(c.anomaliesOmitted ?? {})) {
    list.appendChild(h('li', { class: 'dim' }, `… and ${num(n)} more `, link(`anomaly/${id}`, { class: 'mono' }, id), ' (counted, not listed)'));
  }
  return list;
}

/** The swimlanes with their axis switch. */
function lanes(c: Connection): HTMLElement {
  let mode: 'events' | 'time' = 'events';
  const box = h('div', { class: 'chart-box' });
  const buttons: HTMLButtonElement[] = [];
  const render = () => {
    clear(box);
    box.appendChild(swimlanes(c, mode, 1000));
    for (const b of buttons) b.classList.toggle('on', b.getAttribute('data-mode') === mode);
  };
  for (const [m, label] of [['events', 'transitions evenly spaced'], ['time', 'linear time']] as const) {
    const b = h('button', { type: 'button', 'data-mode': m }, label);
    b.addEventListener('click', () => { mode = m; render(); });
    buttons.push(b);
  }
  render();
  return h('div', null, h('div', { class: 'tsg-controls' }, ...buttons,
    h('span', { class: 'dim small' }, ' hatched: entered by an inferred transition; hover a state for its cause')), box);
}

function detailed(d: ReportData, c: Connection): Child[] {
  const p = d.packets[String(c.id)];
  const out: Child[] = [
    facts(c),
    h('h3', null, 'State timelines'), lanes(c),
    h('h3', null, 'Anomalies'), anomalyList(c),
  ];
  if (p) {
    const cut = p.found > p.embedded ? h('p', { class: 'note' }, `The first ${num(p.embedded)} of ${plural(p.found, 'segment')} are drawn (--packets ${num(d.bounds.packetsPerConnection)}).`) : null;
    out.push(h('h3', null, 'Ladder'), h('p', { class: 'dim small' }, 'Relative sequence numbers; time since the connection\'s first packet; hover a segment for its header.'), cut,
      h('div', { class: 'scroll-box' }, ladder(c, p)),
      h('h3', null, 'Time-sequence graph'), cut, timeSequenceGraph(c, p));
  } else {
    out.push(h('p', { class: 'note', id: 'no-packets' }, d.packetsNote ?? 'The segments of this connection were not read.'));
  }
  return out;
}

/** A connection the report has only as a table row. */
function rowOnly(d: ReportData, id: number): Child[] {
  const r = d.rows;
  const k = r.id.indexOf(id);
  if (k < 0) return [h('p', { class: 'note' }, `Connection #${id} is not in this report.`)];
  const e = d.enums;
  const ep = (ip: number, port: number) => endpoint({ ip: r.ips[ip]!, port });
  return [
    kv([
      ['client', ep(r.cip[k]!, r.cport[k]!)], ['server', ep(r.sip[k]!, r.sport[k]!)],
      ['handshake', e.outcomes[r.outcome[k]!]!], ['close', e.closes[r.close[k]!]!],
      ['final states', `client ${e.states[r.clientState[k]!]}, server ${e.states[r.serverState[k]!]}`],
      ['RTT', duration(r.rtt[k])], ['start', rel(r.start[k]!)], ['duration', duration(r.duration[k]!)],
      ['anomalies', rowAnomalies(d, r.anomalies[k]!).map((a) => `${a.id}${a.count > 1 ? ` ×${a.count}` : ''}`).join(', ') || '–'],
    ]),
    h('p', { class: 'note', id: 'not-detailed' }, `Connection #${id} is not among the ${num(d.details.length)} shown in detail here (the most troubled, --details ${num(d.bounds.details)}). `,
      `For its timelines and ladder: synack report <files> --conn ${id} -o …, or synack analyze <files> --conn ${id}.`),
  ];
}

export class ConnectionView {
  readonly el: HTMLElement;
  private readonly body: HTMLDivElement;
  private readonly picker: HTMLSelectElement;
  private readonly byId: Map<number, Connection>;
  current: number | null = null;

  constructor(private readonly d: ReportData) {
    this.byId = new Map(d.details.map((c) => [c.id, c]));
    this.picker = h('select', { id: 'conn-picker', 'aria-label': 'connection shown in detail' },
      ...d.details.map((c) => h('option', { value: c.id }, `#${c.id} ${endpoint(c.client)} → ${endpoint(c.server)} ${c.handshake.outcome}${c.anomalies.length ? ` (${[...new Set(c.anomalies.map((a) => a.id))].join(', ')})` : ''}`)));
    this.picker.addEventListener('change', () => { location.hash = `conn/${this.picker.value}`; });
    this.body = h('div', { id: 'conn-detail' });
    this.el = section('connection', 'Connection',
      h('p', { class: 'dim' }, `${plural(d.details.length, 'connection')} in detail (the most troubled first); pick one here or click a row of the table.`),
      d.details.length ? this.picker : null, this.body);
  }

  show(id: number | null): void {
    const target = id ?? this.d.details[0]?.id ?? null;
    this.current = target;
    clear(this.body);
    if (target === null) { this.body.appendChild(h('p', { class: 'dim' }, 'No connection.')); return; }
    const c = this.byId.get(target);
    if (c) this.picker.value = String(c.id);
    const title = c ? `#${c.id} ${endpoint(c.client)} → ${endpoint(c.server)} (IPv${c.ipVersion}${c.roleInferred ? ', roles inferred from ports' : ''})` : `#${target}`;
    this.body.appendChild(h('h3', { class: 'conn-title', 'data-conn': target }, title));
    const parts = c ? detailed(this.d, c) : rowOnly(this.d, target);
    for (const p of parts) if (p) this.body.appendChild(typeof p === 'object' ? p : document.createTextNode(String(p)));
  }
}
