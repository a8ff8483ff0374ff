/**
 * The deployment record: every promote, abort, rolling deploy and rollback appends an entry to a
 * JSON history file kept beside the compose project (last N kept, written atomically). Rollback
 * reads it to find the last known good release.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { OperationFailedError } from '../runtime/errors.js';
import { redactSecrets } from '../runtime/secrets.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface RecordedImage {
  service: string;
  image: string;
  digest?: string;
}

export type RecordResult = 'promoted' | 'aborted' | 'aborted (cancelled)' | 'deployed' | 'rolled-back' | 'failed';

export interface RecordEntry {
  at: string;
  action: 'deploy-canary' | 'rolling' | 'rollback' | 'blue-green';
  result: RecordResult;
  /** What runs after this entry (for an abort: the canary image that was rejected). */
  services: RecordedImage[];
  /** What ran before. */
  previous: RecordedImage[];
  runUrl?: string;
  reason?: string;
  /** What a rollback's database step did (one line). */
  database?: string;
  /** The database version this release ran against (migrate-db's current-version), when the workflow gave it. */
  databaseVersion?: string;
  /** The backup taken just before this release changed the database (migrate-db's backup-path), when there was one. */
  backup?: string;
}

/** The database a release ran against, as the workflow tells deploy-canary (both optional). */
export interface ReleaseDatabase {
  version?: string;
  backup?: string;
}

/** Pure: the entry fields for a release's database (none when nothing is known). */
export function databaseFields(database: ReleaseDatabase | undefined): Pick<RecordEntry, 'databaseVersion' | 'backup'> {
  return {
    ...(database?.version ? { databaseVersion: database.version } : {}),
    ...(database?.backup ? { backup: database.backup } : {}),
  };
}

export interface HistoryFile {
  version: 1;
  entries: RecordEntry[];
}

export const DEFAULT_HISTORY_LIMIT = 50;

/**
 * The entry as it may be stored: its free text (`reason`, `database`, which quote error messages) with every
 * secret masked in this process replaced, so a password in a failing tool's message never reaches the record.
 */
export function redactEntry(entry: RecordEntry, redact: (text: string) => string = redactSecrets): RecordEntry {
  return {
    ...entry,
    ...(entry.reason !== undefined ? { reason: redact(entry.reason) } : {}),
    ...(entry.database !== undefined ? { database: redact(entry.database) } : {}),
  };
}

/** Pure (but for the process's secrets): the history with `entry` (redacted) appended and only the last `limit` kept. */
export function appendEntry(history: HistoryFile, entry: RecordEntry, limit = DEFAULT_HISTORY_LIMIT): HistoryFile {
  const entries = [...history.entries, redactEntry(entry)];
  return { version: 1, entries: entries.slice(Math.max(0, entries.length - limit)) };
}

const GOOD: RecordResult[] = ['promoted', 'deployed', 'rolled-back'];

/**
 * Pure: the image to roll `service` back to. The record is a sequence of transitions (previous → services,
 * result); last good = the newest image that ran as a promoted or deployed release (or as the one a release
 * replaced) and was neither aborted nor rolled back from later, and is not the current one.
 * A rollback rejects the image it ran *from*, whatever its result (a rollback whose database step or
 * roll-out failed was still escaping that release), and never the image it rolled *to*: a failed rollback
 * rejects nothing it didn't run. So two rollbacks in a row never return to the bad release.
 * Undefined when there is no earlier good release.
 */
export function lastGoodImage(entries: RecordEntry[], service: string, current: string): RecordedImage | undefined {
  const { rejected, timeline } = walkRecord(entries, service);
  for (let i = timeline.length - 1; i >= 0; i--) {
    const c = timeline[i]!;
    if (c.image && c.image !== current && !rejected.has(c.image)) return c;
  }
  return undefined;
}

/** Pure: the images of `service` the record rejects now (aborted, failed, or rolled back from, and not released again since). */
export function rejectedImages(entries: RecordEntry[], service: string): Set<string> {
  return walkRecord(entries, service).rejected;
}

function walkRecord(entries: RecordEntry[], service: string): { rejected: Set<string>; timeline: RecordedImage[] } {
  const rejected = new Set<string>();
  const timeline: RecordedImage[] = [];
  for (const e of entries) {
    const now = e.services.find((s) => s.service === service);
    const before = e.previous.find((s) => s.service === service);
    if (e.action === 'rollback') {
      if (before) rejected.add(before.image);
      if (e.result === 'rolled-back' && now) {
        timeline.push(now);
        // Rolled back to on purpose and running well: good again.
        rejected.delete(now.image);
      }
      continue;
    }
    if (GOOD.includes(e.result) && now) {
      if (before) timeline.push(before);
      timeline.push(now);
      // An image released again after it was rejected counts as good again.
      rejected.delete(now.image);
    } else if (now) {
      rejected.add(now.image);
    }
  }
  return { rejected, timeline };
}

/** Where a target's deployments are recorded; the release use cases read and append through it. */
export interface ReleaseRecord {
  /** Where it is kept, for messages (a file path; a ConfigMap name on Kubernetes). */
  readonly location: string;
  read(): Promise<HistoryFile>;
  append(entry: RecordEntry): Promise<void>;
}

export class DeploymentHistory implements ReleaseRecord {
  constructor(
    readonly path: string,
    private readonly limit = DEFAULT_HISTORY_LIMIT,
  ) {}

  get location(): string {
    return this.path;
  }

  async read(): Promise<HistoryFile> {
    if (!existsSync(this.path)) return { version: 1, entries: [] };
    const text = await readFile(this.path, 'utf8');
    try {
      const parsed = JSON.parse(text) as HistoryFile;
      if (!Array.isArray(parsed.entries)) throw new Error('no entries array');
      return { version: 1, entries: parsed.entries };
    } catch (err) {
      throw new OperationFailedError(`The deployment record ${this.path} is not readable JSON (${(err as Error).message}); fix or remove it.`);
    }
  }

  async append(entry: RecordEntry): Promise<void> {
    const next = appendEntry(await this.read(), entry, this.limit);
    await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
  }
}
