#!/usr/bin/env node
// Thin shim: everything lives in dist/ (built by `npm run build`: tsc, then scripts/bundle.js, which
// puts the CLI in one file so it starts ~60 ms sooner than from its ~70 modules).
import { run, tuneHeap } from '../dist/bundle/synack.js';

// V8's heap settings for this process (src/util/heap-tuning.ts says why, with the measurements); a flag
// given to node wins.
tuneHeap([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]);

await run();
