/**
 * The Kubernetes API contract (k8s-testing.md §2) through @kubernetes/client-node and raw HTTP.
 * Runs against the in-process test API server, or against the cluster KUBECONFIG names, unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { connect, until, type Cluster } from './harness.ts';
import { asApply, asJsonPatch, asMergePatch, asStrategicMergePatch, failure } from './k8s-client.ts';

const GROUP = 'contract.syncspec.dev';
const VERSION = 'v1';
const PLURAL = 'widgets';

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { kind: 'Widget', listKind: 'WidgetList', plural: PLURAL, singular: 'widget', shortNames: ['wdg'], categories: ['contract'] },
    versions: [{
      name: VERSION, served: true, storage: true,
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: 'Color', type: 'string', jsonPath: '.spec.color' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              required: ['size'],
              properties: {
                size: { type: 'integer', minimum: 1 },
                color: { type: 'string', enum: ['red', 'green', 'blue'] },
                owner: { type: 'string' },
                tags: { type: 'array', items: { type: 'string' } },
                parts: { type: 'object', additionalProperties: { type: 'string' } },
              },
            },
            status: {
              type: 'object',
              properties: {
                observedGeneration: { type: 'integer' },
                conditions: {
                  type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'],
                  items: { type: 'object', required: ['type'], properties: { type: { type: 'string' }, status: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    }],
  },
};

let c: Cluster;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
let ns: string;

const widget = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) => ({
  apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { name, ...(labels ? { labels } : {}) }, spec,
});
const ref = (name: string) => ({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name });
const createWidget = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) =>
  custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: widget(name, spec, labels) });

beforeAll(async () => {
  c = await connect('contract');
  ns = c.namespace;
  core = c.kc.makeApiClient(CoreV1Api);
  apps = c.kc.makeApiClient(AppsV1Api);
  custom = c.kc.makeApiClient(CustomObjectsApi);
  // Raw HTTP, not ApiextensionsV1Api: client-node's serializer maps typed model fields (`_enum`,
  // `xKubernetesPreserveUnknownFields`), so a plain schema object would silently lose `enum`.
  const made = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
  if (made.status !== 201 && made.json?.reason !== 'AlreadyExists') throw new Error(`cannot create the Widget CRD: ${made.text}`);
  // A real API server establishes a CRD asynchronously.
  await until('the Widget CRD to be served', async () => (await c.raw('GET', `/apis/${GROUP}/${VERSION}`)).status === 200);
});

afterAll(async () => {
  await c?.close();
});

describe('discovery', () => {
  test('/version, /api and /apis describe the server', async () => {
    expect((await c.raw('GET', '/version')).json.major).toBe('1');
    expect((await c.raw('GET', '/api')).json.versions).toContain('v1');
    const groups = (await c.raw('GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['apps', 'apiextensions.k8s.io', 'coordination.k8s.io', 'policy', 'rbac.authorization.k8s.io', GROUP]));
  });

  test('resource lists carry names, verbs, short names and the status subresource', async () => {
    const core = (await c.raw('GET', '/api/v1')).json;
    const cm = core.resources.find((r: { name: string }) => r.name === 'configmaps');
    expect(cm).toMatchObject({ kind: 'ConfigMap', namespaced: true, singularName: 'configmap', shortNames: ['cm'] });
    expect(cm.verbs).toEqual(expect.arrayContaining(['create', 'get', 'list', 'watch', 'patch', 'update', 'delete']));
    const widgets = (await c.raw('GET', `/apis/${GROUP}/${VERSION}`)).json.resources;
    expect(widgets.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining([PLURAL, `${PLURAL}/status`]));
    expect(widgets.find((r: { name: string }) => r.name === PLURAL)).toMatchObject({ kind: 'Widget', singularName: 'widget', shortNames: ['wdg'], categories: ['contract'] });
  });

  test('OpenAPI v3 lists the CRD group-version and its PATCH takes fieldValidation', async () => {
    const index = (await c.raw('GET', '/openapi/v3')).json;
    const entry = index.paths[`apis/${GROUP}/${VERSION}`];
    expect(entry.serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/apis/${GROUP.replace(/\./g, '\\.')}/${VERSION}\\?hash=`));
    const doc = (await c.raw('GET', entry.serverRelativeURL)).json;
    const item = Object.entries(doc.paths as Record<string, any>).find(([p]) => p.endsWith(`/${PLURAL}/{name}`))?.[1];
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({ group: GROUP, version: VERSION, kind: 'Widget' });
    expect([...(item.patch.parameters ?? []), ...(item.parameters ?? [])].map((p: { name: string }) => p.name)).toContain('fieldValidation');
  });
});

describe('create, versions and errors', () => {
  test('create fills uid, creationTimestamp, generation 1 and a resourceVersion; generateName is expanded', async () => {
    const made: any = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' }, data: { a: '1' } } });
    expect(made.metadata.name).toMatch(/^gen-.+/);
    expect(made.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.metadata.creationTimestamp).toBeInstanceOf(Date);
    expect(made.metadata.resourceVersion).toMatch(/^\d+$/);
    const w: any = await createWidget('created', { size: 1 });
    expect(w.metadata.generation).toBe(1);
  });

  test('every write bumps the one resourceVersion counter; a list reports the collection version', async () => {
    const a: any = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'rv-a' } } });
    const b: any = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'rv-b' } } });
    const a2: any = await core.patchNamespacedConfigMap({ namespace: ns, name: 'rv-a', body: { data: { x: 'y' } } }, asMergePatch);
    expect(BigInt(b.metadata.resourceVersion)).toBeGreaterThan(BigInt(a.metadata.resourceVersion));
    expect(BigInt(a2.metadata.resourceVersion)).toBeGreaterThan(BigInt(b.metadata.resourceVersion));
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    expect(BigInt(list.metadata?.resourceVersion ?? '0')).toBeGreaterThanOrEqual(BigInt(a2.metadata.resourceVersion));
  });

  test('404 NotFound, 409 AlreadyExists and the Status shape', async () => {
    const nf = await failure(core.readNamespacedConfigMap({ namespace: ns, name: 'missing' }));
    expect(nf).toMatchObject({ code: 404, reason: 'NotFound' });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dup' } } });
    expect(await failure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dup' } } }))).toMatchObject({ code: 409, reason: 'AlreadyExists' });
    const raw = await c.raw('GET', `/api/v1/namespaces/${ns}/configmaps/missing`);
    expect(raw.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });

  test('PUT with a stale resourceVersion is a 409 Conflict; without one it is unconditional', async () => {
    const v1: any = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'put' }, data: { n: '1' } } });
    await core.replaceNamespacedConfigMap({ namespace: ns, name: 'put', body: { metadata: { name: 'put', resourceVersion: v1.metadata.resourceVersion }, data: { n: '2' } } });
    const stale = await failure(core.replaceNamespacedConfigMap({ namespace: ns, name: 'put', body: { metadata: { name: 'put', resourceVersion: v1.metadata.resourceVersion }, data: { n: '3' } } }));
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    const forced: any = await core.replaceNamespacedConfigMap({ namespace: ns, name: 'put', body: { metadata: { name: 'put' }, data: { n: '4' } } });
    expect(forced.data).toEqual({ n: '4' });
  });

  test('a patch carrying a stale metadata.resourceVersion is an optimistic-lock 409', async () => {
    const v1: any = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'lock' } } });
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'lock', body: { data: { a: '1' } } }, asMergePatch);
    const s = await failure(core.patchNamespacedConfigMap({ namespace: ns, name: 'lock', body: { metadata: { resourceVersion: v1.metadata.resourceVersion }, data: { a: '2' } } }, asMergePatch));
    expect(s).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  test('422 Invalid names the offending fields in causes', async () => {
    const s = await failure(createWidget('bad', { size: 0, color: 'purple' }));
    expect(s).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(s.causes?.map((x) => x.field).sort()).toEqual(['spec.color', 'spec.size']);
    const missing = await failure(createWidget('bad2', { color: 'red' }));
    expect(missing.causes?.map((x) => x.field)).toEqual(['spec.size']);
    const badName = await failure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Not_A_Name' } } }));
    expect(badName).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(badName.causes?.map((x) => x.field)).toEqual(['metadata.name']);
  });

  test('unknown fields of a custom resource are pruned, or rejected under fieldValidation=Strict', async () => {
    const made: any = await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: widget('pruned', { size: 2, bogus: true }), fieldValidation: 'Ignore' });
    expect(made.spec).toEqual({ size: 2 });
    const strict = await failure(custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: widget('strict', { size: 2, bogus: true }), fieldValidation: 'Strict' }));
    expect(strict).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(strict.message).toContain('bogus');
  });

  test('dryRun=All validates and answers without storing', async () => {
    const dry: any = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dry' }, data: { a: '1' } }, dryRun: 'All' });
    expect(dry.data).toEqual({ a: '1' });
    expect((await failure(core.readNamespacedConfigMap({ namespace: ns, name: 'dry' }))).code).toBe(404);
    expect((await failure(custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: widget('dry', { size: 0 }), dryRun: 'All' }))).code).toBe(422);
  });

  test('415 for a patch content type the server does not know', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'media' } } });
    const res = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/media`, { data: { a: 'b' } }, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ kind: 'Status', code: 415 });
  });
});

describe('generation and the status subresource', () => {
  test('generation moves on spec changes only; status writes never touch it', async () => {
    await createWidget('gen', { size: 1 });
    const labelled: any = await custom.patchNamespacedCustomObject({ ...ref('gen'), body: { metadata: { labels: { a: 'b' } } } }, asMergePatch);
    expect(labelled.metadata.generation).toBe(1);
    const resized: any = await custom.patchNamespacedCustomObject({ ...ref('gen'), body: { spec: { size: 2 } } }, asMergePatch);
    expect(resized.metadata.generation).toBe(2);
    const status: any = await custom.patchNamespacedCustomObjectStatus({ ...ref('gen'), body: { status: { observedGeneration: 2 } } }, asMergePatch);
    expect(status.metadata.generation).toBe(2);
    expect(BigInt(status.metadata.resourceVersion)).toBeGreaterThan(BigInt(resized.metadata.resourceVersion));
  });

  test('the main endpoint ignores .status; /status ignores everything but .status', async () => {
    await createWidget('sub', { size: 1 });
    const main: any = await custom.patchNamespacedCustomObject({ ...ref('sub'), body: { spec: { size: 5 }, status: { observedGeneration: 99 } } }, asMergePatch);
    expect(main.status).toBeUndefined();
    expect(main.spec.size).toBe(5);
    const st: any = await custom.patchNamespacedCustomObjectStatus({ ...ref('sub'), body: { spec: { size: 7 }, status: { observedGeneration: 2 } } }, asMergePatch);
    expect(st.spec.size).toBe(5);
    expect(st.status.observedGeneration).toBe(2);
    const current: any = await custom.getNamespacedCustomObject(ref('sub'));
    const replaced: any = await custom.replaceNamespacedCustomObjectStatus({ ...ref('sub'), body: { ...current, status: { observedGeneration: 3 } } });
    expect(replaced.status.observedGeneration).toBe(3);
    const stale = await failure(custom.replaceNamespacedCustomObjectStatus({ ...ref('sub'), body: { ...current, status: { observedGeneration: 4 } } }));
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
  });
});

describe('finalizers and deletion', () => {
  test('DELETE without finalizers removes the object', async () => {
    await createWidget('plain', { size: 1 });
    await custom.deleteNamespacedCustomObject(ref('plain'));
    expect(await failure(custom.getNamespacedCustomObject(ref('plain')))).toMatchObject({ code: 404 });
  });

  test('a finalizer holds the object with deletionTimestamp; removing the last one deletes it', async () => {
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: { ...widget('held', { size: 1 }), metadata: { name: 'held', finalizers: ['contract.syncspec.dev/hold'] } } });
    await custom.deleteNamespacedCustomObject(ref('held'));
    const held: any = await custom.getNamespacedCustomObject(ref('held'));
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    expect(held.metadata.generation).toBe(2);
    const again: any = await custom.deleteNamespacedCustomObject(ref('held'));
    expect(again.metadata.resourceVersion).toBe(held.metadata.resourceVersion);
    const refused = await failure(custom.patchNamespacedCustomObject({ ...ref('held'), body: { metadata: { finalizers: ['contract.syncspec.dev/hold', 'contract.syncspec.dev/another'] } } }, asMergePatch));
    expect(refused).toMatchObject({ code: 422, reason: 'Invalid' });
    await custom.patchNamespacedCustomObject({ ...ref('held'), body: { metadata: { finalizers: null } } }, asMergePatch);
    expect(await failure(custom.getNamespacedCustomObject(ref('held')))).toMatchObject({ code: 404 });
  });
});

describe('server-side apply', () => {
  const apply = (name: string, spec: Record<string, unknown>, fieldManager: string, force = false) =>
    custom.patchNamespacedCustomObject({ ...ref(name), body: widget(name, spec), fieldManager, force }, asApply);

  test('apply creates a missing object and records managedFields per manager', async () => {
    const made: any = await apply('ssa', { size: 1, color: 'red' }, 'alice');
    expect(made.metadata.uid).toBeTruthy();
    const alice = made.metadata.managedFields.find((m: { manager: string }) => m.manager === 'alice');
    expect(alice).toMatchObject({ operation: 'Apply', fieldsType: 'FieldsV1' });
    expect(alice.fieldsV1['f:spec']).toMatchObject({ 'f:size': {}, 'f:color': {} });
  });

  test('changing a field another manager owns is a FieldManagerConflict unless forced', async () => {
    await apply('ssa-conflict', { size: 1, color: 'red' }, 'alice');
    const s = await failure(apply('ssa-conflict', { size: 1, color: 'blue' }, 'bob'));
    expect(s).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(s.causes).toEqual([expect.objectContaining({ type: 'FieldManagerConflict', field: '.spec.color' })]);
    const forced: any = await apply('ssa-conflict', { size: 1, color: 'blue' }, 'bob', true);
    expect(forced.spec.color).toBe('blue');
    const alice = forced.metadata.managedFields.find((m: { manager: string }) => m.manager === 'alice');
    expect(alice.fieldsV1['f:spec']['f:color']).toBeUndefined();
  });

  test('re-applying without a field removes it only when no other manager owns it', async () => {
    await apply('ssa-own', { size: 1, color: 'red', owner: 'a' }, 'alice');
    await apply('ssa-own', { size: 1, tags: ['x'] }, 'bob');
    const after: any = await apply('ssa-own', { size: 1 }, 'alice');
    expect(after.spec).toEqual({ size: 1, tags: ['x'] });
    // Same value from two managers is shared ownership, not a conflict.
    const shared: any = await apply('ssa-own', { size: 1, tags: ['x'] }, 'carol');
    expect(shared.metadata.managedFields.map((m: { manager: string }) => m.manager).sort()).toEqual(['alice', 'bob', 'carol']);
  });

  test('apply needs a fieldManager', async () => {
    const res = await c.raw('PATCH', `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/nomgr`, widget('nomgr', { size: 1 }), { 'content-type': 'application/apply-patch+yaml' });
    expect(res.status).toBe(400);
  });

  test('status applied by a separate manager never disturbs spec ownership', async () => {
    await apply('ssa-status', { size: 3 }, 'operator');
    const st: any = await custom.patchNamespacedCustomObjectStatus({ ...ref('ssa-status'), body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { name: 'ssa-status' }, status: { observedGeneration: 1 } }, fieldManager: 'operator-status', force: true }, asApply);
    expect(st.status.observedGeneration).toBe(1);
    const entry = st.metadata.managedFields.find((m: { manager: string }) => m.manager === 'operator-status');
    expect(entry).toMatchObject({ operation: 'Apply', subresource: 'status' });
    const again: any = await apply('ssa-status', { size: 3 }, 'operator');
    expect(again.status.observedGeneration).toBe(1);
  });
});

describe('server-side apply of a list-map (conditions by type)', () => {
  test('two managers apply different conditions; each keeps its own', async () => {
    await createWidget('conds', { size: 1 });
    const applyStatus = (manager: string, conditions: unknown[]) => custom.patchNamespacedCustomObjectStatus({
      ...ref('conds'), body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { name: 'conds' }, status: { conditions } }, fieldManager: manager, force: true,
    }, asApply);
    await applyStatus('ready-controller', [{ type: 'Ready', status: 'True' }]);
    const both: any = await applyStatus('sync-controller', [{ type: 'Synced', status: 'False' }]);
    expect(both.status.conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`).sort()).toEqual(['Ready=True', 'Synced=False']);
    const readyAgain: any = await applyStatus('ready-controller', [{ type: 'Ready', status: 'False' }]);
    expect(readyAgain.status.conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`).sort()).toEqual(['Ready=False', 'Synced=False']);
  });
});

describe('patch formats', () => {
  test('JSON merge patch: null deletes, objects merge', async () => {
    await createWidget('merge', { size: 1, parts: { a: '1', b: '2' } });
    const out: any = await custom.patchNamespacedCustomObject({ ...ref('merge'), body: { spec: { parts: { a: null, c: '3' } } } }, asMergePatch);
    expect(out.spec.parts).toEqual({ b: '2', c: '3' });
  });

  test('JSON patch: add, replace, remove, and a failing test op is rejected', async () => {
    await createWidget('jsonpatch', { size: 1, tags: ['a'] });
    const out: any = await custom.patchNamespacedCustomObject({ ...ref('jsonpatch'), body: [
      { op: 'add', path: '/spec/tags/-', value: 'b' },
      { op: 'replace', path: '/spec/size', value: 4 },
      { op: 'remove', path: '/spec/tags/0' },
    ] }, asJsonPatch);
    expect(out.spec).toEqual({ size: 4, tags: ['b'] });
    const s = await failure(custom.patchNamespacedCustomObject({ ...ref('jsonpatch'), body: [{ op: 'test', path: '/spec/size', value: 5 }] }, asJsonPatch));
    expect(s.code).toBe(422);
  });

  test('strategic merge patch merges containers by name on a Deployment', async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: {
      metadata: { name: 'smp' },
      spec: { selector: { matchLabels: { app: 'smp' } }, template: { metadata: { labels: { app: 'smp' } }, spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } },
    } });
    const out = await apps.patchNamespacedDeployment({ namespace: ns, name: 'smp', body: { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } } }, asStrategicMergePatch);
    expect(out.spec?.template.spec?.containers.map((x) => `${x.name}=${x.image}`)).toEqual(['a=a:1', 'b=b:2']);
  });

  test('strategic merge patch is not accepted for custom resources (415)', async () => {
    await createWidget('smp-cr', { size: 1 });
    expect((await failure(custom.patchNamespacedCustomObject({ ...ref('smp-cr'), body: { spec: { size: 2 } } }, asStrategicMergePatch))).code).toBe(415);
  });
});

describe('list, selectors and watch', () => {
  beforeAll(async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'sel-1', labels: { tier: 'web', env: 'prod' } } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'sel-2', labels: { tier: 'db', env: 'prod' } } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'sel-3', labels: { tier: 'web' } } } });
  });
  const names = async (labelSelector?: string, fieldSelector?: string) =>
    (await core.listNamespacedConfigMap({ namespace: ns, ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) })).items.map((i) => i.metadata?.name).filter((n) => n?.startsWith('sel-')).sort();

  test('label selectors: =, !=, in, notin, exists, does-not-exist', async () => {
    expect(await names('tier=web')).toEqual(['sel-1', 'sel-3']);
    expect(await names('tier!=web')).toEqual(['sel-2']);
    expect(await names('tier in (web,db),env')).toEqual(['sel-1', 'sel-2']);
    expect(await names('tier notin (web)')).toEqual(['sel-2']);
    expect(await names('!env,tier')).toEqual(['sel-3']);
  });

  test('field selectors on metadata.name and metadata.namespace', async () => {
    expect(await names(undefined, 'metadata.name=sel-2')).toEqual(['sel-2']);
    expect(await names(undefined, `metadata.namespace=${ns},metadata.name!=sel-2`)).toEqual(['sel-1', 'sel-3']);
  });

  test('a watch without resourceVersion starts with ADDED for what exists, then streams changes', async () => {
    await createWidget('w-1', { size: 1 }, { watch: 'yes' });
    const s = c.stream(`/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}?watch=true&labelSelector=watch%3Dyes`);
    await expect.poll(() => s.events.length).toBe(1);
    expect(s.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w-1' } } });
    await createWidget('w-2', { size: 1 }, { watch: 'yes' });
    await custom.patchNamespacedCustomObject({ ...ref('w-1'), body: { spec: { size: 2 } } }, asMergePatch);
    await custom.patchNamespacedCustomObject({ ...ref('w-2'), body: { metadata: { labels: { watch: 'no' } } } }, asMergePatch);
    await custom.deleteNamespacedCustomObject(ref('w-1'));
    await expect.poll(() => s.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w-1', 'ADDED w-2', 'MODIFIED w-1', 'DELETED w-2', 'DELETED w-1']);
    s.stop();
  });

  test('a watch from a list resourceVersion sends only later events, filtered by metadata.name', async () => {
    await createWidget('wv-1', { size: 1 });
    const list: any = await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL });
    const s = c.stream(`/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}?watch=true&resourceVersion=${list.metadata.resourceVersion}&fieldSelector=metadata.name%3Dwv-1`);
    await createWidget('wv-2', { size: 1 });
    await custom.patchNamespacedCustomObject({ ...ref('wv-1'), body: { spec: { size: 9 } } }, asMergePatch);
    await expect.poll(() => s.events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.spec.size}`)).toEqual(['MODIFIED wv-1 9']);
    s.stop();
  });

  test('a namespaced kind lists across all namespaces', async () => {
    const all = await core.listConfigMapForAllNamespaces({ labelSelector: 'tier=web' });
    expect(all.items.filter((i) => i.metadata?.namespace === ns).map((i) => i.metadata?.name).sort()).toEqual(['sel-1', 'sel-3']);
  });

  test('deletecollection removes what the selector matches', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dc-1', labels: { batch: 'dc' } } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dc-2', labels: { batch: 'dc' } } } });
    await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'batch=dc' });
    expect((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'batch=dc' })).items).toEqual([]);
    expect(await names()).toEqual(['sel-1', 'sel-2', 'sel-3']);
  });

  test('timeoutSeconds ends the stream cleanly', async () => {
    const s = c.stream(`/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=1&resourceVersion=0`);
    expect(await s.ended).toEqual({ clean: true });
    expect(s.events.length).toBeGreaterThan(0);
  });
});

describe('Table output', () => {
  test('kubectl-style Table requests get the CRD printer columns', async () => {
    await createWidget('table', { size: 1, color: 'green' });
    const res = await c.raw('GET', `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(res.json.kind).toBe('Table');
    expect(res.json.columnDefinitions.map((d: { name: string }) => d.name)).toEqual(['Name', 'Color', 'Ready', 'Age']);
    const row = res.json.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'table');
    expect(row.cells[1]).toBe('green');
  });
});
