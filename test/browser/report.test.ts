/**
 * HTML reports opened in headless Chromium (Debian's, through playwright-core): no console error, no
 * request but the file itself, every section drawn with the counts `analyze --json` gives, the
 * swimlanes in the timeline's order, the SYN-flood chart's peak where --json puts it, the table's
 * filters and sorting, hovering, links. Screenshots of each section go to .ci/out/screenshots/.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, EndpointRole, TcpState } from '../../src/flow/model.js';
import type { AnalyzeDocument } from '../../src/report/analyze-json.js';
import { CHROMIUM, launch, openReport, screenshot, type Browser, type OpenedReport } from '../helpers/browser.js';
import { fixture, synack } from '../helpers/cli.js';

let dir: string;
let browser: Browser;

/** Writes the report of a capture; returns its path and the --json document of the same capture. */
function make(name: string, src = fixture(name), extra: string[] = []): { html: string; doc: AnalyzeDocument } {
  const html = join(dir, `${name}.html`);
  const r = synack(['report', src, '-o', html, ...extra]);
  if (r.code !== 0) throw new Error(`synack report ${name}: ${r.stderr}`);
  const j = synack(['analyze', '--json', src]);
  return { html, doc: JSON.parse(j.stdout) as AnalyzeDocument };
}

/** No console error, no request but the file, no dialog. */
function expectClean(o: OpenedReport): void {
  expect(o.errors).toEqual([]);
  expect(o.dialogs).toEqual([]);
  expect(o.requests).toEqual([o.url]);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  dir = mkdtempSync(join(tmpdir(), 'synack-browser-'));
  browser = await launch();
}, 60000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the demo report', () => {
  let o: OpenedReport;
  let doc: AnalyzeDocument;
  beforeAll(async () => {
    const m = make('demo.pcap');
    doc = m.doc;
    o = await openReport(browser, m.html);
  }, 60000);
  afterAll(async () => { await o?.page.close(); });

  test('opens offline: no console error, no request but the file itself', () => {
    expectClean(o);
  });

  test('every section is drawn; a screenshot of each is kept', async () => {
    for (const id of ['overview', 'listeners', 'connections', 'connection', 'catalogue']) {
      expect(await o.page.locator(`#${id} h2`).count()).toBe(1);
      await screenshot(o.page, `#${id}`, `demo-${id}`);
    }
  });

  test('the overview\'s counts are --json\'s', async () => {
    const p = o.page;
    const s = doc.summary;
    expect(Number(await p.getAttribute('#connection-count', 'data-count'))).toBe(s.connections);
    const legend = async (bar: string) => Object.fromEntries(await p.$$eval(`#${bar} li[data-key]`, (els) => els.map((e) => [e.getAttribute('data-key'), Number(e.getAttribute('data-count'))])));
    expect(await legend('outcome-bar')).toEqual(s.outcomes);
    expect(await legend('close-bar')).toEqual(s.closes);
    const bySeverity: Record<string, number> = { error: 0, warning: 0, info: 0 };
    for (const a of s.anomalies) bySeverity[a.severity]! += a.count;
    expect(Object.fromEntries(await p.$$eval('#severity-counts [data-severity]', (els) => els.map((e) => [e.getAttribute('data-severity'), Number(e.getAttribute('data-count'))]))))
      .toEqual(bySeverity);
    expect(await p.$$eval('#anomaly-table tr[data-anomaly]', (els) => els.map((e) => ({
      id: e.getAttribute('data-anomaly'), count: Number(e.getAttribute('data-count')), connections: Number(e.getAttribute('data-connections')),
    })))).toEqual(s.anomalies.map((a) => ({ id: a.id, count: a.count, connections: a.connections })));
    expect(Number(await p.getAttribute('#rtt-stats', 'data-samples'))).toBe(s.handshakeRtt.samples);
    // The histogram's bars: one SYN → SYN-ACK and one SYN-ACK → ACK value per completed handshake.
    const bars = await p.$$eval('#rtt .bar', (els) => els.map((e) => ({ cls: e.getAttribute('class'), n: Number(e.getAttribute('data-count')) })));
    const total = (cls: string) => bars.filter((b) => b.cls!.includes(cls)).reduce((a, b) => a + b.n, 0);
    const done = doc.connections.filter((c) => c.handshake.outcome === 'complete');
    expect(total('s-synack')).toBe(done.length);
    expect(total('s-ack')).toBe(done.length);
    expect(await p.locator('#busiest-listeners tr[data-listener]').count()).toBe(Math.min(10, doc.listeners.length));
    expect(await p.locator('#inputs-table tr[data-input]').count()).toBe(1);
  });

  test('the table lists every connection, trouble first as the terminal does', async () => {
    expect(Number(await o.page.getAttribute('#conn-status', 'data-shown'))).toBe(doc.connections.length);
    const text = synack(['analyze', fixture('demo.pcap'), '--limit', '5', '--no-color']).stdout;
    const terminal = [...text.matchAll(/^\s+│\s+(\d+) │/gm)].map((m) => Number(m[1]));
    expect(terminal.length).toBe(5);
    const ids = await o.page.$$eval('#conn-rows [data-row-id]', (els) => els.map((e) => Number(e.getAttribute('data-row-id'))));
    expect(ids.slice(0, 5)).toEqual(terminal);
  });

  test('the table filters by text, outcome, anomaly and a link\'s route, and sorts by a column either way', async () => {
    const p = o.page;
    const shown = async () => Number(await p.getAttribute('#conn-status', 'data-shown'));
    const conns = doc.connections;
    await p.fill('#conn-filter', '4041');
    expect(await shown()).toBe(conns.filter((c) => `${c.client.ip}:${c.client.port} ${c.server.ip}:${c.server.port}`.includes('4041')).length);
    await p.fill('#conn-filter', '#27');
    expect(await shown()).toBe(1);
    await p.fill('#conn-filter', '');
    await p.selectOption('#f-outcome', 'half-open');
    expect(await shown()).toBe(conns.filter((c) => c.handshake.outcome === 'half-open').length);
    await p.selectOption('#f-outcome', '');
    await p.selectOption('#f-anomaly', 'reset');
    expect(await shown()).toBe(conns.filter((c) => c.anomalies.some((a) => a.id === 'reset')).length);
    await p.click('#f-reset');
    expect(await shown()).toBe(conns.length);
    await p.check('#f-troubled');
    expect(await shown()).toBe(conns.filter((c) => c.anomalies.length > 0).length);
    await p.click('#f-reset');

    // RTT ascending (connections without one last), then descending.
    await p.click('[data-sort="rtt"]');
    const rtts = async () => p.$$eval('#conn-rows [data-row-id]', (els) => els.map((e) => e.getAttribute('data-rtt')).filter((v) => v !== '').map(Number));
    const measured = conns.map((c) => c.handshake.rtt.total ?? c.handshake.rtt.synToSynAck).filter((v): v is number => v !== null);
    let seen = await rtts();
    expect(seen.length).toBeGreaterThan(5);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen[0]).toBeCloseTo(Math.min(...measured), 6);
    await p.click('[data-sort="rtt"]');
    expect(await p.getAttribute('[data-sort="rtt"]', 'aria-sort')).toBe('descending');
    seen = await rtts();
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(seen[0]).toBeCloseTo(Math.max(...measured), 6);
    await p.click('[data-sort="id"]');
    const ids = await p.$$eval('#conn-rows [data-row-id]', (els) => els.map((e) => Number(e.getAttribute('data-row-id'))));
    expect(ids.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // A link's route: #connections/anomaly=<id>.
    await p.evaluate(() => { location.hash = 'connections/anomaly=lost-final-ack'; });
    await p.waitForFunction(() => document.querySelector<HTMLSelectElement>('#f-anomaly')?.value === 'lost-final-ack');
    expect(await shown()).toBe(1);
    await p.click('#f-reset');
  });

  test('a row opens its connection; hovering a segment shows its decoded header', async () => {
    const p = o.page;
    await p.fill('#conn-filter', '#26');
    await p.click('#conn-rows [data-row-id="26"]');
    await p.waitForSelector('#conn-detail h3[data-conn="26"]');
    const c = doc.connections.find((x) => x.id === 26)!;
    expect(await p.locator('#ladder g.seg').count()).toBe(c.packets.client + c.packets.server);
    // Each anomaly is a badge on the segment it names; a segment lost after the capture point is marked.
    for (const a of c.anomalies) expect(await p.locator(`#pkt-${a.packet} [data-anomaly="${a.id}"]`).count()).toBe(1);
    expect(c.lostSegments?.length).toBeGreaterThan(0);
    expect(await p.$$eval('#ladder g.seg.lost', (els) => els.map((e) => Number(e.getAttribute('data-packet'))))).toEqual(c.lostSegments);
    await p.hover(`#pkt-${c.firstPacket} .hit`);
    const tip = await p.locator('#tooltip').innerText();
    expect(tip).toContain(`packet #${c.firstPacket}`);
    expect(tip).toMatch(/flags\s+SYN \(0x002\)/);
    expect(tip).toContain('mss 1460');
    await p.fill('#conn-filter', '');
  });

  test('every anomaly links to its catalogue entry', async () => {
    const p = o.page;
    await p.click('#anomaly-table a.anomaly-link >> nth=0');
    const id = doc.summary.anomalies[0]!.id;
    expect(await p.evaluate(() => location.hash)).toBe(`#anomaly/${id}`);
    await p.waitForSelector(`#anomaly-${id}.flash`);
    const entry = await p.locator(`#anomaly-${id}`).innerText();
    expect(entry).toContain('What usually causes it');
    expect(entry).toContain('What to check');
    const catalogue = JSON.parse(synack(['anomalies', '--json']).stdout) as unknown[];
    expect(await p.locator('#catalogue article.catalogue-entry').count()).toBe(catalogue.length);
  });
});

