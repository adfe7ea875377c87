/**
 * Zoho CRM notification callbacks carry record ids (and at most the changed fields): the worker reads
 * the current records through the connector's `resolveWebhookEvents` before storing, so the inbox holds
 * full records and the generated `zoho-account-to-u8-customer` transform maps every field. When Zoho
 * cannot be read, the callback is answered 503 and nothing partial is stored. SQLite and PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { U8Connector } from '../../connectors/yonyou-u8/connector.ts';
import { startU8Emulator, type U8Emulator } from '../../connectors/yonyou-u8/emulator/server.ts';
import { ZohoConnector } from '../../connectors/zoho-crm/connector.ts';
import { startZohoEmulator, type ZohoEmulator } from '../../connectors/zoho-crm/emulator/server.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import { silentLogger } from '../../runtime/ops/log.ts';
import { Worker } from '../../runtime/worker.ts';
import { loadCompiledSpec, loadLookupTables } from './compiled.ts';
import { STORE_KINDS, testStore, type TestStore } from './stores.ts';

const SPEC = 'zoho-account-to-u8-customer';
const CHANNEL = { channelId: '1000000068001', token: 'zoho-channel-token', module: 'Accounts' };

/** The spec's 1 s batch wait and 5 s first retry, shortened so the test takes seconds. */
function fast(plan: Plan): Plan {
  return { ...plan, delivery: { ...plan.delivery, maxWaitMs: 20, retry: { ...plan.delivery.retry, initialMs: 50, maxMs: 500 } } };
}

describe.each(STORE_KINDS)('Zoho id-only callbacks → full records → U8 (%s store)', (kind) => {
  let t: TestStore | undefined;
  let zoho: ZohoEmulator | undefined;
  let u8: U8Emulator | undefined;
  let worker: Worker | undefined;
  const connectors: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await worker?.stop();
    for (const c of connectors.splice(0)) await c.close();
    await zoho?.close();
    await u8?.close();
    await t?.dispose();
    worker = zoho = u8 = t = undefined;
  });

  it('stores the current record a callback names, delivers it once, and refuses (503) while Zoho cannot be read', async () => {
    t = await testStore(kind);
    zoho = await startZohoEmulator();
    u8 = await startU8Emulator({ asyncPolls: 1 });
    const source = new ZohoConnector({ accountsUrl: zoho.url, clientId: '1000.SYNCSPECCLIENT', clientSecret: 'zoho-client-secret', refreshToken: '1000.refresh.syncspec', channels: [CHANNEL], timeoutMs: 5000 });
    const target = new U8Connector({ baseUrl: u8.url, fromAccount: u8.fromAccount, toAccount: u8.toAccount, appKey: u8.appKey, appSecret: 'u8-app-secret', operator: u8.operator, timeoutMs: 5000 }, Date.now, async () => {});
    connectors.push(source, target);
    const compiled = await loadCompiledSpec(SPEC);
    worker = new Worker({
      specs: [{ plan: fast(compiled.plan), transform: compiled.transform }],
      connectors: { 'zoho-crm-prod': source, 'u8-prod': target },
      store: t.store,
      lookups: loadLookupTables(),
      log: silentLogger(),
      delivery: { idleMs: 20 },
    });
    await worker.start();
    const store = t.store;
    await source.watch({ module: 'Accounts', notifyUrl: `${worker.url}/hooks/${SPEC}` });

    // Zoho's Modified_Time (the record version) has second resolution: the seed is an hour old, so the later edit is a new version.
    const [gz] = zoho.admin.seed('Accounts', [{ Modified_Time: new Date(Date.now() - 3_600_000).toISOString(), Account_Name: '广州珠江电子有限公司', Account_Number: 'GZ0007', Billing_State: '广东省', Billing_City: '广州市', Billing_Street: '天河区珠江新城华夏路 10 号', Phone: '020-3888 6666' }]);
    const reports = await zoho.admin.notify({ module: 'Accounts', ids: [gz!.id], operation: 'insert', duplicate: true });
    expect(reports.every((r) => r.accepted)).toBe(true);
    await expect.poll(() => u8!.admin.records('customer').length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => store.depth()).toEqual({});
    // The callback named the id only; what was stored and delivered is the whole record.
    expect((await store.getEvent(1))?.payload).toMatchObject({ id: gz!.id, Account_Name: '广州珠江电子有限公司', Billing_City: '广州市' });
    expect(u8.admin.records('customer')[0]).toMatchObject({ code: 'GZ0007', name: '广州珠江电子有限公司', address: '广东省 广州市 天河区珠江新城华夏路 10 号', phone: '020-3888 6666' });

    // Zoho's record API fails: the callback is refused with 503 and nothing is stored; once it recovers, the retry stores the current record.
    zoho.admin.mutate('Accounts', gz!.id, { Phone: '020-3888 7777' });
    zoho.admin.setFaults({ errorRate: 1, errorStatus: 500, pathContains: '/crm/v8/Accounts' });
    const refused = await zoho.admin.notify({ module: 'Accounts', ids: [gz!.id], operation: 'update' });
    expect(refused.map((r) => [r.status, r.accepted])).toEqual([[503, false]]);
    expect(await store.depth()).toEqual({});
    zoho.admin.setFaults({});
    await zoho.admin.notify({ module: 'Accounts', ids: [gz!.id], operation: 'update' });
    await expect.poll(() => u8!.admin.records('customer')[0]?.phone, { timeout: 10_000 }).toBe('020-3888 7777');
    const effects = u8.admin.effects('customer');
    expect(effects.map((e) => [e.key, e.creates, e.updates])).toEqual([['GZ0007', 1, 1]]);
    expect(await store.listDeadLetters({})).toEqual([]);
  });
});
