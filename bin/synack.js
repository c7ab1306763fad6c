#!/usr/bin/env node
// Thin shim: everything lives in dist/ (built by `npm run build`: tsc, then scripts/bundle.js, which
// puts the CLI in one file so it starts ~60 ms sooner than from its ~70 modules).
import v8 from 'node:v8';
import { run } from '../dist/bundle/synack.js';

// V8 lets the old generation grow by a factor it picks from its own speed, and with a heap limit of
// gigabytes it rarely collects: a SYN flood of 200,000 half-open requests peaked at 415 MB of RSS for
// about 120 MB of live data, a 1 M-SYN cookie flood at 460-500 MB. Growing by 30 % at a time keeps
// them at ~300 MB (paired runs: README "Performance") and cost ordinary captures nothing measurable
// (bench 1× capture, three pairs of user CPU: 6.8/6.2/5.6 s by default, 6.2/6.5/5.6 s growing by 30 %). A flag given to node
// wins.
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
if (!given.some((f) => /^--heap[-_]growing[-_]percent/.test(f))) v8.setFlagsFromString('--heap-growing-percent=30');

await run();
