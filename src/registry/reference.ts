/**
 * Image names and tags, checked against the distribution reference grammar before anything
 * touches a registry: a bad name is the user's mistake and the error shows the fix.
 */
import { ConfigurationError } from '../runtime/errors.js';

/** A repository path component: lower-case alphanumerics joined by `.`, `_`, `__` or dashes. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A registry host: DNS labels (or an IPv4 address), optionally with a port. */
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?$/;
/** A tag: word characters, dots and dashes, at most 128, not starting with `.` or `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const DOCKER_HUB = 'docker.io';

/** A digest: algorithm and hex (sha256 with 64 digits, sha512 with 128; other algorithms by the grammar). */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,})$/;

/** True when a host's port (if any) is 1..65535. */
function portInRange(host: string): boolean {
  const port = /:(\d+)$/.exec(host)?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

export interface ImageName {
  /** Registry host as written (e.g. `ghcr.io`, `127.0.0.1:5000`), or `docker.io` when none was given. */
  registry: string;
  /** Repository path inside the registry, e.g. `org/backend` (for Docker Hub `library/x` for a bare `x`). */
  repository: string;
  /** The name to give the docker CLI, e.g. `ghcr.io/org/backend`. */
  name: string;
}

/** True when the first path component names a registry host rather than a repository path. */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Parses an image name without tag or digest. A name without a host is put under `registry`
 * when one is given (the registry to log in and push to), else under Docker Hub.
 */
export function parseImageName(text: string, field: string, registry?: string): ImageName {
  const raw = text.trim();
  if (raw === '') throw new ConfigurationError(`${field} is empty: give an image name such as ghcr.io/org/backend.`, { input: field });
  const parts = raw.split('/');
  let host: string | undefined;
  if (parts.length > 1 && looksLikeHost(parts[0]!)) host = parts.shift();
  if (raw.includes('@') || parts.some((p) => p.includes(':'))) {
    throw new ConfigurationError(`${field} is "${raw}": give the image name without a tag or digest (tags come from the git ref and the tags input).`, {
      input: field,
    });
  }
  if (host !== undefined && (!HOST.test(host) || !portInRange(host))) {
    throw new ConfigurationError(`${field} is "${raw}": "${host}" is not a valid registry host (a host name or IP address, with a port from 1 to 65535).`, {
      input: field,
    });
  }
  const path = parts.join('/');
  if (path !== path.toLowerCase()) {
    const fixed = [host, path.toLowerCase()].filter(Boolean).join('/');
    throw new ConfigurationError(`${field} is "${raw}": repository names must be lower-case. Use "${fixed}".`, { input: field });
  }
  const bad = parts.find((p) => !COMPONENT.test(p));
  if (bad !== undefined) {
    throw new ConfigurationError(
      `${field} is "${raw}": "${bad}" is not a valid repository path component. Use lower-case letters, digits and single separators (. _ -) between them, e.g. "${suggestComponent(bad)}".`,
      { input: field },
    );
  }
  const registryHost = host ?? (registry ? normaliseRegistry(registry, 'registry') : DOCKER_HUB);
  const repository = registryHost === DOCKER_HUB && parts.length === 1 ? `library/${path}` : path;
  const name = host !== undefined || registry ? `${registryHost}/${path}` : path;
  if (name.length > 255) {
    throw new ConfigurationError(`${field} is ${name.length} characters long: image names can have at most 255.`, { input: field });
  }
  return { registry: registryHost, repository, name };
}

/**
 * Checks a full image reference as docker takes it — `name[:tag][@digest]`, e.g. ghcr.io/org/app:1.4.0 or
 * ghcr.io/org/app@sha256:… — and returns it trimmed. The name follows parseImageName's rules.
 */
export function parseImageReference(text: string, field: string): string {
  const raw = text.trim();
  if (/\s/.test(raw)) throw new ConfigurationError(`${field} is "${raw}": an image reference has no spaces.`, { input: field });
  let rest = raw;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    if (!DIGEST.test(digest)) {
      throw new ConfigurationError(`${field} is "${raw}": "${digest}" is not a digest; write it as sha256: and 64 hex digits.`, { input: field });
    }
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    assertValidTag(rest.slice(colon + 1), field);
    rest = rest.slice(0, colon);
  }
  parseImageName(rest, field);
  return raw;
}

function suggestComponent(component: string): string {
  const fixed = component
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .replace(/([._-])[._-]+/g, '$1');
  return fixed || 'app';
}

/** `https://ghcr.io/` → `ghcr.io`; rejects what cannot be a registry host. */
export function normaliseRegistry(text: string, field: string): string {
  const host = text
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') return DOCKER_HUB;
  if (!HOST.test(host) || !portInRange(host)) {
    throw new ConfigurationError(`${field} is "${text}": give a registry host such as ghcr.io or 127.0.0.1:5000 (no path).`, {
      input: field,
    });
  }
  return host;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** Throws a ConfigurationError naming the field when `tag` is not a valid tag. */
export function assertValidTag(tag: string, field: string): string {
  if (isValidTag(tag)) return tag;
  const fixed = sanitiseTag(tag);
  throw new ConfigurationError(
    `${field}: "${tag}" is not a valid tag. Tags use letters, digits, "_", "." and "-", start with a letter, digit or "_", and have at most 128 characters${fixed ? ` — e.g. "${fixed}"` : ''}.`,
    { input: field },
  );
}

/** Turns any text (a branch name) into a valid tag: invalid runs become `-`, at most 128 characters. */
export function sanitiseTag(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/[.-]+$/, '');
}

/**
 * `${{ github.repository_owner }}` keeps its capitals (`MyOrg`), which image names cannot have: a
 * path component that is exactly the owner is lower-cased, and the caller says so in a notice.
 */
export function lowerCaseOwner(name: string, owner: string | undefined): { name: string; changed: boolean } {
  if (!owner || owner === owner.toLowerCase()) return { name, changed: false };
  const parts = name.trim().split('/');
  let changed = false;
  const fixed = parts.map((p, i) => {
    // The first component of a path with a host stays as written (hosts are case-insensitive anyway).
    if (p !== owner || (i === 0 && parts.length > 1 && /[.:]/.test(p))) return p;
    changed = true;
    return p.toLowerCase();
  });
  return { name: fixed.join('/'), changed };
}

export interface PromoteTarget {
  /** Another repository (same or another registry); undefined = the image's own. */
  image?: ImageName;
  tag: string;
}

/**
 * A `promote-to` entry: a tag (same repository) or a full reference `[registry/]repository:tag`,
 * which must end in its tag (so `prod/eu` is a bad tag, not a repository promoted without one).
 */
export function parsePromoteTarget(text: string, registry: string | undefined): PromoteTarget {
  const raw = text.trim();
  const slash = raw.lastIndexOf('/');
  const colon = raw.lastIndexOf(':');
  if (slash < 0 || colon < slash) return { tag: assertValidTag(raw, 'promote-to') };
  if (raw.includes('@')) {
    throw new ConfigurationError(`promote-to: "${raw}" has a digest; name a tag to point at the promoted digest, e.g. ghcr.io/org/app:production.`, {
      input: 'promote-to',
    });
  }
  return { image: parseImageName(raw.slice(0, colon), 'promote-to', registry), tag: assertValidTag(raw.slice(colon + 1), 'promote-to') };
}
