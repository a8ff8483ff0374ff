import { describe, expect, it } from 'vitest';
import { classifyPushFailure } from '../../../src/registry/push-errors.js';

describe('classifyPushFailure (docker push stderr as the CLI prints it)', () => {
  it.each([
    // Captured from docker 28 CLI + engine 20.10 pushing through the fault proxy (429 blob POST, 503/401/502 manifest PUT).
    ['toomanyrequests: slow down\n', 'transient'],
    ['received unexpected HTTP status: 503 Service Unavailable\n', 'transient'],
    ['unauthorized\n', 'auth'],
    ['received unexpected HTTP status: 502 Bad Gateway\n', 'transient'],
    // Seen elsewhere (registry and network errors the CLI reports).
    ['received unexpected HTTP status: 503 Service Unavailable', 'transient'],
    ['toomanyrequests: slow down', 'transient'],
    ['Head "https://ghcr.io/v2/org/app/blobs/sha256:x": read tcp 10.0.0.1:443: read: connection reset by peer', 'transient'],
    ['net/http: TLS handshake timeout', 'transient'],
    ['dial tcp 1.2.3.4:443: i/o timeout', 'transient'],
    ['received unexpected HTTP status: 502 Bad Gateway', 'transient'],
    ['unauthorized: authentication required', 'auth'],
    ['denied: requested access to the resource is denied', 'auth'],
    ['no basic auth credentials', 'auth'],
    ['name unknown: repository name not known to registry', 'name'],
    ['invalid reference format: repository name must be lowercase', 'name'],
    ['An image does not exist locally with the tag: x', 'name'],
    ['something odd happened', 'other'],
  ])('%s → %s', (text, kind) => {
    expect(classifyPushFailure(text)).toBe(kind);
  });
});
