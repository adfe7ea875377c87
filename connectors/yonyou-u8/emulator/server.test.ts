import { afterEach, describe, expect, it } from 'vitest';
import { startU8Emulator, type U8Emulator } from './server.ts';

let emu: U8Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function call(path: string, method = 'GET', body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${(emu as U8Emulator).url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('yonyou-u8 emulator', () => {
  it('runs the documented call sequence: token, trade id, add, result polling, get, batch_get', async () => {
    emu = await startU8Emulator({ asyncPolls: 1 });
    const auth = `from_account=${emu.fromAccount}&to_account=${emu.toAccount}&app_key=${emu.appKey}`;
    expect((await call(`/system/token?from_account=${emu.fromAccount}&app_key=${emu.appKey}&app_secret=bad`)).json).toMatchObject({ errcode: '30001' });
    const token = ((await call(`/system/token?from_account=${emu.fromAccount}&app_key=${emu.appKey}&app_secret=u8-app-secret`)).json as { token: { id: string; expiresIn: number } }).token;
    expect(token.expiresIn).toBe(7200);
    const trade = ((await call(`/system/tradeid?${auth}&token=${token.id}`)).json as { trade: { id: string } }).trade.id;
    const add = await call(`/api/customer/add?${auth}&token=${token.id}&tradeid=${trade}`, 'POST', { customer: { code: 'C9', name: '测试', abbrname: '测', sort_code: '01' } });
    const resultUrl = (add.json as { url: string }).url;
    expect(add).toMatchObject({ status: 200, json: { errcode: '0' } });
    const poll = () => fetch(`${resultUrl}&${auth}&token=${token.id}`).then((r) => r.json());
    expect(await poll()).toEqual({ errcode: '30025', errmsg: '操作正在执行' });
    expect(await poll()).toEqual({ errcode: '0', errmsg: '', id: 'C9' });
    // The same trade id again: recognised, answered as before, nothing written twice.
    expect((await call(`/api/customer/add?${auth}&token=${token.id}&tradeid=${trade}`, 'POST', { customer: { code: 'C9', name: 'x', abbrname: 'x', sort_code: '01' } })).json).toEqual(add.json);
    expect(emu.admin.effects('customer')).toEqual([{ entity: 'customer', key: 'C9', creates: 1, updates: 0, deletes: 0 }]);
    expect((await call(`/api/customer/get?${auth}&token=${token.id}&id=C9`)).json).toMatchObject({ errcode: '0', customer: { code: 'C9', name: '测试', modifyperson: 'openapi' } });
    expect((await call(`/api/customer/batch_get?${auth}&token=${token.id}&page_index=1&rows_per_page=10&modifydate_begin=2000-01-01%2000:00:00`)).json).toMatchObject({ errcode: '0', row_count: '1', page_count: '1', customer: [{ code: 'C9' }] });
    expect((await call(`/api/customer/batch_get?${auth}&token=${token.id}&modifydate_begin=yesterday`)).json).toMatchObject({ errcode: '10001' });
    expect((await call(`/api/customer/add?${auth}&token=${token.id}&tradeid=never-issued`, 'POST', { customer: {} })).json).toMatchObject({ errcode: '30003' });
  });

  it('refuses bad admin input with 400', async () => {
    emu = await startU8Emulator();
    expect((await call('/__admin/seed', 'POST', { customer: [{ name: 'no code' }] })).status).toBe(400);
    expect((await call('/__admin/seed', 'POST', { customer: [{ code: 'C1', modifydate: 'soon' }] })).status).toBe(400);
    expect((await call('/__admin/mutate', 'POST', { entity: 'customer' })).status).toBe(400);
    expect(await call('/__admin/records')).toEqual({ status: 200, json: { inventory: 2 } });
  });
});
