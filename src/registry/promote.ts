/**
 * Promote by digest: the manifest (or index) under one tag is PUT, byte for byte, under other
 * tags. No daemon, no rebuild; the digest cannot change, and every platform and attestation an
 * index refers to stays referred to.
 */
import { OperationFailedError } from '../runtime/errors.js';
import { MEDIA_TYPES, type Manifest, type RegistryClient } from './distribution.js';

export interface PromoteResult {
  digest: string;
  mediaType: string;
  from: string;
  /** Tags now pointing at the digest; `moved` false when a tag already pointed there. */
  to: Array<{ tag: string; previous?: string; moved: boolean }>;
  durationMs: number;
}

export async function promoteTag(client: RegistryClient, repository: string, from: string, to: readonly string[]): Promise<PromoteResult> {
  const started = performance.now();
  const manifest = await client.getManifest(repository, from);
  const result: PromoteResult = { digest: manifest.digest, mediaType: manifest.mediaType, from, to: [], durationMs: 0 };
  for (const tag of to) {
    const previous = (await client.headManifest(repository, tag))?.digest;
    if (previous === manifest.digest) {
      result.to.push({ tag, previous, moved: false });
      continue;
    }
    const digest = await client.putManifest(repository, tag, manifest);
    if (digest !== manifest.digest) {
      throw new OperationFailedError(
        `The registry stored ${repository}:${tag} as ${digest}, not ${manifest.digest}: it rewrote the manifest. ${tag} may now point at a different digest than ${from}.`,
      );
    }
    result.to.push({ tag, previous, moved: true });
  }
  result.durationMs = performance.now() - started;
  return result;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ManifestSummary {
  /** Compressed bytes of config + layers (summed over platforms for an index). */
  size: number;
  platforms: string[];
}

/** Size and platforms of what a digest points at; attestation manifests in an index are not counted. */
export async function summariseManifest(client: RegistryClient, repository: string, manifest: Manifest): Promise<ManifestSummary> {
  const doc = JSON.parse(manifest.bytes.toString('utf8')) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (manifest.mediaType === MEDIA_TYPES.ociIndex || manifest.mediaType === MEDIA_TYPES.dockerList || doc.manifests) {
    const summary: ManifestSummary = { size: 0, platforms: [] };
    for (const d of doc.manifests ?? []) {
      if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      if (d.platform?.os === 'unknown') continue;
      const child = await client.getManifest(repository, d.digest);
      summary.size += (await summariseManifest(client, repository, child)).size;
      if (d.platform) summary.platforms.push([d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/'));
    }
    return summary;
  }
  const size = (doc.config?.size ?? 0) + (doc.layers ?? []).reduce((n, l) => n + (l.size ?? 0), 0);
  return { size, platforms: [] };
}
