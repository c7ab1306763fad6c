/**
 * The connection table: every embedded row, trouble first as in the terminal, sortable by any column
 * and filtered by text (address, port, #id) and by outcome, close kind, final state and anomaly.
 * Virtualised: only the rows in view (and a few more) are in the DOM, so 200,000 rows scroll as
 * smoothly as 50; sorting and filtering work on index arrays over the columns.
 */
import type { Severity } from '../../../flow/model.js';
import { ROW_DETAILED, ROW_ROLE_INFERRED, type ReportData, type ReportRows } from '../data.js';
import { clear, h, section, type Child } from './dom.js';
import { duration, num, plural, rel } from './format.js';

const ROW_H = 26;
const OVERSCAN = 8;

type SortKey = 'trouble' | 'id' | 'client' | 'server' | 'outcome' | 'close' | 'final' | 'rtt' | 'start' | 'duration' | 'packets' | 'bytes' | 'anomalies';

interface Column { key: SortKey; title: string; cls: string }

const COLUMNS: Column[] = [
  { key: 'id', title: '#', cls: 'c-id num' },
  { key: 'client', title: 'client', cls: 'c-ep mono' },
  { key: 'server', title: 'server', cls: 'c-ep mono' },
  { key: 'outcome', title: 'handshake', cls: 'c-oc' },
  { key: 'close', title: 'close', cls: 'c-cl' },
  { key: 'final', title: 'final client / server', cls: 'c-st' },
  { key: 'rtt', title: 'RTT', cls: 'c-rtt num' },
  { key: 'start', title: 'start', cls: 'c-t num' },
  { key: 'duration', title: 'duration', cls: 'c-t num' },
  { key: 'packets', title: 'pkts c/s', cls: 'c-n num' },
  { key: 'bytes', title: 'bytes c/s', cls: 'c-n num' },
  { key: 'anomalies', title: 'anomalies', cls: 'c-an' },
];

export interface TableFilter { text: string; outcome: string; close: string; state: string; anomaly: string; troubled: boolean }

export const EMPTY_FILTER: TableFilter = { text: '', outcome: '', close: '', state: '', anomaly: '', troubled: false };

/** The rows' derived values that sorting and filtering need, computed once on first use. */
class RowIndex {
  private epText: string[] | null = null;
  private anomalyTotals: Int32Array | null = null;
  private ipRank: Int32Array | null = null;

  constructor(readonly r: ReportRows) {}

  endpoints(i: number): string {
    if (!this.epText) {
      const r = this.r;
      const ep = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
      this.epText = r.id.map((_, k) => `${ep(r.ips[r.cip[k]!]!, r.cport[k]!)} ${ep(r.ips[r.sip[k]!]!, r.sport[k]!)}`);
    }
    return this.epText[i]!;
  }

  anomalyTotal(i: number): number {
    if (!this.anomalyTotals) {
      const a = new Int32Array(this.r.embedded);
      this.r.anomalies.forEach((s, k) => { if (s) for (const pair of s.split(',')) a[k]! += Number(pair.split(':')[1]); });
      this.anomalyTotals = a;
    }
    return this.anomalyTotals[i]!;
  }

  /** Rank of each address in a numeric-aware order (IPv4 before IPv6, then by value). */
  rank(ip: number): number {
    if (!this.ipRank) {
      const ips = this.r.ips;
      const key = (s: string) => (s.includes(':') ? `1${s.split(':').map((g) => g.padStart(4, '0')).join(':')}` : `0${s.split('.').map((o) => o.padStart(3, '0')).join('.')}`);
      const order = ips.map((_, i) => i).sort((a, b) => (key(ips[a]!) < key(ips[b]!) ? -1 : key(ips[a]!) > key(ips[b]!) ? 1 : 0));
      this.ipRank = new Int32Array(ips.length);
      order.forEach((ipIndex, rank) => { this.ipRank![ipIndex] = rank; });
    }
    return this.ipRank[ip]!;
  }
}

