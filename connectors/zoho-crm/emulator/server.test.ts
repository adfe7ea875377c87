import { afterEach, describe, expect, it } from 'vitest';
import { startZohoEmulator, zohoDateTime, type ZohoEmulator } from './server.ts';

let emu: ZohoEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function call(path: string, method = 'GET', body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${(emu as ZohoEmulator).url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('zoho-crm emulator', () => {
  it('seeds, lists and resets through the admin endpoint, and refuses bad admin input with 400', async () => {
    emu = await startZohoEmulator();
    expect(await call('/__admin/seed', 'POST', { Accounts: [{ Account_Name: 'A', Account_Number: 'A1' }] })).toEqual({ status: 200, json: { Accounts: 1 } });
    expect(await call('/__admin/records')).toEqual({ status: 200, json: { Accounts: 1, Products: 2 } });
    expect((await call('/__admin/seed', 'POST', { Accounts: [{ Nope: 1 }] })).status).toBe(400);
    expect((await call('/__admin/seed', 'POST', { Nowhere: [] })).status).toBe(400);
    expect((await call('/__admin/notify', 'POST', { module: 'Accounts' })).status).toBe(400);
    expect(await call('/__admin/channels')).toEqual({ status: 200, json: [] });
    await call('/__admin/reset', 'POST');
    expect(await call('/__admin/records')).toEqual({ status: 200, json: { Products: 2 } });
  });

  it('answers unauthenticated calls 401 AUTHENTICATION_FAILURE and unknown paths INVALID_URL_PATTERN', async () => {
    emu = await startZohoEmulator();
    expect(await call('/crm/v8/Accounts?fields=Account_Name')).toMatchObject({ status: 401, json: { code: 'AUTHENTICATION_FAILURE', status: 'error' } });
    expect(await call('/nowhere')).toMatchObject({ status: 404, json: { code: 'INVALID_URL_PATTERN' } });
  });

  it('writes datetimes in the user offset with whole seconds', () => {
    expect(zohoDateTime(Date.UTC(2026, 2, 1, 0, 0, 0, 999), 330)).toBe('2026-03-01T05:30:00+05:30');
    expect(zohoDateTime(Date.UTC(2026, 2, 1), -300)).toBe('2026-02-28T19:00:00-05:00');
  });
});
