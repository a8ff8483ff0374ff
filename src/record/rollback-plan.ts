/**
 * Pure: what a rollback does to each service — to a given image, to another tag of the current
 * image, or to the last good release in the record — or why it cannot.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { lastGoodImage, type RecordEntry } from './history.js';

export interface RollbackStep {
  service: string;
  from: string;
  to: string;
  /** Where `to` came from, for the summary. */
  source: 'to-image' | 'to-version' | 'to-revision' | 'record' | 'previous-colour';
}

export type RollbackPlan = { ok: true; steps: RollbackStep[] } | { ok: false; reason: string };

/** `repo/name:tag` or `repo/name@sha256:…` → the same repository with `version` as its tag. */
export function withTag(image: string, version: string): string {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  const repo = colon > slash ? base.slice(0, colon) : base;
  return `${repo}:${version}`;
}

export function validateVersion(version: string, input: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version)) {
    throw new ConfigurationError(`${input} is "${version}": a docker tag uses letters, digits, "_", "." and "-" (at most 128).`, { input });
  }
}

export function planRollback(
  current: Array<{ service: string; image: string }>,
  entries: RecordEntry[],
  options: { toImage?: string; toVersion?: string; recordPath: string },
): RollbackPlan {
  const steps: RollbackStep[] = [];
  for (const c of current) {
    let to: string | undefined;
    let source: RollbackStep['source'] = 'record';
    if (options.toImage) {
      to = options.toImage;
      source = 'to-image';
    } else if (options.toVersion) {
      to = withTag(c.image, options.toVersion);
      source = 'to-version';
    } else {
      to = lastGoodImage(entries, c.service, c.image)?.image;
      if (!to) {
        return {
          ok: false,
          reason: `No earlier good release of ${c.service} (now ${c.image || 'no image'}) is in the deployment record ${options.recordPath}; nothing was changed. Give to-image or to-version to choose one.`,
        };
      }
    }
    steps.push({ service: c.service, from: c.image, to, source });
  }
  return { ok: true, steps };
}

/** What the record says about the database for a rollback, and from which entry. */
export interface RecordedDatabase {
  /** The database version the release rolled back to ran against. */
  version?: { value: string; at: string; image: string };
  /** The backup taken just before the release rolled back from changed the database. */
  backup?: { path: string; at: string; image: string };
}

const RAN: RecordEntry['result'][] = ['promoted', 'deployed', 'rolled-back'];

/**
 * Pure: for a rollback (each step from → to), the newest database version recorded for a release that
 * ran one of the `to` images (promoted, deployed or rolled back to), and the newest backup recorded for a
 * release of one of the `from` images — the backup taken just before the release being escaped.
 */
export function recordedDatabase(entries: RecordEntry[], steps: Array<{ from: string; to: string }>): RecordedDatabase {
  const to = new Set(steps.map((step) => step.to));
  const from = new Set(steps.map((step) => step.from).filter(Boolean));
  const found: RecordedDatabase = {};
  for (let i = entries.length - 1; i >= 0 && !(found.version && found.backup); i--) {
    const e = entries[i]!;
    if (!RAN.includes(e.result)) continue;
    const version = e.databaseVersion;
    const backup = e.backup;
    if (!found.version && version) {
      const hit = e.services.find((s) => to.has(s.image));
      if (hit) found.version = { value: version, at: e.at, image: hit.image };
    }
    if (!found.backup && backup && e.action !== 'rollback') {
      const hit = e.services.find((s) => from.has(s.image));
      if (hit) found.backup = { path: backup, at: e.at, image: hit.image };
    }
  }
  return found;
}
