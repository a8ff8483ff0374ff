/**
 * Pure handling of a compose project's resolved configuration (`config` output): finding a
 * service, reading its ports, and deriving the canary service and the release override from it.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { closest } from '../runtime/parse.js';

export type ServiceDefinition = Record<string, unknown>;

export interface ResolvedConfig {
  /** The project's name, when compose prints it (v2). */
  name?: string;
  version?: string;
  services: Record<string, ServiceDefinition>;
}

export function asResolvedConfig(value: unknown, source: string): ResolvedConfig {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError(`${source} did not resolve to a compose project (no mapping at the top).`);
  }
  const obj = value as Record<string, unknown>;
  const services = obj.services;
  if (!services || typeof services !== 'object' || Array.isArray(services)) {
    throw new ConfigurationError(`${source} has no "services:" section; deploy-kit needs the service to deploy defined there.`);
  }
  return {
    name: typeof obj.name === 'string' ? obj.name : undefined,
    version: typeof obj.version === 'string' ? obj.version : undefined,
    services: services as Record<string, ServiceDefinition>,
  };
}

/** The service's definition, or a ConfigurationError naming the input and the services that exist. */
export function requireService(config: ResolvedConfig, service: string, input: string, files: string[]): ServiceDefinition {
  const def = config.services[service];
  if (def) return def;
  const names = Object.keys(config.services);
  const guess = closest(service, names);
  throw new ConfigurationError(
    `${input}: service "${service}" is not defined in ${files.join(', ')}.${guess ? ` Did you mean "${guess}"?` : ''} Services there: ${names.join(', ') || 'none'}.`,
    { input },
  );
}

export interface PortMapping {
  hostIp?: string;
  /** Host port; undefined when docker picks one. */
  published?: number;
  target: number;
  protocol: string;
}

/** Reads `ports:` in short ("127.0.0.1:8080:80/tcp", v1 output) or long syntax (v2 output). */
export function parsePorts(def: ServiceDefinition): PortMapping[] {
  const ports = def.ports;
  if (!Array.isArray(ports)) return [];
  return ports.map((p) => parsePort(p));
}

export function parsePort(p: unknown): PortMapping {
  if (typeof p === 'number') return { target: p, protocol: 'tcp' };
  if (typeof p === 'string') {
    const [spec, protocol = 'tcp'] = p.split('/');
    const parts = spec!.split(':');
    const target = Number(parts.pop());
    const published = parts.length ? parts.pop() : undefined;
    const hostIp = parts.length ? parts.join(':').replace(/^\[|\]$/g, '') : undefined;
    return { hostIp: hostIp || undefined, published: published ? Number(published) : undefined, target, protocol };
  }
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    return {
      hostIp: typeof o.host_ip === 'string' && o.host_ip ? o.host_ip : undefined,
      published: o.published !== undefined && o.published !== '' ? Number(o.published) : undefined,
      target: Number(o.target),
      protocol: typeof o.protocol === 'string' ? o.protocol : 'tcp',
    };
  }
  throw new Error(`unreadable port entry ${JSON.stringify(p)}`);
}

export function formatPort(p: PortMapping): string {
  const host = p.hostIp ? `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.published ?? ''}:` : p.published ? `${p.published}:` : '';
  return `${host}${p.target}/${p.protocol}`;
}

export function canaryServiceName(service: string): string {
  return `${service}-canary`;
}

/** The baseline: the stable image, started fresh beside the canary (judge: compare). */
export function baselineServiceName(service: string): string {
  return `${service}-baseline`;
}

/** Keys that must not be copied into the canary: it runs the new image, under its own name, alone. */
const NOT_COPIED = ['build', 'container_name', 'depends_on', 'links', 'scale', 'deploy', 'pull_policy'];

/**
 * The canary's service definition: the stable service's own (environment, health check, networks,
 * volumes…) with the new image, no fixed container name, and its published ports moved to
 * 127.0.0.1 on `canaryPort` (for the port the router reaches) or on a port docker picks, so it never
 * clashes with the stable container. Labels mark it as the canary — or, with `track: 'baseline'`,
 * as the baseline (the same derivation with the stable image, so both start alike).
 */
export function deriveCanaryService(
  stable: ServiceDefinition,
  options: { image: string; routedPort?: number; canaryPort?: number; labels?: Record<string, string>; track?: 'canary' | 'baseline' },
): ServiceDefinition {
  const def: ServiceDefinition = {};
  for (const [k, v] of Object.entries(stable)) if (!NOT_COPIED.includes(k)) def[k] = v;
  def.image = options.image;
  const ports = parsePorts(stable);
  if (ports.length) {
    def.ports = ports.map((p) =>
      formatPort({
        hostIp: p.hostIp && p.hostIp !== '0.0.0.0' && p.hostIp !== '::' ? p.hostIp : '127.0.0.1',
        published: options.canaryPort !== undefined && p.target === options.routedPort ? options.canaryPort : undefined,
        target: p.target,
        protocol: p.protocol,
      }),
    );
  }
  def.labels = { ...labelsOf(stable), 'deploy-kit.track': options.track ?? 'canary', ...(options.labels ?? {}) };
  return def;
}

function labelsOf(def: ServiceDefinition): Record<string, string> {
  const l = def.labels;
  if (Array.isArray(l)) {
    const out: Record<string, string> = {};
    for (const item of l) {
      const [k, ...v] = String(item).split('=');
      out[k!] = v.join('=');
    }
    return out;
  }
  return l && typeof l === 'object' ? { ...(l as Record<string, string>) } : {};
}

/** A compose file holding only the given services (an override file or the canary file). */
export function overrideFile(version: string | undefined, services: Record<string, ServiceDefinition>): Record<string, unknown> {
  return version ? { version, services } : { services };
}

/** The container port behind a published host port (to find the port the router reaches). */
export function targetPortFor(def: ServiceDefinition, publishedPort: number): number | undefined {
  return parsePorts(def).find((p) => p.published === publishedPort)?.target;
}
