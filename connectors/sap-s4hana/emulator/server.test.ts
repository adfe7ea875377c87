import { afterEach, describe, expect, it } from 'vitest';
import { startSapEmulator, type SapEmulator } from './server.ts';

let emu: SapEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe('sap-s4hana emulator', () => {
  it('opens a session with Basic credentials and serves reads on the session cookie alone', async () => {
    emu = await startSapEmulator();
    const root = `${emu.url}/sap/opu/odata/sap/API_PRODUCT_SRV/`;
    const bad = await fetch(root, { headers: { authorization: `Basic ${Buffer.from('SYNCSPEC_COMM:nope').toString('base64')}` } });
    expect(bad.status).toBe(401);
    const login = await fetch(root, { headers: { authorization: `Basic ${Buffer.from('SYNCSPEC_COMM:sap-comm-password').toString('base64')}`, 'x-csrf-token': 'Fetch' } });
    expect(login.status).toBe(200);
    expect(login.headers.get('x-csrf-token')).toMatch(/.{10,}/);
    const cookies = login.headers.getSetCookie();
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['SAP_SESSIONID_S4H_100', 'sap-usercontext']);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    const products = (await (await fetch(`${root}A_Product?$filter=ProductType%20eq%20'FERT'&$select=Product,ProductType`, { headers: { cookie } })).json()) as { d: { results: Record<string, unknown>[] } };
    expect(products.d.results).toEqual([{ __metadata: expect.objectContaining({ type: 'API_PRODUCT_SRV.A_ProductType', etag: expect.stringMatching(/^W\/"datetimeoffset'/) }), Product: 'TG11', ProductType: 'FERT' }]);
    const unknown = await fetch(`${root}A_Product?$filter=Colour%20eq%20'red'`, { headers: { cookie } });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: '/IWBEP/CM_MGW_RT/022', message: { lang: 'en' } } });
    expect((await fetch(`${root}A_SalesOrder`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${root}A_Product('NOPE')`, { headers: { cookie } })).status).toBe(404);
    const csrf = login.headers.get('x-csrf-token') ?? '';
    const current = await fetch(`${root}A_Product('TG11')`, { headers: { cookie } });
    const merge = (ifMatch: string) => fetch(`${root}A_Product('TG11')`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'x-http-method': 'MERGE', 'if-match': ifMatch, 'content-type': 'application/json' }, body: JSON.stringify({ GrossWeight: '1.250' }) });
    const merged = await merge(current.headers.get('etag') ?? '');
    expect(merged.status).toBe(204);
    expect((await merge(current.headers.get('etag') ?? '')).status).toBe(412);
    expect(emu.admin.records('A_Product').find((p) => p.Product === 'TG11')).toMatchObject({ GrossWeight: '1.250', LastChangedByUser: 'SYNCSPEC_COMM' });
    emu.admin.expireSessions();
    expect((await fetch(`${root}A_Product`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses bad admin input with 400', async () => {
    emu = await startSapEmulator();
    const post = (body: unknown) => fetch(`${(emu as SapEmulator).url}/__admin/seed`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post({ A_Product: [{ Colour: 'red' }] })).status).toBe(400);
    expect((await post({ A_Nope: [] })).status).toBe(400);
    expect((await post({ A_Product: [{ Product: 'X', LastChangeDateTime: 'whenever' }] })).status).toBe(400);
    expect(await (await fetch(`${emu.url}/__admin/records`)).json()).toEqual({ A_Customer: 2, A_Product: 2 });
    const mutate = (body: unknown) => fetch(`${(emu as SapEmulator).url}/__admin/mutate`, { method: 'POST', body: JSON.stringify(body) });
    expect((await mutate({ set: 'A_Product' })).status).toBe(400);
    expect((await mutate({ set: 'A_Product', key: { Product: 'NOPE' }, values: {} })).status).toBe(400);
    expect(await (await mutate({ set: 'A_Product', key: { Product: 'TG11' }, values: { ProductGroup: 'L001' } })).json()).toMatchObject({ Product: 'TG11', ProductGroup: 'L001' });
    expect((await fetch(`${emu.url}/__admin/expire-csrf`, { method: 'POST' })).status).toBe(200);
  });
});
