/**
 * One floating tooltip for the whole page. A container binds a function that, for the element under
 * the pointer, returns what to show (or null): one listener per chart, not one per packet.
 */
import { clear, h, type Child } from './dom.js';

let tip: HTMLDivElement | null = null;

function element(): HTMLDivElement {
  if (!tip) {
    tip = h('div', { class: 'tooltip', role: 'tooltip', id: 'tooltip' });
    tip.hidden = true;
    document.body.appendChild(tip);
  }
  return tip;
}

export function showTip(content: Child[], x: number, y: number): void {
  const t = element();
  clear(t);
  for (const c of content) if (c !== null && c !== undefined && c !== false) t.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  t.hidden = false;
  // Keep it inside the window: flip left or up when it would overflow.
  const w = t.offsetWidth, hgt = t.offsetHeight;
  const left = x + 14 + w > window.innerWidth ? Math.max(4, x - 14 - w) : x + 14;
  const top = y + 14 + hgt > window.innerHeight ? Math.max(4, y - 14 - hgt) : y + 14;
  t.style.left = `${left + window.scrollX}px`;
  t.style.top = `${top + window.scrollY}px`;
}

export function hideTip(): void {
  if (tip) tip.hidden = true;
}

/** Hovering inside `container` shows `content(target)` for the element under the pointer. */
export function bindTips(container: Element, content: (target: Element) => Child[] | null): void {
  container.addEventListener('mousemove', (e) => {
    const ev = e as MouseEvent;
    const c = ev.target instanceof Element ? content(ev.target) : null;
    if (c) showTip(c, ev.clientX, ev.clientY); else hideTip();
  });
  container.addEventListener('mouseleave', hideTip);
}

/** Tooltip lines: a bold heading, then "key: value" rows. */
export function tipLines(heading: string, rows: Array<[string, string]>): Child[] {
  return [
    h('div', { class: 'tip-head' }, heading),
    h('table', { class: 'tip-table' }, ...rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v)))),
  ];
}
