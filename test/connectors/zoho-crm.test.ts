import { describe, expect, it } from 'vitest';
import type { SourceRecord, UpsertItem } from '../../runtime/support/connector.ts';
import type { ZohoConfig } from '../../connectors/zoho-crm/client.ts';
import { ZohoConnector } from '../../connectors/zoho-crm/connector.ts';
import { startZohoEmulator, type ZohoEmulator } from '../../connectors/zoho-crm/emulator/server.ts';
import { connectorContract, convergesUnderRandomFaults, type ContractHarness } from './contract.ts';

const CHANNEL = { channelId: '1000000068001', token: 's3cret-echo', module: 'Accounts' };

function configFor(emu: ZohoEmulator, over: Partial<ZohoConfig> = {}): ZohoConfig {
  return {
    accountsUrl: emu.url,
    clientId: '1000.SYNCSPECCLIENT',
    clientSecret: 'zoho-client-secret',
    refreshToken: '1000.refresh.syncspec',
    channels: [CHANNEL],
    timeoutMs: 10_000,
    ...over,
  };
}

export async function startZohoHarness(): Promise<ContractHarness> {
  const emu = await startZohoEmulator();
  const connector = new ZohoConnector(configFor(emu));
  const byKey = (key: string) => emu.admin.records('Accounts').find((r) => r.Account_Number === key);
  const name = (key: string, v: number) => `客户 ${key} "v${v}" & <Co>`;
  return {
    connector,
    entity: 'Accounts',
    keyField: 'Account_Number',
    pageLimit: 7,
    ordered: true,
    writePathContains: '/upsert',
    async seedChanges(rows) {
      emu.admin.seed('Accounts', rows.map((r) => ({ Account_Name: `Seeded ${r.key}`, Account_Number: r.key, Modified_Time: r.at })));
    },
    async touch(key, at) {
      const rec = byKey(key);
      if (!rec) throw new Error(`no account ${key}`);
      emu.admin.mutate('Accounts', rec.id, { Description: 'touched', Modified_Time: at });
    },
    keyOf: (r: SourceRecord) => String(r.data.Account_Number),
    validRecord: (key, v) => ({ Account_Name: name(key, v), Account_Number: key, Billing_City: v === 1 ? null : `上海 ${v}` }),
    invalidRecord: (key) => ({ Account_Number: key, Billing_City: 'No Name' }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.Account_Name === name(key, v) && (rec.Billing_City ?? null) === (v === 1 ? null : `上海 ${v}`);
    },
    effects: (key) => emu.admin.effects('Accounts').find((e) => e.key === key) ?? { entity: 'Accounts', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new ZohoConnector(configFor(emu, { clientSecret: 'wrong-zoho-secret' })),
    async seedDuplicateTarget(key) {
      emu.admin.seed('Accounts', [{ Account_Name: 'Twin 1', Account_Number: key }, { Account_Name: 'Twin 2', Account_Number: key }]);
    },
    badSecret: 'wrong-zoho-secret',
    withTimeout: (ms) => new ZohoConnector(configFor(emu, { timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
    webhook: {
      async push(url, keys, o) {
        await connector.watch({ module: 'Accounts', notifyUrl: url });
        const ids = keys.map((k) => byKey(k)?.id).filter((x): x is string => x !== undefined);
        return emu.admin.notify({ module: 'Accounts', ids, operation: 'insert', ...o });
      },
      forge: (req) => ({ ...req, body: Buffer.from(req.body.toString('utf8').replace(CHANNEL.token, 'guessed-token')) }),
    },
  };
}

connectorContract('zoho-crm', startZohoHarness, { webhooks: true, ambiguousKeys: true });

async function withZoho<T>(opts: Parameters<typeof startZohoEmulator>[0], over: Partial<ZohoConfig>, body: (emu: ZohoEmulator, c: ZohoConnector) => Promise<T>, now?: () => number): Promise<T> {
  const emu = await startZohoEmulator(opts);
  const c = new ZohoConnector(configFor(emu, over), now);
  try {
    return await body(emu, c);
  } finally {
    await c.close();
    await emu.close();
  }
}

const account = (key: string, extra: Record<string, unknown> = {}): UpsertItem => ({ key, idempotencyKey: `${key}@1`, record: { Account_Name: `Name ${key}`, Account_Number: key, ...extra } });

async function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
}

async function token(emu: ZohoEmulator): Promise<string> {
  const r = await raw(`${emu.url}/oauth/v2/token?grant_type=refresh_token&client_id=1000.SYNCSPECCLIENT&client_secret=zoho-client-secret&refresh_token=1000.refresh.syncspec`, { method: 'POST' });
  return (r.json as { access_token: string }).access_token;
}

describe('zoho-crm specifics', () => {
  it('refreshes a token before expires_in runs out, and once more when Zoho answers INVALID_TOKEN', async () => {
    let t = Date.UTC(2026, 2, 1);
    const clock = () => t;
    await withZoho({ now: clock }, {}, async (emu, c) => {
      await c.readChanges('Accounts', undefined, { limit: 5 });
      t += 3_550_000; // within the last minute of the hour: refresh proactively
      await c.readChanges('Accounts', undefined, { limit: 5 });
      expect(emu.admin.stats().logins).toBe(2);
    }, clock);
    let serverTime = Date.UTC(2026, 2, 1);
    await withZoho({ now: () => serverTime }, {}, async (emu, c) => {
      await c.readChanges('Accounts', undefined, { limit: 5 });
      serverTime += 3_601_000; // Zoho expired the token although our clock did not move
      expect((await c.upsertBatch('Accounts', 'Account_Number', [account('Z1')]))[0]).toMatchObject({ status: 'ok', created: true });
      expect(emu.admin.stats().logins).toBe(2);
    }, () => Date.UTC(2026, 2, 1));
  });

  it('answers a refused grant with HTTP 200 and an error field, which the connector reports as SS5150', async () => {
    await withZoho({}, { refreshToken: 'revoked' }, async (emu, c) => {
      const r = await raw(`${emu.url}/oauth/v2/token?grant_type=refresh_token&client_id=1000.SYNCSPECCLIENT&client_secret=zoho-client-secret&refresh_token=revoked`, { method: 'POST' });
      expect(r).toMatchObject({ status: 200, json: { error: 'invalid_code' } });
      await expect(c.readChanges('Accounts', undefined, { limit: 5 })).rejects.toMatchObject({ error: { code: 'SS5150', vendorCode: 'invalid_code' } });
    });
  });

  it('splits batches at 100, refuses 101 records with LIMIT_EXCEEDED, and answers 201/200/207', async () => {
    await withZoho({}, {}, async (emu, c) => {
      const keys = Array.from({ length: 150 }, (_, i) => `B${String(i).padStart(3, '0')}`);
      const before = emu.admin.stats().requests;
      const results = await c.upsertBatch('Accounts', 'Account_Number', keys.map((k) => account(k)));
      expect(results.every((r) => r.status === 'ok')).toBe(true);
      expect(emu.admin.stats().requests - before).toBe(3); // one token grant, two upsert calls of 100 + 50
      const auth = { authorization: `Zoho-oauthtoken ${await token(emu)}`, 'content-type': 'application/json' };
      const post = (data: unknown[]) => raw(`${emu.url}/crm/v8/Accounts/upsert`, { method: 'POST', headers: auth, body: JSON.stringify({ data, duplicate_check_fields: ['Account_Number'] }) });
      expect(await post(Array.from({ length: 101 }, (_, i) => ({ Account_Name: 'x', Account_Number: `L${i}` })))).toMatchObject({ status: 400, json: { code: 'LIMIT_EXCEEDED' } });
      expect((await post([{ Account_Name: 'new', Account_Number: 'N1' }])).status).toBe(201);
      expect((await post([{ Account_Name: 'again', Account_Number: 'N1' }])).status).toBe(200);
      const mixed = await post([{ Account_Name: 'ok', Account_Number: 'N2' }, { Account_Number: 'N3' }]);
      expect(mixed.status).toBe(207);
      expect(mixed.json).toMatchObject({ data: [{ code: 'SUCCESS', action: 'insert' }, { code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Account_Name' }, status: 'error' }] });
    });
  });

  it('maps record codes: INVALID_DATA on a known field is the record’s, on an unknown field a mapping error', async () => {
    await withZoho({}, {}, async (_emu, c) => {
      const results = await c.upsertBatch('Accounts', 'Account_Number', [account('I1', { Annual_Revenue: 'lots' }), account('I2', { No_Such_Field__c: 1 }), account('I3')]);
      expect(results[0]).toMatchObject({ status: 'reject', error: { code: 'SS5156', class: 'rejected', vendorCode: 'INVALID_DATA' } });
      expect(results[0]?.status === 'reject' && results[0].error.message).toContain('Annual_Revenue');
      expect(results[1]).toMatchObject({ status: 'reject', error: { code: 'SS5157', class: 'bad-mapping', vendorCode: 'INVALID_DATA' } });
      expect(results[2]).toMatchObject({ status: 'ok', created: true });
      await expect(c.readChanges('No_Module', undefined, { limit: 5 })).rejects.toMatchObject({ error: { code: 'SS5165', class: 'bad-mapping' } });
    });
  });

  it('reads past the first 2,000 records with page_token (scaled down: page reaches 20 records)', async () => {
    await withZoho({ maxPageRecords: 20 }, { maxPageRecords: 20 }, async (emu, c) => {
      // 45 records in one second: readChanges must page inside that second, past the page limit.
      emu.admin.seed('Accounts', Array.from({ length: 45 }, (_, i) => ({ Account_Name: `T${i}`, Account_Number: `T${String(i).padStart(2, '0')}`, Modified_Time: '2026-03-01T10:00:00+05:30' })));
      const seen: string[] = [];
      let next: string | undefined;
      let checkpoint;
      do {
        const page = await c.readChanges('Accounts', undefined, next === undefined ? { limit: 7 } : { limit: 7, next });
        seen.push(...page.records.map((r) => String(r.data.Account_Number)));
        checkpoint = page.checkpoint ?? checkpoint;
        next = page.next;
      } while (next !== undefined);
      expect(seen.length).toBe(45);
      expect(new Set(seen).size).toBe(45);
      expect(checkpoint?.at).toBe('2026-03-01T04:30:00.000Z');
      const scanned: string[] = [];
      for await (const p of c.scan('Accounts', { pageSize: 7 })) scanned.push(...p.map((r) => r.id));
      expect(scanned.length).toBe(45);
      expect(scanned).toEqual([...scanned].sort());
      // Without page_token the emulator refuses to page that deep, as Zoho does.
      const auth = { authorization: `Zoho-oauthtoken ${await token(emu)}` };
      expect(await raw(`${emu.url}/crm/v8/Accounts?fields=Account_Name&per_page=7&page=3`, { headers: auth })).toMatchObject({ status: 400, json: { code: 'DISCREPANCY_IN_PAGINATION' } });
    });
  });

  it('converts Modified_Time in the user offset to UTC cursors; answers 304 / 204 when there is nothing', async () => {
    await withZoho({ userOffsetMinutes: 330 }, {}, async (emu, c) => {
      emu.admin.seed('Accounts', [{ Account_Name: 'A', Account_Number: 'A1', Modified_Time: '2026-03-01T00:00:00Z' }]);
      const page = await c.readChanges('Accounts', undefined, { limit: 5 });
      expect(page.records.map((r) => [r.data.Modified_Time, r.cursor])).toEqual([['2026-03-01T05:30:00+05:30', '2026-03-01T00:00:00.000Z']]);
      const auth = { authorization: `Zoho-oauthtoken ${await token(emu)}` };
      expect((await raw(`${emu.url}/crm/v8/Accounts?fields=Account_Name`, { headers: { ...auth, 'if-modified-since': '2026-03-02T00:00:00+05:30' } })).status).toBe(304);
      expect((await raw(`${emu.url}/crm/v8/Contacts?fields=Last_Name`, { headers: auth })).status).toBe(204);
      expect((await raw(`${emu.url}/crm/v8/Accounts`, { headers: auth })).json).toMatchObject({ code: 'REQUIRED_PARAM_MISSING' });
      expect(await c.readChanges('Contacts', undefined, { limit: 5 })).toEqual({ records: [] });
    });
  });

  it('resolves id-only callbacks into current records, deletes included, and refuses unknown channels', async () => {
    const { startReceiver } = await import('./receiver.ts');
    await withZoho({}, {}, async (emu, c) => {
      const [a, b] = emu.admin.seed('Accounts', [{ Account_Name: 'Alpha', Account_Number: 'W1', Phone: '+86 21 1234' }, { Account_Name: 'Beta', Account_Number: 'W2' }]);
      const receiver = await startReceiver(c);
      try {
        expect(await c.watch({ module: 'Accounts', notifyUrl: receiver.url })).toMatchObject({ channelId: CHANNEL.channelId });
        emu.admin.mutate('Accounts', a!.id, { Phone: '+86 21 5678' });
        await emu.admin.notify({ module: 'Accounts', ids: [a!.id, b!.id], operation: 'update', grouped: true });
        await emu.admin.notify({ module: 'Accounts', ids: [b!.id], operation: 'delete' });
        const events = receiver.received.flatMap((r) => (r.outcome.ok ? r.outcome.events : []));
        expect(events.map((e) => [e.record.id, e.record.deleted === true])).toEqual([[a!.id, false], [b!.id, false], [b!.id, true]]);
        const resolved = await c.resolveEvents('Accounts', events);
        expect(resolved.map((e) => e.deliveryId)).toEqual(events.map((e) => e.deliveryId));
        expect(resolved[0]?.record).toMatchObject({ id: a!.id, data: { Account_Number: 'W1', Phone: '+86 21 5678' } });
        expect(resolved[0]?.record.cursor).toBeDefined();
        expect(resolved[2]?.record).toMatchObject({ id: b!.id, deleted: true });
      } finally {
        await receiver.close();
      }
      const body = (over: Record<string, unknown>) => ({ method: 'POST', path: '/hook', headers: {}, query: {}, body: Buffer.from(JSON.stringify({ server_time: 1, module: 'Accounts', ids: ['1'], operation: 'insert', channel_id: CHANNEL.channelId, token: CHANNEL.token, ...over })) });
      expect(c.verifyWebhook(body({ channel_id: '999' }))).toMatchObject({ ok: false, code: 'SS5159' });
      expect(c.verifyWebhook(body({ module: 'Contacts' }))).toMatchObject({ ok: false, code: 'SS5159' });
      expect(c.verifyWebhook(body({ ids: 'not-a-list' }))).toMatchObject({ ok: false, code: 'SS5161' });
      expect(c.verifyWebhook(body({}))).toMatchObject({ ok: true, events: [{ deliveryId: `zoho:${CHANNEL.channelId}:1:insert:1` }] });
    });
  });

  it('answers 429 TOO_MANY_REQUESTS once the day’s API credits are spent; the connector waits its default back-off', async () => {
    await withZoho({ dailyCredits: 3 }, {}, async (_emu, c) => {
      // 25 records cost 3 credits: the allowance is gone after one upsert.
      expect((await c.upsertBatch('Accounts', 'Account_Number', Array.from({ length: 25 }, (_, i) => account(`CR${i}`)))).every((r) => r.status === 'ok')).toBe(true);
      const r = await c.upsertBatch('Accounts', 'Account_Number', [account('CR99')]);
      expect(r[0]).toMatchObject({ status: 'retry', error: { code: 'SS5155', class: 'throttled', vendorCode: 'TOO_MANY_REQUESTS', retryAfterMs: 60_000 } });
    });
  });

  it('writes sales orders with line items and reads them back record by record', async () => {
    await withZoho({}, {}, async (emu, c) => {
      const [acct] = emu.admin.seed('Accounts', [{ Account_Name: '华东贸易', Account_Number: 'A-1' }]);
      const product = emu.admin.records('Products').find((p) => p.Product_Code === 'P-1001');
      // Lookups in the mapping form (the id) are written as {id}; ones already in that form pass as they are.
      const so = (subject: string, items: unknown[]) => ({ key: subject, idempotencyKey: `${subject}@1`, record: { Subject: subject, Account_Name: acct!.id, Customer_No: subject, Ordered_Items: items } });
      const line = { Product_Name: product!.id, Quantity: 4, List_Price: 1.25 };
      const results = await c.upsertBatch('Sales_Orders', 'Customer_No', [
        so('SO-1', [line]),
        so('SO-2', [{ ...line, Product_Name: { id: '404' } }]),
        so('SO-3', [{ Product_Name: { id: product!.id } }]),
      ]);
      expect(results.map((r) => r.status)).toEqual(['ok', 'reject', 'reject']);
      expect(results[1]).toMatchObject({ error: { code: 'SS5156', class: 'rejected', vendorCode: 'INVALID_DATA' } });
      expect(results[2]).toMatchObject({ error: { code: 'SS5156', vendorCode: 'MANDATORY_NOT_FOUND' } });
      const page = await c.readChanges('Sales_Orders', undefined, { limit: 10 });
      expect(page.records).toHaveLength(1);
      // …and read back in the mapping form: the lookup's id, not Zoho's {name, id}.
      expect(page.records[0]?.data).toMatchObject({ Subject: 'SO-1', Account_Name: acct!.id, Ordered_Items: [{ Product_Name: product!.id, Quantity: 4, Total: 5 }] });
      const auth = { authorization: `Zoho-oauthtoken ${await token(emu)}` };
      expect(await raw(`${emu.url}/crm/v8/Sales_Orders?fields=Subject,Ordered_Items`, { headers: auth })).toMatchObject({ status: 400, json: { code: 'INVALID_DATA', details: { api_name: 'Ordered_Items' } } });
    });
  });

  it('validates watch registrations and stops notifying through an expired channel', async () => {
    let t = Date.UTC(2026, 2, 1);
    await withZoho({ now: () => t }, {}, async (emu, c) => {
      const auth = { authorization: `Zoho-oauthtoken ${await token(emu)}`, 'content-type': 'application/json' };
      const watch = (w: Record<string, unknown>) => raw(`${emu.url}/crm/v8/actions/watch`, { method: 'POST', headers: auth, body: JSON.stringify({ watch: [{ channel_id: '42', events: ['Accounts.all'], notify_url: 'http://127.0.0.1:1/hook', ...w }] }) });
      expect(await watch({ token: 'x'.repeat(51) })).toMatchObject({ status: 400, json: { watch: [{ code: 'INVALID_DATA', details: { api_name: 'token' } }] } });
      expect(await watch({ events: ['Nope.create'] })).toMatchObject({ status: 400 });
      expect((await watch({})).status).toBe(200);
      const [rec] = emu.admin.seed('Accounts', [{ Account_Name: 'E', Account_Number: 'E1' }]);
      t += 3_600_001;
      expect(await emu.admin.notify({ module: 'Accounts', ids: [rec!.id], operation: 'update' })).toEqual([]);
      await expect(c.watch({ module: 'Accounts', notifyUrl: 'http://127.0.0.1:1/hook', expiresAt: new Date(t + 2 * 86_400_000).toISOString() })).rejects.toMatchObject({ error: { code: 'SS5164', class: 'bad-mapping' } });
    }, () => t);
  });
});

convergesUnderRandomFaults('zoho-crm', () => startZohoHarness());