/** States a lane shows: the endpoint's initial state, then each transition's `to`, as --json has them. */
function laneStates(c: Connection, e: EndpointRole): TcpState[] {
  return [c.initialStates[e], ...c.timeline.filter((t) => t.endpoint === e).map((t) => t.to)];
}

test('the swimlanes of a connection show each endpoint\'s states in the timeline\'s order, inferred ones marked', async () => {
  const { html, doc } = make('close-client-first.pcap');
  const o = await openReport(browser, html);
  try {
    expectClean(o);
    const c = doc.connections[0]!;
    for (const mode of ['events', 'time']) {
      await o.page.click(`#connection button[data-mode="${mode}"]`);
      await o.page.waitForSelector(`#swimlane[data-mode="${mode}"]`);
      for (const e of ['client', 'server'] as const) {
        const lane = await o.page.$$eval(`#swimlane [data-lane="${e}"] [data-state]`, (els) => els.map((x) => ({ state: x.getAttribute('data-state'), inferred: x.getAttribute('data-inferred') === '1' })));
        expect(lane.map((x) => x.state)).toEqual(laneStates(c, e));
        const trs = c.timeline.filter((t) => t.endpoint === e);
        expect(lane.slice(1).map((x) => x.inferred)).toEqual(trs.map((t) => t.inferred === true || /\(inferred\)/.test(t.cause)));
      }
    }
    // What the RFC says a client that closes first goes through.
    expect(laneStates(c, 'client')).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
    await screenshot(o.page, '#connection', 'close-client-first-connection');
  } finally {
    await o.page.close();
  }
});

