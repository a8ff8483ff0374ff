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
  /** Tags now pointing at the digest; `moved` false when a tag already pointed there. `ref` for another repository. */
  to: Array<{ tag: string; previous?: string; moved: boolean; ref?: string }>;
  durationMs: number;
  /** Blobs copied into other repositories: mounted (same registry) or streamed; already there are not counted. */
  blobs?: { mounted: number; streamed: number; present: number; bytesStreamed: number };
}

/** A tag to point at the promoted digest in another repository (same registry or another). */
export interface PromoteDestination {
  client: RegistryClient;
  repository: string;
  tag: string;
  /** Full reference for messages, e.g. `ghcr.io/org/app:production`. */
  ref: string;
}

/**
 * Promote to tags of the same repository (`to`, a manifest PUT each) and to other repositories
 * (`destinations`: every blob mounted or streamed first, child manifests by digest, then the tag).
 */
export async function promoteImage(
  client: RegistryClient,
  repository: string,
  from: string,
  to: readonly string[],
  destinations: readonly PromoteDestination[],
  concurrency = 4,
): Promise<PromoteResult> {
  const started = performance.now();
  const result = to.length ? await promoteTag(client, repository, from, to) : undefined;
  const manifest = await client.getManifest(repository, result?.digest ?? from);
  const out: PromoteResult = result ?? { digest: manifest.digest, mediaType: manifest.mediaType, from, to: [], durationMs: 0 };
  const blobs = { mounted: 0, streamed: 0, present: 0, bytesStreamed: 0 };
  for (const d of destinations) {
    const previous = (await d.client.headManifest(d.repository, d.tag))?.digest;
    if (previous === manifest.digest) {
      out.to.push({ tag: d.tag, previous, moved: false, ref: d.ref });
      continue;
    }
    await copyContent({ client, repository }, d, manifest, blobs, concurrency);
    const digest = await d.client.putManifest(d.repository, d.tag, manifest);
    if (digest !== manifest.digest) {
      throw new OperationFailedError(`${d.client.registry} stored ${d.ref} as ${digest}, not ${manifest.digest}: it rewrote the manifest.`);
    }
    out.to.push({ tag: d.tag, previous, moved: true, ref: d.ref });
  }
  if (destinations.length) out.blobs = blobs;
  out.durationMs = performance.now() - started;
  return out;
}

interface ManifestDoc {
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
}

/** Everything a manifest refers to, into the destination: an index's children by digest, an image's config and layers. */
async function copyContent(
  source: { client: RegistryClient; repository: string },
  dest: PromoteDestination,
  manifest: Manifest,
  blobs: NonNullable<PromoteResult['blobs']>,
  concurrency: number,
): Promise<void> {
  const doc = JSON.parse(manifest.bytes.toString('utf8')) as ManifestDoc;
  if (doc.manifests) {
    for (const child of doc.manifests) {
      const bytes = await source.client.getManifest(source.repository, child.digest);
      await copyContent(source, dest, bytes, blobs, concurrency);
      await dest.client.putManifest(dest.repository, child.digest, bytes);
    }
    return;
  }
  const descriptors = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])];
  const unique = [...new Map(descriptors.map((d) => [d.digest, d])).values()];
  const sameRegistry = source.client.registry === dest.client.registry;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const blob = unique[next++]!;
      if (await dest.client.hasBlob(dest.repository, blob.digest)) {
        blobs.present++;
        continue;
      }
      if (sameRegistry && (await dest.client.mountBlob(dest.repository, blob.digest, source.repository))) {
        blobs.mounted++;
        continue;
      }
      await dest.client.copyBlobFrom(source.client, source.repository, dest.repository, blob.digest, blob.size);
      blobs.streamed++;
      blobs.bytesStreamed += blob.size;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, unique.length) }, worker));
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
