import { describe, expect, test } from 'vitest';
import type { WorkerSettings } from '../config.ts';
import type { Bundle } from './compile.ts';
import { configMapKey, desiredObjects, HASH_ANNOTATION, SPEC_LABEL } from './desired.ts';

const worker: WorkerSettings = {
  image: 'img:1', imagePullPolicy: 'IfNotPresent', replicas: 2, resources: {}, webhookPort: 8080, metricsPort: 8080, serviceAccountName: undefined, bundleDir: '/app/generated',
};
const owner = { name: 'orders', namespace: 'ns', uid: 'u-1' };
const bundle = (sla: Bundle['plan']['sla']): Bundle => ({
  files: { 'connections/a.yaml': 'a', 'plan.json': '{}', 'transform.ts': 'x' },
  hash: 'f'.repeat(64),
  plan: { sla } as Bundle['plan'],
});

describe('desiredObjects', () => {
  test('every object is labelled and owned by the spec, in apply order', () => {
    const objs = desiredObjects(owner, bundle({ freshnessMs: 60_000 }), worker, { suspended: false });
    expect(objs.map((o) => o.kind.kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'PrometheusRule']);
    for (const { object } of objs) {
      expect(object.metadata.labels?.[SPEC_LABEL]).toBe('orders');
      expect(object.metadata.ownerReferences).toEqual([{ apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', name: 'orders', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
    }
  });

  test('no sla, no PrometheusRule; suspended, no replicas', () => {
    const objs = desiredObjects(owner, bundle(undefined), worker, { suspended: true });
    expect(objs.map((o) => o.kind.kind)).not.toContain('PrometheusRule');
    expect(objs.find((o) => o.kind.kind === 'Deployment')?.object.spec.replicas).toBe(0);
  });

  test('the pod template carries the bundle hash; no resources key when none are configured', () => {
    const d = desiredObjects(owner, bundle(undefined), worker, { suspended: false }).find((o) => o.kind.kind === 'Deployment')?.object;
    expect(d?.spec.template.metadata.annotations[HASH_ANNOTATION]).toBe('f'.repeat(64));
    expect(d?.spec.replicas).toBe(2);
    expect(d?.spec.template.spec.containers[0]).not.toHaveProperty('resources');
    expect(d?.spec.template.spec.containers[0].ports).toEqual([{ name: 'webhook', containerPort: 8080, protocol: 'TCP' }]);
  });

  test('a separate metrics port gets its own container port and Service target', () => {
    const objs = desiredObjects(owner, bundle(undefined), { ...worker, metricsPort: 9100, serviceAccountName: 'worker' }, { suspended: false });
    const d = objs.find((o) => o.kind.kind === 'Deployment')?.object;
    expect(d?.spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name)).toEqual(['webhook', 'metrics']);
    expect(d?.spec.template.spec.serviceAccountName).toBe('worker');
    const svc = objs.find((o) => o.kind.kind === 'Service')?.object;
    expect(svc?.spec.ports).toEqual([
      { name: 'webhook', port: 80, targetPort: 'webhook', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  test('ConfigMap keys carry no slash', () => {
    expect(configMapKey('connections/a.yaml')).toBe('connections.a.yaml');
    const cm = desiredObjects(owner, bundle(undefined), worker, { suspended: false })[0]?.object as unknown as { data: Record<string, string> };
    expect(Object.keys(cm.data).every((k) => /^[-._a-zA-Z0-9]+$/.test(k))).toBe(true);
  });
});
