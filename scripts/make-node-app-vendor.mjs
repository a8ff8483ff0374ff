#!/usr/bin/env node
// Generates the offline package cache of test/fixtures/images/node-app (vendor/): N packages of
// JavaScript-like text, deterministic (the same bytes on every machine and run, so builds cache),
// each with a package.json carrying the sha256 of its files. Idempotent: a complete cache is kept.
// Usage: node scripts/make-node-app-vendor.mjs [total MiB=120]
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = join(root, 'test', 'fixtures', 'images', 'node-app', 'vendor');
const totalMiB = Number(process.argv[2] ?? 120);
const packages = 60;
const filesPerPackage = 8;
const stamp = join(vendor, '.complete');
const want = `${totalMiB}MiB/${packages}x${filesPerPackage}/v1`;
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) {
  console.log(`vendor: present (${want})`);
  process.exit(0);
}
rmSync(vendor, { recursive: true, force: true });
const fileBytes = Math.floor((totalMiB * 1024 * 1024) / (packages * filesPerPackage));
// AES-CTR over zeros: a fast deterministic byte stream; base64 of it reads like minified code and
// compresses about as much (≈ 0.75).
const stream = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
for (let p = 0; p < packages; p++) {
  const name = `dep-${String(p).padStart(3, '0')}`;
  const dir = join(vendor, name);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  const integrity = {};
  for (let f = 0; f < filesPerPackage; f++) {
    const body = stream.update(Buffer.alloc(Math.ceil((fileBytes * 3) / 4))).toString('base64');
    const text = `/* ${name} ${f} */\nexport const data = "${body}";\n`;
    const file = `lib/chunk-${f}.js`;
    writeFileSync(join(dir, file), text);
    integrity[file] = createHash('sha256').update(text).digest('hex');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: `1.${p}.0`, integrity }, null, 2));
}
writeFileSync(stamp, want);
console.log(`vendor: generated ${packages} packages, ${totalMiB} MiB (${want})`);
