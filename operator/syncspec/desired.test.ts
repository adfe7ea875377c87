import { describe, expect, test } from 'vitest';
import type { WorkerSettings } from '../config.ts';
import type { Bundle } from './compile.ts';
import { configMapKey, desiredObjects, HASH_ANNOTATION, secretVolumeName, SPEC_LABEL } from './desired.ts';

const worker: WorkerSettings = {
  image: 'img:1', imagePullPolicy: 'IfNotPresent', replicas: 2, resources: {}, webhookPort: 8080, metricsPort: 8080, serviceAccountName: undefined, bundleDir: '/app/generated',
  store: { kind: 'sqlite', path: '/var/lib/syncspec/state/state.db' },
};
const owner = { name: 'orders', namespace: 'ns', uid: 'u-1' };
const bundle = (sla: Bundle['plan']['sla'], secrets: string[] = []): Bundle => ({
  files: { 'connections/a.yaml': 'a', 'plan.json': '{}', 'schemas/acct.yaml': 's', 'transform.ts': 'x' },
  hash: 'f'.repeat(64),
  secrets,
  plan: { sla } as Bundle['plan'],
});
const deploymentOf = (objs: ReturnType<typeof desiredObjects>): any => objs.find((o) => o.kind.kind === 'Deployment')?.object;

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

  test('default store: SQLite on an emptyDir; reports and /tmp writable; secrets dir named', () => {
    const d = deploymentOf(desiredObjects(owner, bundle(undefined), worker, { suspended: false }));
    const c = d.spec.template.spec.containers[0];
    expect(c.args).toEqual(['worker', '--generated', '/app/generated', '--spec', 'orders', '--port', '8080', '--reports', '/var/lib/syncspec/reports']);
    expect(c.env).toEqual([
      { name: 'SYNCSPEC_SPEC', value: 'orders' },
      { name: 'SYNCSPEC_BUNDLE_HASH', value: 'f'.repeat(64) },
      { name: 'SYNCSPEC_STORE', value: '/var/lib/syncspec/state/state.db' },
      { name: 'SYNCSPEC_SECRETS_DIR', value: '/var/run/secrets/syncspec' },
    ]);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts).toEqual([
      { name: 'bundle', mountPath: '/app/generated/orders', readOnly: true },
      { name: 'state', mountPath: '/var/lib/syncspec/state' },
      { name: 'reports', mountPath: '/var/lib/syncspec/reports' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(d.spec.template.spec.volumes).toEqual([
      { name: 'bundle', configMap: { name: 'orders-bundle', items: [
        { key: 'connections.a.yaml', path: 'connections/a.yaml' }, { key: 'plan.json', path: 'plan.json' },
        { key: 'schemas.acct.yaml', path: 'schemas/acct.yaml' }, { key: 'transform.ts', path: 'transform.ts' },
      ] } },
      { name: 'state', emptyDir: {} },
      { name: 'reports', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ]);
  });

  test('a store Secret becomes valueFrom.secretKeyRef and no state volume; a credential-free URL a literal', () => {
    const fromSecret = deploymentOf(desiredObjects(owner, bundle(undefined), { ...worker, store: { kind: 'secret', name: 'worker-db', key: 'url' } }, { suspended: false }));
    const c = fromSecret.spec.template.spec.containers[0];
    expect(c.env.find((e: { name: string }) => e.name === 'SYNCSPEC_STORE')).toEqual({ name: 'SYNCSPEC_STORE', valueFrom: { secretKeyRef: { name: 'worker-db', key: 'url', optional: false } } });
    expect(c.volumeMounts.map((m: { name: string }) => m.name)).toEqual(['bundle', 'reports', 'tmp']);
    const literal = deploymentOf(desiredObjects(owner, bundle(undefined), { ...worker, store: { kind: 'url', url: 'postgres://db:5432/sync' } }, { suspended: false }));
    expect(literal.spec.template.spec.containers[0].env[2]).toEqual({ name: 'SYNCSPEC_STORE', value: 'postgres://db:5432/sync' });
  });

  test('each referenced Secret is mounted once, sorted, read-only and required, under the secrets dir', () => {
    const d = deploymentOf(desiredObjects(owner, bundle(undefined, ['zoho', 'kingdee-prod', 'zoho']), worker, { suspended: false }));
    const pod = d.spec.template.spec;
    expect(pod.volumes.filter((v: any) => v.secret)).toEqual([
      { name: 'secret-kingdee-prod', secret: { secretName: 'kingdee-prod', optional: false } },
      { name: 'secret-zoho', secret: { secretName: 'zoho', optional: false } },
    ]);
    expect(pod.containers[0].volumeMounts.filter((m: any) => m.name.startsWith('secret-'))).toEqual([
      { name: 'secret-kingdee-prod', mountPath: '/var/run/secrets/syncspec/kingdee-prod', readOnly: true },
      { name: 'secret-zoho', mountPath: '/var/run/secrets/syncspec/zoho', readOnly: true },
    ]);
  });

  test('the pod template changes when the set of Secrets changes, and only then', () => {
    const template = (secrets: string[]): string => JSON.stringify(deploymentOf(desiredObjects(owner, bundle(undefined, secrets), worker, { suspended: false })).spec.template);
    expect(template(['a', 'b'])).toBe(template(['b', 'a', 'b']));
    expect(template(['a', 'b'])).not.toBe(template(['a']));
    expect(template(['a'])).not.toBe(template(['c']));
  });

  test('Secret volume names are DNS labels: a dotted or long name is hashed, distinct names stay distinct', () => {
    expect(secretVolumeName('kingdee-prod')).toBe('secret-kingdee-prod');
    const dotted = secretVolumeName('vault.kingdee');
    const long = secretVolumeName('x'.repeat(60));
    for (const n of [dotted, long]) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(dotted).not.toBe(secretVolumeName('vault.kingdee2'));
  });
});
