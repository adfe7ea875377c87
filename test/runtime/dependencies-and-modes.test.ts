/**
 * Against the real-HTTP Salesforce and Kingdee emulators, with the SQLite and the PostgreSQL store:
 * - an order whose account is not synced yet waits ("dependency pending", SS5118) instead of going out
 *   with an empty customer, and is delivered once the account syncs; one whose account never syncs
 *   ends in the DLQ with "reference not synced: <spec> <id>" after the plan's retry attempts;
 * - delivery modes: create-only leaves existing keys alone, update-only creates nothing, mirror
 *   propagates a deletion seen by the poll.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compiler/plan/types.ts';
import { silentLogger } from '../../runtime/ops/log.ts';
import { refsByTargetKey } from '../../runtime/project.ts';
import { Worker, type WorkerSpec } from '../../runtime/worker.ts';
import { loadCompiledSpec, loadLookupTables } from './compiled.ts';
import { fastDelivery, useExamplePair } from './example-pair.ts';
import { STORE_KINDS } from './stores.ts';

const ACCOUNTS = 'crm-account-to-erp-customer';
const ORDERS = 'crm-order-to-erp-sales-order';

/** The specs' batch waits and retry timing shortened so the test takes seconds; attempts as given. */
function fast(plan: Plan, over: Partial<Plan['delivery']> = {}, attempts = plan.delivery.retry.attempts): Plan {
  return fastDelivery(plan, { attempts, initialMs: 40, maxMs: 200 }, over);
}

