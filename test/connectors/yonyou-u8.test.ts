import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../runtime/support/connector.ts';
import { utcToLocal } from '../../connectors/shared/cursor.ts';
import type { U8Config } from '../../connectors/yonyou-u8/client.ts';
import { U8Connector } from '../../connectors/yonyou-u8/connector.ts';
import { startU8Emulator, type U8Emulator } from '../../connectors/yonyou-u8/emulator/server.ts';
import { connectorContract, convergesUnderRandomFaults, type ContractHarness } from './contract.ts';

const cst = (iso: string): string => (utcToLocal(iso, 480) as string).slice(0, 19).replace('T', ' ');
const noWait = async (): Promise<void> => {};

function configFor(emu: U8Emulator, over: Partial<U8Config> = {}): U8Config {
  return {
    baseUrl: emu.url,
    fromAccount: emu.fromAccount,
    toAccount: emu.toAccount,
    appKey: emu.appKey,
    appSecret: 'u8-app-secret',
    operator: emu.operator,
    timeoutMs: 10_000,
    ...over,
  };
}

export async function startU8Harness(opts: { asyncPolls?: number } = {}): Promise<ContractHarness> {
  const emu = await startU8Emulator({ asyncPolls: opts.asyncPolls ?? 1 });
  const connector = new U8Connector(configFor(emu), Date.now, noWait);
  const byKey = (key: string) => emu.admin.records('customer').find((r) => r.code === key);
  const name = (key: string, v: number) => `客户 ${key} "v${v}" & 杭州`;
  return {
    connector,
    entity: 'customer',
    keyField: 'code',
    pageLimit: 7,
    ordered: false,
    writePathContains: '/add',
    dropWriteAnswers: (count) => emu.admin.setFaults({ next: Array.from({ length: count }, () => 'dropAfterWrite' as const), pathContains: '/add' }),
    async seedChanges(rows) {
      emu.admin.seed('customer', rows.map((r) => ({ code: r.key, name: `Seeded ${r.key}`, abbrname: r.key, sort_code: '01', modifydate: cst(r.at) })));
    },
    async touch(key, at) {
      emu.admin.mutate('customer', key, { memo: 'touched', modifydate: cst(at) });
    },
    keyOf: (r: SourceRecord) => String(r.data.code),
    validRecord: (key, v) => ({ code: key, name: name(key, v), abbrname: `${key}简称`, sort_code: '01', address: v === 1 ? null : `杭州市 ${v} 号` }),
    invalidRecord: (key) => ({ code: key, name: 'unknown class', abbrname: key, sort_code: 'NO-SUCH-CLASS' }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.name === name(key, v) && (rec.address ?? null) === (v === 1 ? null : `杭州市 ${v} 号`);
    },
    effects: (key) => emu.admin.effects('customer').find((e) => e.key === key) ?? { entity: 'customer', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new U8Connector(configFor(emu, { appSecret: 'wrong-u8-secret' }), Date.now, noWait),
    badSecret: 'wrong-u8-secret',
    withTimeout: (ms) => new U8Connector(configFor(emu, { timeoutMs: ms }), Date.now, noWait),
    async close() {
      await connector.close();
      await emu.close();
    },
  };
}

connectorContract('yonyou-u8', () => startU8Harness());
connectorContract('yonyou-u8 (results ready only after 3 polls)', () => startU8Harness({ asyncPolls: 3 }));

async function withU8<T>(opts: Parameters<typeof startU8Emulator>[0], over: Partial<U8Config>, body: (emu: U8Emulator, c: U8Connector, waits: number[]) => Promise<T>, now?: () => number): Promise<T> {
  const emu = await startU8Emulator(opts);
  const waits: number[] = [];
  const c = new U8Connector(configFor(emu, over), now, async (ms) => {
    waits.push(ms);
  });
  try {
    return await body(emu, c, waits);
  } finally {
    await c.close();
    await emu.close();
  }
}

const customer = (code: string, extra: Record<string, unknown> = {}) => ({ key: code, idempotencyKey: `${code}@1`, record: { code, name: `客户 ${code}`, abbrname: code, sort_code: '01', ...extra } });

describe('yonyou-u8 specifics', () => {
  it('turns offset-less CST into UTC cursors and asks U8 for changes since the CST second', async () => {
    await withU8({ seed: { customer: [
      { code: 'C1', name: '一', abbrname: '一', sort_code: '01', modifydate: '2026-03-01 10:00:00' },
      { code: 'C2', name: '二', abbrname: '二', sort_code: '01', modifydate: '2026-03-01 09:59:59' },
    ] } }, {}, async (_emu, c) => {
      const page = await c.readChanges('customer', { at: '2026-03-01T02:00:00.000Z', id: '' }, { limit: 10 });
      expect(page.records.map((r) => [r.id, r.data.modifydate, r.cursor])).toEqual([['C1', '2026-03-01 10:00:00', '2026-03-01T02:00:00.000Z']]);
      expect(page.checkpoint).toEqual({ at: '2026-03-01T02:00:00.000Z', id: 'C1' });
      await expect(c.readChanges('voucher_x', undefined, { limit: 1 })).rejects.toMatchObject({ error: { code: 'SS5165', class: 'bad-mapping' } });
    });
  });

  it('reuses the trade id after a lost answer: U8 recognises the trade and writes nothing twice', async () => {
    await withU8({}, {}, async (emu, c) => {
      emu.admin.setFaults({ next: ['dropAfterWrite'], pathContains: '/api/customer/add' });
      const lost = await c.upsertBatch('customer', 'code', [customer('T1')]);
      expect(lost[0]).toMatchObject({ status: 'retry', error: { code: 'SS5152' } });
      const again = await c.upsertBatch('customer', 'code', [customer('T1')]);
      expect(again[0]).toMatchObject({ status: 'ok', targetId: 'T1', created: false });
      // One trade id for both attempts; the repeat was answered from the first trade, not applied as an edit.
      expect(emu.admin.tradeIds()).toEqual([{ id: expect.any(String), used: true }]);
      expect(emu.admin.effects('customer')).toEqual([{ entity: 'customer', key: 'T1', creates: 1, updates: 0, deletes: 0 }]);
      // A new version takes a new trade id and edits.
      expect((await c.upsertBatch('customer', 'code', [{ ...customer('T1', { name: '新名' }), idempotencyKey: 'T1@2' }]))[0]).toMatchObject({ status: 'ok', created: false });
      expect(emu.admin.tradeIds().length).toBe(2);
      expect(emu.admin.records('customer')[0]).toMatchObject({ code: 'T1', name: '新名', modifyperson: 'openapi' });
    });
  });

  it('polls the result URL while U8 answers 30025, and reports a write still running as retryable with its trade kept', async () => {
    await withU8({ asyncPolls: 3 }, { pollIntervalMs: 250 }, async (emu, c, waits) => {
      expect((await c.upsertBatch('customer', 'code', [customer('P1')]))[0]).toMatchObject({ status: 'ok', created: true });
      expect(waits).toEqual([250, 250, 250]);
    });
    await withU8({ asyncPolls: 3 }, { maxPolls: 2 }, async (emu, c) => {
      const running = await c.upsertBatch('customer', 'code', [customer('P2')]);
      expect(running[0]).toMatchObject({ status: 'retry', error: { code: 'SS5158', class: 'retryable', vendorCode: '30025' } });
      expect(emu.admin.effects('customer')[0]).toMatchObject({ key: 'P2', creates: 1 });
      const done = await c.upsertBatch('customer', 'code', [customer('P2')]);
      expect(done[0]).toMatchObject({ status: 'ok' });
      expect(emu.admin.tradeIds().length).toBe(1);
      expect(emu.admin.effects('customer')[0]).toMatchObject({ key: 'P2', creates: 1, updates: 0 });
    });
  });

  it('re-acquires the token when U8 expires it (2 h) and writes sale orders and dispatch lists with entries', async () => {
    let serverNow = Date.UTC(2026, 2, 1);
    await withU8({ now: () => serverNow, seed: {
      customer: [{ code: 'C1', name: '华东客户', abbrname: '华东', sort_code: '01' }],
      inventory: [{ code: 'P-1001', name: '螺栓', sort_code: '01', main_measure: '个' }],
    } }, {}, async (emu, c) => {
      await c.readChanges('customer', undefined, { limit: 5 });
      serverNow += 7_201_000;
      const order = (code: string, cust: string, inv: string) => ({ key: code, idempotencyKey: `${code}@1`, record: { code, date: '2026-03-01', custcode: cust, deptcode: '01', entry: [{ inventorycode: inv, quantity: '5', taxunitprice: '113.00' }] } });
      const results = await c.upsertBatch('saleorder', 'code', [order('SO-1', 'C1', 'P-1001'), order('SO-2', 'C-404', 'P-1001'), order('SO-3', 'C1', 'P-404')]);
      expect(results.map((r) => r.status)).toEqual(['ok', 'reject', 'reject']);
      expect(results[1]).toMatchObject({ error: { code: 'SS5156', vendorCode: '20005' } });
      expect(results[1]?.status === 'reject' && results[1].error.message).toContain('C-404');
      expect(emu.admin.stats().logins).toBe(2);
      expect(emu.admin.records('saleorder')).toEqual([expect.objectContaining({ code: 'SO-1', cusname: '华东客户', maker: 'openapi', entry: [expect.objectContaining({ rowno: 1, inventorycode: 'P-1001', quantity: '5' })] })]);
      const dl = await c.upsertBatch('dispatchlist', 'code', [{ key: 'DL-1', idempotencyKey: 'DL-1@1', record: { code: 'DL-1', date: '2026-03-02', custcode: 'C1', deptcode: '01', saleordercode: 'SO-1', entry: [{ inventorycode: 'P-1001', quantity: '5' }] } }]);
      expect(dl[0]).toMatchObject({ status: 'ok', created: true });
      const read = await c.readChanges('dispatchlist', undefined, { limit: 5 });
      expect(read.records.map((r) => [r.id, r.echo])).toEqual([['DL-1', true]]);
    }, () => Date.UTC(2026, 2, 1));
  });

  it('refuses a key field other than code, and answers errcodes with HTTP 200', async () => {
    await withU8({}, {}, async (emu, c) => {
      expect((await c.upsertBatch('customer', 'name', [customer('K1')]))[0]).toMatchObject({ status: 'reject', error: { code: 'SS5157', class: 'bad-mapping' } });
      const res = await fetch(`${emu.url}/api/customer/get?from_account=${emu.fromAccount}&to_account=${emu.toAccount}&app_key=${emu.appKey}&token=stale&id=K1`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ errcode: '30002', errmsg: 'token 无效或已过期，请重新获取' });
    });
  });
});

convergesUnderRandomFaults('yonyou-u8', () => startU8Harness());
