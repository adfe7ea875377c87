/**
 * The keep-alive informer against the test API server: events keep flowing after a dropped stream,
 * a watch from a compacted resourceVersion relists (410) with deletes and adds for what changed
 * meanwhile, and failures restart it with backoff and never more than one restart pending.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { manualClock, systemClock } from '../../operator/controller/clock.ts';
import { Informer } from '../../operator/controller/informer.ts';
import { KINDS, Resources } from '../../operator/k8s/resources.ts';
import { kubeconfigYaml } from '../kube/kubeconfig.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';

const log = pino({ level: 'silent' });
const NS = 'default';
let server: KubeServer;
let kc: KubeConfig;
let core: CoreV1Api;
let resources: Resources;

beforeAll(async () => {
  server = await startKubeServer({ historyLimit: 1000 });
  kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server.url));
  core = kc.makeApiClient(CoreV1Api);
  resources = new Resources(kc, { fieldManager: 'test', statusManager: 'test-status' });
});
afterAll(async () => { await server?.close(); });

const cm = (name: string) => core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name, labels: { suite: 'informer' } }, data: { k: name } } });
const names = (inf: Informer): string[] => inf.list(NS).map((o) => o.metadata.name).sort();

describe('Informer', () => {
  test('lists, watches, and keeps going after the stream is dropped and after 410 Expired', async () => {
    const seen: string[] = [];
    const inf = new Informer(kc, { kind: KINDS.ConfigMap, namespace: NS, labelSelector: 'suite=informer', clock: systemClock, log, restartBaseMs: 20, list: () => resources.list(KINDS.ConfigMap, NS, 'suite=informer') });
    inf.on((event, obj) => seen.push(`${event}:${obj.metadata.name}`));
    // A handler that throws must not stop the informer (nor the handlers after it).
    inf.on(() => { throw new Error('handler bug'); });
    const after: string[] = [];
    inf.on((event, obj) => after.push(`${event}:${obj.metadata.name}`));
    await cm('a');
    inf.start();
    await inf.synced;
    expect(inf.health().synced).toBe(true);
    expect(seen).toContain('add:a');
    await cm('b');
    await expect.poll(() => seen).toContain('add:b');

    await expect.poll(() => server.watchCount()).toBeGreaterThan(0);
    server.dropWatches();
    await cm('c');
    await expect.poll(() => names(inf), { timeout: 15_000 }).toEqual(['a', 'b', 'c']);

    // In the same tick as the drop (so before any reconnect), change things and forget the history:
    // the informer's resourceVersion is gone from the server, so it must relist to see them.
    await expect.poll(() => server.watchCount()).toBeGreaterThan(0);
    const lists = (): number => server.requestCounts()['GET configmaps'] ?? 0;
    expect(lists()).toBe(1);
    // A dropped stream is an error to client-node's ListWatch: the wrapper restarted it, from its resourceVersion.
    expect(inf.health().restarts).toBe(1);
    server.dropWatches();
    const type = server.api.registry.get('', 'v1', 'configmaps');
    if (!type) throw new Error('no configmaps type');
    server.api.delete(type, 'v1', NS, 'a', {});
    server.api.create(type, 'v1', NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', labels: { suite: 'informer' } } }, server.api.systemWrite('test'));
    server.compact();
    await expect.poll(() => names(inf), { timeout: 15_000 }).toEqual(['b', 'c', 'd']);
    expect(lists()).toBe(2);
    expect(inf.health().restarts).toBe(2);
    expect(seen).toContain('delete:a');
    expect(seen).toContain('add:d');
    expect(after).toEqual(seen);
    expect(inf.health().lastEventAt).toBeGreaterThan(0);
    await inf.stop();
  });

  test('a failing list restarts with doubling backoff, one restart pending at a time', async () => {
    const clock = manualClock();
    let lists = 0;
    let restarts = 0;
    const inf = new Informer(kc, {
      kind: KINDS.ConfigMap, namespace: NS, clock, log, restartBaseMs: 100, restartMaxMs: 1000, random: () => 0.5, onRestart: () => { restarts++; },
      list: async () => { lists++; throw new Error('connection refused'); },
    });
    const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r)); };
    inf.start();
    await settle();
    expect(lists).toBe(1);
    expect(clock.pending()).toBe(1);
    expect(inf.health().restarting).toBe(true);
    clock.advance(99);
    await settle();
    expect(lists).toBe(1);
    clock.advance(1);
    await settle();
    expect(lists).toBe(2);
    expect(clock.pending()).toBe(1);
    clock.advance(199);
    await settle();
    expect(lists).toBe(2);
    clock.advance(1);
    await settle();
    expect(lists).toBe(3);
    for (let i = 0; i < 10; i++) { clock.advance(1000); await settle(); }
    expect(lists).toBe(13);
    expect(restarts).toBe(12);
    expect(clock.pending()).toBe(1);
    expect(inf.health()).toMatchObject({ synced: false, restarting: true });
    await inf.stop();
    expect(clock.pending()).toBe(0);
  });
});
