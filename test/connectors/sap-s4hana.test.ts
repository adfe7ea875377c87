import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../runtime/support/connector.ts';
import type { SapConfig } from '../../connectors/sap-s4hana/client.ts';
import { SapConnector } from '../../connectors/sap-s4hana/connector.ts';
import { startSapEmulator, type SapEmulator, type SapEmulatorOptions } from '../../connectors/sap-s4hana/emulator/server.ts';
import { connectorContract, convergesUnderRandomFaults, type ContractHarness } from './contract.ts';

function configFor(emu: SapEmulator, over: Partial<SapConfig> = {}): SapConfig {
  return { baseUrl: emu.url, username: emu.user, password: 'sap-comm-password', timeoutMs: 10_000, ...over };
}

const HEADER = { SalesOrderType: 'OR', SalesOrganization: '1010', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: '17100001' };

export async function startSapHarness(opts: SapEmulatorOptions = {}): Promise<ContractHarness> {
  const emu = await startSapEmulator(opts);
  const connector = new SapConnector(configFor(emu));
  const byKey = (key: string) => emu.admin.records('A_SalesOrder').find((r) => r.PurchaseOrderByCustomer === key);
  return {
    connector,
    entity: 'A_SalesOrder',
    keyField: 'PurchaseOrderByCustomer',
    pageLimit: 7,
    ordered: true,
    writePathContains: '/A_SalesOrder',
    dropWriteAnswers: (count) => emu.admin.loseWriteAnswers(count),
    async seedChanges(rows) {
      emu.admin.seed('A_SalesOrder', rows.map((r) => ({ ...HEADER, PurchaseOrderByCustomer: r.key, LastChangeDateTime: r.at })));
    },
    async touch(key, at) {
      const rec = byKey(key);
      if (!rec) throw new Error(`no sales order ${key}`);
      emu.admin.mutate('A_SalesOrder', { SalesOrder: String(rec.SalesOrder) }, { CustomerPaymentTerms: '0009', LastChangeDateTime: at });
    },
    keyOf: (r: SourceRecord) => String(r.data.PurchaseOrderByCustomer),
    validRecord: (key, v) => ({
      ...HEADER,
      PurchaseOrderByCustomer: key,
      CustomerPaymentTerms: `000${v}`,
      SalesOrderDate: `2026-03-0${v}`,
      to_Item: [{ Material: 'TG11', RequestedQuantity: 2.5 * v, RequestedQuantityUnit: 'PC', SalesOrderItemText: `数量 ${v}` }],
    }),
    invalidRecord: (key) => ({ ...HEADER, SoldToParty: '99999999', PurchaseOrderByCustomer: key, to_Item: [{ Material: 'TG11', RequestedQuantity: '1', RequestedQuantityUnit: 'PC' }] }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.CustomerPaymentTerms === `000${v}` && rec.SalesOrderDate === `/Date(${Date.UTC(2026, 2, v)})/`;
    },
    effects: (key) => emu.admin.effects('A_SalesOrder').find((e) => e.key === key) ?? { entity: 'A_SalesOrder', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new SapConnector(configFor(emu, { password: 'wrong-sap-password' })),
    async seedDuplicateTarget(key) {
      emu.admin.seed('A_SalesOrder', [{ ...HEADER, PurchaseOrderByCustomer: key }, { ...HEADER, PurchaseOrderByCustomer: key }]);
    },
    badSecret: 'wrong-sap-password',
    withTimeout: (ms) => new SapConnector(configFor(emu, { timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
  };
}

connectorContract('sap-s4hana', () => startSapHarness(), { ambiguousKeys: true });
connectorContract('sap-s4hana (server pages of 3 rows)', () => startSapHarness({ serverPageSize: 3 }));

async function withSap<T>(opts: SapEmulatorOptions, body: (emu: SapEmulator, c: SapConnector) => Promise<T>): Promise<T> {
  const emu = await startSapEmulator(opts);
  const c = new SapConnector(configFor(emu));
  try {
    return await body(emu, c);
  } finally {
    await c.close();
    await emu.close();
  }
}

const order = (key: string, extra: Record<string, unknown> = {}) => ({ key, idempotencyKey: `${key}@1`, record: { ...HEADER, PurchaseOrderByCustomer: key, to_Item: [{ Material: 'TG11', RequestedQuantity: '1.500', RequestedQuantityUnit: 'PC' }], ...extra } });

/** A logged-on raw client: session cookie and CSRF token from a Fetch. */
async function logon(emu: SapEmulator): Promise<{ cookie: string; csrf: string; root: string }> {
  const root = `${emu.url}/sap/opu/odata/sap/API_SALES_ORDER_SRV/`;
  const res = await fetch(root, { headers: { authorization: `Basic ${Buffer.from(`${emu.user}:sap-comm-password`).toString('base64')}`, 'x-csrf-token': 'Fetch' } });
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { cookie, csrf: res.headers.get('x-csrf-token') ?? '', root };
}

describe('sap-s4hana specifics', () => {
  it('refetches a stale CSRF token once (403 x-csrf-token: Required) and refuses writes without one', async () => {
    await withSap({}, async (emu, c) => {
      expect((await c.upsertBatch('A_SalesOrder', 'PurchaseOrderByCustomer', [order('CS1')]))[0]).toMatchObject({ status: 'ok', created: true });
      emu.admin.expireCsrfTokens();
      expect((await c.upsertBatch('A_SalesOrder', 'PurchaseOrderByCustomer', [order('CS2')]))[0]).toMatchObject({ status: 'ok', created: true });
      expect(emu.admin.stats().logins).toBe(2);
      const s = await logon(emu);
      const res = await fetch(`${s.root}A_SalesOrder`, { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json' }, body: '{}' });
      expect([res.status, res.headers.get('x-csrf-token'), await res.text()]).toEqual([403, 'Required', 'CSRF token validation failed']);
      const anonymous = await fetch(`${s.root}A_SalesOrder`);
      expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="SAP NetWeaver Application Server [S4H/100]"']);
    });
  });

  it('patches with If-Match, and on 412 re-reads the ETag once and applies the update on top of the other change', async () => {
    await withSap({}, async (emu, c) => {
      await c.upsertBatch('A_SalesOrder', 'PurchaseOrderByCustomer', [order('E1')]);
      const so = String(emu.admin.records('A_SalesOrder').find((r) => r.PurchaseOrderByCustomer === 'E1')?.SalesOrder);
      emu.admin.afterNextQuery(() => emu.admin.mutate('A_SalesOrder', { SalesOrder: so }, { SalesGroup: '100' }));
      const r = await c.upsertBatch('A_SalesOrder', 'PurchaseOrderByCustomer', [order('E1', { CustomerPaymentTerms: '0004' })]);
      expect(r[0]).toMatchObject({ status: 'ok', targetId: so, created: false });
      expect(emu.admin.records('A_SalesOrder').find((x) => x.SalesOrder === so)).toMatchObject({ SalesGroup: '100', CustomerPaymentTerms: '0004' });
      expect(emu.admin.effects('A_SalesOrder')).toEqual([{ entity: 'A_SalesOrder', key: 'E1', creates: 1, updates: 1, deletes: 0 }]);
      const s = await logon(emu);
      const patch = (headers: Record<string, string>) => fetch(`${s.root}A_SalesOrder('${so}')`, { method: 'PATCH', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ SalesGroup: '200' }) });
      const missing = await patch({});
      expect(missing.status).toBe(428);
      const stale = await patch({ 'if-match': `W/"datetimeoffset'2020-01-01T00%3A00%3A00.0000000Z'"` });
      expect(stale.status).toBe(412);
      expect(await stale.json()).toMatchObject({ error: { code: expect.any(String), message: { lang: 'en', value: expect.stringContaining('Precondition failed') }, innererror: { errordetails: [] } } });
      const current = await fetch(`${s.root}A_SalesOrder('${so}')`, { headers: { cookie: s.cookie } });
      const ok = await patch({ 'if-match': current.headers.get('etag') ?? '' });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('etag')).not.toBe(current.headers.get('etag'));
    });
  });

  it('deep-inserts sales orders with to_Item as an array or as {results:[…]}, answering 201 with Location', async () => {
    await withSap({}, async (emu, c) => {
      const s = await logon(emu);
      const res = await fetch(`${s.root}A_SalesOrder`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ ...HEADER, PurchaseOrderByCustomer: 'SF-00001234', SalesOrderDate: '/Date(1772323200000)/', to_Item: { results: [{ Material: 'TG11', RequestedQuantity: '5', RequestedQuantityUnit: 'PC' }, { Material: 'TG12', RequestedQuantity: '1.25' }] } }),
      });
      expect(res.status).toBe(201);
      const d = ((await res.json()) as { d: Record<string, unknown> }).d;
      expect(res.headers.get('location')).toBe((d.__metadata as { uri: string }).uri);
      expect((d.to_Item as { results: { SalesOrderItem: string; NetAmount: string }[] }).results.map((i) => [i.SalesOrderItem, i.NetAmount])).toEqual([['10', '500.00'], ['20', '125.00']]);
      expect(d.TotalNetAmount).toBe('625.00');
      const numbers = await fetch(`${s.root}A_SalesOrder`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ ...HEADER, to_Item: [{ Material: 'TG11', RequestedQuantity: 5 }] }) });
      expect(numbers.status).toBe(400);
      expect(await numbers.json()).toMatchObject({ error: { innererror: { errordetails: [{ target: 'RequestedQuantity', severity: 'error' }] } } });
      const page = await c.readChanges('A_SalesOrder', undefined, { limit: 10 });
      expect(page.records[0]?.data).toMatchObject({ PurchaseOrderByCustomer: 'SF-00001234', SalesOrderDate: '2026-03-01', TotalNetAmount: '625.00', to_Item: [{ SalesOrderItem: '10', RequestedQuantity: '5' }, { SalesOrderItem: '20', RequestedQuantity: '1.25' }] });
      expect(page.records[0]?.data.LastChangeDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(page.records[0]?.data).not.toHaveProperty('__metadata');
    });
  });

  it('pages server-side with __next/$skiptoken whatever $top says; scans follow it, change reads restart by keyset', async () => {
    await withSap({ serverPageSize: 5 }, async (emu, c) => {
      emu.admin.seed('A_SalesOrder', Array.from({ length: 12 }, (_, i) => ({ ...HEADER, PurchaseOrderByCustomer: `P${String(i).padStart(2, '0')}`, LastChangeDateTime: `2026-03-01T00:00:0${i % 3}Z` })));
      const s = await logon(emu);
      const first = (await (await fetch(`${s.root}A_SalesOrder?$top=8&$inlinecount=allpages&$orderby=SalesOrder%20asc`, { headers: { cookie: s.cookie } })).json()) as { d: { results: unknown[]; __count: string; __next: string } };
      expect([first.d.results.length, first.d.__count]).toEqual([5, '12']);
      expect(first.d.__next).toContain('$skiptoken=5');
      const second = (await (await fetch(first.d.__next, { headers: { cookie: s.cookie } })).json()) as { d: { results: unknown[]; __next?: string } };
      expect([second.d.results.length, second.d.__next]).toEqual([3, undefined]);
      const scanned: number[] = [];
      for await (const p of c.scan('A_SalesOrder', { pageSize: 100 })) scanned.push(p.length);
      expect(scanned).toEqual([5, 5, 2]);
      const keys: string[] = [];
      let next: string | undefined;
      do {
        const page = await c.readChanges('A_SalesOrder', undefined, next === undefined ? { limit: 10 } : { limit: 10, next });
        keys.push(...page.records.map((r) => String(r.data.PurchaseOrderByCustomer)));
        next = page.next;
      } while (next !== undefined);
      expect([...keys].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `P${String(i).padStart(2, '0')}`));
    });
  });

  it('reads business partners by LastChangeDate + LastChangeTime, tie-safe across days', async () => {
    await withSap({}, async (emu, c) => {
      emu.admin.seed('A_BusinessPartner', [
        { BusinessPartnerCategory: '2', OrganizationBPName1: '上海贸易', LastChangeDateTime: '2026-03-01T23:59:59Z' },
        { BusinessPartnerCategory: '2', OrganizationBPName1: 'B', LastChangeDateTime: '2026-03-02T00:00:00Z' },
        { BusinessPartnerCategory: '1', FirstName: 'C', LastChangeDateTime: '2026-03-02T00:00:00Z' },
      ]);
      const all = await c.readChanges('A_BusinessPartner', undefined, { limit: 10 });
      expect(all.records.map((r) => [r.id, r.cursor, r.data.LastChangeDate])).toEqual([
        ['1000001', '2026-03-01T23:59:59.000Z', '2026-03-01'],
        ['1000002', '2026-03-02T00:00:00.000Z', '2026-03-02'],
        ['1000003', '2026-03-02T00:00:00.000Z', '2026-03-02'],
      ]);
      const after = await c.readChanges('A_BusinessPartner', { at: '2026-03-02T00:00:00.000Z', id: '1000002' }, { limit: 10 });
      expect(after.records.map((r) => r.id)).toEqual(['1000003']);
      const inclusive = await c.readChanges('A_BusinessPartner', { at: '2026-03-01T23:59:59.000Z', id: '' }, { limit: 10 });
      expect(inclusive.records.map((r) => r.id)).toEqual(['1000001', '1000002', '1000003']);
      await expect(c.readChanges('A_Customer', undefined, { limit: 1 })).rejects.toMatchObject({ error: { code: 'SS5157', class: 'bad-mapping' } });
      await expect(c.readChanges('A_Nope', undefined, { limit: 1 })).rejects.toMatchObject({ error: { code: 'SS5165' } });
    });
  });

  it('classifies OData errors by code: gateway errors are mapping problems, application messages rejections', async () => {
    await withSap({}, async (_emu, c) => {
      const r = await c.upsertBatch('A_SalesOrder', 'PurchaseOrderByCustomer', [order('M1', { NoSuchProperty: 'x' }), order('M2', { SoldToParty: '99999999' }), order('M3', { to_Item: [] })]);
      expect(r[0]).toMatchObject({ status: 'reject', error: { code: 'SS5157', class: 'bad-mapping' } });
      expect(r[1]).toMatchObject({ status: 'reject', error: { code: 'SS5156', class: 'rejected', vendorCode: 'V1/302' } });
      expect(r[2]).toMatchObject({ status: 'reject', error: { code: 'SS5156', vendorCode: 'V1/557' } });
      const products = await c.upsertBatch('A_Product', 'Product', [{ key: 'NEW-1', idempotencyKey: 'NEW-1@1', record: { ProductType: 'FERT', BaseUnit: 'PC', GrossWeight: 1.5 } }]);
      expect(products[0]).toMatchObject({ status: 'ok', targetId: 'NEW-1', created: true });
      expect((await c.upsertBatch('A_Product', 'Product', [{ key: 'NEW-1', idempotencyKey: 'NEW-1@2', record: { GrossWeight: 2 } }]))[0]).toMatchObject({ status: 'ok', created: false });
    });
  });
});

convergesUnderRandomFaults('sap-s4hana', () => startSapHarness());
