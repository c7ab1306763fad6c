/**
 * A connection's two state timelines as swimlanes on one time axis: one lane per endpoint, one bar
 * per state it was in (RFC 9293 names, coloured by state), boundaries at the transitions. A state
 * entered by an inferred transition is hatched and its boundary dashed.
 *
 * Two axes: "events" gives every transition instant its own slot (a state held for 0 s, such as
 * FIN_WAIT_2 when the peer's FIN rides on the ACK of ours, stays visible; the two lanes' transitions
 * at one instant share a slot), "time" is linear in time. The lanes share either axis.
 */
import type { Connection, EndpointRole, TcpState, Transition } from '../../../flow/model.js';
import { px, s, svgTitle } from './dom.js';
import { endpoint, rel, tickTime } from './format.js';
import { axisBottom } from './chart.js';
import { linearScale } from './scale.js';

export interface LaneSegment {
  state: TcpState;
  /** Relative times (seconds since the connection's start). */
  from: number;
  to: number;
  /** The transition that entered this state (null for the initial state). */
  entered: Transition | null;
  /** Positions on the event axis (slot boundaries). */
  slotFrom: number;
  slotTo: number;
}

const ENDPOINTS: EndpointRole[] = ['client', 'server'];

/** The state an endpoint's timeline starts from (CLOSED, or ESTABLISHED for a mid-stream pickup). */
function initialState(c: Connection, e: EndpointRole, first: Transition | undefined): TcpState {
  return c.initialStates?.[e] ?? first?.from ?? c.finalStates[e];
}

/** Lane segments of both endpoints, with event-axis slots shared between them. */
export function laneSegments(c: Connection): { lanes: Record<EndpointRole, LaneSegment[]>; slots: number[] } {
  const t0 = c.start;
  const span = Math.max(c.end, ...c.timeline.map((x) => x.t)) - t0;
  // Slot boundaries: per distinct instant, as many as the endpoint with most transitions then needs.
  const times: number[] = [];
  const slotOf = new Map<Transition, number>();
  const perInstant = new Map<number, Record<EndpointRole, number>>();
  const ordered = c.timeline.map((tr, i) => ({ tr, i })).sort((a, b) => a.tr.t - b.tr.t || a.i - b.i);
  let slot = 0;
  let lastT = NaN;
  let used = 0;
  for (const { tr } of ordered) {
    if (tr.t !== lastT) { slot += used; used = 0; lastT = tr.t; perInstant.set(tr.t, { client: 0, server: 0 }); }
    const counts = perInstant.get(tr.t)!;
    const k = counts[tr.endpoint]++;
    used = Math.max(used, k + 1);
    const b = slot + k + 1;
    slotOf.set(tr, b);
    times[b] = tr.t - t0;
  }
  const lastSlot = slot + used + 1;
  times[0] = 0;
  times[lastSlot] = span;
  for (let i = 1; i < lastSlot; i++) if (times[i] === undefined) times[i] = times[i - 1]!;
  const lanes = { client: [] as LaneSegment[], server: [] as LaneSegment[] };
  for (const e of ENDPOINTS) {
    const trs = ordered.map((o) => o.tr).filter((tr) => tr.endpoint === e);
    let state = initialState(c, e, trs[0]);
    let from = 0, slotFrom = 0;
    let entered: Transition | null = null;
    for (const tr of trs) {
      const b = slotOf.get(tr)!;
      lanes[e].push({ state, from, to: tr.t - t0, entered, slotFrom, slotTo: b });
      state = tr.to; from = tr.t - t0; slotFrom = b; entered = tr;
    }
    lanes[e].push({ state, from, to: span, entered, slotFrom, slotTo: lastSlot });
  }
  return { lanes, slots: times };
}

function isInferred(tr: Transition | null): boolean {
  return tr !== null && (tr.inferred === true || /\(inferred\)\s*$/.test(tr.cause));
}

