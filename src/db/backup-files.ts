/**
 * What happens to a backup file around the dump itself: its compression (`backup-compression`) and
 * which older backups go (`backup-retention`). The choices are pure; compress/expand do the I/O.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { findOnPath, runProgram } from '../exec/run.js';
import { ConfigurationError } from '../runtime/errors.js';
import { parseDuration } from '../runtime/parse.js';
import type { Engine } from './url.js';

export type CompressionKind = 'none' | 'gzip' | 'zstd';

export interface BackupCompression {
  /** `auto`: PostgreSQL's custom format compresses itself; a mysqldump file is compressed with zstd when present, else gzip. */
  kind: CompressionKind | 'auto';
  /** gzip 1-9, zstd 1-19; undefined: the tool's default. */
  level?: number;
}

/** `auto`, `none`, `gzip`, `zstd`, optionally with a level: `gzip:9`, `zstd:19`. */
export function parseBackupCompression(text: string | undefined): BackupCompression {
  const value = (text ?? '').trim().toLowerCase() || 'auto';
  const m = /^(auto|none|gzip|zstd)(?::(\d+))?$/.exec(value);
  const max = m?.[1] === 'zstd' ? 19 : 9;
  if (!m || (m[2] !== undefined && (m[1] === 'auto' || m[1] === 'none' || Number(m[2]) < 1 || Number(m[2]) > max))) {
    throw new ConfigurationError(`backup-compression is "${text}": give auto, none, gzip, zstd, or a level as gzip:1…9 / zstd:1…19.`, {
      input: 'backup-compression',
    });
  }
  return { kind: m[1] as BackupCompression['kind'], level: m[2] === undefined ? undefined : Number(m[2]) };
}

/** pg_dump's `--compress` value for the custom format (zstd needs pg_dump 16 or later). */
export function pgDumpCompressArg(c: BackupCompression, pgDumpMajor: number | undefined): string | undefined {
  if (c.kind === 'auto') return undefined;
  if (c.kind === 'none') return '--compress=0';
  if (c.kind === 'gzip') return `--compress=${c.level ?? 6}`;
  if (pgDumpMajor !== undefined && pgDumpMajor < 16) {
    throw new ConfigurationError(
      `backup-compression is zstd, but pg_dump ${pgDumpMajor} compresses only with gzip (zstd needs pg_dump 16+): use gzip or auto.`,
      {
        input: 'backup-compression',
      },
    );
  }
  return `--compress=zstd${c.level ? `:${c.level}` : ''}`;
}

/** What a mysqldump file is compressed with: `auto` takes zstd where the program is on PATH. */
export function sqlCompression(c: BackupCompression, zstdPresent: boolean): CompressionKind {
  if (c.kind === 'auto') return zstdPresent ? 'zstd' : 'gzip';
  return c.kind;
}

export const COMPRESSED_SUFFIX: Record<CompressionKind, string> = { none: '', gzip: '.gz', zstd: '.zst' };

export function compressionOfPath(path: string): CompressionKind {
  return path.endsWith('.gz') ? 'gzip' : path.endsWith('.zst') ? 'zstd' : 'none';
}

/** Compresses `path` into `path + suffix` (removing `path`); returns the new path. */
export async function compressFile(path: string, kind: CompressionKind, level: number | undefined, signal?: AbortSignal): Promise<string> {
  if (kind === 'none') return path;
  const out = path + COMPRESSED_SUFFIX[kind];
  if (kind === 'gzip') {
    await pipeline(createReadStream(path), createGzip(level ? { level } : {}), createWriteStream(out, { mode: 0o600 }), { signal });
  } else {
    await runProgram('zstd', ['-q', '-f', ...(level ? [`-${level}`] : []), '-o', out, '--', path], { signal, timeoutMs: 60 * 60_000 });
  }
  rmSync(path);
  return out;
}

/** Expands a compressed backup next to itself (for reading and restoring); returns the plain path. */
export async function expandFile(path: string, signal?: AbortSignal): Promise<string> {
  const kind = compressionOfPath(path);
  if (kind === 'none') return path;
  const out = `${path.slice(0, -COMPRESSED_SUFFIX[kind].length)}.expanded-${process.pid}`;
  if (kind === 'gzip') await pipeline(createReadStream(path), createGunzip(), createWriteStream(out, { mode: 0o600 }), { signal });
  else await runProgram('zstd', ['-q', '-d', '-f', '-o', out, '--', path], { signal, timeoutMs: 60 * 60_000 });
  return out;
}

export function zstdPresent(): boolean {
  return findOnPath('zstd') !== undefined;
}

export type Retention = { kind: 'all' } | { kind: 'count'; keep: number } | { kind: 'age'; maxAgeMs: number };

/** `backup-retention`: empty (keep all), a count (`5`: the newest five) or an age (`14d`, `36h`). */
export function parseRetention(text: string | undefined): Retention {
  const value = (text ?? '').trim();
  if (value === '') return { kind: 'all' };
  if (/^\d+$/.test(value)) {
    const keep = Number(value);
    if (keep < 1)
      throw new ConfigurationError('backup-retention is 0: keep at least 1 backup (the one just taken is never deleted), or leave it empty.', {
        input: 'backup-retention',
      });
    return { kind: 'count', keep };
  }
  return { kind: 'age', maxAgeMs: parseDuration(value, 'backup-retention', { maxMs: Infinity }) };
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** This database's backups among `names` (deploy-kit's naming), with the time in their names. */
export function backupsOf(names: readonly string[], safeDatabase: string, engine: Engine): { name: string; at: number; seq: number }[] {
  const ext = engine === 'postgres' ? '\\.dump' : '\\.sql(?:\\.gz|\\.zst)?';
  const pattern = new RegExp(`^${safeDatabase.replace(/[.]/g, '\\.')}-(\\d{8}T\\d{6}Z)(?:-(\\d+))?${ext}$`);
  const out: { name: string; at: number; seq: number }[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    const s = m && STAMP.exec(m[1]!);
    if (s) out.push({ name, at: Date.UTC(+s[1]!, +s[2]! - 1, +s[3]!, +s[4]!, +s[5]!, +s[6]!), seq: Number(m[2] ?? 1) });
  }
  return out;
}

/** Which of this database's backups the policy removes: never `justTaken`. Newest first by name time. */
export function expiredBackups(backups: readonly { name: string; at: number; seq: number }[], retention: Retention, now: number, justTaken: string): string[] {
  if (retention.kind === 'all') return [];
  // Newest first; within one second, `-2` was taken after the plain name.
  const sorted = [...backups].sort((a, b) => b.at - a.at || b.seq - a.seq);
  const expired =
    retention.kind === 'count' ? sorted.slice(retention.keep).map((b) => b.name) : sorted.filter((b) => now - b.at > retention.maxAgeMs).map((b) => b.name);
  return expired.filter((n) => n !== justTaken);
}

/** Applies the retention policy in `dir`; returns the files removed. */
export function pruneBackups(dir: string, safeDatabase: string, engine: Engine, retention: Retention, justTakenPath: string): string[] {
  if (retention.kind === 'all' || !existsSync(dir)) return [];
  const justTaken = justTakenPath.slice(justTakenPath.lastIndexOf('/') + 1);
  const removed = expiredBackups(backupsOf(readdirSync(dir), safeDatabase, engine), retention, Date.now(), justTaken);
  for (const name of removed) rmSync(join(dir, name), { force: true });
  return removed.map((n) => join(dir, n));
}
