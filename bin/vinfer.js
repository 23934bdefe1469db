#!/usr/bin/env node
// The `vinfer` command. It registers tsx's ESM loader first, so that model modules written in
// TypeScript can be imported, then starts the command line.
//
// Which copy of vinfer runs: the TypeScript sources when they are present (a source checkout, where
// models and examples import '../src/index.js'), else the compiled dist/ (an installed package,
// where models import 'vinfer', i.e. dist/). Running the same copy the model imports matters:
// the effect-handler stack is module state, and a model using one copy's `sample` under another
// copy's SVI would never see its handlers.
import { existsSync } from 'node:fs';

import { register } from 'tsx/esm/api';

register();

const src = new URL('../src/cli/main.ts', import.meta.url);
const dist = new URL('../dist/cli/main.js', import.meta.url);
const entry = existsSync(src) ? src : dist;
if (!existsSync(entry)) {
  process.stderr.write('vinfer: error: neither src/cli/main.ts nor dist/cli/main.js exists; reinstall vinfer, or run `npm run build`\n');
  process.exit(2);
}
const { cliMain } = await import(entry.href);
await cliMain(process.argv.slice(2));
