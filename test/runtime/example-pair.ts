/**
 * The pair the end-to-end worker tests run the example specs against: a fresh store of the given kind,
 * the Salesforce and Kingdee emulators with the example repository's custom fields, and a connector to
 * each. `useExamplePair` registers an afterEach that stops the worker and closes everything, in order.
 */
import { afterEach } from 'vitest';
import type { Plan } from '../../compiler/plan/types.ts';
import { KingdeeConnector } from '../../connectors/kingdee-k3cloud/connector.ts';
import { startKingdeeEmulator, type KingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { SalesforceConnector } from '../../connectors/salesforce/connector.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';
import type { InboxStore } from '../../runtime/inbox/store.ts';
import { exampleKingdeeForms, exampleSalesforceObjects } from '../../runtime/demo/example-systems.ts';
import type { Worker } from '../../runtime/worker.ts';
import { testStore, type StoreKind, type TestStore } from './stores.ts';

export interface ExamplePair {
  store: InboxStore;
  sf: SalesforceEmulator;
  kd: KingdeeEmulator;
  source: SalesforceConnector;
  target: KingdeeConnector;
  /** The connectors by the connection names of specs/connections. */
  connectors: { 'salesforce-prod': SalesforceConnector; 'kingdee-prod': KingdeeConnector };
}

export interface ExamplePairOptions {
  /** Per-call timeout of the Kingdee connector (5 s unless a test is about hung calls). */
  kdTimeoutMs?: number;
}

export function useExamplePair(kind: StoreKind): {
  start(options?: ExamplePairOptions): Promise<ExamplePair>;
  /** Hands the test's worker over, so it is stopped before the connectors and emulators close. */
  own(worker: Worker): Worker;
} {
  let t: TestStore | undefined;
  let sf: SalesforceEmulator | undefined;
  let kd: KingdeeEmulator | undefined;
  let worker: Worker | undefined;
  const connectors: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await worker?.stop();
    for (const c of connectors.splice(0)) await c.close();
    await sf?.close();
    await kd?.close();
    await t?.dispose();
    worker = sf = kd = t = undefined;
  });
  return {
    async start(options = {}) {
      t = await testStore(kind);
      sf = await startSalesforceEmulator({ objects: exampleSalesforceObjects });
      kd = await startKingdeeEmulator({ forms: exampleKingdeeForms });
      const source = new SalesforceConnector({ loginUrl: sf.url, auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' }, organizationId: sf.organizationId, timeoutMs: 5000 });
      const target = new KingdeeConnector({ serverUrl: kd.serverUrl, acctId: kd.acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' }, timeoutMs: options.kdTimeoutMs ?? 5000 });
      connectors.push(source, target);
      return { store: t.store, sf, kd, source, target, connectors: { 'salesforce-prod': source, 'kingdee-prod': target } };
    },
    own(w) {
      worker = w;
      return w;
    },
  };
}

/** The specs' batch wait and retry timing shortened so a test takes seconds; `retry` overrides parts of it. */
export function fastDelivery(plan: Plan, retry: Partial<Plan['delivery']['retry']> = {}, over: Partial<Plan['delivery']> = {}): Plan {
  return { ...plan, delivery: { ...plan.delivery, maxWaitMs: 20, retry: { ...plan.delivery.retry, initialMs: 50, maxMs: 500, ...retry }, ...over } };
}
