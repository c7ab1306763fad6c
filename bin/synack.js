#!/usr/bin/env node
// Thin shim: everything lives in dist/ (built by `npm run build`: tsc, then scripts/bundle.js, which
// puts the CLI in one file so it starts ~60 ms sooner than from its ~70 modules).
import { run } from '../dist/bundle/synack.js';

await run();
