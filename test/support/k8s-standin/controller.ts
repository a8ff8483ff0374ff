/**
 * The stand-in's controllers, doing what kube-controller-manager and the kubelet do for the kinds
 * our code deploys, in milliseconds: a Deployment gets one ReplicaSet per pod template (revision and
 * pod-template-hash as the real controller writes them), ReplicaSets get pods, pods become ready
 * after a delay — or never, when the test says an image cannot be pulled, crashes or fails its
 * readiness probe, with the events the kubelet would record. StatefulSets roll pod by pod.
 */
import { createHash } from 'node:crypto';
import { randomSuffix, safeEncode, type Store, type KObject } from './store.js';
import type { ResourceType } from './resources.js';

export type PodBehaviour = 'ready' | 'image-pull' | 'crash' | 'unready';

export interface ControllerOptions {
  /** Time from a pod's creation to its readiness. Default 150 ms. */
  readyAfterMs?: number;
  /** What a pod running `image` does; by default from the tag: `pull-fail`, `crash`, `unready` in it, else ready. */
  behaviour?: (image: string) => PodBehaviour;
  /**
   * With pods run as local processes (pods.ts): whether the pod's process answers yet. A `ready`
   * pod becomes Ready only once it does, as a readiness probe would see it.
   */
  serving?: (pod: KObject) => boolean;
}

export function behaviourFromTag(image: string): PodBehaviour {
  const tag = /:([^/:@]+)(@.*)?$/.exec(image)?.[1] ?? '';
  if (tag.includes('pull-fail')) return 'image-pull';
  if (tag.includes('crash')) return 'crash';
  if (tag.includes('unready')) return 'unready';
  return 'ready';
}

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

interface Kinds {
  deployments: ResourceType;
  replicasets: ResourceType;
  statefulsets: ResourceType;
  controllerrevisions: ResourceType;
  pods: ResourceType;
  events: ResourceType;
}

export class Controller {
  private timer?: NodeJS.Timeout;
  private scheduled = false;
  private running = false;
  private again = false;
  private unsubscribe?: () => void;
  /** ms times the controller remembers at a finer grain than the API's seconds. */
  private podStarted = new Map<string, number>();
  private lastProgress = new Map<string, { at: number; signature: string }>();
  private recorded = new Set<string>();
  behaviour: (image: string) => PodBehaviour;
  readyAfterMs: number;
  serving?: (pod: KObject) => boolean;

  constructor(
    private readonly store: Store,
    private readonly kinds: Kinds,
    options: ControllerOptions = {},
  ) {
    this.behaviour = options.behaviour ?? behaviourFromTag;
    this.readyAfterMs = options.readyAfterMs ?? 150;
    this.serving = options.serving;
  }

