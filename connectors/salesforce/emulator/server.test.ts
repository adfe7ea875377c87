import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from './server.ts';

let emu: SalesforceEmulator;
let token: string;

async function http(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; auth?: boolean } = {}) {
  const res = await request(`${emu.url}${path}`, {
    method: method as 'GET',
    headers: { ...(opts.auth === false ? {} : { authorization: `Bearer ${token}` }), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
}

beforeEach(async () => {
  emu = await startSalesforceEmulator({ refreshTokens: ['rt-1'] });
  const r = await http('POST', '/services/oauth2/token', {
    body: 'grant_type=client_credentials&client_id=syncspec-client&client_secret=syncspec-secret',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    auth: false,
  });
  token = (r.json as { access_token: string }).access_token;
});
afterEach(() => emu.close());

describe('Salesforce emulator', () => {
  it('issues tokens with instance_url and refuses bad grants', async () => {
    const form = (b: string) => http('POST', '/services/oauth2/token', { body: b, headers: { 'content-type': 'application/x-www-form-urlencoded' }, auth: false });
    const ok = await form('grant_type=refresh_token&refresh_token=rt-1&client_id=syncspec-client&client_secret=syncspec-secret');
    expect(ok.json).toEqual(expect.objectContaining({ instance_url: emu.url, token_type: 'Bearer' }));
    expect((ok.json as Record<string, unknown>).expires_in).toBeUndefined();
    expect((await form('grant_type=refresh_token&refresh_token=nope&client_id=syncspec-client&client_secret=syncspec-secret')).json).toEqual(expect.objectContaining({ error: 'invalid_grant' }));
    expect((await form('grant_type=client_credentials&client_id=x&client_secret=y')).status).toBe(400);
  });

  it('answers 401 INVALID_SESSION_ID for unknown tokens and lists versions', async () => {
    const r = await http('GET', '/services/data/v66.0/limits', { headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
    expect(r.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const versions = (await http('GET', '/services/data/', { auth: false })).json as { version: string }[];
    expect(versions.map((v) => v.version)).toContain('66.0');
  });

  it('upserts by external id: 201 created, 200 created:false (v46+), 204 before v46, 300 on several matches, 404 for a non-external field', async () => {
    const path = (v: string, f = 'AccountNumber', value = 'A-1') => `/services/data/v${v}/sobjects/Account/${f}/${value}`;
    const created = await http('PATCH', path('66.0'), { body: { Name: 'Acme' } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual(expect.objectContaining({ success: true, created: true }));
    expect(created.headers['sforce-limit-info']).toMatch(/^api-usage=\d+\/15000$/);
    const updated = await http('PATCH', path('66.0'), { body: { Name: 'Acme 2' } });
    expect([updated.status, (updated.json as { created: boolean }).created]).toEqual([200, false]);
    expect((await http('PATCH', path('45.0'), { body: { Name: 'Acme 3' } })).status).toBe(204);
    emu.admin.seed('Account', [{ Name: 'Twin 1', ExtId__c: 'T' }, { Name: 'Twin 2', ExtId__c: 'T' }]);
    const multi = await http('PATCH', path('66.0', 'ExtId__c', 'T'), { body: { Name: 'x' } });
    expect(multi.status).toBe(300);
    expect((multi.json as string[]).length).toBe(2);
    expect((await http('PATCH', path('66.0', 'Name', 'x'), { body: { Name: 'x' } })).status).toBe(404);
    const missing = await http('PATCH', path('66.0', 'AccountNumber', 'A-2'), { body: { BillingCity: 'x' } });
    expect([missing.status, (missing.json as { errorCode: string }[])[0]?.errorCode]).toEqual([400, 'REQUIRED_FIELD_MISSING']);
    expect(emu.admin.effects('Account')).toEqual([{ entity: 'Account', key: 'A-1', creates: 1, updates: 2, deletes: 0 }]);
  });

  it('upserts collections with per-record results in input order, and rolls back everything with allOrNone', async () => {
    const path = '/services/data/v66.0/composite/sobjects/Account/AccountNumber';
    const records = [{ Name: 'A', AccountNumber: '1' }, { AccountNumber: '2' }, { Name: 'C', AccountNumber: '3' }, { Name: 'D', AccountNumber: '3' }];
    const r = await http('PATCH', path, { body: { allOrNone: false, records } });
    expect(r.status).toBe(200);
    const results = r.json as { success: boolean; errors: { statusCode: string }[] }[];
    expect(results.map((x) => x.success)).toEqual([true, false, false, false]);
    expect(results.map((x) => x.errors[0]?.statusCode)).toEqual([undefined, 'REQUIRED_FIELD_MISSING', 'DUPLICATE_EXTERNAL_ID', 'DUPLICATE_EXTERNAL_ID']);
    const all = await http('PATCH', path, { body: { allOrNone: true, records: [{ Name: 'E', AccountNumber: '5' }, { AccountNumber: '6' }] } });
    expect((all.json as { errors: { statusCode: string }[] }[])[0]?.errors[0]?.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(emu.admin.records('Account').map((a) => a.AccountNumber)).toEqual(['1']);
    const tooMany = await http('PATCH', path, { body: { records: Array.from({ length: 201 }, (_, i) => ({ Name: 'x', AccountNumber: String(i) })) } });
    expect(tooMany.status).toBe(400);
    const unknown = await http('PATCH', path, { body: { records: [{ Name: 'x', AccountNumber: '9', Nope__c: 1 }] } });
    expect([unknown.status, (unknown.json as { errorCode: string }[])[0]?.errorCode]).toEqual([400, 'INVALID_FIELD']);
  });

  it('pages SOQL results with nextRecordsUrl and batchSize, and rejects unsupported SOQL', async () => {
    emu.admin.seed('Account', Array.from({ length: 450 }, (_, i) => ({ Name: `N${i}`, AccountNumber: String(i) })));
    const q = encodeURIComponent('SELECT Id, Name FROM Account ORDER BY Id');
    const first = await http('GET', `/services/data/v66.0/query?q=${q}`, { headers: { 'sforce-query-options': 'batchSize=200' } });
    const body = first.json as { totalSize: number; done: boolean; nextRecordsUrl: string; records: { attributes: { type: string } }[] };
    expect([body.totalSize, body.done, body.records.length, body.records[0]?.attributes.type]).toEqual([450, false, 200, 'Account']);
    const second = (await http('GET', body.nextRecordsUrl)).json as { nextRecordsUrl: string; records: unknown[] };
    const third = (await http('GET', second.nextRecordsUrl)).json as { done: boolean; records: unknown[]; nextRecordsUrl?: string };
    expect([second.records.length, third.records.length, third.done, third.nextRecordsUrl]).toEqual([200, 50, true, undefined]);
    const again = (await http('GET', second.nextRecordsUrl)).json as { records: unknown[] };
    expect(again.records).toEqual(third.records); // a client retrying after a lost answer gets the same page
    const gone = await http('GET', '/services/data/v66.0/query/01gEmNOPE-200');
    expect((gone.json as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_QUERY_LOCATOR');
    const bad = await http('GET', `/services/data/v66.0/query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`);
    expect([bad.status, (bad.json as { errorCode: string }[])[0]?.errorCode]).toEqual([400, 'MALFORMED_QUERY']);
    const field = await http('GET', `/services/data/v66.0/query?q=${encodeURIComponent('SELECT Nope FROM Account')}`);
    expect((field.json as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_FIELD');
    const type = await http('GET', `/services/data/v66.0/query?q=${encodeURIComponent('SELECT Id FROM Nope')}`);
    expect((type.json as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_TYPE');
  });

  it('deletes to the recycle bin: 204, then 404 ENTITY_IS_DELETED; queryAll still sees the row', async () => {
    const created = await http('PATCH', '/services/data/v66.0/sobjects/Account/AccountNumber/D-1', { body: { Name: 'Doomed' } });
    const id = (created.json as { id: string }).id;
    expect((await http('DELETE', `/services/data/v66.0/sobjects/Account/${id}`)).status).toBe(204);
    const again = await http('DELETE', `/services/data/v66.0/sobjects/Account/${id}`);
    expect([again.status, (again.json as { errorCode: string }[])[0]?.errorCode]).toEqual([404, 'ENTITY_IS_DELETED']);
    const q = encodeURIComponent('SELECT Id, IsDeleted FROM Account');
    expect(((await http('GET', `/services/data/v66.0/query?q=${q}`)).json as { totalSize: number }).totalSize).toBe(0);
    expect(((await http('GET', `/services/data/v66.0/queryAll?q=${q}`)).json as { records: { IsDeleted: boolean }[] }).records.map((r) => r.IsDeleted)).toEqual([true]);
    expect(emu.admin.effects('Account')).toEqual([{ entity: 'Account', key: 'D-1', creates: 1, updates: 0, deletes: 1 }]);
  });

  it('answers throttling with 403 REQUEST_LIMIT_EXCEEDED', async () => {
    emu.admin.setFaults({ next: ['throttle'], retryAfterSeconds: 5 });
    const r = await http('GET', '/services/data/v66.0/limits');
    expect([r.status, (r.json as { errorCode: string }[])[0]?.errorCode, r.headers['retry-after']]).toEqual([403, 'REQUEST_LIMIT_EXCEEDED', '5']);
  });

  it('retries outbound messages until the receiver acknowledges', async () => {
    emu.admin.seed('Account', [{ Name: 'Acme & <Co>', AccountNumber: '1' }]);
    let calls = 0;
    const bodies: string[] = [];
    const receiver = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        bodies.push(b);
        calls++;
        const ack = calls >= 2;
        res.writeHead(200, { 'content-type': 'text/xml' }).end(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse><Ack>${ack}</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>`);
      });
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    try {
      const reports = await emu.admin.sendOutbound({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/om`, type: 'Account' });
      expect(reports).toEqual([expect.objectContaining({ accepted: true, attempts: 2 })]);
      expect(bodies[0]).toBe(bodies[1]);
      expect(bodies[0]).toContain(`<OrganizationId>${emu.organizationId}</OrganizationId>`);
      expect(bodies[0]).toContain('Acme &amp; &lt;Co&gt;');
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});
