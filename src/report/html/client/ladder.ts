/**
 * The ladder (sequence) diagram of one connection in SVG: client rail on the left, server rail on
 * the right, one arrow per segment in packet order with its number, time, flags, relative seq/ack,
 * window, length and SYN options; the state each side enters written beside its rail (inferred ones
 * in italics), segments sent again dashed, resets red, and each anomaly as a badge on the segment it
 * names, linked to the catalogue. Hovering an arrow shows the segment's decoded header.
 */
import type { Connection, Transition } from '../../../flow/model.js';
import type { ReportPackets } from '../data.js';
import { px, s, svgTitle } from './dom.js';
import { endpoint, rel } from './format.js';
import { anomaliesByPacket, FLAG, flagNames, lostSegments, packetTip, relSeq, RESENT, sequenceBases } from './packet.js';
import { bindTips } from './tooltip.js';

const ROW = 24;

/** SYN options in short, as the terminal ladder has them: "mss 1460,sack,TS,ws 7". */
function shortOptions(text: string): string {
  if (!text) return '';
  return text.replace(/^\[|\]$/g, '').split(',')
    .filter((o) => o !== 'nop' && o !== 'eol')
    .map((o) => (o.startsWith('TS ') ? 'TS' : o === 'sackOK' ? 'sack' : o.startsWith('wscale ') ? `ws ${o.slice(7)}` : o.startsWith('sack ') ? 'SACK' : o))
    .join(',');
}

function inferred(tr: Transition): boolean {
  return tr.inferred === true || /\(inferred\)\s*$/.test(tr.cause);
}

interface Row { packet: number; order: number; kind: 'seg' | 'state'; i: number; tr?: Transition }

