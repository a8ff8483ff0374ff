/**
 * Assembles a multi-platform OCI image index in the real registry through the distribution API:
 * blobs, two platform manifests, an attestation manifest, and the index over them — what buildx
 * pushes on a hosted runner, made here without buildx.
 */
import { createHash } from 'node:crypto';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface PushedIndex {
  digest: string;
  bytes: Buffer;
  manifestDigests: string[];
}

function authHeader(auth?: { username: string; password: string }): Record<string, string> {
  return auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
}

async function uploadBlob(host: string, repo: string, data: Buffer, auth?: { username: string; password: string }): Promise<{ digest: string; size: number }> {
  const digest = sha(data);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: authHeader(auth) });
  if (start.status !== 202) throw new Error(`blob upload start → ${start.status}`);
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...authHeader(auth) }, body: data });
  if (put.status !== 201) throw new Error(`blob upload → ${put.status} ${await put.text()}`);
  return { digest, size: data.length };
}

async function putManifest(
  host: string,
  repo: string,
  ref: string,
  mediaType: string,
  bytes: Buffer,
  auth?: { username: string; password: string },
): Promise<string> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType, ...authHeader(auth) },
    body: bytes,
  });
  if (res.status !== 201) throw new Error(`manifest PUT → ${res.status} ${await res.text()}`);
  return res.headers.get('docker-content-digest')!;
}

export async function pushOciIndex(host: string, repo: string, tag: string, auth?: { username: string; password: string }): Promise<PushedIndex> {
  const manifests: Array<{
    mediaType: string;
    digest: string;
    size: number;
    platform: { os: string; architecture: string };
    annotations?: Record<string, string>;
  }> = [];
  for (const architecture of ['amd64', 'arm64']) {
    const layer = await uploadBlob(host, repo, Buffer.from(`layer for ${architecture} ${repo}`), auth);
    const config = await uploadBlob(
      host,
      repo,
      Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} })),
      auth,
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    );
    const digest = await putManifest(host, repo, sha(manifest), 'application/vnd.oci.image.manifest.v1+json', manifest, auth);
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, platform: { os: 'linux', architecture } });
  }
  // An attestation manifest as buildx attaches it: platform unknown/unknown, pointing at the amd64 image.
  const statement = await uploadBlob(
    host,
    repo,
    Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2' })),
    auth,
  );
  const emptyConfig = await uploadBlob(host, repo, Buffer.from('{}'), auth);
  const attestation = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...emptyConfig },
      layers: [{ mediaType: 'application/vnd.in-toto+json', ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }],
    }),
  );
  const attDigest = await putManifest(host, repo, sha(attestation), 'application/vnd.oci.image.manifest.v1+json', attestation, auth);
  manifests.push({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: attDigest,
    size: attestation.length,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': manifests[0]!.digest },
  });
  // Pretty-printed on purpose: a client that re-serialised the JSON would change the digest.
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }, null, 3) + '\n');
  const digest = await putManifest(host, repo, tag, 'application/vnd.oci.image.index.v1+json', bytes, auth);
  if (digest !== sha(bytes)) throw new Error(`registry changed the index digest: ${digest} vs ${sha(bytes)}`);
  return { digest, bytes, manifestDigests: manifests.map((m) => m.digest) };
}
