/**
 * An in-memory TrafficRouter: the weight it serves, every weight it was asked for, and weights
 * (or all of them) whose setting fails the way a reload does.
 */
import { OperationFailedError } from '../../../src/runtime/errors.js';
import type { RoutedCanary, TrafficRouter, TrafficSplit } from '../../../src/traffic/router.js';

export class FakeRouter implements TrafficRouter {
  readonly kind = 'fake';
  /** What is served now; undefined until the first write. */
  served?: { weight: number; canary?: string };
  /** Every successful setWeight, as `weight` or `weight→canaryName`. */
  readonly history: string[] = [];
  /** Weights whose setting fails ('all': every one, 0 included). */
  failing: Set<number> | 'all' = new Set();
  /** Called after each successful setWeight (to cancel a run mid-step, say). */
  onSet?: (weight: number) => void;

  async validate(): Promise<void> {}

  async setWeight(canaryWeight: number, canary: RoutedCanary | undefined): Promise<void> {
    if (this.failing === 'all' || this.failing.has(canaryWeight)) throw new OperationFailedError(`fake router: reload failed at ${canaryWeight}%`);
    if (canaryWeight > 0 && !canary) throw new Error(`fake router: ${canaryWeight}% asked for without a canary`);
    this.served = { weight: canaryWeight, ...(canary ? { canary: canary.canaryName } : {}) };
    this.history.push(canary ? `${canaryWeight}→${canary.canaryName}` : `${canaryWeight}`);
    this.onSet?.(canaryWeight);
  }

  async current(): Promise<TrafficSplit | undefined> {
    return this.served && { canaryWeight: this.served.weight };
  }
}
