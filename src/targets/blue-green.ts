/**
 * What a blue-green release drives (src/release/blue-green.ts): two colours of one workload, a
 * live entry point that selects one of them, and a preview entry point for the other. Kubernetes
 * implements it (src/targets/kubernetes/blue-green.ts); nothing here names a target.
 */
import type { WaitOptions } from './target.js';

export type Colour = 'blue' | 'green';
export const COLOURS: readonly Colour[] = ['blue', 'green'];

/** One colour's workload as it runs now. `colour` undefined: the workload from before blue-green (adopted). */
export interface ColourWorkload {
  colour?: Colour;
  /** The workload's name (Kubernetes: the Deployment). */
  workload: string;
  image: string;
  replicas: number;
  /** When it is due to be scaled to zero (ISO time), if that is planned. */
  scaleDownAt?: string;
}

export interface ColourState {
  /** The app's name (the workload input). */
  name: string;
  /** What the live entry point serves now. */
  live: ColourWorkload;
  /** The other colour (or the adopted workload), when it exists. */
  idle?: ColourWorkload;
}

export interface BlueGreenTarget {
  /** Checks everything before any change: the live entry point, the workload it serves, the container. Throws ConfigurationError. */
  validateBlueGreen(): Promise<void>;
  state(options?: { signal?: AbortSignal }): Promise<ColourState>;
  /** The colour's workload from the live one's definition with `image`, as many replicas, ready (waited). */
  deployColour(colour: Colour, image: string, options: WaitOptions): Promise<ColourWorkload>;
  /** Points the preview entry point at `colour`; returns its name. */
  preview(colour: Colour, options?: { signal?: AbortSignal }): Promise<string>;
  /**
   * Before a colour's pods exist: makes the live entry point select only what serves now (on the
   * first run, the adopted workload's pods, which match a colour's pods' labels too). No-op after.
   */
  isolateLive(options?: { signal?: AbortSignal }): Promise<void>;
  /** Points the live entry point at `colour` (undefined: back to the adopted workload). */
  switchTo(colour: Colour | undefined, options?: { signal?: AbortSignal }): Promise<void>;
  /** Sets a workload's replicas; waits until ready when above zero. */
  scale(workload: string, replicas: number, options: WaitOptions): Promise<void>;
  /** Records (or clears, with undefined) when a workload is due to be scaled to zero. */
  markScaleDown(workload: string, at: Date | undefined, options?: { signal?: AbortSignal }): Promise<void>;
  /** Removes a colour that never went live (its workload; the preview entry point stays, selecting nothing). */
  removeColour(colour: Colour, options?: { signal?: AbortSignal }): Promise<void>;
}