function comparator(ix: RowIndex, key: SortKey): (a: number, b: number) => number {
  const r = ix.r;
  const num2 = (arr: readonly number[]) => (a: number, b: number) => arr[a]! - arr[b]!;
  switch (key) {
    // Rows come in trouble order: the index is the rank.
    case 'trouble': return (a, b) => a - b;
    case 'id': return num2(r.id);
    case 'client': return (a, b) => ix.rank(r.cip[a]!) - ix.rank(r.cip[b]!) || r.cport[a]! - r.cport[b]!;
    case 'server': return (a, b) => ix.rank(r.sip[a]!) - ix.rank(r.sip[b]!) || r.sport[a]! - r.sport[b]!;
    case 'outcome': return num2(r.outcome);
    case 'close': return num2(r.close);
    case 'final': return (a, b) => r.clientState[a]! - r.clientState[b]! || r.serverState[a]! - r.serverState[b]!;
    // No RTT sorts after every measured one, in both directions (applied by the caller).
    case 'rtt': return (a, b) => (r.rtt[a] ?? Infinity) - (r.rtt[b] ?? Infinity);
    case 'start': return num2(r.start);
    case 'duration': return num2(r.duration);
    case 'packets': return (a, b) => r.packetsClient[a]! + r.packetsServer[a]! - r.packetsClient[b]! - r.packetsServer[b]!;
    case 'bytes': return (a, b) => r.bytesClient[a]! + r.bytesServer[a]! - r.bytesClient[b]! - r.bytesServer[b]!;
    case 'anomalies': return (a, b) => ix.anomalyTotal(a) - ix.anomalyTotal(b);
  }
}

export class ConnectionTable {
  readonly el: HTMLElement;
  private readonly ix: RowIndex;
  private readonly body: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly status: HTMLSpanElement;
  private readonly heads = new Map<SortKey, HTMLButtonElement>();
  private readonly inputs: { text: HTMLInputElement; outcome: HTMLSelectElement; close: HTMLSelectElement; state: HTMLSelectElement; anomaly: HTMLSelectElement; troubled: HTMLInputElement };
  private view: Int32Array;
  private sortKey: SortKey = 'trouble';
  private descending = false;
  private frame = 0;

  constructor(private readonly d: ReportData, private readonly onOpen: (id: number) => void) {
    const r = d.rows;
    this.ix = new RowIndex(r);
    this.view = Int32Array.from({ length: r.embedded }, (_, i) => i);
    const opt = (v: string, label: string) => h('option', { value: v }, label);
    const select = (id: string, any: string, values: readonly string[]) => h('select', { id, 'aria-label': any }, opt('', any), ...values.map((v) => opt(v, v)));
    const present = new Set<number>();
    for (const s of r.anomalies) if (s) for (const pair of s.split(',')) present.add(Number(pair.split(':')[0]));
    this.inputs = {
      text: h('input', { type: 'search', id: 'conn-filter', placeholder: 'address, port or #id', 'aria-label': 'filter connections', size: 28 }),
      outcome: select('f-outcome', 'any handshake', d.enums.outcomes.filter((_, i) => r.outcome.includes(i))),
      close: select('f-close', 'any close', d.enums.closes),
      state: select('f-state', 'any final state', d.enums.states),
      anomaly: select('f-anomaly', 'any anomaly', d.enums.anomalies.filter((_, i) => present.has(i))),
      troubled: h('input', { type: 'checkbox', id: 'f-troubled' }),
    };
    for (const el of Object.values(this.inputs)) el.addEventListener('input', () => this.refresh());
    this.status = h('span', { id: 'conn-status', 'aria-live': 'polite' });
    const head = h('div', { class: 'vt-head', role: 'row' });
    for (const c of COLUMNS) {
      const b = h('button', { class: `vt-cell ${c.cls}`, 'data-sort': c.key, role: 'columnheader', type: 'button', title: `sort by ${c.title}` }, c.title);
      b.addEventListener('click', () => this.sortBy(c.key));
      this.heads.set(c.key, b);
      head.appendChild(b);
    }
    this.spacer = h('div', { class: 'vt-spacer' });
    this.body = h('div', { class: 'vt-body', id: 'conn-rows', tabindex: 0, role: 'rowgroup' }, this.spacer);
    this.body.addEventListener('scroll', () => this.schedule());
    this.body.addEventListener('click', (e) => {
      const row = e.target instanceof Element ? e.target.closest('[data-row-id]') : null;
      if (row) this.onOpen(Number(row.getAttribute('data-row-id')));
    });
    const reset = h('button', { type: 'button', id: 'f-reset' }, 'trouble first');
    reset.addEventListener('click', () => { this.setFilter(EMPTY_FILTER); this.sortBy('trouble', false); });
    const notes: Child[] = [];
    if (r.total > r.embedded) {
      notes.push(h('p', { class: 'note', id: 'rows-note' },
        `${plural(r.total, 'connection')} matched; the ${num(r.embedded)} most troubled are in this report (--max-rows ${num(d.bounds.rows)}). `,
        'The rest are the least troubled ones; `synack analyze --json` lists every connection.'));
    }
    if (d.filter) notes.push(h('p', { class: 'note' }, `Only connections matching ${d.filter}.`));
    this.el = section('connections', 'Connections',
      h('p', { class: 'dim' }, 'Trouble first (worst anomaly severity, then failed handshakes, then the number of anomalies), as in the terminal. Click a column to sort, a row to open it; ● marks connections shown in detail.'),
      ...notes,
      h('div', { class: 'table-controls' }, this.inputs.text, this.inputs.outcome, this.inputs.close, this.inputs.state, this.inputs.anomaly,
        h('label', null, this.inputs.troubled, ' with anomalies'), reset, this.status),
      h('div', { class: 'vt', id: 'conn-table', role: 'table', 'aria-label': 'connections' }, h('div', { class: 'vt-inner' }, head, this.body)));
    this.updateHeads();
    this.refresh();
  }

