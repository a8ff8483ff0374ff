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
  source: 'to-image' | 'to-version' | 'to-revision' | 'record';
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
