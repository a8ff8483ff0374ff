#!/usr/bin/env node
// The CLI front end: `deploy-kit <action> --<input> <value> …` (see src/cli/main.ts).
import '../dist/cli/index.js';
