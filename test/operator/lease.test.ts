/** The Lease protocol step by step, each candidate on its own manual clock, against the test API server. */
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { manualClock, type ManualClock } from '../../operator/controller/clock.ts';
import { LeaderElector } from '../../operator/controller/leader.ts';
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

function candidate(identity: string, name: string): { elector: LeaderElector; clock: ManualClock } {
  const clock = manualClock(Date.UTC(2026, 0, 1));
  return { clock, elector: new LeaderElector(kc, { namespace: 'default', name, identity, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, clock, log) };
}

const read = (name: string) => kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: 'default', name });

test('the first candidate creates the lease; another takes it only after a whole lease duration without renewal', async () => {
  const a = candidate('a', 'lease-1');
  const b = candidate('b', 'lease-1');
  expect(await a.elector.tryAcquireOrRenew()).toBe(true);
  expect(await b.elector.tryAcquireOrRenew()).toBe(false);
  b.clock.advance(14_999);
  expect(await b.elector.tryAcquireOrRenew()).toBe(false);
  a.clock.advance(2_000);
  expect(await a.elector.tryAcquireOrRenew()).toBe(true);
  // b saw the renewal now: the lease duration counts from here on b's clock.
  b.clock.advance(1);
  expect(await b.elector.tryAcquireOrRenew()).toBe(false);
  b.clock.advance(14_999);
  expect(await b.elector.tryAcquireOrRenew()).toBe(false);
  b.clock.advance(1);
  expect(await b.elector.tryAcquireOrRenew()).toBe(true);
  const lease = await read('lease-1');
  expect(lease.spec?.holderIdentity).toBe('b');
  expect(lease.spec?.leaseTransitions).toBe(1);
  expect(lease.spec?.leaseDurationSeconds).toBe(15);
  // The old holder sees a new record and does not take it back.
  expect(await a.elector.tryAcquireOrRenew()).toBe(false);
});

test('two candidates racing for an expired lease: exactly one wins (resourceVersion lock)', async () => {
  const a = candidate('a', 'lease-2');
  expect(await a.elector.tryAcquireOrRenew()).toBe(true);
  const b = candidate('b', 'lease-2');
  const c = candidate('c', 'lease-2');
  expect(await b.elector.tryAcquireOrRenew()).toBe(false);
  expect(await c.elector.tryAcquireOrRenew()).toBe(false);
  b.clock.advance(15_000);
  c.clock.advance(15_000);
  const results = await Promise.all([b.elector.tryAcquireOrRenew(), c.elector.tryAcquireOrRenew()]);
  expect(results.filter(Boolean)).toHaveLength(1);
  expect((await read('lease-2')).spec?.holderIdentity).toBe(results[0] ? 'b' : 'c');
});

test('release clears the holder so a standby need not wait', async () => {
  const a = candidate('a', 'lease-3');
  const b = candidate('b', 'lease-3');
  expect(await a.elector.tryAcquireOrRenew()).toBe(true);
  await a.elector.release();
  expect(await b.elector.tryAcquireOrRenew()).toBe(true);
});
