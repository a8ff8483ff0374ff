/** The defaults the API server fills in on create and update, for the kinds our code writes. */
import type { KObject } from './store.js';

export function applyDefaults(o: KObject): KObject {
  switch (o.kind) {
    case 'Deployment': {
      const spec = (o.spec ??= {});
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      if (spec.strategy.type === 'RollingUpdate') spec.strategy.rollingUpdate ??= { maxUnavailable: '25%', maxSurge: '25%' };
      podTemplate(spec.template);
      break;
    }
    case 'StatefulSet': {
      const spec = (o.spec ??= {});
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      podTemplate(spec.template);
      break;
    }
    case 'ReplicaSet':
      podTemplate(o.spec?.template);
      break;
    case 'Pod':
      podSpec(o.spec);
      break;
    case 'Service': {
      const spec = (o.spec ??= {});
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      spec.clusterIP ??= '10.96.0.' + String(1 + Math.floor(Math.random() * 250));
      spec.clusterIPs ??= [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    }
    default:
      break;
  }
  return o;
}

function podTemplate(t: KObject | undefined): void {
  if (!t) return;
  t.metadata ??= {};
  // Go clients send the template's empty creationTimestamp as null; the server drops it.
  if (t.metadata.creationTimestamp === null) delete t.metadata.creationTimestamp;
  podSpec(t.spec);
}

function podSpec(spec: KObject | undefined): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    c.imagePullPolicy ??= typeof c.image === 'string' && (!/:[^/]+$/.test(c.image) || c.image.endsWith(':latest')) ? 'Always' : 'IfNotPresent';
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
}
