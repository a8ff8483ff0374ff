// Every action.yml and workflow, parsed with GitHub's own parser, plus the suite's own rules.
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionFolders, repoRoot } from '../support/repo.js';

interface ActionYml {
  name: string;
  description: string;
  branding?: { icon: string; color: string };
  inputs?: Record<string, { description?: string; default?: unknown; required?: boolean }>;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

function read(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

const actionFiles = ['action.yml', ...actionFolders().map((a) => `${a}/action.yml`)];

describe('action.yml files', () => {
  it('there is at least the root and one action', () => {
    expect(actionFiles.length).toBeGreaterThanOrEqual(2);
  });

  it.each(actionFiles)('%s passes GitHub’s action parser', (file) => {
    const result = parseAction({ name: file, content: read(file) }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  it.each(actionFiles)('%s runs on node24 from a committed bundle', (file) => {
    const meta = parse(read(file)) as ActionYml;
    expect(meta.runs.using).toBe('node24');
    const base = file === 'action.yml' ? '' : `${file.split('/')[0]}/`;
    for (const script of [meta.runs.main, meta.runs.post].filter(Boolean) as string[]) {
      expect(existsSync(join(repoRoot, base, script)), `${script} exists`).toBe(true);
    }
  });

  it.each(actionFolders())('%s documents every input and output and has branding and a README', (action) => {
    const meta = parse(read(`${action}/action.yml`)) as ActionYml;
    expect(meta.branding?.icon).toBeTruthy();
    for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
      expect(spec?.description, `input ${name}`).toBeTruthy();
      expect(name, `input ${name} is kebab-case`).toMatch(/^[a-z][a-z0-9-]*$/);
      if (!spec?.required) expect(spec && 'default' in spec, `input ${name} has a default (may be '')`).toBe(true);
    }
    for (const [name, spec] of Object.entries(meta.outputs ?? {})) {
      expect(spec?.description, `output ${name}`).toBeTruthy();
    }
    expect(existsSync(join(repoRoot, action, 'README.md'))).toBe(true);
  });

  it('inputs shared by several actions are described the same way everywhere', () => {
    const byName = new Map<string, Map<string, string[]>>();
    for (const action of actionFolders()) {
      const meta = parse(read(`${action}/action.yml`)) as ActionYml;
      for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
        const key = `${String(spec?.default ?? '')}`;
        const entry = byName.get(name) ?? new Map<string, string[]>();
        entry.set(key, [...(entry.get(key) ?? []), action]);
        byName.set(name, entry);
      }
    }
    for (const name of ['dry-run', 'github-token']) {
      const defaults = byName.get(name);
      if (defaults) expect([...defaults.keys()], `default of ${name}`).toHaveLength(1);
    }
  });
});

const workflowDirs = ['.github/workflows', 'action-templates'];
const workflows = workflowDirs.flatMap((dir) =>
  existsSync(join(repoRoot, dir))
    ? readdirSync(join(repoRoot, dir))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => `${dir}/${f}`)
    : [],
);

describe('workflows and templates', () => {
  it('exist', () => {
    expect(workflows.length).toBeGreaterThan(0);
  });
  it.each(workflows)('%s passes GitHub’s workflow parser', (file) => {
    const result = parseWorkflow({ name: file, content: read(file) }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
  });
  it.each(workflows.filter((w) => w.startsWith('action-templates/')))('%s uses deploy-kit actions that exist, with inputs they declare', (file) => {
    const doc = parse(read(file)) as { jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }> };
    let used = 0;
    for (const job of Object.values(doc.jobs)) {
      for (const step of job.steps ?? []) {
        const m = /^org\/deploy-kit\/([a-z-]+)@v1$/.exec(step.uses ?? '');
        if (!m) continue;
        used++;
        const action = m[1]!;
        expect(existsSync(join(repoRoot, action, 'action.yml')), `${action} exists`).toBe(true);
        const inputs = (parse(read(`${action}/action.yml`)) as ActionYml).inputs ?? {};
        for (const key of Object.keys(step.with ?? {})) expect(Object.keys(inputs), `${action} has input ${key}`).toContain(key);
        for (const [name, spec] of Object.entries(inputs)) {
          if (spec?.required) expect(Object.keys(step.with ?? {}), `${action} needs ${name}`).toContain(name);
        }
      }
    }
    expect(used, 'the template uses deploy-kit').toBeGreaterThan(0);
  });
});
