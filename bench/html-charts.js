#!/usr/bin/env node
/**
 * How the HTML report draws its charts, measured: the report's own hand-written SVG step chart
 * (src/report/html/client/chart.ts, the listener's half-open series) against uPlot 1.6 (the smallest
 * charting library the issue names) drawing the same series, in headless Chromium. Prints the bytes
 * each adds to a report and the median time to draw a chart of 1,000 points (a listener's series at
 * its bound, TrackerOptions.maxSeriesPoints) and of 20,000 points, over interleaved runs.
 *
 *   npm run build && npm install --no-save uplot@1.6.32 && node bench/html-charts.js [--runs 15]
 *
 * uPlot is not a dependency: install it without saving to run this (the README records the result).
 */
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);
const UPLOT = join(ROOT, 'node_modules', 'uplot', 'dist');
if (!existsSync(join(UPLOT, 'uPlot.iife.min.js'))) {
  process.stderr.write('html-charts: uPlot is not installed: npm install --no-save uplot@1.6.32\n');
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist', 'report', 'html', 'client', 'chart.js'))) {
  process.stderr.write('html-charts: run `npm run build` first\n');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'synack-charts-'));
// The report's chart code alone, bundled and minified as scripts/bundle.js does for the page.
const entry = join(dir, 'entry.js');
writeFileSync(entry, `import { stepChart } from ${JSON.stringify(join(ROOT, 'dist', 'report', 'html', 'client', 'chart.js'))};\nwindow.stepChart = stepChart;\n`);
const ours = (await build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', write: false, platform: 'browser' })).outputFiles[0].text;
const uplotJs = readFileSync(join(UPLOT, 'uPlot.iife.min.js'), 'utf8');
const uplotCss = readFileSync(join(UPLOT, 'uPlot.min.css'), 'utf8');

/** A half-open series like a SYN flood's: up by one per SYN, down as they time out. */
function series(n) {
  const pts = [];
  let v = 0;
  for (let i = 0; i < n; i++) { v = Math.max(0, v + (i % 7 < 5 ? 1 : -1)); pts.push([i * 0.004, v]); }
  return pts;
}

const draw = {
  svg: `(pts) => { const el = document.getElementById('c'); el.textContent = '';
    const { svg } = window.stepChart({ width: 900, height: 240, points: pts, xDomain: [0, pts[pts.length - 1][0]], yMin: 1,
      lines: [{ y: 64, label: 'threshold', cls: 'threshold' }], markers: [], xFormat: String, xLabel: 't', yLabel: 'n' });
    el.appendChild(svg); return el.querySelectorAll('*').length; }`,
  uplot: `(pts) => { const el = document.getElementById('c'); el.textContent = '';
    const u = new uPlot({ width: 900, height: 240, scales: { x: { time: false } },
      series: [{}, { stroke: '#1f6feb', paths: uPlot.paths.stepped({ align: 1 }) }, { stroke: 'red', dash: [6, 4] }] },
      [pts.map((p) => p[0]), pts.map((p) => p[1]), pts.map(() => 64)], el); return u.data[0].length; }`,
};

const pages = {
  svg: `<!doctype html><meta charset="utf-8"><body><div id="c"></div><script>${ours}</script>`,
  uplot: `<!doctype html><meta charset="utf-8"><style>${uplotCss}</style><body><div id="c"></div><script>${uplotJs}</script>`,
};

const profile = join(dir, 'profile');
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = {};
for (const n of [1000, 20000]) {
  const pts = series(n);
  const times = { svg: [], uplot: [] };
  const opened = {};
  for (const k of Object.keys(pages)) {
    const f = join(dir, `${k}.html`);
    writeFileSync(f, pages[k]);
    opened[k] = await ctx.newPage();
    await opened[k].goto(pathToFileURL(f).href);
  }
  // Interleaved, after a warm-up of each.
  for (let r = -2; r < RUNS; r++) {
    for (const k of Object.keys(pages)) {
      // Draw, then wait for the frame to be painted: uPlot draws on a canvas in a later frame.
      // (A page in the background gets no animation frames: bring it forward first.)
      await opened[k].bringToFront();
      const ms = await opened[k].evaluate(async ([fn, p]) => {
        const f = (0, eval)(fn);
        const t0 = performance.now();
        f(p);
        await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
        return performance.now() - t0;
      }, [draw[k], pts]);
      if (r >= 0) times[k].push(ms);
    }
  }
  for (const p of Object.values(opened)) await p.close();
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  results[n] = { svg: median(times.svg), uplot: median(times.uplot) };
}
await ctx.close();
rmSync(dir, { recursive: true, force: true });

const kb = (s) => (Buffer.byteLength(s) / 1000).toFixed(1);
console.log(`bytes added to every report: hand-written SVG chart ${kb(ours)} KB; uPlot ${kb(uplotJs)} KB + ${kb(uplotCss)} KB css`);
for (const [n, r] of Object.entries(results)) {
  console.log(`${n} points, median of ${RUNS} (draw + 2 frames): SVG ${r.svg.toFixed(1)} ms, uPlot ${r.uplot.toFixed(1)} ms`);
}