export function swimlanes(c: Connection, mode: 'events' | 'time', width: number): SVGElement {
  const { lanes, slots } = laneSegments(c);
  const left = 150, right = 40, laneH = 34, top = 10, gap = 10;
  const W = width;
  const H = top + 2 * laneH + gap + 46;
  const nSlots = slots.length - 1;
  const span = slots[slots.length - 1]!;
  const time = linearScale([0, Math.max(span, 1e-6)], [left, W - right]);
  const ev = linearScale([0, Math.max(nSlots, 1)], [left, W - right]);
  const xOf = (seg: LaneSegment, end: boolean) => (mode === 'time' ? time(end ? seg.to : seg.from) : ev(end ? seg.slotTo : seg.slotFrom));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart swimlanes', id: 'swimlane', 'data-mode': mode, role: 'img' });
  const defs = s('defs', null, s('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
    s('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' })));
  svg.appendChild(defs);
  ENDPOINTS.forEach((e, li) => {
    const y = top + li * (laneH + gap);
    const g = s('g', { class: 'lane', 'data-lane': e });
    g.appendChild(s('text', { x: 4, y: y + 14, class: 'lane-title' }, e));
    g.appendChild(s('text', { x: 4, y: y + 28, class: 'lane-sub mono' }, endpoint(c[e])));
    for (const seg of lanes[e]) {
      const x0 = xOf(seg, false);
      const x1 = Math.max(xOf(seg, true), x0 + 2);
      const inferred = isInferred(seg.entered);
      const cause = seg.entered ? `${seg.entered.from} → ${seg.entered.to} at packet #${seg.entered.packet}: ${seg.entered.cause}${inferred && !/inferred/.test(seg.entered.cause) ? ' (inferred)' : ''}` : 'state at the connection\'s first packet';
      const sg = s('g', { class: `lane-seg${inferred ? ' inferred' : ''}`, 'data-state': seg.state, 'data-inferred': inferred ? 1 : 0, 'data-from': seg.from, 'data-to': seg.to },
        svgTitle(`${e} ${seg.state}: ${rel(seg.from)} → ${rel(seg.to)}\n${cause}`));
      sg.appendChild(s('rect', { x: px(x0), y, width: px(x1 - x0), height: laneH, class: `st st-${seg.state}` }));
      if (inferred) sg.appendChild(s('rect', { x: px(x0), y, width: px(x1 - x0), height: laneH, class: 'hatch' }));
      if (x1 - x0 > seg.state.length * 6.6 + 6) sg.appendChild(s('text', { x: px((x0 + x1) / 2), y: y + laneH / 2 + 4, 'text-anchor': 'middle', class: 'st-label' }, seg.state));
      if (seg.entered) sg.appendChild(s('line', { x1: px(x0), x2: px(x0), y1: y - 3, y2: y + laneH + 3, class: `boundary${inferred ? ' inferred' : ''}` }));
      g.appendChild(sg);
    }
    svg.appendChild(g);
  });
  const axisY = top + 2 * laneH + gap + 6;
  if (mode === 'time') {
    svg.appendChild(axisBottom(time, axisY, tickTime, 8, 'time since the connection\'s first packet'));
  } else {
    // Event axis: a tick per slot, labelled with its time when there is room.
    const g = s('g', { class: 'axis axis-x' });
    g.appendChild(s('line', { x1: left, x2: W - right, y1: axisY, y2: axisY }));
    const step = (W - right - left) / Math.max(nSlots, 1);
    let lastLabel = -Infinity;
    for (let i = 0; i <= nSlots; i++) {
      const x = px(ev(i));
      g.appendChild(s('line', { x1: x, x2: x, y1: axisY, y2: axisY + 4 }));
      const label = tickTime(slots[i]!);
      if (x - lastLabel > Math.max(step, label.length * 6.5)) { g.appendChild(s('text', { x, y: axisY + 15, 'text-anchor': 'middle' }, label)); lastLabel = x; }
    }
    g.appendChild(s('text', { x: px((left + W - right) / 2), y: axisY + 30, 'text-anchor': 'middle', class: 'axis-label' }, 'transitions in order (each instant its own slot; times below)'));
    svg.appendChild(g);
  }
  return svg;
}
