// ESLint passes on the tree, and each boundary of decision 0004 fails a wrong import with a message that says the fix.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo.js';

interface LintConfig {
  DOMAIN_IMPORTS: Array<[string, string, string]>;
}

/** Lints an in-memory snippet as if it were the file at `path` (type-aware rules off: the file does not exist). */
async function lintSnippet(path: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot, overrideConfig: { ...tseslint.configs.disableTypeChecked, files: ['**/*.ts'] } });
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, path) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint', () => {
  it('ESLint finds no error in the tree (npm run lint)', async () => {
    const eslint = new ESLint({ cwd: repoRoot });
    const results = await eslint.lintFiles(['.']);
    const errors = results.filter((r) => r.errorCount > 0);
    const text = await (await eslint.loadFormatter('stylish')).format(errors);
    expect(text, 'ESLint errors').toBe('');
  }, 300_000);

  it('@actions/* outside src/runtime fails, naming the wrapper to use', async () => {
    expect(await lintSnippet('src/metrics/scratch.ts', "import * as core from '@actions/core';\nexport const c = core;\n")).toEqual([
      'deploy-kit/boundaries: src/metrics/scratch.ts imports @actions/core: only src/runtime may import @actions/* packages. Wrap what you need in src/runtime (e.g. src/runtime/github.ts) and import the wrapper.',
    ]);
    expect(await lintSnippet('actions/smoke-test/scratch.ts', "export async function f() {\n  return import('@actions/github');\n}\n")).toHaveLength(1);
    expect(await lintSnippet('src/runtime/scratch.ts', "import * as core from '@actions/core';\nexport const c = core;\n")).toEqual([]);
  });

  it('src/ importing actions/ fails', async () => {
    expect(await lintSnippet('src/checks/scratch.ts', "export { readSettings } from '../../actions/deploy-canary/settings.js';\n")).toEqual([
      'deploy-kit/boundaries: src/checks imports actions/deploy-canary: src/ knows nothing of any one action. Move what both need into src/ and import it from the action.',
    ]);
  });

  it('a lower layer importing a higher one fails, with static, type-only and dynamic imports alike', async () => {
    const order = 'entry (actions/*, src/cli) > composition root (actions/shared) > use case (src/release) > domain (';
    const [upward] = await lintSnippet('src/traffic/scratch.ts', "import type { Canary } from '../release/canary.js';\nexport type C = Canary;\n");
    expect(upward).toMatch(/^deploy-kit\/boundaries: src\/traffic \(domain\) imports src\/release \(use case\): a layer imports only the layers below it — /);
    expect(upward).toContain(order);
    expect(await lintSnippet('src/http/scratch.ts', "export async function f() {\n  return import('../db/index.js');\n}\n")).toEqual([
      expect.stringMatching(/^deploy-kit\/boundaries: src\/http \(ground\) imports src\/db \(domain\)/),
    ]);
    expect(
      await lintSnippet('src/util/scratch.ts', "import { ConfigurationError } from '../runtime/errors.js';\nexport const E = ConfigurationError;\n"),
    ).toEqual([expect.stringMatching(/^deploy-kit\/boundaries: src\/util \(neutral helper\) imports src\/runtime \(ground\)/)]);
    expect(
      await lintSnippet(
        'src/release/scratch.ts',
        "import { sleep } from '../util/sleep.js';\nimport { parseDuration } from '../runtime/parse.js';\nexport const f = [sleep, parseDuration];\n",
      ),
    ).toEqual([]);
  });

  it('a domain importing another domain fails unless DOMAIN_IMPORTS lists the pair', async () => {
    expect(
      await lintSnippet('src/checks/scratch.ts', "import { parseMetricChecks } from '../metrics/config.js';\nexport const f = parseMetricChecks;\n"),
    ).toEqual([
      'deploy-kit/boundaries: src/checks imports src/metrics, another domain: domains import each other only where DOMAIN_IMPORTS in eslint.config.js lists the pair (decision 0004). Move the shared part to a lower layer, or list the pair with the reason.',
    ]);
    expect(await lintSnippet('src/gates/scratch.ts', "import { formatNumber } from '../metrics/config.js';\nexport const f = formatNumber;\n")).toEqual([]);
  });

  it('one action importing another fails', async () => {
    expect(
      await lintSnippet('actions/rollback/scratch.ts', "import { readSettings } from '../deploy-canary/settings.js';\nexport const f = readSettings;\n"),
    ).toEqual([
      'deploy-kit/boundaries: actions/rollback imports actions/deploy-canary, another entry: each entry imports only the layers below it. Move what both need into src/.',
    ]);
  });

  it('a src/ folder missing from the layer list fails, saying where to add it', async () => {
    expect(await lintSnippet('src/unlisted/scratch.ts', "import { sleep } from '../util/sleep.js';\nexport const f = sleep;\n")).toEqual([
      'deploy-kit/boundaries: src/unlisted is not in the layer list of eslint.config.js: add it to the layer it belongs to (a new domain is one line in DOMAINS).',
    ]);
  });

  it('every pair in DOMAIN_IMPORTS is still used (remove a pair nobody needs)', async () => {
    const { DOMAIN_IMPORTS } = (await import(pathToFileURL(join(repoRoot, 'eslint.config.js')).href)) as LintConfig;
    const used = new Set<string>();
    const src = join(repoRoot, 'src');
    for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const from = `src/${file.split('/')[0]}`;
      for (const [, spec] of readFileSync(join(src, file), 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const to = relative(repoRoot, resolve(dirname(join(src, file)), spec!))
          .split('/')
          .slice(0, 2)
          .join('/');
        used.add(`${from} -> ${to}`);
      }
    }
    const unused = DOMAIN_IMPORTS.map(([from, to]) => `${from} -> ${to}`).filter((pair) => !used.has(pair));
    expect(unused, 'pairs in DOMAIN_IMPORTS of eslint.config.js that no import uses any more: delete them').toEqual([]);
  });
});