  /** Sets the controls (a route like #connections/anomaly=half-open) and applies them. */
  setFilter(f: Partial<TableFilter>): void {
    const i = this.inputs;
    const all = { ...EMPTY_FILTER, ...f };
    i.text.value = all.text; i.outcome.value = all.outcome; i.close.value = all.close; i.state.value = all.state;
    // An option that is not in the list (no such anomaly here) is added, so the filter shows 0 rows, not all.
    if (all.anomaly && ![...i.anomaly.options].some((o) => o.value === all.anomaly)) i.anomaly.appendChild(h('option', { value: all.anomaly }, all.anomaly));
    i.anomaly.value = all.anomaly; i.troubled.checked = all.troubled;
    this.refresh();
  }

  sortBy(key: SortKey, toggle = true): void {
    if (toggle && key === this.sortKey) this.descending = !this.descending;
    else { this.sortKey = key; this.descending = false; }
    this.updateHeads();
    this.applySort();
    this.body.scrollTop = 0;
    this.render();
  }

  private updateHeads(): void {
    for (const [k, b] of this.heads) {
      b.setAttribute('aria-sort', k === this.sortKey ? (this.descending ? 'descending' : 'ascending') : 'none');
      b.classList.toggle('sorted', k === this.sortKey);
    }
  }

  private filter(): TableFilter {
    const i = this.inputs;
    return { text: i.text.value.trim().toLowerCase(), outcome: i.outcome.value, close: i.close.value, state: i.state.value, anomaly: i.anomaly.value, troubled: i.troubled.checked };
  }

  private refresh(): void {
    const f = this.filter();
    const r = this.d.rows, e = this.d.enums;
    const oc = f.outcome ? e.outcomes.indexOf(f.outcome as never) : -1;
    const cl = f.close ? e.closes.indexOf(f.close as never) : -1;
    const st = f.state ? e.states.indexOf(f.state as never) : -1;
    const anomalyIndex = f.anomaly ? e.anomalies.indexOf(f.anomaly as never) : -1;
    const an = anomalyIndex >= 0 ? new RegExp(`(^|,)${anomalyIndex}:`) : null;
    const tokens = f.text.split(/\s+/).filter(Boolean);
    const out: number[] = [];
    for (let k = 0; k < r.embedded; k++) {
      if (f.outcome && r.outcome[k] !== oc) continue;
      if (f.close && r.close[k] !== cl) continue;
      if (f.state && r.clientState[k] !== st && r.serverState[k] !== st) continue;
      if (f.anomaly && (!an || !an.test(r.anomalies[k]!))) continue;
      if (f.troubled && !r.anomalies[k]) continue;
      if (tokens.length && !tokens.every((t) => (t.startsWith('#') ? String(r.id[k]) === t.slice(1) : this.ix.endpoints(k).includes(t)))) continue;
      out.push(k);
    }
    this.view = Int32Array.from(out);
    this.applySort();
    this.body.scrollTop = 0;
    this.render();
  }

