/**
 * The time-sequence graph of one direction of a connection, as tcptrace/xplot and Wireshark's
 * Stevens graph draw it: each segment the sender sent as a vertical bar from its first to its last
 * sequence number (relative), segments sent again in red, the receiver's ACK line (green) and its
 * advertised window's right edge (ACK + scaled window, yellow), SACK blocks (purple), SYN/FIN/RST
 * marked, segments lost after the capture point hollow. Drag across to zoom in on a time range, double-click to zoom out; hover for a header.
 */
import type { Connection } from '../../../flow/model.js';
import type { ReportPackets } from '../data.js';
import { axisBottom, axisLeft } from './chart.js';
import { clear, h, px, s } from './dom.js';
import { seqTick, tickTime } from './format.js';
import { anomaliesByPacket, FLAG, lostSegments, packetTip, relSeq, RESENT, scaledWindow, sequenceBases } from './packet.js';
import { linearScale } from './scale.js';
import { bindTips } from './tooltip.js';

export type Direction = 'c2s' | 's2c';

interface Extent { t0: number; t1: number }

/**
 * The sequence-space extent drawn for a direction within a time range: its data and the peer's ACKs,
 * and the window's right edge only when it is near them (a 64 KB window over 3 KB of data would
 * flatten the data to a line; the edge is then clipped at the top, as a zoom would).
 */
function yExtent(c: Connection, p: ReportPackets, dir: Direction, base: number | null, x: Extent): [number, number] {
  let lo = Infinity, hi = -Infinity, win = -Infinity;
  for (let i = 0; i < p.embedded; i++) {
    const t = p.t[i]!;
    if (t < x.t0 || t > x.t1) continue;
    const sender = (p.fromClient[i] === 1) === (dir === 'c2s');
    if (sender) {
      const a = relSeq(p.seq[i]!, base);
      lo = Math.min(lo, a); hi = Math.max(hi, a + Math.max(p.len[i]!, 1));
    } else if (p.flags[i]! & FLAG.ACK) {
      const a = relSeq(p.ack[i]!, base);
      lo = Math.min(lo, a); hi = Math.max(hi, a);
      win = Math.max(win, a + scaledWindow(c, p, i));
    }
  }
  if (lo === Infinity) return [0, 1];
  if (win > hi && win - lo <= 2 * Math.max(hi - lo, 1)) hi = win;
  return [lo, Math.max(hi, lo + 1)];
}

