/**
 * The HTML report as one self-contained file: the stylesheet, the data and the script inline, and a
 * Content-Security-Policy that forbids every fetch (scripts and styles only by their hash, images
 * only from data: URLs, no connections). Opened from a ticket attachment or a CI artifact, it works
 * offline and cannot reach the network even if its code tried.
 */
import type { ReportAssets } from './assets.js';
import type { ReportData } from './data.js';
import { crypto } from '../../util/lazy-builtins.js';

function sha256(text: string): string {
  return `'sha256-${crypto().createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Text for HTML element content and (double-quoted) attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * JSON inside <script type="application/json">: every "<" escaped, so no "</script>" or "<!--" in
 * a file name or message can end the element early (JSON.parse reads \u003c back as "<").
 */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

/** Members whose values are written one level deeper (large: one piece per column or connection). */
const SPLIT = new Set(['rows', 'packets']);

/**
 * The same text as scriptJson(data), in pieces: the data of a 200,000-connection capture is ~18 MB,
 * and one string of it (two bytes a character as soon as one message holds a "→"), its escaped copy
 * and the page around it would be held at once. Pieces are written as they are made.
 */
export function* scriptJsonPieces(data: object): Generator<string> {
  let first = true;
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined) continue;
    const key = `${first ? '{' : ','}${JSON.stringify(k)}:`;
    first = false;
    if (SPLIT.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      yield key;
      let inner = true;
      // Keys first, then each value read on its own: the rows' columns are made when read.
      for (const k2 of Object.keys(v)) {
        const v2 = (v as Record<string, unknown>)[k2];
        if (v2 === undefined) continue;
        yield `${inner ? '{' : ','}${JSON.stringify(k2)}:${scriptJson(v2)}`;
        inner = false;
      }
      yield inner ? '{}' : '}';
    } else {
      yield key + scriptJson(v);
    }
  }
  yield first ? '{}' : '}';
}

/** The script, made safe the same way ("</script" would end the element). */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** The page in pieces, in order (write them as they come: see scriptJsonPieces). */
export function* reportPagePieces(data: ReportData, assets: ReportAssets): Generator<string> {
  const js = scriptText(assets.script);
  const css = assets.style;
  const csp = [
    "default-src 'none'", `script-src ${sha256(js)}`, `style-src ${sha256(css)}`, 'img-src data:',
    "base-uri 'none'", "form-action 'none'",
  ].join('; ');
  const names = data.inputs.map((i) => i.name).join(', ');
  const title = `synack report: ${names || 'no input'}`;
  yield [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="synack ${escapeHtml(data.tool.version)}">`,
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<header class="top">',
    `<h1>synack report</h1><span class="files">${escapeHtml(names)}</span>`,
    '<nav><a href="#overview">Overview</a><a href="#listeners">Listeners</a><a href="#connections">Connections</a><a href="#connection">Connection</a><a href="#catalogue">Anomaly catalogue</a></nav>',
    '</header>',
    '<main id="app"><p class="loading">Drawing the report… (it needs JavaScript; the data is also in the page source as JSON, element #synack-data)</p></main>',
    `<footer>Made by synack ${escapeHtml(data.tool.version)} from the same analysis as <code>synack analyze --json</code>; the embedded data follows schema/report-data.schema.json (reportVersion ${data.reportVersion}).</footer>`,
    '<script type="application/json" id="synack-data">',
  ].join('\n');
  yield* scriptJsonPieces(data);
  yield `</script>\n<script>${js}</script>\n</body>\n</html>\n`;
}

/** The whole page as one string (small reports, tests). */
export function renderReportPage(data: ReportData, assets: ReportAssets): string {
  return [...reportPagePieces(data, assets)].join('');
}
