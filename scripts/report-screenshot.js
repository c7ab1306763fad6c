#!/usr/bin/env node
/**
 * The README's picture of the HTML report: `synack report fixtures/demo.pcap`, opened in Debian's
 * headless Chromium at connection #26 (a lost handshake ACK), the top of its detail view.
 *
 *   npm run build && node scripts/report-screenshot.js      # writes docs/report-demo.png
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'report-demo.png');
const dir = mkdtempSync(join(tmpdir(), 'synack-shot-'));
const html = join(dir, 'demo.html');
const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'synack.js'), '-q', 'report', 'fixtures/demo.pcap', '-o', html], { encoding: 'utf8', cwd: ROOT });
if (r.status !== 0) { process.stderr.write(r.stderr); process.exit(1); }
const ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1200, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await ctx.newPage();
await page.goto(`${pathToFileURL(html).href}#conn/26`);
await page.waitForSelector('body[data-ready]');
await page.evaluate(() => { document.querySelector('header.top').style.position = 'static'; });
const top = await page.evaluate(() => document.getElementById('conn-detail').getBoundingClientRect().top + window.scrollY);
mkdirSync(dirname(OUT), { recursive: true });
await page.screenshot({ path: OUT, fullPage: true, clip: { x: 0, y: top - 8, width: 1200, height: 860 } });
await ctx.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${OUT}\n`);
