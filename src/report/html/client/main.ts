/**
 * The report page's script (bundled into the HTML file by src/report/html/page.ts): reads the
 * embedded data, draws each section, and follows the links between them (#conn/12,
 * #anomaly/half-open, #listener/<key>, #connections/anomaly=reset). Needs nothing outside the file.
 */
import type { ReportData } from '../data.js';
import { catalogueSection } from './catalogue.js';
import { ConnectionView } from './connection.js';
import { h } from './dom.js';
import { listenersSection } from './listeners.js';
import { overviewSection } from './overview.js';
import { ConnectionTable, type TableFilter } from './table.js';

function readData(): ReportData {
  const el = document.getElementById('synack-data');
  if (!el?.textContent) throw new Error('synack report: the embedded data is missing');
  return JSON.parse(el.textContent) as ReportData;
}

function scrollTo(el: Element | null): void {
  if (!el) return;
  el.scrollIntoView({ block: 'start' });
  el.classList.remove('flash');
  // Restart the highlight animation.
  void (el as HTMLElement).offsetWidth;
  el.classList.add('flash');
}

function start(): void {
  performance.mark('synack-start');
  const d = readData();
  performance.mark('synack-parsed');
  const app = document.getElementById('app')!;
  app.textContent = '';
  app.appendChild(overviewSection(d));
  performance.mark('synack-overview');
  app.appendChild(listenersSection(d));
  const view = new ConnectionView(d);
  const table = new ConnectionTable(d, (id) => { location.hash = `conn/${id}`; });
  app.appendChild(table.el);
  app.appendChild(view.el);
  app.appendChild(catalogueSection(d));
  view.show(null);

  const route = (): void => {
    const hash = decodeURIComponent(location.hash.replace(/^#/, ''));
    const [head, ...rest] = hash.split('/');
    switch (head) {
      case 'conn': {
        const id = Number(rest[0]);
        if (!Number.isInteger(id)) return;
        if (view.current !== id) view.show(id);
        scrollTo(rest[1] ? document.getElementById(`pkt-${rest[1]}`) ?? view.el : view.el);
        return;
      }
      case 'anomaly': scrollTo(document.getElementById(`anomaly-${rest[0]}`)); return;
      case 'listener': scrollTo(document.getElementById(`listener-${rest[0]}`) ?? document.getElementById('listeners')); return;
      case 'connections': {
        const f: Partial<TableFilter> = {};
        for (const [k, v] of new URLSearchParams(rest.join('/'))) if (k in { text: 1, outcome: 1, close: 1, state: 1, anomaly: 1 }) (f as Record<string, string>)[k] = v;
        if (rest.length) table.setFilter(f);
        scrollTo(table.el);
        return;
      }
      default: if (head) scrollTo(document.getElementById(head));
    }
  };
  window.addEventListener('hashchange', route);
  if (location.hash) route();
  document.body.setAttribute('data-ready', '1');
  performance.mark('synack-rendered');
}

try {
  start();
} catch (e) {
  const app = document.getElementById('app');
  if (app) app.replaceChildren(h('p', { class: 'bad' }, `The report could not be drawn: ${e instanceof Error ? e.message : String(e)}`));
  throw e;
}
