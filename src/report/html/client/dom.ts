/**
 * Building DOM and SVG nodes in the browser. Text always goes in as text nodes (never as markup):
 * file names, addresses and messages come from the capture and must not be able to inject anything.
 * No inline `style` attributes either: the page's Content-Security-Policy allows only its own
 * stylesheet (element.style set from script is allowed, and used for positions).
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

function setAttrs(el: Element, attrs: Attrs | null): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'style') throw new Error('inline style attributes are not allowed (CSP): use classes or element.style');
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** An HTML element: h('td', { class: 'num' }, '42'). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element: s('line', { x1: 0, y1: 0, x2: 10, y2: 10, class: 'axis' }). */
export function s(tag: string, attrs: Attrs | null = null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG <title> (the browser's own tooltip) for elements without a richer hover. */
export function svgTitle(text: string): SVGElement {
  return s('title', null, text);
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A link to a place in the report (hash routes: #conn/12, #anomaly/half-open, #listener/0). */
export function link(hash: string, attrs: Attrs | null, ...children: Child[]): HTMLAnchorElement {
  return h('a', { ...attrs, href: `#${hash}` }, ...children);
}

/** A section with its heading; `id` is what the navigation and the tests find it by. */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { id, class: 'section' }, h('h2', null, title), ...children);
}

/** Rounds for SVG coordinates (shorter attributes, crisp enough). */
export function px(v: number): number {
  return Math.round(v * 10) / 10;
}
