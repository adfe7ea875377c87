import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../runtime/support/connector.ts';
import { utcToLocal } from '../../connectors/shared/cursor.ts';
import type { KingdeeConfig } from '../../connectors/kingdee-k3cloud/client.ts';
import { KingdeeConnector } from '../../connectors/kingdee-k3cloud/connector.ts';
import { startKingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { connectorContract, convergesUnderRandomFaults, type ContractHarness } from './contract.ts';

const cst = (iso: string): string => utcToLocal(iso, 480) as string;

export async function startKingdeeHarness(opts: { stringIsSuccess?: boolean; appSecret?: boolean; signed?: boolean } = {}): Promise<ContractHarness> {
  const emu = await startKingdeeEmulator(opts.stringIsSuccess ? { stringIsSuccess: true } : {});
  const auth = (secret: string): KingdeeConfig['auth'] =>
    opts.signed
      ? { kind: 'signedHeaders', appId: '300000_syncspecAppId', appSecret: secret === 'wrong' ? 'wrong' : 'syncspec-app-secret', orgNumber: '100' }
      : opts.appSecret
        ? { kind: 'appSecret', appId: '300000_syncspecAppId', appSecret: secret }
        : { kind: 'password', password: secret };
  const config = (over: Partial<KingdeeConfig> = {}): KingdeeConfig => ({
    serverUrl: emu.serverUrl,
    acctId: emu.acctId,
    username: 'syncspec',
    auth: auth(opts.appSecret ? 'syncspec-app-secret' : 'kingdee@123'),
    timeoutMs: 10_000,
    ...over,
  });
  const connector = new KingdeeConnector(config());
  const byKey = (key: string) => emu.admin.records('BD_Customer').find((r) => r.Number === key);
  const name = (key: string, v: number) => `客户 ${key} 'v${v}' & 上海`;
  const currency = (v: number) => (v === 1 ? 'PRE001' : 'PRE007');
  return {
    connector,
    entity: 'BD_Customer',
    keyField: 'FNumber',
    pageLimit: 7,
    ordered: true,
    writePathContains: '.BatchSave.',
    async seedChanges(rows) {
      emu.admin.seed('BD_Customer', rows.map((r) => ({ FNumber: r.key, FName: `Seeded ${r.key}`, FModifyDate: cst(r.at) })));
    },
    async touch(key, at) {
      emu.admin.mutate('BD_Customer', key, { FShortName: 'touched', FModifyDate: cst(at) });
    },
    keyOf: (r: SourceRecord) => String(r.data.FNumber),
    validRecord: (key, v) => ({ FNumber: key, FName: name(key, v), FTRADINGCURRID: { FNumber: currency(v) }, FCreateOrgId: { FNumber: '100' } }),
    invalidRecord: (key) => ({ FNumber: key, FName: 'bad currency', FTRADINGCURRID: { FNumber: 'NO-SUCH-CURRENCY' } }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.FName === name(key, v) && (rec.FTRADINGCURRID as { Number?: string } | null)?.Number === currency(v);
    },
    effects: (key) => emu.admin.effects('BD_Customer').find((e) => e.key === key) ?? { entity: 'BD_Customer', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new KingdeeConnector(config({ auth: auth('wrong') })),
    badSecret: 'wrong',
    withTimeout: (ms) => new KingdeeConnector(config({ timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
  };
}

connectorContract('kingdee-k3cloud', () => startKingdeeHarness());
connectorContract('kingdee-k3cloud (IsSuccess as strings, app-secret login)', () => startKingdeeHarness({ stringIsSuccess: true, appSecret: true }));
connectorContract('kingdee-k3cloud (signed headers, no login)', () => startKingdeeHarness({ signed: true }), { sessionAuth: false });
convergesUnderRandomFaults('kingdee-k3cloud', () => startKingdeeHarness());

describe('kingdee specifics', () => {
  it('keeps one customer number per use organisation and looks it up in the configured one', async () => {
    const emu = await startKingdeeEmulator({ seed: { BD_Customer: [{ FNumber: 'C1', FName: '总部的', FUseOrgId: { FNumber: '100' } }] } });
    const connector = (org?: string) =>
      new KingdeeConnector({ serverUrl: emu.serverUrl, acctId: emu.acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' }, ...(org ? { useOrgNumber: org } : {}) });
    const east = connector('101');
    const head = connector('100');
    const item = (name: string, org: string) => [{ key: 'C1', idempotencyKey: `C1@${org}`, record: { FName: name, FUseOrgId: { FNumber: org }, FCreateOrgId: { FNumber: org } } }];
    try {
      expect((await east.upsertBatch('BD_Customer', 'FNumber', item('华东的', '101')))[0]).toMatchObject({ status: 'ok', created: true });
      expect((await head.upsertBatch('BD_Customer', 'FNumber', item('总部的（改）', '100')))[0]).toMatchObject({ status: 'ok', created: false });
      expect(emu.admin.records('BD_Customer').map((r) => [r.FName, (r.FUseOrgId as { Number: string }).Number])).toEqual([['总部的（改）', '100'], ['华东的', '101']]);
      // Without a use organisation both rows match: the key is ambiguous, nothing is written.
      const any = connector();
      try {
        expect((await any.upsertBatch('BD_Customer', 'FNumber', item('x', '100')))[0]).toMatchObject({ status: 'reject', error: { code: 'SS5163' } });
      } finally {
        await any.close();
      }
    } finally {
      await east.close();
      await head.close();
      await emu.close();
    }
  });

  it('signs every request with the third-party headers; a stale timestamp gets the gateway 519', async () => {
    const emu = await startKingdeeEmulator({ seed: { BD_Customer: [{ FNumber: 'C1', FName: '一' }] } });
    const auth = { kind: 'signedHeaders', appId: '300000_syncspecAppId', appSecret: 'syncspec-app-secret', orgNumber: '100' } as const;
    const fresh = new KingdeeConnector({ serverUrl: emu.serverUrl, acctId: emu.acctId, username: 'syncspec', auth });
    const skewed = new KingdeeConnector({ serverUrl: emu.serverUrl, acctId: emu.acctId, username: 'syncspec', auth }, () => Date.now() - 20 * 60_000);
    try {
      expect((await fresh.readChanges('BD_Customer', undefined, { limit: 10 })).records.map((r) => r.data.FNumber)).toEqual(['C1']);
      expect(emu.admin.stats().logins).toBe(0);
      await expect(skewed.readChanges('BD_Customer', undefined, { limit: 10 })).rejects.toMatchObject({ error: { code: 'SS5154', class: 'retryable', vendorCode: '519' } });
    } finally {
      await fresh.close();
      await skewed.close();
      await emu.close();
    }
  });

  it('turns offset-less China Standard Time into UTC cursors and pages by keyset', async () => {
    const emu = await startKingdeeEmulator({ seed: { BD_Customer: [{ FNumber: 'C1', FName: '一', FModifyDate: '2026-03-01T10:00:00' }, { FNumber: 'C2', FName: '二', FModifyDate: '2026-03-01 10:00:00.250' }] } });
    const c = new KingdeeConnector({ serverUrl: emu.serverUrl, acctId: emu.acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' } });
    try {
      const page = await c.readChanges('BD_Customer', { at: '2026-03-01T02:00:00.000Z', id: '' }, { limit: 1 });
      expect(page.records.map((r) => [r.data.FNumber, r.data.FModifyDate, r.cursor])).toEqual([['C1', '2026-03-01T10:00:00', '2026-03-01T02:00:00.000Z']]);
      expect(page.next).toBeDefined();
      const rest = await c.readChanges('BD_Customer', { at: '2026-03-01T02:00:00.000Z', id: '' }, { limit: 1, next: page.next as string });
      expect(rest.records.map((r) => r.cursor)).toEqual(['2026-03-01T02:00:00.250Z']);
      await expect(c.readChanges('NO_SUCH_FORM', undefined, { limit: 1 })).rejects.toMatchObject({ error: { code: 'SS5165', class: 'bad-mapping' } });
    } finally {
      await c.close();
      await emu.close();
    }
  });

  it('creates a sales order whose customer is referenced by number, and rejects one whose customer is missing', async () => {
    const emu = await startKingdeeEmulator({ seed: { BD_Customer: [{ FNumber: 'C1', FName: '一' }], BD_MATERIAL: [{ FNumber: 'P-1', FName: '物料' }] } });
    const c = new KingdeeConnector({ serverUrl: emu.serverUrl, acctId: emu.acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' } });
    const order = (no: string, cust: string) => ({
      key: no,
      idempotencyKey: `${no}@1`,
            // References in the mapping form (plain numbers) are wrapped by the connector; wrapped ones pass as they are.
      record: { FBillNo: no, FDate: '2026-03-01', FSaleOrgId: { FNumber: '100' }, FCustId: cust, FSaleOrderEntry: [{ FMaterialId: 'P-1', FQty: 2, FTaxPrice: 113 }] },
    });
    try {
      const results = await c.upsertBatch('SAL_SaleOrder', 'FBillNo', [order('SO-1', 'C1'), order('SO-2', 'C-404')]);
      expect(results.map((r) => r.status)).toEqual(['ok', 'reject']);
      expect(results[1]).toMatchObject({ error: { code: 'SS5156', class: 'rejected', vendorCode: 'MsgCode 0' } });
      const again = await c.upsertBatch('SAL_SaleOrder', 'FBillNo', [order('SO-1', 'C1')]);
      expect(again[0]).toMatchObject({ status: 'ok', created: false });
      expect(emu.admin.effects('SAL_SaleOrder')).toEqual([{ entity: 'SAL_SaleOrder', key: 'SO-1', creates: 1, updates: 1, deletes: 0 }]);
      const orders: SourceRecord[] = [];
      for await (const page of c.scan('SAL_SaleOrder', { pageSize: 10 })) orders.push(...page);
      expect(orders.map((o) => [o.data.FBillNo, o.data['FCustId.FNumber'], o.data.FCustId, o.data.FSaleOrderEntry])).toEqual([
        ['SO-1', 'C1', 'C1', [{ FEntryID: expect.any(Number), 'FMaterialId.FNumber': 'P-1', FMaterialId: 'P-1', FQty: 2, FPrice: null, FTaxPrice: 113, FEntryTaxRate: null, 'FUnitID.FNumber': null, FUnitID: null }]],
      ]);
      const changed = await c.readChanges('SAL_SaleOrder', undefined, { limit: 10 });
      expect(changed.records[0]?.data.FSaleOrderEntry).toEqual(orders[0]?.data.FSaleOrderEntry);
      const bad = await c.upsertBatch('BD_Customer', 'FNumber', [{ key: 'C9', idempotencyKey: 'C9@1', record: { FName: 'x', FNoSuchField: 1 } }]);
      expect(bad[0]).toMatchObject({ status: 'reject', error: { code: 'SS5157', class: 'bad-mapping' } });
    } finally {
      await c.close();
      await emu.close();
    }
  });
});
