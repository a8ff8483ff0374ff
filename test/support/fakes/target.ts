/**
 * An in-memory DeploymentTarget for the use-case tests: services and their images in a map, at most
 * one canary per service, images that never become healthy, and every call in `calls` in order.
 */
import { ConfigurationError, OperationFailedError } from '../../../src/runtime/errors.js';
import type { CanaryHandle, DeploymentTarget, Release, RolloutOptions, ServiceImage, StartCanaryOptions, WaitOptions } from '../../../src/targets/target.js';

export class FakeTarget implements DeploymentTarget {
  readonly kind = 'compose' as const;
  readonly running: Map<string, string>;
  readonly canaries = new Map<string, CanaryHandle>();
  /** Images whose containers never become healthy (a canary, a promotion or a rollout to them fails). */
  readonly unhealthy = new Set<string>();
  readonly calls: string[] = [];

  constructor(services: Record<string, string>) {
    this.running = new Map(Object.entries(services));
  }

  async validate(services: string[], input: string): Promise<void> {
    for (const service of services) if (!this.running.has(service)) throw new ConfigurationError(`${input}: service "${service}" is not defined.`, { input });
  }

  async getCurrentRelease(services: string[]): Promise<Release> {
    return { services: services.map((service) => ({ service, image: this.running.get(service) ?? '' })) };
  }

  async imageDigest(image: string): Promise<string | undefined> {
    return `sha256:${Buffer.from(image).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  }

  async startCanary(service: string, image: string, options: StartCanaryOptions): Promise<CanaryHandle> {
    this.calls.push(`start-canary ${service}=${image}`);
    const canary = { service, canaryName: `${service}-canary`, image, stableImage: this.running.get(service) ?? '', address: `${service}-canary:8080` };
    this.canaries.set(service, canary);
    await this.waitHealthy(canary.canaryName, options, image);
    return canary;
  }

  async findCanary(service: string): Promise<CanaryHandle | undefined> {
    return this.canaries.get(service);
  }

  async promote(canary: CanaryHandle, options: WaitOptions): Promise<void> {
    this.calls.push(`promote ${canary.service}=${canary.image}`);
    await this.deploy({ service: canary.service, image: canary.image }, options);
  }

  async removeCanary(service: string): Promise<boolean> {
    this.calls.push(`remove-canary ${service}`);
    return this.canaries.delete(service);
  }

  async rollout(updates: ServiceImage[], options: RolloutOptions): Promise<void> {
    for (const update of updates) {
      options.onService?.(update);
      this.calls.push(`rollout ${update.service}=${update.image}`);
      await this.deploy(update, options);
    }
  }

  async waitHealthy(service: string, options: WaitOptions, image = this.running.get(service)): Promise<void> {
    if (options.signal?.aborted) throw options.signal.reason;
    if (image && this.unhealthy.has(image))
      throw new OperationFailedError(`${service} did not become healthy within ${options.timeoutMs / 1000}s (health check failing).`);
  }

  private async deploy(update: ServiceImage, options: WaitOptions): Promise<void> {
    this.running.set(update.service, update.image);
    await this.waitHealthy(update.service, options);
  }
}
