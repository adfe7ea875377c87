/**
 * The `mode: reconcile` schedule inside a running worker: the hook compares both systems, publishes
 * the last run's gauges on the worker's /metrics, writes the reports and re-queues what differs into
 * the worker's own inbox, which its deliverer then repairs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../compiler/cli/repo.ts';
import { startKingdeeEmulator, type KingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { exampleKingdeeForms, exampleSalesforceObjects } from '../../runtime/demo/example-systems.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';
import { systemClock } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/ops/log.ts';
import { loadProject, type Project } from '../../runtime/project.ts';
import { scheduledReconcile } from '../../runtime/reconcile/scheduled.ts';
import { Worker } from '../../runtime/worker.ts';

const SPEC = 'crm-account-to-erp-customer';
let sf: SalesforceEmulator;
let kd: KingdeeEmulator;
let project: Project;
let worker: Worker;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syncspec-reconcile-schedule-'));
  sf = await startSalesforceEmulator({ port: 0, objects: exampleSalesforceObjects });
  kd = await startKingdeeEmulator({ port: 0, forms: exampleKingdeeForms });
  sf.admin.seed('Account', Array.from({ length: 12 }, (_, i) => ({ Name: `客户 ${i}`, AccountNumber: `RS-${i}`, Region__c: null, CurrencyIsoCode: 'CNY' })));
  project = await loadProject({
    repo: 'specs',
    cwd: PACKAGE_ROOT,
    specs: [SPEC],
    buildDir: join(dir, 'build'),
    store: join(dir, 'state.db'),
    env: { SF_ID: 'syncspec-client', SF_SECRET: 'syncspec-secret', KD_PASSWORD: 'kingdee@123' },
    overrides: {
      'salesforce-prod': { url: sf.url, auth: { method: 'oauth2-client-credentials', clientId: { env: 'SF_ID' }, clientSecret: { env: 'SF_SECRET' } } },
      'kingdee-prod': { url: kd.serverUrl, auth: { method: 'password', acctId: kd.acctId, username: 'syncspec', password: { env: 'KD_PASSWORD' } } },
    },
  });
  const options = await project.workerOptions();
  worker = new Worker({
    ...options,
    log: silentLogger(),
    http: { host: '127.0.0.1', port: 0 },
    delivery: { idleMs: 25 },
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await project?.close();
  await sf?.close();
  await kd?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('compares, publishes gauges, writes the reports and lets the worker repair what differs', async () => {
  const hook = scheduledReconcile({
    specs: project.specs, connectors: (await project.workerOptions()).connectors, store: project.store!, lookups: project.lookups,
    catalogs: project.catalogs, reportsDir: join(dir, 'reports'), clock: systemClock, log: silentLogger(),
  });
  await hook(SPEC, worker);
  const metrics = await worker.metrics.registry.metrics();
  expect(metrics).toContain(`syncspec_reconcile_records{spec="${SPEC}",kind="missing"} 12`);
  expect(existsSync(join(dir, 'reports', `${SPEC}.reconcile.html`))).toBe(true);
  // The re-queued records are delivered by the running worker's own deliverer.
  await expect.poll(() => kd.admin.records('BD_Customer').length, { timeout: 20_000 }).toBe(12);
  await hook(SPEC, worker);
  const after = await worker.metrics.registry.metrics();
  expect(after).toContain(`syncspec_reconcile_records{spec="${SPEC}",kind="equal"} 12`);
  expect(after).toContain(`syncspec_reconcile_records{spec="${SPEC}",kind="missing"} 0`);
});
