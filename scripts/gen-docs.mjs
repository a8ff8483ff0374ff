#!/usr/bin/env node
// Renders each action's inputs and outputs tables from its action.yml into the marked regions of
// README.md and <action>/README.md:
//   <!-- gen:inputs <action> -->…<!-- gen:end -->   <!-- gen:outputs <action> -->…<!-- gen:end -->
// Usage: node scripts/gen-docs.mjs [--check]   (--check: exit 1 when a file would change)
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

const actions = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(root, d.name, 'action.yml')))
  .map((d) => d.name);
const meta = Object.fromEntries(actions.map((a) => [a, parse(readFileSync(join(root, a, 'action.yml'), 'utf8'))]));

const cell = (text) =>
  String(text ?? '')
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
const code = (text) => (text === undefined || text === '' ? '' : `\`${cell(text)}\``);

function inputsTable(action) {
  const inputs = meta[action].inputs ?? {};
  const rows = Object.entries(inputs).map(([name, s]) => `| \`${name}\` | ${s.required ? 'yes' : 'no'} | ${code(s.default)} | ${cell(s.description)} |`);
  return ['| input | required | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function outputsTable(action) {
  const outputs = meta[action].outputs ?? {};
  const rows = Object.entries(outputs).map(([name, s]) => `| \`${name}\` | ${cell(s.description)} |`);
  return ['| output | description |', '| --- | --- |', ...rows].join('\n');
}

const region = /<!-- gen:(inputs|outputs) ([a-z-]+) -->[\s\S]*?<!-- gen:end -->/g;
const files = ['README.md', ...actions.map((a) => join(a, 'README.md'))].filter((f) => existsSync(join(root, f)));
let stale = [];
for (const file of files) {
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(region, (whole, kind, action) => {
    if (!meta[action]) throw new Error(`${file}: no action "${action}" for a gen:${kind} region`);
    const table = kind === 'inputs' ? inputsTable(action) : outputsTable(action);
    return `<!-- gen:${kind} ${action} -->\n${table}\n<!-- gen:end -->`;
  });
  if (after !== before) {
    stale.push(file);
    if (!check) writeFileSync(path, after);
  }
}
if (check && stale.length) {
  console.error(`stale input/output tables in ${stale.join(', ')}: run node scripts/gen-docs.mjs`);
  process.exit(1);
}
console.log(stale.length ? `${check ? 'stale' : 'updated'}: ${stale.join(', ')}` : 'docs up to date');
