/**
 * The manager under leader election against the test API server, on a manual clock: a standby runs
 * no controller; the leader does; a leader whose lease is taken stops its controllers, reports the
 * loss (the process then exits) and /healthz turns unhealthy.
 */
import { CoordinationV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { manualClock } from '../../operator/controller/clock.ts';
import { Controller } from '../../operator/controller/controller.ts';
import { Manager } from '../../operator/controller/manager.ts';
import { OperatorMetrics } from '../../operator/controller/metrics.ts';
import { done } from '../../operator/controller/outcome.ts';
import { kubeconfigYaml } from '../kube/kubeconfig.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';

const log = pino({ level: 'silent' });
let server: KubeServer;
let kc: KubeConfig;

beforeAll(async () => {
  server = await startKubeServer();
  kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server.url));
});
afterAll(async () => { await server?.close(); });

function managed(identity: string, clock: ReturnType<typeof manualClock>) {
  const metrics = new OperatorMetrics();
  const reconciled: string[] = [];
  const manager = new Manager({
    kc, clock, log, metrics,
    leaderElection: { namespace: 'default', name: 'manager-test', identity, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
  });
  const controller = new Controller({ name: 'probe', clock, log, metrics, reconciler: { reconcile: async (k) => { reconciled.push(k.name); return done(); } } });
  manager.add(controller);
  return { manager, controller, reconciled, metrics };
}

test('only the leader runs controllers; a leader that loses its lease stops them and reports the loss', async () => {
  const clockA = manualClock(Date.now());
  const clockB = manualClock(Date.now());
  const a = managed('a', clockA);
  const b = managed('b', clockB);
  a.manager.start();
  await expect.poll(() => a.manager.state).toBe('leading');
  b.manager.start();
  const port = await b.manager.serve(0, '127.0.0.1');
  // b campaigns every retry period and keeps losing while a renews.
  for (let i = 0; i < 3; i++) {
    clockB.advance(2_000);
    clockA.advance(2_000);
    await new Promise((r) => setTimeout(r, 30));
  }
  expect(b.manager.state).toBe('standby');
  expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toMatchObject({ ready: true, state: 'standby' });

  a.controller.enqueue('ns/x');
  b.controller.enqueue('ns/x');
  await expect.poll(() => a.reconciled).toEqual(['x']);
  expect(b.reconciled).toEqual([]);

  // Someone else holds the lease now (as after a network partition): a cannot renew and must stand down.
  const leases = kc.makeApiClient(CoordinationV1Api);
  const lease = await leases.readNamespacedLease({ namespace: 'default', name: 'manager-test' });
  if (!lease.spec) throw new Error('lease has no spec');
  lease.spec.holderIdentity = 'intruder';
  lease.spec.renewTime = new V1MicroTime(Date.now());
  await leases.replaceNamespacedLease({ namespace: 'default', name: 'manager-test', body: lease });
  await expect.poll(() => { clockA.advance(2_000); return a.manager.state; }, { interval: 30, timeout: 10_000 }).toBe('lost');
  await a.manager.lost;
  expect((await a.metrics.leader.get()).values[0]?.value).toBe(0);
  a.controller.enqueue('ns/y');
  await new Promise((r) => setTimeout(r, 50));
  expect(a.reconciled).toEqual(['x']);
  const portA = await a.manager.serve(0, '127.0.0.1');
  expect((await fetch(`http://127.0.0.1:${portA}/healthz`)).status).toBe(500);
  await a.manager.stop();
  await b.manager.stop();
});
