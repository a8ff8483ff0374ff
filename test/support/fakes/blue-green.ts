/**
 * An in-memory BlueGreenTarget for the use-case tests: workloads with image and replicas, the
 * colour the live entry point selects, images that never get ready, and every call in `calls`.
 */
import { OperationFailedError } from '../../../src/runtime/errors.js';
import type { BlueGreenTarget, Colour, ColourState, ColourWorkload } from '../../../src/targets/blue-green.js';

export class FakeBlueGreenTarget implements BlueGreenTarget {
  readonly workloads = new Map<string, ColourWorkload>();
  live: Colour | undefined;
  previewing: Colour | undefined;
  readonly unready = new Set<string>();
  readonly calls: string[] = [];

  constructor(
    readonly name: string,
    o: { image: string; replicas?: number; live?: Colour },
  ) {
    this.live = o.live;
    const workload = o.live ? `${name}-${o.live}` : name;
    this.workloads.set(workload, { ...(o.live ? { colour: o.live } : {}), workload, image: o.image, replicas: o.replicas ?? 3 });
  }

  private liveWorkload(): ColourWorkload {
    return this.workloads.get(this.live ? `${this.name}-${this.live}` : this.name)!;
  }

  async validateBlueGreen(): Promise<void> {
    this.calls.push('validate');
  }

  async state(): Promise<ColourState> {
    const live = this.liveWorkload();
    let idle: ColourWorkload | undefined;
    if (this.live) {
      idle = this.workloads.get(`${this.name}-${this.live === 'blue' ? 'green' : 'blue'}`);
      const adopted = this.workloads.get(this.name);
      if (!idle && adopted && adopted.replicas > 0) idle = adopted;
    }
    return { name: this.name, live: { ...live }, ...(idle ? { idle: { ...idle } } : {}) };
  }

  async deployColour(colour: Colour, image: string): Promise<ColourWorkload> {
    this.calls.push(`deploy ${colour}=${image}`);
    const workload = `${this.name}-${colour}`;
    const w: ColourWorkload = { colour, workload, image, replicas: this.liveWorkload().replicas };
    this.workloads.set(workload, w);
    if (this.unready.has(image)) throw new OperationFailedError(`deployment ${workload} did not become ready: pod ${workload}-1: app: CrashLoopBackOff`);
    return { ...w };
  }

  async preview(colour: Colour): Promise<string> {
    this.calls.push(`preview ${colour}`);
    this.previewing = colour;
    return `${this.name}-preview`;
  }

  async isolateLive(): Promise<void> {
    this.calls.push('isolate');
  }

  async switchTo(colour: Colour | undefined): Promise<void> {
    this.calls.push(`switch ${colour ?? 'adopted'}`);
    this.live = colour;
  }

  async scale(workload: string, replicas: number): Promise<void> {
    this.calls.push(`scale ${workload}=${replicas}`);
    const w = this.workloads.get(workload)!;
    w.replicas = replicas;
    if (replicas > 0 && this.unready.has(w.image))
      throw new OperationFailedError(`deployment ${workload} did not become ready: pod ${workload}-1: app: CrashLoopBackOff`);
  }

  async markScaleDown(workload: string, at: Date | undefined): Promise<void> {
    this.calls.push(`mark ${workload}${at ? ` ${at.toISOString()}` : ' cleared'}`);
    const w = this.workloads.get(workload)!;
    if (at) w.scaleDownAt = at.toISOString();
    else delete w.scaleDownAt;
  }

  async removeColour(colour: Colour): Promise<void> {
    this.calls.push(`remove ${colour}`);
    this.workloads.delete(`${this.name}-${colour}`);
    this.previewing = undefined;
  }
}
