/**
 * Behaviours only the test API server can be made to show on demand: history expiry (410), bookmarks,
 * dropped streams, shutdown, the switchable garbage collector, envtest-like namespaces, structural
 * CRD checks. The shared API contract is in contract.test.ts.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { installCrds } from './fixtures.ts';
import { connect, type Cluster } from './harness.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { startKubeServer } from './server.ts';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra } });

describe('watch history and streams', () => {
  test('a resourceVersion older than the retained window gets an ERROR event with 410 Expired', async () => {
    c = await connect('expire', { historyLimit: 3 });
    const first = await c.raw('POST', `/api/v1/namespaces/${c.namespace}/configmaps`, cm('e-0'));
    for (let i = 1; i <= 4; i++) await c.raw('POST', `/api/v1/namespaces/${c.namespace}/configmaps`, cm(`e-${i}`));
    const s = c.stream(`/api/v1/namespaces/${c.namespace}/configmaps?watch=true&resourceVersion=${first.json.metadata.resourceVersion}`);
    expect(await s.ended).toEqual({ clean: true });
    expect(s.events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  });

  test('compact() expires every earlier version; the current one still watches', async () => {
    c = await connect('compact');
    const made = await c.raw('POST', `/api/v1/namespaces/${c.namespace}/configmaps`, cm('k-0'));
    c.server?.compact();
    const old = c.stream(`/api/v1/namespaces/${c.namespace}/configmaps?watch=true&resourceVersion=${Number(made.json.metadata.resourceVersion) - 1}`);
    await old.ended;
    expect(old.events[0]?.object.code).toBe(410);
    const list = await c.raw('GET', `/api/v1/namespaces/${c.namespace}/configmaps`);
    const fresh = c.stream(`/api/v1/namespaces/${c.namespace}/configmaps?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`);
    await c.raw('POST', `/api/v1/namespaces/${c.namespace}/configmaps`, cm('k-1'));
    await expect.poll(() => fresh.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED k-1']);
    fresh.stop();
  });

  test('BOOKMARK events go only to watches that allow them and carry just kind, apiVersion and resourceVersion', async () => {
    c = await connect('bookmark');
    const withBookmarks = c.stream(`/api/v1/namespaces/${c.namespace}/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=0`);
    const without = c.stream(`/api/v1/namespaces/${c.namespace}/configmaps?watch=true&resourceVersion=0`);
    await expect.poll(() => c?.server?.watchCount()).toBe(2);
    await c.raw('POST', `/api/v1/namespaces/${c.namespace}/configmaps`, cm('b-1'));
    expect(c.server?.sendBookmarks()).toBe(1);
    await expect.poll(() => withBookmarks.events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    const bookmark = withBookmarks.events[1]?.object;
    expect(Object.keys(bookmark).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(bookmark).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
    await expect.poll(() => without.events.map((e) => e.type)).toEqual(['ADDED']);
    withBookmarks.stop();
    without.stop();
  });

  test('dropWatches cuts streams mid-flight; close() ends them cleanly', async () => {
    c = await connect('drop');
    const dropped = c.stream(`/api/v1/namespaces/${c.namespace}/configmaps?watch=true`);
    await expect.poll(() => c?.server?.watchCount()).toBe(1);
    expect(c.server?.dropWatches()).toBe(1);
    expect(await dropped.ended).toEqual({ clean: false });
    expect(c.server?.watchCount()).toBe(0);

    const server = await startKubeServer();
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml(server.url));
    const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=true`);
    await expect.poll(() => server.watchCount()).toBe(1);
    await server.close();
    expect(await res.text()).toBe('');
  });

  test('an informer that restarts on error relists after a dropped stream and an expired version', async () => {
    c = await connect('informer');
    const ns = c.namespace;
    const core = c.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'i-0' } } });
    const informer = makeInformer<V1ConfigMap>(c.kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
    let restarts = 0;
    informer.on('error', () => { restarts++; void informer.start(); });
    await informer.start();
    await expect.poll(() => informer.list().map((o) => o.metadata?.name)).toEqual(['i-0']);
    // Synchronously, so the informer cannot reconnect in between: cut its stream, write, forget history.
    const server = c.server;
    const type = server?.api.registry.get('', 'v1', 'configmaps');
    if (!server || !type) throw new Error('this test needs the in-process server');
    server.dropWatches();
    server.api.create(type, 'v1', ns, { metadata: { name: 'i-1' } }, server.api.systemWrite());
    server.compact();
    await expect.poll(() => informer.list().map((o) => o.metadata?.name).sort()).toEqual(['i-0', 'i-1']);
    await informer.stop();
    // The 410 after the drop forced a second list: the relist path, not a resumed watch, found i-1.
    expect(c.server?.requestCounts()['GET configmaps']).toBeGreaterThanOrEqual(2);
    expect(restarts).toBeLessThanOrEqual(2);
  });
});

describe('owner-reference garbage collection (switchable)', () => {
  async function family(cl: Cluster, dependentFinalizer?: string) {
    const owner = await cl.raw('POST', `/api/v1/namespaces/${cl.namespace}/configmaps`, cm('owner'));
    const ownerRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.json.metadata.uid, controller: true, blockOwnerDeletion: true };
    await cl.raw('POST', `/api/v1/namespaces/${cl.namespace}/configmaps`, cm('child', { ownerReferences: [ownerRef], ...(dependentFinalizer ? { finalizers: [dependentFinalizer] } : {}) }));
    return ownerRef;
  }
  const get = (cl: Cluster, name: string) => cl.raw('GET', `/api/v1/namespaces/${cl.namespace}/configmaps/${name}`);

  test('off by default, like envtest: dependents outlive their owner', async () => {
    c = await connect('gc-off');
    await family(c);
    await c.raw('DELETE', `/api/v1/namespaces/${c.namespace}/configmaps/owner`);
    expect((await get(c, 'owner')).status).toBe(404);
    expect((await get(c, 'child')).status).toBe(200);
  });

  test('background: the owner goes at once, then its dependents', async () => {
    c = await connect('gc-bg', { garbageCollection: 'on' });
    await family(c);
    await c.raw('DELETE', `/api/v1/namespaces/${c.namespace}/configmaps/owner`, { propagationPolicy: 'Background' });
    expect((await get(c, 'owner')).status).toBe(404);
    expect((await get(c, 'child')).status).toBe(404);
  });

  test('foreground: the owner waits with foregroundDeletion until its dependents are gone', async () => {
    c = await connect('gc-fg');
    c.server?.setGarbageCollection('on');
    await family(c, 'test.syncspec.dev/hold');
    const del = await c.raw('DELETE', `/api/v1/namespaces/${c.namespace}/configmaps/owner?propagationPolicy=Foreground`);
    expect(del.json.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect((await get(c, 'child')).json.metadata.deletionTimestamp).toBeTruthy();
    expect((await get(c, 'owner')).status).toBe(200);
    await c.raw('PATCH', `/api/v1/namespaces/${c.namespace}/configmaps/child`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    expect((await get(c, 'child')).status).toBe(404);
    expect((await get(c, 'owner')).status).toBe(404);
  });

  test('orphan: dependents lose the reference and stay', async () => {
    c = await connect('gc-orphan', { garbageCollection: 'on' });
    await family(c);
    await c.raw('DELETE', `/api/v1/namespaces/${c.namespace}/configmaps/owner`, { propagationPolicy: 'Orphan' });
    expect((await get(c, 'owner')).status).toBe(404);
    const child = await get(c, 'child');
    expect(child.status).toBe(200);
    expect(child.json.metadata.ownerReferences).toBeUndefined();
  });
});

describe('namespaces, CRDs and request checks', () => {
  test('a deleted namespace stays Terminating (no namespace controller) and refuses new objects', async () => {
    c = await connect('nsterm');
    await c.raw('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${c.namespace}-x` } });
    await c.raw('DELETE', `/api/v1/namespaces/${c.namespace}-x`);
    const ns = await c.raw('GET', `/api/v1/namespaces/${c.namespace}-x`);
    expect(ns.json.status.phase).toBe('Terminating');
    const refused = await c.raw('POST', `/api/v1/namespaces/${c.namespace}-x/configmaps`, cm('late'));
    expect(refused.status).toBe(403);
    expect((await c.raw('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'))).json).toMatchObject({ code: 404, reason: 'NotFound' });
  });

  test('non-structural CRD schemas are Invalid with the field path; unknown keywords fail strict decoding', async () => {
    c = await connect('crdcheck');
    const crd = (schema: Record<string, unknown>) => ({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.check.syncspec.dev' },
      spec: { group: 'check.syncspec.dev', scope: 'Namespaced', names: { kind: 'Gadget', plural: 'gadgets' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
    });
    const untyped = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }));
    expect(untyped.status).toBe(422);
    expect(untyped.json.details.causes.map((x: { field: string }) => x.field)).toEqual(['spec.versions[0].schema.openAPIV3Schema.properties[spec].type']);
    const junctor = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd({ type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } }, oneOf: [{ type: 'object', required: ['b'], properties: { b: {} } }] } } }));
    expect(junctor.json.details.causes.map((x: { field: string }) => x.field).sort()).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].oneOf[0].properties[b]',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].oneOf[0].type',
    ]);
    const strict = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldValidation=Strict', crd({ type: 'object', examples: [{}] }));
    expect(strict.status).toBe(400);
    expect(strict.json.message).toContain('openAPIV3Schema.examples');
  });

  test('deleting a CRD removes its resources from discovery', async () => {
    c = await connect('crddel');
    const body = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.gone.syncspec.dev' },
      spec: { group: 'gone.syncspec.dev', scope: 'Cluster', names: { kind: 'Thing', plural: 'things' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    };
    expect((await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body)).status).toBe(201);
    expect((await c.raw('POST', '/apis/gone.syncspec.dev/v1/things', { apiVersion: 'gone.syncspec.dev/v1', kind: 'Thing', metadata: { name: 't' }, any: { thing: 1 } })).json.any).toEqual({ thing: 1 });
    await c.raw('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/things.gone.syncspec.dev');
    expect((await c.raw('GET', '/apis/gone.syncspec.dev/v1')).status).toBe(404);
    expect((await c.raw('GET', '/apis')).json.groups.map((g: { name: string }) => g.name)).not.toContain('gone.syncspec.dev');
  });

  test('protobuf of a kind the server cannot decode gets 415; a configured token is required', async () => {
    c = await connect('media');
    const proto = await c.raw('POST', `/api/v1/namespaces/${c.namespace}/configmaps`, 'k8s\u0000', { 'content-type': 'application/vnd.kubernetes.protobuf' });
    expect(proto.status).toBe(415);
    const secured = await startKubeServer({ token: 'sesame' });
    try {
      expect((await fetch(`${secured.url}/api/v1/namespaces`)).status).toBe(401);
      expect((await fetch(`${secured.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer sesame' } })).status).toBe(200);
    } finally {
      await secured.close();
    }
  });
});

describe('admin endpoints and fixtures', () => {
  test('POST /_admin/* drives the switches from another process', async () => {
    c = await connect('admin');
    const watch = c.stream(`/api/v1/namespaces/${c.namespace}/configmaps?watch=true&allowWatchBookmarks=true`);
    await expect.poll(() => c?.server?.watchCount()).toBe(1);
    expect((await c.raw('POST', '/_admin/bookmarks')).json).toEqual({ sent: 1 });
    await expect.poll(() => watch.events.map((e) => e.type)).toEqual(['BOOKMARK']);
    expect((await c.raw('POST', '/_admin/drop-watches')).json).toEqual({ dropped: 1 });
    expect(await watch.ended).toEqual({ clean: false });
    expect((await c.raw('POST', '/_admin/gc?mode=on')).json).toEqual({ garbageCollection: 'on' });
    expect(c.server?.api.garbageCollection).toBe('on');
    expect((await c.raw('POST', '/_admin/compact')).status).toBe(200);
    expect((await c.raw('POST', '/_admin/gc?mode=sometimes')).status).toBe(400);
  });

  test('the monitoring CRDs install, and a PrometheusRule round-trips; Secrets fold stringData', async () => {
    c = await connect('monitoring');
    if (!c.server) throw new Error('needs the in-process server');
    installCrds(c.server);
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'slo' },
      spec: { groups: [{ name: 'syncspec', rules: [{ alert: 'SyncSpecErrorBudgetBurn', expr: 'sum(rate(x[5m])) > 14.4 * 0.001', for: '2m', labels: { severity: 'page' } }] }] } };
    const made = await c.raw('POST', `/apis/monitoring.coreos.com/v1/namespaces/${c.namespace}/prometheusrules`, rule);
    expect(made.status).toBe(201);
    expect(made.json.spec).toEqual(rule.spec);
    const bad = await c.raw('POST', `/apis/monitoring.coreos.com/v1/namespaces/${c.namespace}/prometheusrules`, { ...rule, metadata: { name: 'bad' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', for: 'soon', expr: '1' }] }] } });
    expect(bad.json.details.causes.map((x: { field: string }) => x.field)).toEqual(['spec.groups[0].rules[0].for']);
    const secret = await c.raw('POST', `/api/v1/namespaces/${c.namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { token: 'abc' } });
    expect(secret.json.data).toEqual({ token: Buffer.from('abc').toString('base64') });
    expect(secret.json.stringData).toBeUndefined();
  });
});
