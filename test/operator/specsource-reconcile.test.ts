/**
 * The SpecSource reconciler called directly (no controller, no timers), against the in-process test API
 * server and a real Git server: what one reconcile writes, that a second reconcile of an unchanged
 * refused commit writes nothing (no Reconciling/Stalled flapping, no new resourceVersion), that the
 * outcome asks to look again after `spec.interval`, and that a fix clears Stalled.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { manualClock } from '../../operator/controller/clock.ts';
import { Resources } from '../../operator/k8s/resources.ts';
import { secretReader } from '../../operator/source/controller.ts';
import { SpecSourceReconciler } from '../../operator/source/reconcile.ts';
import { EventRecorder } from '../../operator/status/events.ts';
import { installCrds } from '../kube/fixtures.ts';
import { kubeconfigYaml } from '../kube/kubeconfig.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';
import { createRepo, startGitServer, type GitServer, type WorkRepo } from './specsource-git-server.ts';

const NS = 'direct';
const AUTH = { user: 'bot', password: 'direct-test-password' };
const GOOD = 'apiVersion: syncspec.dev/v1\nkind: LookupTable\nmetadata:\n  name: units\nspec:\n  entries: { PCS: Pcs }\n';
// `entries` must be a map: a schema error (SS2xxx) at line 6.
const BROKEN = 'apiVersion: syncspec.dev/v1\nkind: LookupTable\nmetadata:\n  name: units\nspec:\n  entries: [PCS]\n';

let server: KubeServer;
let git: GitServer & { root: string };
let repo: WorkRepo;
let custom: CustomObjectsApi;
let reconciler: SpecSourceReconciler;
const key = { namespace: NS, name: 'src' };
const get = async (): Promise<any> => custom.getNamespacedCustomObject({ group: 'syncspec.dev', version: 'v1', plural: 'specsources', namespace: NS, name: 'src' });
const cond = (o: any, type: string): any => o.status?.conditions?.find((c: any) => c.type === type);

beforeAll(async () => {
  server = await startKubeServer();
  installCrds(server);
  git = await startGitServer(AUTH);
  repo = await createRepo(git, 'r', AUTH);
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server.url));
  custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'auth' }, stringData: { username: AUTH.user, password: AUTH.password } } });
  await custom.createNamespacedCustomObject({
    group: 'syncspec.dev', version: 'v1', plural: 'specsources', namespace: NS,
    body: { apiVersion: 'syncspec.dev/v1', kind: 'SpecSource', metadata: { name: 'src' }, spec: { url: git.url('r'), path: 'specs', interval: '1m30s', secretRef: { name: 'auth' } } },
  });
  const log = pino({ level: 'silent' });
  reconciler = new SpecSourceReconciler({
    resources: new Resources(kc, { fieldManager: 'syncspec-source', statusManager: 'syncspec-source-status' }),
    events: new EventRecorder(kc, 'syncspec-operator', log),
    clock: manualClock(Date.parse('2026-03-01T00:00:00Z')),
    log,
    readSecret: secretReader(kc),
    gitCacheDir: mkdtempSync(join(tmpdir(), 'syncspec-direct-git-')),
  });
});

afterAll(async () => {
  await git?.close();
  await server?.close();
});

test('a refused commit: Ready=False + Stalled once; reconciling it again writes nothing; a fix clears it', async () => {
  repo.write('specs/units.yaml', BROKEN);
  const bad = await repo.commitAndPush('broken units');

  expect(await reconciler.reconcile(key)).toEqual({ kind: 'done', requeueAfterMs: 90_000 });
  const first = await get();
  expect(cond(first, 'Ready')).toMatchObject({ status: 'False', reason: 'CompileFailed', observedGeneration: 1, lastTransitionTime: '2026-03-01T00:00:00Z' });
  expect(cond(first, 'Ready').message).toMatch(/^revision [0-9a-f]{40} does not compile, nothing applied: 1 error\(s\): SS2\d{3} specs\/units\.yaml:6:\d+ /);
  expect(cond(first, 'Stalled')).toMatchObject({ status: 'True', reason: 'CompileFailed' });
  expect(cond(first, 'Reconciling')).toBeUndefined();
  expect(first.status.lastAttemptedRevision).toBe(bad);
  expect(first.status.revision).toBeUndefined();

  expect(await reconciler.reconcile(key)).toEqual({ kind: 'done', requeueAfterMs: 90_000 });
  const second = await get();
  expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  expect(second.status).toEqual(first.status);

  repo.write('specs/units.yaml', GOOD);
  const fixed = await repo.commitAndPush('fix units');
  expect(await reconciler.reconcile(key)).toEqual({ kind: 'done', requeueAfterMs: 90_000 });
  const third = await get();
  expect(third.status.revision).toBe(fixed);
  expect(third.status.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Ready=True/Succeeded']);
  expect(third.status.artifact).toMatchObject({ revision: fixed, path: 'specs', files: 1, objects: 1 });
  const units = await custom.getNamespacedCustomObject({ group: 'syncspec.dev', version: 'v1', plural: 'lookuptables', namespace: NS, name: 'units' }) as any;
  expect(units.metadata.annotations['syncspec.dev/revision']).toBe(fixed);
});

test('the same commit again: applied again (drift), status untouched', async () => {
  const before = await get();
  await custom.deleteNamespacedCustomObject({ group: 'syncspec.dev', version: 'v1', plural: 'lookuptables', namespace: NS, name: 'units' });
  expect(await reconciler.reconcile(key)).toEqual({ kind: 'done', requeueAfterMs: 90_000 });
  const after = await get();
  expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  const units = await custom.getNamespacedCustomObject({ group: 'syncspec.dev', version: 'v1', plural: 'lookuptables', namespace: NS, name: 'units' }) as any;
  expect(units.spec.entries).toEqual({ PCS: 'Pcs' });
});

test('a source that no longer exists is done without writes', async () => {
  expect(await reconciler.reconcile({ namespace: NS, name: 'gone' })).toEqual({ kind: 'done', requeueAfterMs: 0 });
});
