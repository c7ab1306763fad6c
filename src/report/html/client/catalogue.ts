/**
 * The anomaly catalogue: every id synack can raise, with its severity, meaning, how synack detects it,
 * reference, what usually causes it, what to check and related ids (the text `synack explain <id>`
 * prints), and how often this capture had it. Every anomaly elsewhere
 * in the report links here (#anomaly/<id>).
 */
import type { ReportData } from '../data.js';
import { h, link, section } from './dom.js';
import { num, plural } from './format.js';

export function catalogueSection(d: ReportData): HTMLElement {
  const seen = new Map(d.summary.anomalies.map((a) => [a.id, a]));
  // Those this capture has first (in the summary's order), then the rest in catalogue order.
  const entries = [...d.catalogue].sort((a, b) => {
    const ia = d.summary.anomalies.findIndex((x) => x.id === a.id), ib = d.summary.anomalies.findIndex((x) => x.id === b.id);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
  });
  const list = entries.map((e) => {
    const count = seen.get(e.id);
    return h('article', { class: `catalogue-entry${count ? ' present' : ''}`, id: `anomaly-${e.id}`, 'data-anomaly': e.id },
      h('h3', null, h('span', { class: `sev sev-${e.severity}` }, e.severity), ' ', h('span', { class: 'mono' }, e.id),
        count ? h('span', { class: 'entry-count', 'data-count': count.count }, ` ${plural(count.count, 'occurrence')} on ${plural(count.connections, 'connection')} `,
          count.connections > 0 ? link(`connections/anomaly=${e.id}`, { class: 'small' }, 'show them') : '') : h('span', { class: 'dim small' }, ' not in this capture')),
      h('dl', null,
        h('dt', null, 'What it means'), h('dd', null, e.meaning),
        h('dt', null, 'How synack detects it'), h('dd', null, e.detection),
        h('dt', null, 'Reference'), h('dd', null, e.reference),
        h('dt', null, 'What usually causes it'), h('dd', null, e.causes),
        h('dt', null, 'What to check'), h('dd', null, e.check),
        h('dt', null, 'Related'), h('dd', null, ...e.related.flatMap((r, i) => [i ? ', ' : '', link(`anomaly/${r}`, { class: 'mono' }, r)])),
        h('dt', null, 'In a terminal'), h('dd', { class: 'mono' }, `synack explain ${e.id}`)));
  });
  return section('catalogue', 'Anomaly catalogue',
    h('p', { class: 'dim' }, `${num(d.catalogue.length)} anomalies synack can report (\`synack anomalies\` lists them too); those in this capture first.`),
    ...list);
}