describe.each(STORE_KINDS)('references and delivery modes through the worker (%s store)', (kind) => {
  const pair = useExamplePair(kind);

  async function start(specs: (plans: { accounts: WorkerSpec; orders: WorkerSpec }) => WorkerSpec[], http = true) {
    const { store, sf, kd, connectors } = await pair.start();
    kd.admin.seed('BD_MATERIAL', [{ FNumber: 'P-1001', FName: '螺丝刀套装', FCreateOrgId: { FNumber: '101' }, FUseOrgId: { FNumber: '101' } }]);
    const chosen = specs({ accounts: await loadCompiledSpec(ACCOUNTS), orders: await loadCompiledSpec(ORDERS) });
    const worker = pair.own(
      new Worker({
        specs: chosen,
        connectors,
        // Kingdee references are by business number: ref() answers the target key (as `syncspec up` wires it).
        store: refsByTargetKey(store, chosen.map((s) => s.plan)),
        lookups: loadLookupTables(),
        log: silentLogger(),
        delivery: { idleMs: 20 },
        poll: { pageSize: 200, settleCheckMs: 20 },
        ...(http ? {} : { http: false as const }),
      }),
    );
    await worker.start();
    return { sf, kd, worker, store };
  }

  const order = (no: string, accountId: string) => ({
    id: `801${no}`,
    version: '2026-03-01T00:00:00.000Z',
    data: { OrderNumber: no, EffectiveDate: '2026-03-01', Status: 'Activated', AccountId: accountId, Region__c: '华东', Description: null, OrderItems: [{ Product2Id: '01tP1001', Product2: { ProductCode: 'P-1001' }, Quantity: 2, UnitPrice: 113, Unit__c: null }] },
  });

  it('holds an order until its account is synced, then delivers it once', async () => {
    // Attempts enough that the wait never runs out while the account is on its way (the budget is the next test's subject).
    const { sf, kd, worker, store } = await start(({ accounts, orders }) => [
      { plan: fast(accounts.plan), transform: accounts.transform },
      { plan: fast(orders.plan, {}, 10_000), transform: orders.transform },
    ]);
    const [account] = sf.admin.seed('Account', [{ Name: '上海华东贸易有限公司', AccountNumber: 'c-sf-0001', Region__c: '华东', CurrencyIsoCode: 'CNY' }]);
    // The order arrives first: its account is not in the crosswalk yet.
    await worker.intake.accept(ORDERS, 'webhook', [{ record: order('00000123', account!.Id) }]);
    await expect.poll(async () => (await store.getEvent(1))?.attempts, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(await store.getEvent(1)).toMatchObject({ state: 'pending', lastError: `SS5118: FCustId: reference not synced: ${ACCOUNTS} ${account!.Id}` });
    expect(kd.admin.records('SAL_SaleOrder')).toEqual([]);

    await sf.admin.sendOutbound({ url: `${worker.url}/hooks/${ACCOUNTS}`, type: 'Account' });
    await expect.poll(() => kd.admin.records('SAL_SaleOrder').map((r) => [r.FBillNo, (r.FCustId as { Number?: unknown } | null)?.Number]), { timeout: 10_000 }).toEqual([['00000123', 'C-SF-0001']]);
    expect(kd.admin.effects('SAL_SaleOrder')).toEqual([{ entity: 'SAL_SaleOrder', key: '00000123', creates: 1, updates: 0, deletes: 0 }]);
    await expect.poll(() => store.depth()).toEqual({});
    expect(await store.listDeadLetters({})).toEqual([]);
  });

  it('dead-letters an order whose account never syncs after the retry attempts, naming the reference', async () => {
    const { kd, worker, store } = await start(({ accounts, orders }) => [
      { plan: fast(accounts.plan), transform: accounts.transform },
      { plan: fast(orders.plan, {}, 3), transform: orders.transform },
    ]);
    await worker.intake.accept(ORDERS, 'webhook', [{ record: order('00000124', '001NEVERSYNCED') }]);
    await expect.poll(async () => (await store.listDeadLetters({})).map((d) => [d.sourceId, d.code, d.class, d.reason, d.at]), { timeout: 10_000 }).toEqual([
      ['80100000124', 'SS5034', 'retryable', `FCustId: reference not synced: ${ACCOUNTS} 001NEVERSYNCED (gave up after 3 attempts)`, expect.stringMatching(/^specs\/flows\/orders\/crm-order-to-erp-sales-order\.yaml:\d+:\d+$/)],
    ]);
    expect(kd.admin.records('SAL_SaleOrder')).toEqual([]);
    await expect.poll(() => store.depth()).toEqual({});
  });

  it('create-only leaves a customer that already exists alone and creates the new one', async () => {
    const { sf, kd, worker, store } = await start(({ accounts }) => [{ plan: fast(accounts.plan, { mode: 'create-only' }), transform: accounts.transform }]);
    kd.admin.seed('BD_Customer', [{ FNumber: 'C-OLD', FName: '手工建的客户', FCreateOrgId: { FNumber: '101' }, FUseOrgId: { FNumber: '101' } }]);
    sf.admin.seed('Account', [
      { Name: '已存在的客户（CRM 名称）', AccountNumber: 'c-old', Region__c: '华东' },
      { Name: '新客户', AccountNumber: 'c-new', Region__c: '华东' },
    ]);
    await sf.admin.sendOutbound({ url: `${worker.url}/hooks/${ACCOUNTS}`, type: 'Account' });
    await expect.poll(() => store.depth(), { timeout: 10_000 }).toEqual({});
    const byNumber = new Map(kd.admin.records('BD_Customer').map((r) => [r.FNumber, r.FName]));
    expect(byNumber).toEqual(new Map([['C-OLD', '手工建的客户'], ['C-NEW', '新客户']]));
    expect(kd.admin.effects('BD_Customer').map((e) => [e.key, e.creates, e.updates])).toEqual([['C-NEW', 1, 0]]);
    expect((await store.getEvent(1))?.state).toBe('skipped');
    expect((await store.getEvent(1))?.lastError).toMatch(/^SS5032: create-only: BD_Customer FNumber C-OLD already exists/);
    // The customer found in place is this account's target: ref() can resolve it.
    expect((await store.crosswalkBySourceId(ACCOUNTS, (await store.getEvent(1))!.sourceId))?.targetKey).toBe('C-OLD');
    expect(await store.listDeadLetters({})).toEqual([]);
  });

  it('update-only updates the customer that exists and creates nothing', async () => {
    const { sf, kd, worker, store } = await start(({ accounts }) => [{ plan: fast(accounts.plan, { mode: 'update-only' }), transform: accounts.transform }]);
    kd.admin.seed('BD_Customer', [{ FNumber: 'C-OLD', FName: '旧名称', FCreateOrgId: { FNumber: '101' }, FUseOrgId: { FNumber: '101' } }]);
    sf.admin.seed('Account', [
      { Name: '新名称', AccountNumber: 'c-old', Region__c: '华东' },
      { Name: '没有的客户', AccountNumber: 'c-missing', Region__c: '华东' },
    ]);
    await sf.admin.sendOutbound({ url: `${worker.url}/hooks/${ACCOUNTS}`, type: 'Account' });
    await expect.poll(() => store.depth(), { timeout: 10_000 }).toEqual({});
    expect(kd.admin.records('BD_Customer').map((r) => [r.FNumber, r.FName])).toEqual([['C-OLD', '新名称']]);
    expect(kd.admin.effects('BD_Customer').map((e) => [e.key, e.creates, e.updates])).toEqual([['C-OLD', 0, 1]]);
    expect((await store.getEvent(2))?.state).toBe('skipped');
    expect((await store.getEvent(2))?.lastError).toBe('SS5032: update-only: no BD_Customer with FNumber C-MISSING at the target; this flow does not create records');
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toContain(`syncspec_records_skipped_total{spec="${ACCOUNTS}",reason="missing"} 1`);
  });

  it('mirror deletes the customer when the poll sees the account deleted', async () => {
    const { sf, kd, worker, store } = await start(
      ({ accounts }) => [{ plan: { ...fast(accounts.plan, { mode: 'mirror' }), triggers: [{ poll: { every: '1h', cursor: 'SystemModstamp', overlap: '2m' } }] }, transform: accounts.transform }],
      false,
    );
    const [gone] = sf.admin.seed('Account', [
      { Name: '要删除的客户', AccountNumber: 'c-del', Region__c: '华东', SystemModstamp: '2026-03-01T00:00:00.000+0000' },
      { Name: '保留的客户', AccountNumber: 'c-keep', Region__c: '华东', SystemModstamp: '2026-03-01T00:00:00.000+0000' },
    ]);
    await expect.poll(() => kd.admin.records('BD_Customer').length, { timeout: 10_000 }).toBe(2);
    await expect.poll(async () => (await store.getCursor(ACCOUNTS)).position, { timeout: 10_000 }).toBeDefined();
    sf.admin.remove('Account', gone!.Id);
    await worker.poller(ACCOUNTS)!.pollOnce();
    await expect.poll(() => kd.admin.records('BD_Customer').map((r) => r.FNumber), { timeout: 10_000 }).toEqual(['C-KEEP']);
    expect(kd.admin.effects('BD_Customer').find((e) => e.key === 'C-DEL')).toMatchObject({ creates: 1, deletes: 1 });
    await expect.poll(() => store.depth()).toEqual({});
    expect(await store.listDeadLetters({})).toEqual([]);
  });
});