  start(): void {
    this.unsubscribe = this.store.onChange((e) => {
      if (e.type === 'DELETED' && e.resource.kind === 'Pod') this.podStarted.delete(e.object.metadata.uid);
      this.schedule();
    });
    this.timer = setInterval(() => this.schedule(), 50);
    this.timer.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.reconcile();
    });
  }

  /** One pass over every workload; writes only what changed, so a quiet cluster writes nothing. */
  reconcile(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      for (const d of this.store.list(this.kinds.deployments)) this.guard(() => this.deployment(d));
      for (const s of this.store.list(this.kinds.statefulsets)) this.guard(() => this.statefulSet(s));
      for (const rs of this.store.list(this.kinds.replicasets)) this.guard(() => this.replicaSet(rs));
      for (const p of this.store.list(this.kinds.pods)) this.guard(() => this.pod(p));
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.schedule();
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A conflict with a concurrent client write: the next pass sees the new object.
      if ((err as { code?: number }).code !== 409 && (err as { code?: number }).code !== 404) throw err;
    }
  }

  private owned(r: ResourceType, ns: string, uid: string): KObject[] {
    return this.store.list(r, ns).filter((o) => (o.metadata.ownerReferences ?? []).some((ref: KObject) => ref.uid === uid && ref.controller));
  }

  private ownerRef(o: KObject): KObject {
    return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  event(involved: KObject, type: 'Normal' | 'Warning', reason: string, message: string, component = 'deployment-controller'): void {
    const ns = involved.metadata.namespace ?? 'default';
    const key = `${involved.metadata.uid}/${reason}/${message}`;
    // Each event once per object: the kubelet's repeats would only bump a count.
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    this.store.create(this.kinds.events, {
      metadata: { name: `${involved.metadata.name}.${Date.now().toString(16)}${randomSuffix(3)}`, namespace: ns },
      involvedObject: {
        kind: involved.kind,
        namespace: ns,
        name: involved.metadata.name,
        uid: involved.metadata.uid,
        apiVersion: involved.apiVersion,
        resourceVersion: involved.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now(),
      lastTimestamp: now(),
      source: { component },
      reportingComponent: component,
      reportingInstance: '',
    });
  }

  // ---- Deployments -------------------------------------------------------------------------

  private deployment(d: KObject): void {
    const ns = d.metadata.namespace;
    const desired: number = d.spec.replicas ?? 1;
    let rss = this.owned(this.kinds.replicasets, ns, d.metadata.uid);
    const maxRevision = Math.max(0, ...rss.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
    let newRs = rss.find((rs) => sameTemplate(rs.spec.template, d.spec.template));
    if (d.spec.paused) {
      this.writeDeploymentStatus(d, rss, newRs, { paused: true });
      return;
    }
    if (!newRs) {
      const hash = podTemplateHash(d.spec.template, d.status?.collisionCount ?? 0);
      const template = clone(d.spec.template);
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH]: hash } };
      newRs = this.store.create(this.kinds.replicasets, {
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: ns,
          labels: { ...(d.spec.template.metadata?.labels ?? {}), [HASH]: hash },
          annotations: {
            ...copiedAnnotations(d),
            [REVISION]: String(maxRevision + 1),
            'deployment.kubernetes.io/desired-replicas': String(desired),
            'deployment.kubernetes.io/max-replicas': String(desired + surge(d)),
          },
          ownerReferences: [this.ownerRef(d)],
        },
        spec: {
          replicas: 0,
          minReadySeconds: d.spec.minReadySeconds ?? 0,
          selector: {
            matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), [HASH]: hash },
            ...(d.spec.selector?.matchExpressions ? { matchExpressions: d.spec.selector.matchExpressions } : {}),
          },
          template,
        },
      });
      rss = [...rss, newRs];
    } else if (Number(newRs.metadata.annotations?.[REVISION] ?? 0) < maxRevision) {
      // A template seen before (rollout undo): its ReplicaSet becomes the newest revision again.
      const old = newRs.metadata.annotations[REVISION];
      newRs.metadata.annotations = { ...newRs.metadata.annotations, ...copiedAnnotations(d), [REVISION]: String(maxRevision + 1) };
      const history = newRs.metadata.annotations['deployment.kubernetes.io/revision-history'];
      newRs.metadata.annotations['deployment.kubernetes.io/revision-history'] = history ? `${history},${old}` : old;
      newRs = this.store.update(this.kinds.replicasets, newRs);
      rss = rss.map((rs) => (rs.metadata.uid === newRs!.metadata.uid ? newRs! : rs));
    }
    const revision = newRs.metadata.annotations[REVISION];
    if (d.metadata.annotations?.[REVISION] !== revision) {
      d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: revision };
      d = this.store.update(this.kinds.deployments, d);
    }
    const olds = rss.filter((rs) => rs.metadata.uid !== newRs!.metadata.uid);
    const recreate = d.spec.strategy?.type === 'Recreate';
    const oldPods = olds.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
    const newTarget = recreate && oldPods > 0 ? 0 : desired;
    if (newRs.spec.replicas !== newTarget) {
      const from = newRs.spec.replicas;
      newRs.spec.replicas = newTarget;
      newRs.metadata.annotations['deployment.kubernetes.io/desired-replicas'] = String(desired);
      newRs = this.store.update(this.kinds.replicasets, newRs);
      this.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${newTarget > from ? 'up' : 'down'} replica set ${newRs.metadata.name} from ${from} to ${newTarget}`,
      );
    }
    // Old pods keep serving until the new ReplicaSet is available (a surge); Recreate stops them first.
    const newAvailable = newRs.status?.availableReplicas ?? 0;
    for (const rs of olds) {
      if (rs.spec.replicas === 0) continue;
      if (recreate || newAvailable >= desired) {
        const from = rs.spec.replicas;
        rs.spec.replicas = 0;
        this.store.update(this.kinds.replicasets, rs);
        this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${rs.metadata.name} from ${from} to 0`);
      }
    }
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = olds
      .filter((rs) => rs.spec.replicas === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) this.store.delete(this.kinds.replicasets, ns, rs.metadata.name);
    this.writeDeploymentStatus(d, rss, newRs, {});
  }

  private writeDeploymentStatus(d: KObject, rss: KObject[], newRs: KObject | undefined, o: { paused?: boolean }): void {
    rss = rss.map((rs) => this.store.get(this.kinds.replicasets, rs.metadata.namespace, rs.metadata.name)).filter((x): x is KObject => !!x);
    newRs = newRs && rss.find((rs) => rs.metadata.uid === newRs!.metadata.uid);
    const desired: number = d.spec.replicas ?? 1;
    const sum = (f: (rs: KObject) => number): number => rss.reduce((n, rs) => n + f(rs), 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const updated = newRs?.status?.replicas ?? 0;
    const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
    const available = sum((rs) => rs.status?.availableReplicas ?? 0);
    const newAvailable = newRs?.status?.availableReplicas ?? 0;
    const status: KObject = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sum((rs) => rs.spec.replicas ?? 0) - available),
    };
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[k] === 0) delete status[k];
    const previous: KObject[] = d.status?.conditions ?? [];
    const condition = (type: string, value: string, reason: string, message: string, touch: boolean): KObject => {
      const before = previous.find((c) => c.type === type);
      const same = before && before.status === value;
      return {
        type,
        status: value,
        lastUpdateTime: touch || !before || before.reason !== reason ? now() : before.lastUpdateTime,
        lastTransitionTime: same ? before.lastTransitionTime : now(),
        reason,
        message,
      };
    };
    const minAvailable = desired - maxUnavailable(d);
    const conditions: KObject[] = [
      available >= minAvailable
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', false)
        : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', false),
    ];
    const rsName = newRs?.metadata.name ?? d.metadata.name;
    const uid = d.metadata.uid as string;
    const signature = `${d.metadata.generation}/${rsName}/${updated}/${ready}/${available}/${replicas}`;
    const progress = this.lastProgress.get(uid);
    const moved = !progress || progress.signature !== signature;
    if (moved) this.lastProgress.set(uid, { at: Date.now(), signature });
    const complete = updated === desired && replicas === desired && newAvailable >= desired;
    const deadlineMs = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    const before = previous.find((c) => c.type === 'Progressing');
    if (o.paused) conditions.push(condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', false));
    else if (complete)
      conditions.push(condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, moved));
    else if (!moved && (before?.reason === 'ProgressDeadlineExceeded' || Date.now() - this.lastProgress.get(uid)!.at > deadlineMs)) {
      conditions.push(condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, false));
      if (before?.reason !== 'ProgressDeadlineExceeded')
        this.event(d, 'Warning', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`);
    } else {
      const reason = !before ? 'NewReplicaSetCreated' : !moved && before.reason === 'NewReplicaSetCreated' ? before.reason : 'ReplicaSetUpdated';
      conditions.push(condition('Progressing', 'True', reason, `ReplicaSet "${rsName}" is progressing.`, moved));
    }
    status.conditions = conditions;
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (JSON.stringify(status) !== JSON.stringify(d.status)) {
      const fresh = this.store.get(this.kinds.deployments, d.metadata.namespace, d.metadata.name);
      if (fresh) this.store.update(this.kinds.deployments, { ...fresh, status }, { subresource: 'status' });
    }
  }

  // ---- ReplicaSets and pods ----------------------------------------------------------------

  private replicaSet(rs: KObject): void {
    const ns = rs.metadata.namespace;
    const pods = this.owned(this.kinds.pods, ns, rs.metadata.uid);
    const want: number = rs.spec.replicas ?? 1;
    for (let i = pods.length; i < want; i++) {
      const pod = this.store.create(this.kinds.pods, this.podFrom(rs, `${rs.metadata.name}-${randomSuffix()}`));
      this.podStarted.set(pod.metadata.uid, Date.now());
      this.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
    }
    if (pods.length > want) {
      const byReadiness = [...pods].sort((a, b) => Number(isReady(a)) - Number(isReady(b)));
      for (const p of byReadiness.slice(0, pods.length - want)) {
        this.store.delete(this.kinds.pods, ns, p.metadata.name);
        this.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'replicaset-controller');
      }
    }
    const live = this.owned(this.kinds.pods, ns, rs.metadata.uid);
    const ready = live.filter(isReady).length;
    const status: KObject = {
      replicas: live.length,
      fullyLabeledReplicas: live.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) this.store.update(this.kinds.replicasets, { ...rs, status }, { subresource: 'status' });
  }

  private podFrom(owner: KObject, name: string, extraLabels: Record<string, string> = {}): KObject {
    const t = owner.spec.template;
    return {
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}), ...extraLabels },
        ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
        ownerReferences: [this.ownerRef(owner)],
      },
      spec: { ...clone(t.spec), nodeName: 'standin-node' },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    };
  }

  /** The kubelet's part: container states over time, by what the image does. */
  private pod(p: KObject): void {
    const uid = p.metadata.uid as string;
    if (!this.podStarted.has(uid)) this.podStarted.set(uid, Date.now());
    const age = Date.now() - this.podStarted.get(uid)!;
    const containers: KObject[] = p.spec.containers ?? [];
    const behaviours = containers.map((c) => this.behaviour(String(c.image)));
    const started = age >= this.readyAfterMs;
    const serving = this.serving ? this.serving(p) : true;
    const previous: KObject[] = p.status?.containerStatuses ?? [];
    const statuses = containers.map((c, i): KObject => {
      const b = behaviours[i]!;
      const before = previous.find((s) => s.name === c.name);
      const base = { name: c.name, image: c.image, imageID: '', started: false, ready: false, restartCount: before?.restartCount ?? 0 };
      if (!started) return { ...base, state: { waiting: { reason: 'ContainerCreating' } } };
      if (b === 'image-pull') {
        const reason = age >= this.readyAfterMs * 2 ? 'ImagePullBackOff' : 'ErrImagePull';
        return {
          ...base,
          imageID: '',
          state: {
            waiting: {
              reason,
              message: reason === 'ErrImagePull' ? `failed to pull and unpack image "${c.image}": not found` : `Back-off pulling image "${c.image}"`,
            },
          },
        };
      }
      const imageID = `docker-pullable://${c.image}`;
      if (b === 'crash') {
        const restarts = Math.floor(age / Math.max(this.readyAfterMs, 100));
        return {
          ...base,
          imageID,
          containerID: `containerd://${uid.slice(0, 12)}`,
          restartCount: restarts,
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now(), finishedAt: now() } },
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off 10s restarting failed container=${c.name} pod=${p.metadata.name}_${p.metadata.namespace}(${uid})`,
            },
          },
        };
      }
      const startedAt = before?.state?.running?.startedAt ?? now();
      return {
        ...base,
        imageID,
        containerID: `containerd://${uid.slice(0, 12)}`,
        started: true,
        ready: b === 'ready' && serving,
        state: { running: { startedAt } },
      };
    });
    const allReady = statuses.every((s) => s.ready);
    const running = statuses.every((s) => s.state.running);
    const cond = (type: string, value: boolean, reason?: string): KObject => {
      const before = (p.status?.conditions ?? []).find((c: KObject) => c.type === type);
      const v = value ? 'True' : 'False';
      return {
        type,
        status: v,
        lastProbeTime: null,
        lastTransitionTime: before?.status === v ? before.lastTransitionTime : now(),
        ...(reason && !value ? { reason } : {}),
      };
    };
    const status: KObject = {
      phase: started && statuses.some((s) => s.state.running || s.lastState) ? 'Running' : 'Pending',
      conditions: [
        cond('PodReadyToStartContainers', started),
        cond('Initialized', true),
        cond('Ready', allReady, 'ContainersNotReady'),
        cond('ContainersReady', allReady, 'ContainersNotReady'),
        cond('PodScheduled', true),
      ],
      hostIP: '127.0.0.1',
      podIP: started ? '127.0.0.1' : undefined,
      startTime: p.status?.startTime ?? now(),
      containerStatuses: statuses,
      qosClass: 'BestEffort',
    };
    if (!status.podIP) delete status.podIP;
    if (JSON.stringify(status) !== JSON.stringify(p.status)) {
      this.store.update(this.kinds.pods, { ...p, status }, { subresource: 'status' });
    }
    this.podEvents(p, containers, behaviours, started, age, running);
  }

  private podEvents(p: KObject, containers: KObject[], behaviours: PodBehaviour[], started: boolean, age: number, running: boolean): void {
    this.event(p, 'Normal', 'Scheduled', `Successfully assigned ${p.metadata.namespace}/${p.metadata.name} to standin-node`, 'default-scheduler');
    if (!started) return;
    containers.forEach((c, i) => {
      const b = behaviours[i];
      const kubelet = (type: 'Normal' | 'Warning', reason: string, message: string): void => this.event(p, type, reason, message, 'kubelet');
      kubelet('Normal', 'Pulling', `Pulling image "${c.image}"`);
      if (b === 'image-pull') {
        kubelet(
          'Warning',
          'Failed',
          `Failed to pull image "${c.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": not found`,
        );
        kubelet('Warning', 'Failed', 'Error: ErrImagePull');
        if (age >= this.readyAfterMs * 2) {
          kubelet('Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
          kubelet('Warning', 'Failed', 'Error: ImagePullBackOff');
        }
        return;
      }
      kubelet('Normal', 'Pulled', `Successfully pulled image "${c.image}"`);
      kubelet('Normal', 'Created', `Created container ${c.name}`);
      kubelet('Normal', 'Started', `Started container ${c.name}`);
      if (b === 'crash')
        kubelet('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${p.metadata.name}_${p.metadata.namespace}(${p.metadata.uid})`);
      if (b === 'unready' && running) kubelet('Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
    });
  }

  // ---- StatefulSets ------------------------------------------------------------------------

  private statefulSet(s: KObject): void {
    const ns = s.metadata.namespace;
    const desired: number = s.spec.replicas ?? 1;
    const hash = podTemplateHash(s.spec.template, 0);
    const updateRevision = `${s.metadata.name}-${hash}`;
    const revisions = this.owned(this.kinds.controllerrevisions, ns, s.metadata.uid);
    if (!revisions.some((r) => r.metadata.name === updateRevision)) {
      const max = Math.max(0, ...revisions.map((r) => Number(r.revision ?? 0)));
      this.store.create(this.kinds.controllerrevisions, {
        metadata: {
          name: updateRevision,
          namespace: ns,
          labels: { ...(s.spec.template.metadata?.labels ?? {}), 'controller.kubernetes.io/hash': hash },
          ownerReferences: [this.ownerRef(s)],
        },
        data: { spec: { template: { ...clone(s.spec.template), $patch: 'replace' } } },
        revision: max + 1,
      });
    }
    const pods = this.owned(this.kinds.pods, ns, s.metadata.uid);
    const byOrdinal = new Map(pods.map((p) => [Number(p.metadata.name.slice(s.metadata.name.length + 1)), p]));
    // OrderedReady: create the lowest missing ordinal once all before it are ready.
    for (let i = 0; i < desired; i++) {
      const p = byOrdinal.get(i);
      if (!p) {
        const pod = this.store.create(
          this.kinds.pods,
          this.podFrom(s, `${s.metadata.name}-${i}`, {
            'controller-revision-hash': updateRevision,
            'statefulset.kubernetes.io/pod-name': `${s.metadata.name}-${i}`,
          }),
        );
        this.podStarted.set(pod.metadata.uid, Date.now());
        this.event(s, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${s.metadata.name} successful`, 'statefulset-controller');
        break;
      }
      if (!isReady(p)) break;
    }
    for (const [i, p] of byOrdinal) if (i >= desired) this.store.delete(this.kinds.pods, ns, p.metadata.name);
    const live = [...byOrdinal].filter(([i]) => i < desired).map(([, p]) => p);
    // Rolling update from the highest ordinal, one pod at a time, each only when all are ready.
    const partition = s.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (s.spec.updateStrategy?.type !== 'OnDelete' && live.length === desired && live.every(isReady)) {
      const stale = live
        .filter((p) => p.metadata.labels?.['controller-revision-hash'] !== updateRevision)
        .filter((p) => Number(p.metadata.name.slice(s.metadata.name.length + 1)) >= partition)
        .sort((a, b) => b.metadata.name.localeCompare(a.metadata.name, undefined, { numeric: true }));
      if (stale[0]) this.store.delete(this.kinds.pods, ns, stale[0].metadata.name);
    }
    const current = this.owned(this.kinds.pods, ns, s.metadata.uid);
    const updated = current.filter((p) => p.metadata.labels?.['controller-revision-hash'] === updateRevision);
    const ready = current.filter(isReady).length;
    const allUpdated = updated.length === desired && updated.every(isReady);
    const status: KObject = {
      observedGeneration: s.metadata.generation,
      replicas: current.length,
      readyReplicas: ready,
      currentReplicas: allUpdated ? updated.length : current.length - updated.length,
      updatedReplicas: updated.length,
      availableReplicas: ready,
      currentRevision: allUpdated ? updateRevision : (s.status?.currentRevision ?? updateRevision),
      updateRevision,
      collisionCount: 0,
    };
    if (JSON.stringify(status) !== JSON.stringify(s.status)) this.store.update(this.kinds.statefulsets, { ...s, status }, { subresource: 'status' });
  }
}

function isReady(p: KObject): boolean {
  return (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');
}

/** Template equality as the deployment controller sees it: the pod-template-hash label left out. */
function sameTemplate(rsTemplate: KObject, template: KObject): boolean {
  const t = clone(rsTemplate);
  if (t.metadata?.labels) {
    delete t.metadata.labels[HASH];
  }
  return canonical(t) === canonical(template);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>)
            .filter(([, y]) => y !== undefined && y !== null && !(typeof y === 'object' && y !== null && !Array.isArray(y) && Object.keys(y).length === 0))
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : x,
  );
}

/** A short hash of the pod template, encoded as the real controller encodes its FNV hash. */
export function podTemplateHash(template: KObject, collisionCount: number): string {
  const digest = createHash('sha256').update(canonical(template)).update(String(collisionCount)).digest();
  return safeEncode(String(digest.readUInt32BE(0)));
}

function copiedAnnotations(d: KObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((d.metadata.annotations ?? {}) as Record<string, string>)) {
    if (k === REVISION || k === 'kubectl.kubernetes.io/last-applied-configuration' || k.startsWith('deployment.kubernetes.io/')) continue;
    out[k] = v;
  }
  return out;
}

function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v ?? ''));
  if (!m) return 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

function surge(d: KObject): number {
  return d.spec.strategy?.type === 'RollingUpdate' ? intOrPercent(d.spec.strategy.rollingUpdate?.maxSurge ?? '25%', d.spec.replicas ?? 1, true) : 0;
}

function maxUnavailable(d: KObject): number {
  if (d.spec.strategy?.type !== 'RollingUpdate') return 0;
  const n = intOrPercent(d.spec.strategy.rollingUpdate?.maxUnavailable ?? '25%', d.spec.replicas ?? 1, false);
  return Math.min(n, d.spec.replicas ?? 1);
}
