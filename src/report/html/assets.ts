/**
 * The page's script and stylesheet, built by `npm run build` (scripts/bundle.js) into dist/bundle/
 * and read from there: the browser code is bundled and minified once, not at every report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReportAssets { script: string; style: string }

let cached: ReportAssets | null = null;

/** The package root: the nearest folder above this module with synack's package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'synack') return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find synack\'s package.json above ' + fileURLToPath(import.meta.url));
}

export function reportAssets(): ReportAssets {
  if (cached) return cached;
  const dir = join(packageRoot(), 'dist', 'bundle');
  const script = join(dir, 'report-client.js');
  const style = join(dir, 'report.css');
  if (!existsSync(script) || !existsSync(style)) throw new Error(`the HTML report's assets are missing (${script}): run \`npm run build\``);
  cached = { script: readFileSync(script, 'utf8'), style: readFileSync(style, 'utf8') };
  return cached;
}
