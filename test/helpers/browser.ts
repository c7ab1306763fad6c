/**
 * Headless Chromium for the HTML report's tests: Debian's /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser), a fresh profile each launch, every console error and page error
 * recorded, every request recorded and any that is not the report file itself aborted (the page
 * must need none). Screenshots go to .ci/out/screenshots/ (gitignored; CI keeps it as an artifact).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, '.ci', 'out', 'screenshots');

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export interface Browser {
  ctx: BrowserContext;
  close(): Promise<void>;
}

export async function launch(viewport = { width: 1600, height: 1000 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'synack-chromium-'));
  // playwright-core adds --headless itself (headless: true) and starts the browser at the path given.
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport });
  return {
    ctx,
    close: async () => {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface OpenedReport {
  page: Page;
  url: string;
  /** Console errors and uncaught page errors, as text. */
  errors: string[];
  /** Every request the page made, the report file first. */
  requests: string[];
  /** Dialogs opened (alert, confirm...): a report must never open one. */
  dialogs: string[];
}

/** Opens a report file, waits until its script has drawn every section (body[data-ready]). */
export async function openReport(b: Browser, file: string, hash = '', timeoutMs = 30000): Promise<OpenedReport> {
  const page = await b.ctx.newPage();
  const url = pathToFileURL(file).href;
  const o: OpenedReport = { page, url, errors: [], requests: [], dialogs: [] };
  page.on('console', (m) => { if (m.type() === 'error') o.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => { o.errors.push(`page error: ${e.message}`); });
  page.on('request', (r) => { o.requests.push(r.url()); });
  page.on('dialog', (d) => { o.dialogs.push(d.message()); void d.dismiss(); });
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url + hash);
  await page.waitForSelector('body[data-ready]', { timeout: timeoutMs });
  return o;
}

/** A screenshot of one element for people to look at (CI artifact). */
export async function screenshot(page: Page, selector: string, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The sticky header would cover the top of elements scrolled under it.
  await page.evaluate(() => { const h = document.querySelector<HTMLElement>('header.top'); if (h) h.style.position = 'static'; });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.locator(selector).first().screenshot({ path });
  return path;
}
