#!/usr/bin/env node
// Thin shim: everything lives in dist/ (built by `npm run build`).
import { run } from '../dist/cli/main.js';

await run();