test('the SYN-flood listener\'s chart peaks where --json says, above the threshold line, with the flood marked', async () => {
  const { html, doc } = make('syn-flood.pcap');
  const o = await openReport(browser, html, '#listener/198-18-0-2-4040');
  try {
    expectClean(o);
    const l = doc.listeners.find((x) => x.port === 4040)!;
    expect(l.halfOpenPeak).toBeGreaterThan(doc.options.synFloodThreshold);
    const chart = o.page.locator('#listener-198-18-0-2-4040 svg');
    expect(Number(await chart.getAttribute('data-peak'))).toBe(l.halfOpenPeak);
    const peak = chart.locator('circle.peak');
    expect(Number(await peak.getAttribute('data-y'))).toBe(l.halfOpenPeak);
    expect(Number(await peak.getAttribute('data-x'))).toBeCloseTo(l.halfOpenPeakTime! - doc.summary.start!, 6);
    // Read back from the drawing: the series' highest point is the peak marker, and it sits above the threshold line.
    const { top, cy, threshold } = await chart.evaluate((svg) => {
      const d = svg.querySelector('path.series')!.getAttribute('d')!;
      const ys = [...d.matchAll(/[MV],?(-?[\d.]+)(?:,(-?[\d.]+))?/g)].map((m) => Number(m[2] ?? m[1]));
      return { top: Math.min(...ys), cy: Number(svg.querySelector('circle.peak')!.getAttribute('cy')), threshold: Number(svg.querySelector('line.level.threshold')!.getAttribute('y1')) };
    });
    expect(cy).toBeCloseTo(top, 0);
    expect(threshold).toBeGreaterThan(cy);
    expect(Number(await chart.locator('line.level.threshold').getAttribute('y1'))).toBe(threshold);
    expect(Number(await chart.locator('line.level.threshold').getAttribute('data-level'))).toBe(doc.options.synFloodThreshold);
    expect(l.anomalies.map((a) => a.id)).toContain('syn-flood');
    expect(await chart.locator('g.marker').count()).toBe(l.anomalies.length);
    // The SYNs the full queue dropped, as ticks, and counted in the legend; the backlog inferred from them as a line.
    const dropped = doc.connections.filter((c) => c.server.port === 4040).flatMap((c) => c.anomalies).filter((a) => a.id === 'syn-dropped').length;
    expect(dropped).toBe(l.synQueue.dropped);
    expect(dropped).toBeGreaterThan(0);
    expect(await chart.locator('line.rug.ev-syn-dropped').count()).toBe(dropped);
    expect(Number(await o.page.getAttribute('#listener-198-18-0-2-4040 [data-event="syn-dropped"]', 'data-count'))).toBe(dropped);
    expect(Number(await chart.locator('line.level.backlog').getAttribute('data-level'))).toBe(l.synQueue.inferredBacklog);
    await screenshot(o.page, '#listeners', 'syn-flood-listeners');
  } finally {
    await o.page.close();
  }
});

