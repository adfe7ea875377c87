/**
 * Emulators answer any request body the way the vendor would — a vendor error, never an emulator
 * crash (HTTP 500 "emulator error") — so fault tests can trust what they see.
 */
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JDY_FORM, startJiandaoyunEmulator, type JiandaoyunEmulator } from '../../connectors/jiandaoyun/emulator/server.ts';
import { startKingdeeEmulator, type KingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';

let sf: SalesforceEmulator;
let kd: KingdeeEmulator;
let jdy: JiandaoyunEmulator;
let sfToken: string;
let kdCookie: string;

beforeAll(async () => {
  [sf, kd, jdy] = await Promise.all([startSalesforceEmulator(), startKingdeeEmulator(), startJiandaoyunEmulator()]);
  const t = await request(`${sf.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=syncspec-client&client_secret=syncspec-secret' });
  sfToken = ((await t.body.json()) as { access_token: string }).access_token;
  const l = await request(`${kd.serverUrl}Kingdee.BOS.WebApi.ServicesStub.AuthService.ValidateUser.common.kdsvc`, { method: 'POST', body: JSON.stringify({ acctID: kd.acctId, username: 'syncspec', password: 'kingdee@123', lcid: 2052 }) });
  await l.body.text();
  kdCookie = (l.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
});
afterAll(async () => {
  await Promise.all([sf.close(), kd.close(), jdy.close()]);
});

/** JSON values, JSON-shaped objects with the vendor's own keys, and arbitrary text. */
const keys = ['records', 'allOrNone', 'Name', 'AccountNumber', 'attributes', 'formid', 'data', 'Model', 'FieldKeys', 'FilterString', 'OrderString', 'Limit', 'StartRow', 'FNumber', 'FName', 'FCustId', 'FSaleOrderEntry', 'app_id', 'entry_id', 'data_list', 'data_id', 'filter', 'cond', 'limit', 'transaction_id', '_widget_1001', '_widget_1004', 'value', 'parameters', 'Number', 'Id'];
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, 0, -1, 1e308, '', 'x', "FNumber = 'x", '2026-03-01T00:00:00', { FNumber: 'PRE001' }, { value: 1 }),
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...keys), tie('v'), { maxKeys: 4 }),
  ),
})).v;
const body = fc.oneof(value.map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 }));

async function status(url: string, method: string, headers: Record<string, string>, text: string): Promise<number> {
  const res = await request(url, { method: method as 'POST', headers, body: text });
  await res.body.text();
  return res.statusCode;
}

describe('emulator robustness (property)', () => {
  it('Salesforce answers arbitrary write and query input without an emulator error', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/composite/sobjects/Account/AccountNumber', '/sobjects/Account/AccountNumber/A1', '/sobjects/Order/ExtId__c/O1'), async (text, path) => {
        expect(await status(`${sf.url}/services/data/v66.0${path}`, 'PATCH', { authorization: `Bearer ${sfToken}`, 'content-type': 'application/json' }, text)).not.toBe(500);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (q) => {
        const res = await request(`${sf.url}/services/data/v66.0/query?q=${encodeURIComponent(`SELECT Id FROM Account WHERE ${q}`)}`, { headers: { authorization: `Bearer ${sfToken}` } });
        await res.body.text();
        expect(res.statusCode).not.toBe(500);
      }),
      { numRuns: 60 },
    );
  });

  it('Kingdee answers arbitrary service input without an emulator error', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('Save', 'BatchSave', 'View', 'ExecuteBillQuery'), async (text, op) => {
        const url = `${kd.serverUrl}Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.${op}.common.kdsvc`;
        expect(await status(url, 'POST', { cookie: kdCookie, 'content-type': 'application/json' }, text)).not.toBe(500);
      }),
      { numRuns: 80 },
    );
  });

  it('Jiandaoyun answers arbitrary API input without an emulator error', async () => {
    const withForm = value.map((v) => JSON.stringify(typeof v === 'object' && v !== null && !Array.isArray(v) ? { app_id: DEFAULT_JDY_FORM.appId, entry_id: DEFAULT_JDY_FORM.entryId, ...v } : v));
    await fc.assert(
      fc.asyncProperty(fc.oneof(withForm, body), fc.constantFrom('data/list', 'data/get', 'data/create', 'data/batch_create', 'data/update', 'data/delete', 'widget/list'), async (text, path) => {
        expect(await status(`${jdy.apiBase}/v5/app/entry/${path}`, 'POST', { authorization: 'Bearer jdy-test-api-key', 'content-type': 'application/json' }, text)).not.toBe(500);
      }),
      { numRuns: 100 },
    );
  });
});
