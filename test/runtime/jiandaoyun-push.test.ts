/**
 * Jiandaoyun data pushes (signed, duplicated, reordered within a delivery) through the worker's webhook route into the
 * inbox and on to a target: one effect per record version, the newest version last, forged pushes refused.
 */
import { afterEach, expect, it } from 'vitest';
import { JiandaoyunConnector } from '../../connectors/jiandaoyun/connector.ts';
import { DEFAULT_JDY_FORM, startJiandaoyunEmulator, type JiandaoyunEmulator } from '../../connectors/jiandaoyun/emulator/server.ts';
import { silentLogger } from '../../runtime/ops/log.ts';
import type { UpsertItem } from '../../runtime/support/connector.ts';
import { Worker } from '../../runtime/worker.ts';
import { makePlan, MemoryConnector } from './fixtures.ts';
import { sqliteTestStore, type TestStore } from './stores.ts';

const FORM = `${DEFAULT_JDY_FORM.appId}/${DEFAULT_JDY_FORM.entryId}`;
let t: TestStore | undefined;
let jdy: JiandaoyunEmulator | undefined;
let worker: Worker | undefined;
afterEach(async () => {
  await worker?.stop();
  await jdy?.close();
  await t?.dispose();
  worker = jdy = t = undefined;
});

it('stores signed pushes once per version, delivers the newest, refuses a forged push', async () => {
  t = await sqliteTestStore();
  jdy = await startJiandaoyunEmulator();
  const source = new JiandaoyunConnector({ baseUrl: jdy.apiBase, apiKey: 'jdy-test-key', webhookSecret: 'push-secret', timeoutMs: 5000 });
  const target = new MemoryConnector('kingdee-k3cloud');
  const seen: string[] = [];
  const upsert = target.upsertBatch.bind(target);
  target.upsertBatch = (entity: string, key: string, items: readonly UpsertItem[]) => {
    for (const i of items) seen.push(`${i.key}=${String(i.record.FName)}`);
    return upsert(entity, key, items);
  };
  const plan = makePlan({
    name: 'jdy-customers',
    source: { connection: 'jdy', system: 'jiandaoyun', entity: FORM, key: '_widget_1001' },
    delivery: { mode: 'upsert', batchSize: 20, maxWaitMs: 10, retry: { attempts: 3, initialMs: 20, maxMs: 200 }, deadLetter: true },
  });
  worker = new Worker({
    specs: [{ plan, transform: { filter: () => true, transform: (s) => ({ ok: true, value: { FNumber: s._widget_1001, FName: s._widget_1002 } }) } }],
    connectors: { jdy: source, erp: target },
    store: t.store,
    log: silentLogger(),
    delivery: { idleMs: 10 },
  });
  await worker.start();
  const hook = `${worker.url}/hooks/jdy-customers`;
  const rows = jdy.admin.seed(FORM, [
    { _widget_1001: 'J-001', _widget_1002: '成都客户' },
    { _widget_1001: 'J-002', _widget_1002: '重庆客户' },
  ]);
  const reports = await jdy.admin.push({ url: hook, secret: 'push-secret', appId: DEFAULT_JDY_FORM.appId, entryId: DEFAULT_JDY_FORM.entryId, dataIds: rows.map((r) => r._id), duplicate: true, reorder: true });
  expect(reports.every((r) => r.status === 200)).toBe(true);
  await expect.poll(() => target.records.size).toBe(2);
  await expect.poll(() => t!.store.depth()).toEqual({});

  // A forged push (wrong secret) is refused and stores nothing.
  const forged = await jdy.admin.push({ url: hook, secret: 'not-the-secret', appId: DEFAULT_JDY_FORM.appId, entryId: DEFAULT_JDY_FORM.entryId, dataIds: [rows[0]!._id] });
  expect(forged.map((r) => r.status ?? 0).every((s) => s >= 400 && s < 500)).toBe(true);

  // A person edits J-001 twice; each change is pushed twice: one write per version, the newest last.
  const push = () => jdy!.admin.push({ url: hook, secret: 'push-secret', appId: DEFAULT_JDY_FORM.appId, entryId: DEFAULT_JDY_FORM.entryId, dataIds: [rows[0]!._id], duplicate: true });
  await jdy.admin.mutate(FORM, { _id: rows[0]!._id, _widget_1002: '成都客户（二）' });
  await push();
  await jdy.admin.mutate(FORM, { _id: rows[0]!._id, _widget_1002: '成都客户（三）' });
  await push();
  await expect.poll(() => target.records.get('J-001')?.FName).toBe('成都客户（三）');
  await expect.poll(() => t!.store.depth()).toEqual({});
  expect(seen.filter((s) => s.startsWith('J-001')).at(-1)).toBe('J-001=成都客户（三）');
  expect(new Set(seen).size).toBe(seen.length); // no version written twice
});
