import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKingdeeEmulator, type KingdeeEmulator } from './server.ts';

let emu: KingdeeEmulator;
let cookie: string;
const svc = (name: string) => `${emu.serverUrl}Kingdee.BOS.WebApi.ServicesStub.${name}.common.kdsvc`;

async function post(name: string, body: unknown, withCookie = true) {
  const res = await request(svc(name), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(withCookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: JSON.parse(text) as unknown };
}
const save = (formid: string, data: unknown) => post('DynamicFormService.BatchSave', { formid, data });
const status = (j: unknown) => (j as { Result: { ResponseStatus: Record<string, unknown> } }).Result.ResponseStatus;

beforeEach(async () => {
  emu = await startKingdeeEmulator({ now: () => Date.UTC(2026, 2, 1, 2, 0, 0) });
  const login = await post('AuthService.ValidateUser', { acctID: emu.acctId, username: 'syncspec', password: 'kingdee@123', lcid: 2052 }, false);
  const set = login.headers['set-cookie'] as string[];
  cookie = set.map((c) => c.split(';')[0]).join('; ');
});
afterEach(() => emu.close());

describe('Kingdee emulator', () => {
  it('logs in with both session cookies, and refuses bad passwords with HTTP 200', async () => {
    expect(cookie).toMatch(/kdservice-sessionid=.+; ASP\.NET_SessionId=.+/);
    const bad = await post('AuthService.ValidateUser', { parameters: [emu.acctId, 'syncspec', 'nope', 2052] }, false);
    expect([bad.status, (bad.json as { LoginResultType: number }).LoginResultType]).toEqual([200, 0]);
  });

  it('answers a lost session with MsgCode 1 and HTTP 200, nested in the array for queries', async () => {
    emu.admin.expireSessions();
    const r = await save('BD_Customer', { Model: [] });
    expect([r.status, status(r.json).MsgCode, (status(r.json).Errors as { Message: string }[])[0]?.Message]).toEqual([200, 1, '会话信息已丢失，请重新登录']);
    const q = await post('DynamicFormService.ExecuteBillQuery', { data: { FormId: 'BD_Customer', FieldKeys: 'FNumber' } });
    expect((q.json as { Result: { ResponseStatus: { MsgCode: number } } }[][])[0]?.[0]?.Result.ResponseStatus.MsgCode).toBe(1);
  });

  it('creates with pk 0, updates with the real id, reports partial success by DIndex, and checks base-data numbers', async () => {
    const r = await save('BD_Customer', {
      Model: [
        { FCUSTID: 0, FNumber: 'C1', FName: '上海甲公司', FTRADINGCURRID: { FNumber: 'PRE001' } },
        { FCUSTID: 0, FNumber: 'C2', FName: '乙', FTRADINGCURRID: { FNUMBER: 'NOPE' } },
        { FCUSTID: 0, FNumber: 'C3' },
      ],
    });
    const s = status(r.json);
    expect(s.IsSuccess).toBe(false);
    expect((s.SuccessEntitys as { DIndex: number; Number: string }[]).map((e) => [e.DIndex, e.Number])).toEqual([[0, 'C1']]);
    expect((s.Errors as { DIndex: number; FieldName: string }[]).map((e) => [e.DIndex, e.FieldName])).toEqual([[1, 'FTRADINGCURRID'], [2, 'FName']]);
    const id = (s.SuccessEntitys as { Id: number }[])[0]?.Id;
    const again = await save('BD_Customer', { Model: [{ FCUSTID: 0, FNumber: 'C1', FName: 'dup' }] });
    expect((status(again.json).Errors as { Message: string }[])[0]?.Message).toContain('已经存在');
    const upd = await save('BD_Customer', { Model: [{ FCUSTID: id, FNumber: 'C1', FName: '上海甲公司（新）' }] });
    expect(status(upd.json).IsSuccess).toBe(true);
    const view = await post('DynamicFormService.View', { formid: 'BD_Customer', data: { CreateOrgId: 0, Number: 'C1', Id: '' } });
    const rec = (view.json as { Result: { Result: Record<string, unknown> } }).Result.Result;
    expect([rec.Id, rec.FName, (rec.FTRADINGCURRID as { Number: string }).Number, rec.FModifyDate]).toEqual([id, '上海甲公司（新）', 'PRE001', '2026-03-01T10:00:00']);
    expect(emu.admin.effects('BD_Customer')).toEqual([{ entity: 'BD_Customer', key: 'C1', creates: 1, updates: 1, deletes: 0 }]);
    const unknown = await save('BD_Customer', { Model: [{ FCUSTID: 0, FNumber: 'C9', FName: 'x', FNoSuchField: 1 }] });
    expect([status(unknown.json).MsgCode, (status(unknown.json).Errors as { FieldName: string }[])[0]?.FieldName]).toEqual([9, 'FNoSuchField']);
  });

  it('saves bills with entries, replaces entry rows on update, and queries them as bare arrays (one row per entry)', async () => {
    emu.admin.seed('BD_Customer', [{ FNumber: 'C1', FName: '客户' }]);
    emu.admin.seed('BD_MATERIAL', [{ FNumber: 'P-1', FName: '物料一' }, { FNumber: 'P-2', FName: '物料二' }]);
    const order = {
      FID: 0,
      FBillTypeID: { FNUMBER: 'XSDD01_SYS' },
      FDate: '2026-03-01',
      FSaleOrgId: { FNumber: '100' },
      FCustId: { FNumber: 'C1' },
      FSaleOrderFinance: { FSettleCurrId: { FNumber: 'PRE001' } },
      FSaleOrderEntry: [{ FMaterialId: { FNumber: 'P-1' }, FQty: 5, FTaxPrice: 113 }, { FMaterialId: { FNumber: 'P-2' }, FQty: 1 }],
    };
    const created = await post('DynamicFormService.Save', { formid: 'SAL_SaleOrder', data: { Model: order } });
    const res = (created.json as { Result: { Id: number; Number: string } }).Result;
    expect(res.Number).toMatch(/^XSDD\d{6}$/);
    const q = async () =>
      (await post('DynamicFormService.ExecuteBillQuery', {
        data: { FormId: 'SAL_SaleOrder', FieldKeys: 'FID,FBillNo,FCustId.FNumber,FMaterialId.FNumber,FQty,FSettleCurrId.FNumber', FilterString: `FBillNo = '${res.Number}'`, OrderString: 'FSaleOrderEntry_FEntryID ASC', StartRow: 0, Limit: 10 },
      })).json;
    expect(await q()).toEqual([[res.Id, res.Number, 'C1', 'P-1', 5, 'PRE001'], [res.Id, res.Number, 'C1', 'P-2', 1, 'PRE001']]);
    await post('DynamicFormService.Save', { formid: 'SAL_SaleOrder', data: { Model: { ...order, FID: res.Id, FBillNo: res.Number, FSaleOrderEntry: [{ FMaterialId: { FNumber: 'P-2' }, FQty: 7 }] } } });
    expect(await q()).toEqual([[res.Id, res.Number, 'C1', 'P-2', 7, 'PRE001']]);
  });

  it('pages queries with StartRow/Limit capped at the server maximum, and nests query errors', async () => {
    emu.admin.seed('BD_Customer', Array.from({ length: 30 }, (_, i) => ({ FNumber: `C${String(i).padStart(2, '0')}`, FName: `n${i}` })));
    const page = async (start: number, limit: number) =>
      (await post('DynamicFormService.ExecuteBillQuery', { data: { FormId: 'BD_Customer', FieldKeys: 'FNumber', OrderString: 'FNumber ASC', StartRow: start, Limit: limit } })).json as string[][];
    expect((await page(0, 10)).length).toBe(10);
    expect((await page(25, 10)).map((r) => r[0])).toEqual(['C25', 'C26', 'C27', 'C28', 'C29']);
    const main = emu;
    const mainCookie = cookie;
    emu = await startKingdeeEmulator({ maxQueryLimit: 3 });
    try {
      const login = await post('AuthService.LoginByAppSecret', { parameters: [emu.acctId, 'syncspec', '300000_syncspecAppId', 'syncspec-app-secret', 2052] }, false);
      cookie = (login.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
      emu.admin.seed('BD_Customer', Array.from({ length: 5 }, (_, i) => ({ FNumber: `S${i}`, FName: 's' })));
      expect((await page(0, 10)).length).toBe(3);
    } finally {
      await emu.close();
      emu = main;
      cookie = mainCookie;
    }
    const err = (await post('DynamicFormService.ExecuteBillQuery', { data: { FormId: 'BD_Customer', FieldKeys: 'FNope' } })).json;
    expect(err).toEqual([[{ Result: { ResponseStatus: expect.objectContaining({ IsSuccess: false, MsgCode: 9 }) } }]]);
    const syntax = (await post('DynamicFormService.ExecuteBillQuery', { data: { FormId: 'BD_Customer', FieldKeys: 'FNumber', FilterString: "FNumber = 'x" } })).json;
    expect((syntax as unknown[][])[0]?.[0]).toEqual({ Result: { ResponseStatus: expect.objectContaining({ IsSuccess: false }) } });
  });

  it('accepts the legacy positional parameters shape', async () => {
    const r = await post('DynamicFormService.Save', { parameters: ['BD_Customer', JSON.stringify({ Model: { FCUSTID: 0, FNumber: 'L1', FName: 'legacy' } })] });
    expect(status(r.json).IsSuccess).toBe(true);
  });

  it('finds every row of a number two organisations share, and keeps the number index in step with deletes and re-creates', async () => {
    const model = (number: string, org: string) => ({ FCUSTID: 0, FNumber: number, FName: `${number}@${org}`, FUseOrgId: { FNumber: org }, FCreateOrgId: { FNumber: org } });
    expect(status((await save('BD_Customer', { Model: [model('S1', '100'), model('S1', '101'), model('S2', '100')] })).json).IsSuccess).toBe(true);
    const byNumber = async (n: string) =>
      ((await post('DynamicFormService.ExecuteBillQuery', { data: { FormId: 'BD_Customer', FieldKeys: 'FCUSTID,FName', FilterString: `FNumber = '${n}'` } })).json as [number, string][]).map((r) => r[1]);
    expect(await byNumber('S1')).toEqual(['S1@100', 'S1@101']);
    const [first] = (await post('DynamicFormService.ExecuteBillQuery', { data: { FormId: 'BD_Customer', FieldKeys: 'FCUSTID', FilterString: "FNumber = 'S1'" } })).json as [number][];
    expect(status((await post('DynamicFormService.Delete', { formid: 'BD_Customer', data: { Ids: String(first?.[0]) } })).json).IsSuccess).toBe(true);
    expect(await byNumber('S1')).toEqual(['S1@101']);
    expect(status((await post('DynamicFormService.Delete', { formid: 'BD_Customer', data: { Numbers: ['S2'] } })).json).IsSuccess).toBe(true);
    expect(await byNumber('S2')).toEqual([]);
    expect(status((await save('BD_Customer', { Model: [model('S2', '100')] })).json).IsSuccess).toBe(true);
    expect(await byNumber('S2')).toEqual(['S2@100']);
    expect(emu.admin.effects('BD_Customer').map((e) => [e.key, e.creates, e.deletes])).toEqual([['S1', 2, 1], ['S2', 2, 1]]);
  });
});