  private applySort(): void {
    const cmp = comparator(this.ix, this.sortKey);
    const r = this.d.rows;
    const nullLast = this.sortKey === 'rtt';
    const dir = this.descending ? -1 : 1;
    this.view.sort((a, b) => {
      if (nullLast) {
        const na = r.rtt[a] === null, nb = r.rtt[b] === null;
        if (na !== nb) return na ? 1 : -1;
      }
      return dir * cmp(a, b) || a - b;
    });
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  private render(): void {
    const n = this.view.length;
    const r = this.d.rows;
    this.status.textContent = n === r.embedded ? `${plural(n, 'connection')}` : `${num(n)} of ${plural(r.embedded, 'connection')}`;
    this.status.setAttribute('data-shown', String(n));
    this.status.setAttribute('data-total', String(r.embedded));
    this.spacer.style.height = `${n * ROW_H}px`;
    const top = this.body.scrollTop;
    const visible = Math.ceil((this.body.clientHeight || 600) / ROW_H);
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(n, first + visible + 2 * OVERSCAN);
    clear(this.spacer);
    for (let v = first; v < last; v++) {
      const row = this.row(this.view[v]!);
      row.style.top = `${v * ROW_H}px`;
      this.spacer.appendChild(row);
    }
    if (n === 0) this.spacer.appendChild(h('div', { class: 'vt-empty' }, 'No connection matches.'));
  }

  private row(k: number): HTMLElement {
    const r = this.d.rows, e = this.d.enums;
    const ep = (ip: number, port: number) => {
      const s = r.ips[ip]!;
      return s.includes(':') ? `[${s}]:${port}` : `${s}:${port}`;
    };
    const worst = worstSeverity(this.d, r.anomalies[k]!);
    const outcome = e.outcomes[r.outcome[k]!]!;
    const rtt = r.rtt[k]!;
    const detailed = (r.flags[k]! & ROW_DETAILED) !== 0;
    return h('div', { class: `vt-row${worst ? ` row-${worst}` : ''}`, role: 'row', 'data-row-id': r.id[k]!, 'data-rtt': rtt ?? '', 'data-outcome': outcome },
      h('span', { class: 'vt-cell c-id num' }, detailed ? h('span', { class: 'dot', title: 'shown in detail' }, '●') : '', String(r.id[k])),
      h('span', { class: 'vt-cell c-ep mono' }, ep(r.cip[k]!, r.cport[k]!), r.flags[k]! & ROW_ROLE_INFERRED ? h('span', { class: 'dim', title: 'roles inferred from ports' }, ' ?') : ''),
      h('span', { class: 'vt-cell c-ep mono' }, ep(r.sip[k]!, r.sport[k]!)),
      h('span', { class: `vt-cell c-oc oc oc-${outcome}` }, outcome),
      h('span', { class: 'vt-cell c-cl' }, e.closes[r.close[k]!]!),
      h('span', { class: 'vt-cell c-st' }, `${e.states[r.clientState[k]!]} / ${e.states[r.serverState[k]!]}`),
      h('span', { class: 'vt-cell c-rtt num' }, duration(rtt)),
      h('span', { class: 'vt-cell c-t num' }, rel(r.start[k]!)),
      h('span', { class: 'vt-cell c-t num' }, duration(r.duration[k]!)),
      h('span', { class: 'vt-cell c-n num' }, `${num(r.packetsClient[k]!)} / ${num(r.packetsServer[k]!)}`),
      h('span', { class: 'vt-cell c-n num' }, `${num(r.bytesClient[k]!)} / ${num(r.bytesServer[k]!)}`),
      h('span', { class: 'vt-cell c-an' }, ...anomalyBadges(this.d, r.anomalies[k]!)));
  }
}

/** The anomalies of a row ("idx:count,..."), parsed. */
export function rowAnomalies(d: ReportData, pairs: string): Array<{ id: string; count: number; severity: Severity }> {
  if (!pairs) return [];
  const sev = severityOf(d);
  return pairs.split(',').map((p) => {
    const [i, n] = p.split(':');
    const id = d.enums.anomalies[Number(i)]!;
    return { id, count: Number(n), severity: sev.get(id) ?? 'info' };
  });
}

let severityCache: Map<string, Severity> | null = null;
function severityOf(d: ReportData): Map<string, Severity> {
  severityCache ??= new Map(d.catalogue.map((c) => [c.id, c.severity]));
  return severityCache;
}

function worstSeverity(d: ReportData, pairs: string): Severity | null {
  let w: Severity | null = null;
  for (const a of rowAnomalies(d, pairs)) {
    if (a.severity === 'error') return 'error';
    if (a.severity === 'warning') w = 'warning';
    else w ??= 'info';
  }
  return w;
}

function anomalyBadges(d: ReportData, pairs: string): Child[] {
  const list = rowAnomalies(d, pairs);
  if (list.length === 0) return [h('span', { class: 'dim' }, '–')];
  const out: Child[] = [];
  list.forEach((a, i) => {
    if (i > 0) out.push(', ');
    out.push(h('span', { class: `sev-text sev-${a.severity}` }, a.count > 1 ? `${a.id} ×${num(a.count)}` : a.id));
  });
  return out;
}