export function ladder(c: Connection, p: ReportPackets): SVGElement {
  const bases = sequenceBases(c, p);
  const marks = anomaliesByPacket(c);
  const lost = lostSegments(c);
  const seen = new Set(p.packet);
  // Transitions on a segment we have go beside its arrow; the others (inferred, timers, segments
  // past the embedded ones) get a row of their own, in packet order.
  const onPacket = new Map<number, Transition[]>();
  const rows: Row[] = [];
  for (let i = 0; i < p.embedded; i++) rows.push({ packet: p.packet[i]!, order: 0, kind: 'seg', i });
  for (const tr of c.timeline) {
    if (seen.has(tr.packet) && !inferred(tr)) {
      const l = onPacket.get(tr.packet);
      if (l) l.push(tr); else onPacket.set(tr.packet, [tr]);
    } else {
      const lastEmbedded = p.embedded > 0 ? p.packet[p.embedded - 1]! : 0;
      if (p.embedded < p.found && tr.packet > lastEmbedded) continue;
      rows.push({ packet: tr.packet, order: tr.to === 'LISTEN' ? -1 : 1, kind: 'state', i: -1, tr });
    }
  }
  rows.sort((a, b) => a.packet - b.packet || a.order - b.order);

  const xTime = 4, xPkt = 92, xCState = 150, xLeft = 268, xRight = 668, xSState = 680, xNotes = 800;
  const H = 40 + rows.length * ROW + 10;
  // The width follows the notes on the right (anomaly badges, the server's causes): set at the end.
  let right = 1000;
  const svg = s('svg', { height: H, class: 'chart ladder', id: 'ladder', role: 'img' });
  svg.appendChild(s('defs', null,
    s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0L10,5L0,10z', class: 'arrow-head' }))));
  svg.appendChild(s('text', { x: xLeft, y: 16, 'text-anchor': 'middle', class: 'rail-title' }, `client ${endpoint(c.client)}`));
  svg.appendChild(s('text', { x: xRight, y: 16, 'text-anchor': 'middle', class: 'rail-title' }, `server ${endpoint(c.server)}`));
  svg.appendChild(s('line', { x1: xLeft, x2: xLeft, y1: 24, y2: H - 4, class: 'rail' }));
  svg.appendChild(s('line', { x1: xRight, x2: xRight, y1: 24, y2: H - 4, class: 'rail' }));
  const t0 = c.start;
  rows.forEach((r, k) => {
    const y = 40 + k * ROW;
    if (r.kind === 'state') {
      const tr = r.tr!;
      const g = s('g', { class: 'ladder-state', 'data-packet': tr.packet, 'data-endpoint': tr.endpoint, 'data-state': tr.to }, svgTitle(`${tr.from} → ${tr.to}: ${tr.cause}`));
      g.appendChild(s('text', { x: xTime, y: y + 4, class: 'mono dim' }, rel(tr.t - t0)));
      const x = tr.endpoint === 'client' ? xCState : xSState;
      g.appendChild(s('text', { x, y: y + 4, class: `state-text st-text-${tr.to}${inferred(tr) ? ' inferred' : ''}` }, tr.to));
      // The cause beside the state: between the rails for the client, right of the state for the server.
      const cause = `(${tr.cause.replace(/\s*\(inferred\)\s*$/, '')}${inferred(tr) ? ', inferred' : ''})`;
      const cx = tr.endpoint === 'client' ? xLeft + 10 : xNotes;
      g.appendChild(s('text', { x: cx, y: y + 4, class: 'cause dim' }, cause));
      right = Math.max(right, cx + cause.length * 6.2);
      svg.appendChild(g);
      return;
    }
    const i = r.i;
    const fromClient = p.fromClient[i] === 1;
    const f = p.flags[i]!;
    const ms = marks.get(p.packet[i]!) ?? [];
    const resent = ms.some((a) => RESENT.has(a.id));
    let label = `${flagNames(f)} seq ${relSeq(p.seq[i]!, fromClient ? bases.client : bases.server)}`;
    if (f & FLAG.ACK) label += ` ack ${relSeq(p.ack[i]!, fromClient ? bases.server : bases.client)}`;
    label += ` win ${p.window[i]}`;
    if (p.len[i]! > 0) label += ` len ${p.len[i]}`;
    const opts = f & FLAG.SYN ? shortOptions(p.options[i]!) : p.options[i]!.includes('sack ') ? 'SACK' : '';
    if (opts) label += ` [${opts}]`;
    const isLost = lost.has(p.packet[i]!);
    const g = s('g', {
      class: `seg${resent ? ' resent' : ''}${f & FLAG.RST ? ' rst' : ''}${isLost ? ' lost' : ''}`, 'data-i': i, 'data-packet': p.packet[i]!, id: `pkt-${p.packet[i]}`,
      'data-dir': fromClient ? 'c2s' : 's2c',
    });
    const hit = s('rect', { x: 0, y: y - ROW / 2 + 2, height: ROW - 2, class: 'hit' });
    g.appendChild(hit);
    g.appendChild(s('text', { x: xTime, y: y + 4, class: 'mono dim' }, rel(p.t[i]!)));
    g.appendChild(s('text', { x: xPkt, y: y + 4, class: 'mono pkt' }, `#${p.packet[i]}`));
    const [x1, x2] = fromClient ? [xLeft, xRight] : [xRight, xLeft];
    if (isLost) {
      // Lost after the capture point: the arrow stops short of the receiver, with a cross.
      const xe = x1 + (x2 - x1) * 0.82;
      g.appendChild(s('line', { x1, x2: px(xe), y1: y - 3, y2: y + 3, class: 'arrow' }));
      g.appendChild(s('text', { x: px(xe), y: y + 7, 'text-anchor': 'middle', class: 'lost-mark' }, svgTitle('lost after the capture point'), '✕'));
    } else {
      g.appendChild(s('line', { x1, x2, y1: y - 3, y2: y + 5, class: 'arrow', 'marker-end': 'url(#arrow)' }));
    }
    g.appendChild(s('text', { x: px((xLeft + xRight) / 2), y: y - 4, 'text-anchor': 'middle', class: 'seg-label mono' }, label));
    for (const tr of onPacket.get(p.packet[i]!) ?? []) {
      const x = tr.endpoint === 'client' ? xCState : xSState;
      // When one packet moves an endpoint twice (FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT), both show.
      const same = (onPacket.get(p.packet[i]!) ?? []).filter((o) => o.endpoint === tr.endpoint);
      const text = same.length > 1 && same[same.length - 1] === tr ? same.map((o) => o.to).join(' → ') : same.length > 1 ? null : tr.to;
      if (text === null) continue;
      g.appendChild(s('text', { x, y: y + 4, class: `state-text st-text-${tr.to}`, 'data-endpoint': tr.endpoint, 'data-state': tr.to }, svgTitle(`${tr.from} → ${tr.to}: ${tr.cause}`), text));
    }
    let nx = xNotes;
    if (isLost) {
      g.appendChild(s('text', { x: nx, y: y + 4, class: 'lost-note' }, 'lost after the capture point'));
      nx += 200;
    }
    for (const a of ms) {
      const badge = s('a', { href: `#anomaly/${a.id}`, class: `badge-link sev-${a.severity}`, 'data-anomaly': a.id });
      badge.appendChild(s('text', { x: nx, y: y + 4, class: `anomaly-badge sev-fill-${a.severity}` }, `✗ ${a.id}`));
      g.appendChild(badge);
      nx += 22 + (a.id.length + 2) * 7.2;
    }
    right = Math.max(right, nx);
    svg.appendChild(g);
  });
  const W = Math.ceil(right + 10);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', String(W));
  for (const hit of svg.querySelectorAll('rect.hit')) hit.setAttribute('width', String(W));
  bindTips(svg, (el) => {
    const g = el.closest('g.seg');
    if (!g) return null;
    return packetTip(c, p, Number(g.getAttribute('data-i')), bases, marks, lost);
  });
  return svg;
}
