/**
 * The report of the bench's 1× capture (bench/gen.js, seed 1: 200,000 connections, 3.5 M packets,
 * 777 MB; generated into bench/out/ when missing, as `npm run bench` does) opened in Chromium: the
 * file stays within its documented bound, every row is in the table, the page draws and scrolls.
 * Its size and the browser's paint times are logged and written to .ci/out/large-report.json;
 * nothing is timed inside jest (the times come from the browser's Performance API).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, launch, openReport, screenshot, type Browser } from '../helpers/browser.js';
import { ROOT, synack } from '../helpers/cli.js';

const CAPTURE = join(ROOT, 'bench', 'out', 'synth-1x-seed1.pcap');
const OUT = join(ROOT, '.ci', 'out');
const HTML = join(OUT, 'large-report.html');
const CONNECTIONS = 200_000;

/** README ("HTML report"): at most ~100 bytes a row, ~25 KB a detailed connection, 1 MB besides. */
function sizeBound(rows: number, details: number): number {
  return 100 * rows + 25_000 * details + 1_000_000;
}

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  if (!existsSync(CAPTURE) || !existsSync(`${CAPTURE}.json`)) {
    const g = spawnSync(process.execPath, [join(ROOT, 'bench', 'gen.js'), '--connections', String(CONNECTIONS), '--scale', '1', '--seed', '1', '--out', CAPTURE],
      { encoding: 'utf8', timeout: 180_000 });
    if (g.status !== 0) throw new Error(`bench/gen.js failed: ${g.stderr}`);
  }
  mkdirSync(OUT, { recursive: true });
  browser = await launch();
}, 240_000);

afterAll(async () => { await browser?.close(); });

test('the bench\'s 1x capture: a bounded file with every row, drawn and scrollable', async () => {
  const r = synack(['report', CAPTURE, '-o', HTML], { timeoutMs: 300_000 });
  expect(r.code).toBe(0);
  const m = /\(([\d.]+) MB, (\d+) connection rows, (\d+) in detail\)/.exec(r.stderr)!;
  const rows = Number(m[2]), details = Number(m[3]);
  expect(rows).toBe(CONNECTIONS);
  expect(details).toBe(100);
  const size = statSync(HTML).size;
  expect(size).toBeLessThan(sizeBound(rows, details));

  const o = await openReport(browser, HTML, '', 180_000);
  try {
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([o.url]);
    const p = o.page;
    expect(Number(await p.getAttribute('#conn-status', 'data-shown'))).toBe(CONNECTIONS);
    // Virtualised: a screenful of rows in the DOM, and the last one drawn when scrolled to.
    expect(await p.locator('#conn-rows [data-row-id]').count()).toBeLessThan(100);
    const lastId = await p.evaluate(() => {
      const d = JSON.parse(document.getElementById('synack-data')!.textContent!) as { rows: { id: number[] } };
      return d.rows.id[d.rows.id.length - 1]!;
    });
    await p.evaluate(() => { const b = document.getElementById('conn-rows')!; b.scrollTop = b.scrollHeight; });
    await p.waitForSelector(`#conn-rows [data-row-id="${lastId}"]`);
    expect(await p.locator('#conn-rows [data-row-id]').count()).toBeLessThan(100);
    // Sorting 200,000 rows works (what it costs is in the log below, from the browser's clock).
    const sortMs = await p.evaluate(() => {
      const t0 = performance.now();
      document.querySelector<HTMLButtonElement>('[data-sort="duration"]')!.click();
      return Math.round(performance.now() - t0);
    });
    expect(await p.getAttribute('[data-sort="duration"]', 'aria-sort')).toBe('ascending');
    expect(await p.locator('#conn-rows [data-row-id]').count()).toBeGreaterThan(0);
    await screenshot(p, '#connections', 'large-connections');
    const timing = await p.evaluate(() => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, Math.round(e.startTime)]));
      const marks = Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, Math.round(e.startTime)]));
      return { paint, marks };
    });
    const facts = {
      capture: CAPTURE, reportBytes: size, reportMB: +(size / 1e6).toFixed(2), bound: sizeBound(rows, details), rows, details,
      firstContentfulPaintMs: timing.paint['first-contentful-paint'] ?? null,
      scriptStartMs: timing.marks['synack-start'], dataParsedMs: timing.marks['synack-parsed'], overviewDrawnMs: timing.marks['synack-overview'],
      allDrawnMs: timing.marks['synack-rendered'], sortByDurationMs: sortMs,
    };
    writeFileSync(join(OUT, 'large-report.json'), JSON.stringify(facts, null, 2) + '\n');
    // eslint-disable-next-line no-console
    console.log(`large report: ${JSON.stringify(facts)}`);
    expect(JSON.parse(readFileSync(join(OUT, 'large-report.json'), 'utf8')).rows).toBe(CONNECTIONS);
  } finally {
    await o.page.close();
  }
}, 600_000);