test('the time-sequence graph marks the retransmissions --json counts, and zooms', async () => {
  const { html, doc } = make('lossy-bulk.pcap');
  const o = await openReport(browser, html);
  try {
    expectClean(o);
    const c = doc.connections[0]!;
    await o.page.click('.tsg-controls button[data-dir="s2c"]');
    const tsg = o.page.locator('#tsg');
    const resentFromServer = new Set(c.anomalies.filter((a) => a.endpoint === 'server' && /retransmission$/.test(a.id)).map((a) => a.packet));
    expect(Number(await tsg.getAttribute('data-resent'))).toBe(resentFromServer.size);
    expect(await tsg.locator('.tsg-seg.resent').count()).toBe(resentFromServer.size);
    const all = Number(await tsg.getAttribute('data-segments'));
    expect(all).toBeGreaterThan(250);
    await screenshot(o.page, '#tsg', 'lossy-bulk-tsg');
    // Drag across the first fifth: fewer segments drawn.
    const box = (await tsg.boundingBox())!;
    await o.page.mouse.move(box.x + 80, box.y + 100);
    await o.page.mouse.down();
    await o.page.mouse.move(box.x + 80 + (box.width - 100) / 5, box.y + 120, { steps: 4 });
    await o.page.mouse.up();
    const zoomed = Number(await o.page.locator('#tsg').getAttribute('data-segments'));
    expect(zoomed).toBeLessThan(all);
    await o.page.dblclick('#tsg');
    expect(Number(await o.page.locator('#tsg').getAttribute('data-segments'))).toBe(all);
  } finally {
    await o.page.close();
  }
});

test('a capture\'s name cannot inject markup or script into the page', async () => {
  const evil = join(dir, '<img src=x onerror=alert(1)><script>alert(2)<\\script>.pcap');
  copyFileSync(fixture('refused.pcap'), evil);
  const { html } = make('evil', evil);
  const o = await openReport(browser, html);
  try {
    expectClean(o);
    expect(await o.page.locator('header.top .files').innerText()).toBe(evil);
    expect(await o.page.locator('#inputs-table td.mono').innerText()).toBe(evil);
    expect(await o.page.locator('img').count()).toBe(0);
  } finally {
    await o.page.close();
  }
});

test('a capture without a TCP connection still gives a page that says so', async () => {
  // tcpdump writes this when it captures nothing: a pcap header (little-endian, v2.4, Ethernet) and no record.
  const empty = join(dir, 'empty.pcap');
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6); h.writeUInt32LE(262144, 16); h.writeUInt32LE(1, 20);
  writeFileSync(empty, h);
  const { html, doc } = make('empty', empty);
  expect(doc.summary.connections).toBe(0);
  const o = await openReport(browser, html);
  try {
    expectClean(o);
    expect(Number(await o.page.getAttribute('#connection-count', 'data-count'))).toBe(0);
    expect(Number(await o.page.getAttribute('#conn-status', 'data-shown'))).toBe(0);
    expect(await o.page.locator('#conn-detail').innerText()).toContain('No connection.');
  } finally {
    await o.page.close();
  }
});

test('a listener answering with SYN cookies: its stateless answers and expiries marked, its queue facts shown', async () => {
  const { html, doc } = make('syn-cookies.pcap');
  const o = await openReport(browser, html, '#listener/198-18-0-2-4040');
  try {
    expectClean(o);
    const l = doc.listeners.find((x) => x.port === 4040)!;
    expect(l.synQueue.stateless).toBeGreaterThan(0);
    const art = o.page.locator('#listener-198-18-0-2-4040');
    const count = (id: string) => doc.connections.filter((c) => c.server.port === 4040).flatMap((c) => c.anomalies).filter((a) => a.id === id).length;
    for (const id of ['stateless-answer', 'half-open-expired']) {
      expect(await art.locator(`line.rug.ev-${id}`).count()).toBe(count(id));
      expect(Number(await art.locator(`[data-event="${id}"]`).getAttribute('data-count'))).toBe(count(id));
    }
    expect(await art.locator('g.marker').count()).toBe(l.anomalies.length);
    expect(await art.locator('table.syn-queue [data-fact="stateless answers"]').innerText()).toContain(String(l.synQueue.stateless));
    expect(await art.locator('table.syn-queue [data-fact="expired"]').innerText()).toContain(String(l.synQueue.expired));
    await screenshot(o.page, '#listener-198-18-0-2-4040', 'syn-cookies-listener');
  } finally {
    await o.page.close();
  }
});
