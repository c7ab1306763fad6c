#!/usr/bin/env node
/**
 * `npm run build`'s second step: the compiled CLI (dist/cli/main.js) bundled into one file,
 * dist/bundle/synack.js. Loading one file instead of
 * ~70 ES modules takes ~60 ms off every start (0.16 s → 0.10 s for `synack --version` on the bench
 * machine), which a CI job analysing many small captures pays on each one.
 *
 * The bundle sits two levels below the package root, as dist/cli/main.js does, so its relative
 * paths still hold: ../../package.json (the version), and `cap` is left out (a native module, required at run time from node_modules).
 *
 * The HTML report's browser code (dist/report/html/client/main.js) is bundled too, minified, as one
 * script for the browser (dist/bundle/report-client.js), and its stylesheet minified beside it
 * (dist/bundle/report.css): `synack report` inlines both into every page (src/report/html/assets.ts).
 */
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['cap'],
  logLevel: 'warning',
  // commander and cli-table3 are CommonJS: inside an ES module bundle their require() of Node's
  // own modules needs a real require.
  banner: { js: "import { createRequire as __synackCreateRequire } from 'node:module'; const require = __synackCreateRequire(import.meta.url);" },
};
await build({ ...common, entryPoints: [join(ROOT, 'dist/cli/main.js')], outfile: join(ROOT, 'dist/bundle/synack.js') });
await build({
  entryPoints: [join(ROOT, 'dist/report/html/client/main.js')], outfile: join(ROOT, 'dist/bundle/report-client.js'),
  bundle: true, platform: 'browser', format: 'iife', target: ['chrome100', 'firefox100', 'safari15'], minify: true, legalComments: 'none', logLevel: 'warning',
});
await build({
  entryPoints: [join(ROOT, 'src/report/html/report.css')], outfile: join(ROOT, 'dist/bundle/report.css'),
  bundle: true, minify: true, target: ['chrome100', 'firefox100', 'safari15'], logLevel: 'warning',
});
