import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every action folder at the root: those holding an action.yml. */
export function actionFolders(): string[] {
  return readdirSync(repoRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
    .filter((d) => existsSync(join(repoRoot, d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();
}
