/**
 * The worker end to end against the real-HTTP emulators: Salesforce Outbound Messages (duplicated and
 * reordered) → webhook → inbox → generated transform of `crm-account-to-erp-customer` → Kingdee BatchSave.
 * Run with the SQLite and the PostgreSQL store.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compiler/plan/types.ts';
import { silentLogger } from '../../runtime/ops/log.ts';
import { Worker } from '../../runtime/worker.ts';
import { loadCompiledSpec, loadLookupTables } from './compiled.ts';
import { fastDelivery, useExamplePair } from './example-pair.ts';
import { STORE_KINDS } from './stores.ts';

const SPEC = 'crm-account-to-erp-customer';

describe.each(STORE_KINDS)('Salesforce → Kingdee customers through the worker (%s store)', (kind) => {
  const pair = useExamplePair(kind);

  async function start() {
    const { store, sf, kd, connectors } = await pair.start();
    const worker = pair.own(
      new Worker({
        specs: [await loadCompiledSpec(SPEC)].map((c) => ({ plan: fastDelivery(c.plan), transform: c.transform })),
        connectors,
        store,
        lookups: loadLookupTables(),
        log: silentLogger(),
        delivery: { idleMs: 20 },
      }),
    );
    await worker.start();
    return { sf, kd, worker, store, hook: `${worker.url}/hooks/${SPEC}` };
  }

  it('delivers each account once, newest version wins; a rejected record is dead-lettered while the rest flow', async () => {
    const { sf, kd, worker, store, hook } = await start();
    const seeded = sf.admin.seed('Account', [
      { Name: ' 上海华东贸易有限公司 ', AccountNumber: 'c-sf-0001', Region__c: '华东', CurrencyIsoCode: 'CNY', BillingState: '上海市', BillingCity: '浦东新区', BillingStreet: '张江路88号', Phone: '+86 21 5080 1234' },
      // EUR maps to PRE003, which this ERP has no currency record for: Kingdee rejects the record.
      { Name: "O'Brien & Söhne \"Global\" Ltd. 🚀", AccountNumber: 'c-sf-0002', Region__c: '华东', CurrencyIsoCode: 'EUR' },
      { Name: '没有编号的客户', AccountNumber: null },
      { Name: '杭州客户 & <Co>', AccountNumber: 'c-sf-0004', Region__c: '华东', CurrencyIsoCode: 'USD' },
    ]);
    const reports = await sf.admin.sendOutbound({ url: hook, type: 'Account', duplicate: true, reorder: true, perMessage: 2 });
    expect(reports.length).toBeGreaterThan(0);
    await expect.poll(async () => (await store.listDeadLetters({})).length + kd.admin.records('BD_Customer').length, { timeout: 15_000 }).toBe(3);
    await expect.poll(() => store.depth()).toEqual({});
    const byNumber = new Map(kd.admin.records('BD_Customer').map((r) => [String(r.Number), r]));
    expect([...byNumber.keys()].sort()).toEqual(['C-SF-0001', 'C-SF-0004']);
    expect(byNumber.get('C-SF-0001')).toMatchObject({ FName: '上海华东贸易有限公司', FADDRESS: '上海市浦东新区张江路88号' });
    expect(byNumber.get('C-SF-0004')).toMatchObject({ FName: '杭州客户 & <Co>' });
    for (const n of byNumber.keys()) expect(kd.admin.effects('BD_Customer').find((e) => e.key === n)).toMatchObject({ creates: 1, updates: 0 });
    const dlq = await store.listDeadLetters({});
    expect(dlq.map((d) => [d.sourceId, d.code, d.class])).toEqual([[seeded[1]!.Id, 'SS5021', 'rejected']]);
    expect(dlq[0]?.reason).toContain('PRE003');
    expect(dlq[0]?.input).toMatchObject({ AccountNumber: 'c-sf-0002', CurrencyIsoCode: 'EUR' });

    // A person edits one account: the next outbound message (sent twice) updates it exactly once.
    const edited = sf.admin.mutate('Account', { Id: seeded[0]!.Id, Name: '上海华东贸易（集团）有限公司' });
    await sf.admin.sendOutbound({ url: hook, type: 'Account', ids: [edited.Id], duplicate: true });
    await expect.poll(() => kd.admin.records('BD_Customer').find((r) => r.Number === 'C-SF-0001')?.FName, { timeout: 15_000 }).toBe('上海华东贸易（集团）有限公司');
    await expect.poll(() => store.depth()).toEqual({});
    expect(kd.admin.effects('BD_Customer').find((e) => e.key === 'C-SF-0001')).toMatchObject({ creates: 1, updates: 1 });

    // The nightly reconcile offers every record again: the dedupe finds nothing new and nothing is written.
    expect(await worker.resync(SPEC)).toBe(0);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toContain(`syncspec_records_delivered_total{spec="${SPEC}"} 3`);
    expect(metrics).toContain(`syncspec_records_dead_lettered_total{spec="${SPEC}",class="rejected"} 1`);
    expect(metrics).toContain(`syncspec_records_skipped_total{spec="${SPEC}",reason="filtered"} 1`);
    expect(metrics).toContain(`syncspec_dlq_size{spec="${SPEC}"} 1`);
  });

  it('rides out 503 bursts and 429s with Retry-After from the ERP and loses nothing', async () => {
    const { sf, kd, store, hook } = await start();
    kd.admin.setFaults({ next: ['error', 'throttle', 'error'], retryAfterSeconds: 1, pathContains: '.BatchSave.' });
    sf.admin.seed('Account', Array.from({ length: 30 }, (_, i) => ({ Name: `客户 ${i}`, AccountNumber: `n-${String(i).padStart(3, '0')}` })));
    await sf.admin.sendOutbound({ url: hook, type: 'Account', perMessage: 10 });
    await expect.poll(() => kd.admin.records('BD_Customer').length, { timeout: 20_000 }).toBe(30);
    await expect.poll(() => store.depth()).toEqual({});
    expect(await store.listDeadLetters({})).toEqual([]);
    for (const e of kd.admin.effects('BD_Customer')) expect(e.creates + e.updates).toBe(1);
  });
});

describe.each(STORE_KINDS)('Salesforce → Kingdee by polling (%s store)', (kind) => {
  const pair = useExamplePair(kind);

  it('pages SOQL to the end with ties across pages, moves the cursor after delivery, re-polls only what changed', async () => {
    // SOQL pages hold 200 records (the smallest batchSize), so 450 records sharing one SystemModstamp straddle two page boundaries.
    const { store, sf, kd, source, connectors } = await pair.start();
    const tie = '2026-03-01T00:00:00.000+0000';
    sf.admin.seed('Account', Array.from({ length: 450 }, (_, i) => ({ Name: `并列客户 ${i}`, AccountNumber: `tie-${String(i).padStart(3, '0')}`, Region__c: '华东', SystemModstamp: tie })));
    let pages = 0;
    const read = source.readChanges.bind(source);
    source.readChanges = (...args: Parameters<typeof read>) => {
      pages++;
      return read(...args);
    };
    const compiled = await loadCompiledSpec(SPEC);
    const plan: Plan = { ...fastDelivery(compiled.plan), triggers: [{ poll: { every: '1h', cursor: 'SystemModstamp', overlap: '2m' } }] };
    const worker = pair.own(
      new Worker({
        specs: [{ plan, transform: compiled.transform }],
        connectors,
        store,
        lookups: loadLookupTables(),
        log: silentLogger(),
        http: false,
        delivery: { idleMs: 20 },
        poll: { pageSize: 200, settleCheckMs: 20 },
      }),
    );
    await worker.start(); // the poll trigger reads once at start, then hourly
    await expect.poll(async () => (await store.getCursor(SPEC)).position, { timeout: 15_000 }).toBeDefined();
    expect(kd.admin.records('BD_Customer').length).toBe(450);
    expect(pages).toBe(3);
    for (const e of kd.admin.effects('BD_Customer')) expect(e).toMatchObject({ creates: 1, updates: 0 });
    const cursor = (await store.getCursor(SPEC)).position!;
    expect(cursor.at).toBe('2026-03-01T00:00:00.000Z');
    const last = sf.admin.records('Account').map((r) => r.Id).sort().at(-1);
    expect(cursor.id).toBe(last);

    // Two accounts change; the next poll (overlap re-reads the tie, deduped) writes just those two.
    const ids = sf.admin.records('Account').map((r) => r.Id).sort();
    for (const id of ids.slice(0, 2)) sf.admin.mutate('Account', { Id: id, Name: '已更新', SystemModstamp: '2026-03-01T00:05:00.000+0000' });
    const r = await worker.poller(SPEC)!.pollOnce();
    expect(r).toMatchObject({ advanced: true, stored: 2 });
    await expect.poll(() => store.depth()).toEqual({});
    const effects = kd.admin.effects('BD_Customer');
    expect(effects.filter((e) => e.updates === 1)).toHaveLength(2);
    expect(effects.reduce((n, e) => n + e.creates + e.updates, 0)).toBe(452);
    expect((await store.cursorHistory(SPEC, 10)).map((m) => m.who)).toEqual(['poll', 'poll']);
  });
});
