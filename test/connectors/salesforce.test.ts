import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../runtime/support/connector.ts';
import { SalesforceConnector } from '../../connectors/salesforce/connector.ts';
import { startSalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';
import type { SalesforceConfig } from '../../connectors/salesforce/client.ts';
import { connectorContract, convergesUnderRandomFaults, type ContractHarness } from './contract.ts';
import { startReceiver } from './receiver.ts';

const sfTime = (iso: string): string => iso.replace('Z', '+0000');

const appKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;

export async function startSalesforceHarness(opts: { jwt?: boolean } = {}): Promise<ContractHarness> {
  const emu = await startSalesforceEmulator({ jwtPublicKey: appKey.publicKey.export({ type: 'spki', format: 'pem' }) as string, jwtUsers: ['integration@acme.example'] });
  const auth = (good: boolean): SalesforceConfig['auth'] =>
    opts.jwt
      ? { flow: 'jwt_bearer', clientId: 'syncspec-client', username: 'integration@acme.example', privateKey: pem(good ? appKey.privateKey : otherKey.privateKey) }
      : { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: good ? 'syncspec-secret' : 'wrong' };
  const config = (over: Partial<SalesforceConfig> = {}): SalesforceConfig => ({
    loginUrl: emu.url,
    auth: auth(true),
    organizationId: emu.organizationId,
    timeoutMs: 10_000,
    ...over,
  });
  const connector = new SalesforceConnector(config());
  const byKey = (key: string) => emu.admin.records('Account').find((r) => r.AccountNumber === key);
  return {
    connector,
    entity: 'Account',
    keyField: 'AccountNumber',
    pageLimit: 200,
    ordered: true,
    writePathContains: '/composite/',
    async seedChanges(rows) {
      emu.admin.seed('Account', rows.map((r) => ({ Name: `Seeded ${r.key}`, AccountNumber: r.key, SystemModstamp: sfTime(r.at) })));
    },
    async touch(key, at) {
      const rec = byKey(key);
      if (!rec) throw new Error(`no Account ${key}`);
      emu.admin.mutate('Account', { Id: rec.Id, Description: `touched at ${at}`, SystemModstamp: sfTime(at) });
    },
    keyOf: (r: SourceRecord) => String(r.data.AccountNumber),
    validRecord: (key, variant) => ({ Name: `客户 ${key} "v${variant}" & <Co>`, AccountNumber: key, BillingCity: variant === 1 ? null : `上海 ${variant}` }),
    invalidRecord: (key) => ({ AccountNumber: key, BillingCity: 'No Name' }),
    storedMatches(key, variant) {
      const rec = byKey(key);
      return rec !== undefined && rec.Name === `客户 ${key} "v${variant}" & <Co>` && (rec.BillingCity ?? null) === (variant === 1 ? null : `上海 ${variant}`);
    },
    effects: (key) => emu.admin.effects('Account').find((e) => e.key === key) ?? { entity: 'Account', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new SalesforceConnector(config({ auth: auth(false) })),
    async seedDuplicateTarget(key) {
      emu.admin.seed('Account', [{ Name: 'Twin 1', AccountNumber: key }, { Name: 'Twin 2', AccountNumber: key }]);
    },
    badSecret: opts.jwt ? pem(otherKey.privateKey).split('\n')[1] as string : 'wrong',
    withTimeout: (ms) => new SalesforceConnector(config({ timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
    webhook: {
      push: (url, keys, opts) =>
        emu.admin.sendOutbound({
          url,
          type: 'Account',
          ids: keys.map((k) => byKey(k)?.Id).filter((x): x is string => x !== undefined),
          fields: ['Name', 'AccountNumber', 'SystemModstamp', 'LastModifiedById'],
          ...opts,
        }),
      forge: (req) => ({ ...req, body: Buffer.from(req.body.toString('utf8').replaceAll(emu.organizationId, '00DEm0000000999AAA')) }),
    },
  };
}

connectorContract('salesforce', () => startSalesforceHarness(), { webhooks: true, ambiguousKeys: true });
connectorContract('salesforce (JWT bearer)', () => startSalesforceHarness({ jwt: true }));
convergesUnderRandomFaults('salesforce', () => startSalesforceHarness());

describe('salesforce specifics', () => {
  it('surfaces deletions through queryAll as records with deleted: true', async () => {
    const emu = await startSalesforceEmulator();
    const c = new SalesforceConnector({ loginUrl: emu.url, auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' }, fields: { Account: ['Name', 'AccountNumber'] } });
    try {
      const [a, b] = emu.admin.seed('Account', [
        { Name: 'A', AccountNumber: 'A', SystemModstamp: '2026-03-01T00:00:00.000+0000' },
        { Name: 'B', AccountNumber: 'B', SystemModstamp: '2026-03-01T00:00:01.000+0000' },
      ]);
      const first = await c.readChanges('Account', undefined, { limit: 200 });
      expect(first.records.map((r) => [r.id, r.deleted ?? false])).toEqual([[a!.Id, false], [b!.Id, false]]);
      emu.admin.remove('Account', a!.Id);
      const second = await c.readChanges('Account', first.checkpoint, { limit: 200 });
      expect(second.records.map((r) => [r.id, r.deleted])).toEqual([[a!.Id, true]]);
      const scanned: string[] = [];
      for await (const page of c.scan('Account', { pageSize: 10 })) scanned.push(...page.map((r) => r.id));
      expect(scanned).toEqual([b!.Id]);
      // The ext id of a deleted record is free again: an upsert creates a new record.
      const [r] = await c.upsertBatch('Account', 'AccountNumber', [{ key: 'A', idempotencyKey: 'A@2', record: { Name: 'A again' } }]);
      expect(r).toMatchObject({ status: 'ok', created: true });
      expect((r as { targetId: string }).targetId).not.toBe(a!.Id);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  it('sends an outbound message when a person changes a record, and the connector acknowledges it', async () => {
    const c = new SalesforceConnector({ loginUrl: 'http://127.0.0.1:9', auth: { flow: 'client_credentials', clientId: 'x', clientSecret: 'y' }, organizationId: '00DEm0000000001AAA' });
    const receiver = await startReceiver(c, '/sfdc/om');
    const emu = await startSalesforceEmulator({ outbound: [{ type: 'Account', url: receiver.url, fields: ['Name', 'AccountNumber', 'SystemModstamp'] }] });
    try {
      const rec = emu.admin.mutate('Account', { Name: '杭州 "客户" <甲>', AccountNumber: 'C-7' });
      emu.admin.mutate('Contact', { LastName: 'not subscribed' });
      const reports = await emu.admin.outboundIdle();
      expect(reports).toEqual([expect.objectContaining({ accepted: true, attempts: 1 })]);
      const events = receiver.received.flatMap((r) => (r.outcome.ok ? r.outcome.events : []));
      expect(events.map((e) => [e.record.id, e.record.data.Name, e.record.data.AccountNumber])).toEqual([[rec.Id, '杭州 "客户" <甲>', 'C-7']]);
    } finally {
      await emu.close();
      await receiver.close();
      await c.close();
    }
  });

  it('reads orders with their items and related fields in one query, as plain nested data', async () => {
    const emu = await startSalesforceEmulator();
    const c = new SalesforceConnector({
      loginUrl: emu.url,
      auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' },
      fields: { Order: ['OrderNumber', 'Status', 'EffectiveDate', 'Account.AccountNumber', 'Region__c'] },
      children: { Order: { OrderItems: ['Quantity', 'UnitPrice', 'Unit__c', 'Product2.ProductCode'] } },
    });
    try {
      const [acct] = emu.admin.seed('Account', [{ Name: '上海客户', AccountNumber: 'C-1' }]);
      const [prod] = emu.admin.seed('Product2', [{ Name: '螺丝', ProductCode: 'P-1001' }]);
      const [withItems, without] = emu.admin.seed('Order', [
        { AccountId: acct!.Id, EffectiveDate: '2026-03-01', Status: 'Activated', SystemModstamp: '2026-03-01T02:00:00.000+0000' },
        { AccountId: acct!.Id, EffectiveDate: '2026-03-02', Status: 'Draft', SystemModstamp: '2026-03-01T02:00:01.000+0000' },
      ]);
      emu.admin.seed('OrderItem', [
        { OrderId: withItems!.Id, Product2Id: prod!.Id, Quantity: 5, UnitPrice: 113.5, Unit__c: 'Pcs' },
        { OrderId: withItems!.Id, Quantity: 1, UnitPrice: 0.1 },
      ]);
      const page = await c.readChanges('Order', undefined, { limit: 200 });
      expect(page.records.map((r) => r.id)).toEqual([withItems!.Id, without!.Id]);
      const first = page.records[0]!.data;
      expect(first.Account).toEqual({ AccountNumber: 'C-1' });
      expect(first.OrderItems).toEqual([
        expect.objectContaining({ Quantity: 5, UnitPrice: 113.5, Unit__c: 'Pcs', Product2: { ProductCode: 'P-1001' } }),
        expect.objectContaining({ Quantity: 1, UnitPrice: 0.1, Product2: null }),
      ]);
      expect(page.records[1]!.data.OrderItems).toEqual([]);
      expect(first.OrderNumber).toMatch(/^\d{8}$/);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  it('reports a misspelt field or entity as bad-mapping (INVALID_FIELD, SS5157), never a crash', async () => {
    const emu = await startSalesforceEmulator();
    const c = new SalesforceConnector({ loginUrl: emu.url, auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' }, fields: { Account: ['Nmae'] } });
    try {
      await expect(c.readChanges('Account', undefined, { limit: 200 })).rejects.toMatchObject({ error: { code: 'SS5157', class: 'bad-mapping', vendorCode: 'INVALID_FIELD' } });
      await expect(c.readChanges('Account; DELETE', undefined, { limit: 200 })).rejects.toMatchObject({ error: { code: 'SS5157', class: 'bad-mapping' } });
    } finally {
      await c.close();
      await emu.close();
    }
  });
});
