#!/usr/bin/env node
// The CLI from dist/'s separate modules (what bin/synack.js runs, before scripts/bundle.js makes one
// file of it): for profiles whose functions are named by their source files (bench/profile.js).
import { run } from '../dist/cli/main.js';

await run();