function draw(c: Connection, p: ReportPackets, dir: Direction, x: Extent, width: number, height: number, onZoom: (e: Extent | null) => void): SVGElement {
  const bases = sequenceBases(c, p);
  const base = dir === 'c2s' ? bases.client : bases.server;
  const marks = anomaliesByPacket(c);
  const lost = lostSegments(c);
  const m = { top: 14, right: 20, bottom: 40, left: 70 };
  const [y0, y1] = yExtent(c, p, dir, base, x);
  const X = linearScale([x.t0, x.t1 > x.t0 ? x.t1 : x.t0 + 1e-6], [m.left, width - m.right]);
  const Y = linearScale([y0, y1 + (y1 - y0) * 0.04], [height - m.bottom, m.top]);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart tsg', id: 'tsg', 'data-dir': dir, role: 'img' });
  svg.appendChild(s('defs', null, s('clipPath', { id: 'tsg-clip' }, s('rect', { x: m.left, y: m.top, width: width - m.left - m.right, height: height - m.top - m.bottom }))));
  svg.appendChild(axisLeft(Y, m.left, (v) => (Number.isInteger(v) ? seqTick(v) : ''), 6, 'relative sequence number', width - m.right));
  svg.appendChild(axisBottom(X, height - m.bottom, tickTime, 8, 'time since the connection\'s first packet'));
  const plot = s('g', { 'clip-path': 'url(#tsg-clip)' });
  let ackD = '', winD = '';
  let data = 0, resent = 0;
  for (let i = 0; i < p.embedded; i++) {
    const t = p.t[i]!;
    if (t < x.t0 || t > x.t1) continue;
    const f = p.flags[i]!;
    const sender = (p.fromClient[i] === 1) === (dir === 'c2s');
    const xi = px(X(t));
    if (sender) {
      const len = p.len[i]!;
      const occupies = len + (f & FLAG.SYN ? 1 : 0) + (f & FLAG.FIN ? 1 : 0);
      const a = relSeq(p.seq[i]!, base);
      const again = (marks.get(p.packet[i]!) ?? []).some((o) => RESENT.has(o.id));
      if (occupies === 0 && !(f & FLAG.RST)) continue; // pure ACKs of this direction carry no data
      const ya = px(Y(a)), yb = px(Y(a + Math.max(occupies, 0)));
      const cls = `tsg-seg${again ? ' resent' : ''}${lost.has(p.packet[i]!) ? ' lost' : ''}${f & FLAG.SYN ? ' syn' : ''}${f & FLAG.FIN ? ' fin' : ''}${f & FLAG.RST ? ' rst' : ''}`;
      const g = s('g', { class: cls, 'data-i': i, 'data-packet': p.packet[i]! });
      g.appendChild(s('line', { x1: xi, x2: xi, y1: ya, y2: yb }));
      g.appendChild(s('line', { x1: px(xi - 3), x2: px(xi + 3), y1: ya, y2: ya }));
      g.appendChild(s('line', { x1: px(xi - 3), x2: px(xi + 3), y1: yb, y2: yb }));
      g.appendChild(s('rect', { x: px(xi - 4), y: Math.min(ya, yb) - 3, width: 8, height: Math.abs(yb - ya) + 6, class: 'hit' }));
      const tag = f & FLAG.SYN ? 'S' : f & FLAG.FIN ? 'F' : f & FLAG.RST ? 'R' : '';
      if (tag) g.appendChild(s('text', { x: px(xi + 5), y: px(yb - 2), class: 'tsg-tag' }, tag));
      plot.appendChild(g);
      data++;
      if (again) resent++;
    } else if (f & FLAG.ACK) {
      const a = relSeq(p.ack[i]!, base);
      const ya = px(Y(a));
      const yw = px(Y(a + scaledWindow(c, p, i)));
      ackD += ackD ? `H${xi}V${ya}` : `M${xi},${ya}`;
      winD += winD ? `H${xi}V${yw}` : `M${xi},${yw}`;
      const sack = p.sack[i]!;
      for (let k = 0; k + 1 < sack.length; k += 2) {
        plot.appendChild(s('line', { x1: xi, x2: xi, y1: px(Y(relSeq(sack[k]!, base))), y2: px(Y(relSeq(sack[k + 1]!, base))), class: 'tsg-sack' }));
      }
      plot.appendChild(s('circle', { cx: xi, cy: ya, r: 2, class: `tsg-ack${lost.has(p.packet[i]!) ? ' lost' : ''}`, 'data-i': i, 'data-packet': p.packet[i]! }));
    }
  }
  if (ackD) { plot.insertBefore(s('path', { d: winD, class: 'tsg-win' }), plot.firstChild); plot.insertBefore(s('path', { d: ackD, class: 'tsg-ackline' }), plot.firstChild); }
  svg.appendChild(plot);
  svg.setAttribute('data-segments', String(data));
  svg.setAttribute('data-resent', String(resent));
  // Drag to zoom on time.
  const brush = s('rect', { class: 'brush', x: 0, y: m.top, width: 0, height: height - m.top - m.bottom });
  brush.setAttribute('visibility', 'hidden');
  svg.appendChild(brush);
  let startX: number | null = null;
  const toSvgX = (ev: MouseEvent) => {
    const r = svg.getBoundingClientRect();
    return ((ev.clientX - r.left) / r.width) * width;
  };
  svg.addEventListener('mousedown', (ev) => { startX = toSvgX(ev); brush.setAttribute('visibility', 'visible'); brush.setAttribute('x', String(startX)); brush.setAttribute('width', '0'); ev.preventDefault(); });
  svg.addEventListener('mousemove', (ev) => {
    if (startX === null) return;
    const x2 = toSvgX(ev);
    brush.setAttribute('x', String(Math.min(startX, x2)));
    brush.setAttribute('width', String(Math.abs(x2 - startX)));
  });
  svg.addEventListener('mouseup', (ev) => {
    if (startX === null) return;
    const x2 = toSvgX(ev);
    const a = Math.min(startX, x2), b = Math.max(startX, x2);
    startX = null;
    brush.setAttribute('visibility', 'hidden');
    if (b - a > 6) onZoom({ t0: X.invert(Math.max(a, m.left)), t1: X.invert(Math.min(b, width - m.right)) });
  });
  svg.addEventListener('dblclick', () => onZoom(null));
  bindTips(svg, (el) => {
    const g = el.closest('[data-i]');
    if (!g || startX !== null) return null;
    return packetTip(c, p, Number(g.getAttribute('data-i')), bases, marks, lost);
  });
  return svg;
}

/** The graph with its direction switch; the direction that carried more bytes first. */
export function timeSequenceGraph(c: Connection, p: ReportPackets, width = 1000, height = 380): HTMLElement {
  let dir: Direction = c.bytes.server > c.bytes.client ? 's2c' : 'c2s';
  let full: Extent = { t0: 0, t1: 0 };
  for (let i = 0; i < p.embedded; i++) full.t1 = Math.max(full.t1, p.t[i]!);
  full = { t0: 0, t1: full.t1 > 0 ? full.t1 * 1.02 : 1e-3 };
  let zoom: Extent | null = null;
  const box = h('div', { class: 'chart-box' });
  const buttons = new Map<Direction, HTMLButtonElement>();
  const render = () => {
    clear(box);
    box.appendChild(draw(c, p, dir, zoom ?? full, width, height, (e) => { zoom = e; render(); }));
    for (const [d, b] of buttons) b.classList.toggle('on', d === dir);
  };
  const pick = (d: Direction, label: string) => {
    const b = h('button', { type: 'button', 'data-dir': d }, label);
    b.addEventListener('click', () => { dir = d; zoom = null; render(); });
    buttons.set(d, b);
    return b;
  };
  const controls = h('div', { class: 'tsg-controls' },
    pick('c2s', 'client → server data'), pick('s2c', 'server → client data'),
    h('span', { class: 'legend-inline' },
      h('span', { class: 'swatch tsg-seg-sw' }), 'segment ', h('span', { class: 'swatch tsg-resent-sw' }), 'sent again ',
      h('span', { class: 'swatch tsg-ack-sw' }), 'ACK ', h('span', { class: 'swatch tsg-win-sw' }), 'window edge ', h('span', { class: 'swatch tsg-sack-sw' }), 'SACK'),
    h('span', { class: 'dim small' }, ' drag to zoom, double-click to reset'));
  render();
  return h('div', { class: 'tsg-wrap' }, controls, box);
}
